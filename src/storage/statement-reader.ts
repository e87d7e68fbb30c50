import type { IndexCondition, StatementFilters } from '../xapi/statement-query-params.js'
import type { Sql } from './db.js'
import { keyHash, keyHashes } from './key-hash.js'

/**
 * Named SQL of the read side of the Statement Resource (xAPI Communication §2.1.3).
 *
 * Every query is index-driven, so its cost follows the page size, not the store size:
 * - one statement: the `statements_id_unique` index;
 * - a filtered page: ONE range scan in `seq` order over the most selective filter's stored key
 *   in `statement_index` (primary key `(key_hash, seq)`, src/storage/key-hash.ts), joined to
 *   `statements` by primary key, each further filter checked by an EXISTS probe on that same
 *   primary key; a `related_*` driver has two stored forms, and is two such scans merged;
 * - an unfiltered page: the `statements` primary key (or `(client_id, seq)` for read/mine).
 *
 * `since` and `until` are turned into a `seq` range: the writer assigns `seq` and `stored` in the
 * same order (storage order), so "stored after T" is "seq after the last statement stored at or
 * before T", one probe of `statements_stored_idx`. The `stored` comparisons are also kept as
 * row filters, so a result is never outside the asked time range whatever the writer does.
 */

export interface StoredStatementRow {
  seq: string
  /** timestamptz as text, e.g. `2026-12-03 16:22:18.123456+00`. */
  stored: string
  /** The stored statement as jsonb text: spliced into responses as is. */
  body: string
  attachment_hashes: string[] | null
  /** The xAPI version of the request that stored the statement. */
  version: string
}

export interface AttachmentRow {
  sha2: string
  content_type: string
  length: string
  content: Uint8Array
}

export interface StatementPageRequest {
  filters: StatementFilters
  ascending: boolean
  /** Statements to return; one more is read to learn whether another page exists. */
  limit: number
  /** `seq` of the last statement already returned (a following page), as decimal text. */
  after: string | undefined
  /**
   * Highest `seq` this query may return: the snapshot taken by its first page. Undefined on the
   * first page, which takes it in the same SQL statement (same MVCC snapshot) as its rows.
   */
  bound: string | undefined
  /** Only statements this client stored (`statements/read/mine`); all when undefined. */
  clientId: string | undefined
}

export interface StatementPage {
  rows: StoredStatementRow[]
  hasMore: boolean
  /** The snapshot bound of this query (the request's, or the one the first page took). */
  bound: string
}

/**
 * The snapshot bound a first page takes: the highest committed `seq` in the statement's own
 * MVCC snapshot. Statements commit in storage order, so every statement at or below it is
 * visible now and stays so for the pages that follow. `max(seq)` is an InitPlan answered from
 * the end of `statements_pkey`.
 */
const SNAPSHOT_MAX = 'COALESCE((SELECT max(seq) FROM statements), 0)'
const SNAPSHOT_BOUND = `${SNAPSHOT_MAX}::text AS bound`

/** statement-by-id: one statement, voided or not as asked (`statementId` / `voidedStatementId`). */
const STATEMENT_BY_ID = `
  SELECT seq, stored, body, attachment_hashes, version
  FROM statements
  WHERE id = $1 AND voided = $2 AND ($3::text IS NULL OR client_id = $3)`

/** attachments-by-hash: the content of the attachments a page of statements names. */
const ATTACHMENTS_BY_HASH = `
  SELECT sha2, content_type, length, content FROM attachments WHERE sha2 = ANY($1::text[])`

/**
 * seq-stored-at-or-before: the last `seq` stored at or before a time, 0 when none. A backward
 * scan of `statements_stored_idx` that stops at its first row (ties on `stored` sorted
 * incrementally by `seq`). Used as an InitPlan inside the page query, evaluated once.
 */
const seqStoredAtOrBefore = (param: string): string =>
  `COALESCE((SELECT seq FROM statements WHERE stored <= ${param}::timestamptz
    ORDER BY stored DESC, seq DESC LIMIT 1), 0)`

/** The stored forms of a filter key a condition matches (see src/storage/key-hash.ts). */
function hashesOf(condition: IndexCondition): string[] {
  if (condition.directOnly) return [keyHash(condition.key, true)]
  const { direct, related } = keyHashes(condition.key)
  return [direct, related]
}

/** Reads one statement by id; `voided` picks between `statementId` and `voidedStatementId`. */
export async function readStatementById(
  sql: Sql,
  id: string,
  voided: boolean,
  clientId: string | undefined,
): Promise<StoredStatementRow | undefined> {
  const { rows } = await sql.query<StoredStatementRow>(STATEMENT_BY_ID, [
    id,
    voided,
    clientId ?? null,
  ])
  return rows[0]
}

export async function readAttachments(
  sql: Sql,
  hashes: readonly string[],
): Promise<AttachmentRow[]> {
  if (hashes.length === 0) return []
  const { rows } = await sql.query<AttachmentRow>(ATTACHMENTS_BY_HASH, [[...new Set(hashes)]])
  return rows
}

/**
 * Filter kinds from the most to the least selective, by what a key usually names: a
 * registration (one learner's attempt: tens of statements), an agent (one learner: hundreds to
 * thousands), an activity (a course: up to millions), a verb (a handful of verbs share every
 * statement). Plain forms before `related_*` forms of the same kind, which match more rows.
 * Column statistics cannot tell this better: `statement_index.key_hash` mixes every kind, and
 * its most-common-values list would only cover the verbs.
 */
const KIND_RANK = ['registration:', 'agent:', 'activity:', 'verb:']

function selectivityRank(condition: IndexCondition): number {
  const kind = KIND_RANK.findIndex((prefix) => condition.key.startsWith(prefix))
  return kind * 2 + (condition.directOnly ? 0 : 1)
}

/**
 * statement-page: one page of a filtered query, newest first unless ascending, voided
 * statements left out (Communication §2.1.4). Built from fixed fragments; values are parameters.
 *
 * The shape is chosen so that PostgreSQL has one sensible plan, whatever its row estimates:
 *
 * - The driver's range is written as row comparisons on the index's leading column and `seq`,
 *   `(d.key_hash, d.seq) > ($hash, lo) AND (d.key_hash, d.seq) <= ($hash, hi)`, which together
 *   imply `d.key_hash = $hash`, and the ORDER BY names both columns. Only a btree on
 *   `(key_hash, seq)` can use a row comparison as an index condition or deliver that order, so
 *   the scan is `statement_index_pkey` from `(hash, lo)` to `(hash, hi)`. (Written as an
 *   equality and `seq` bounds, an earlier schema's plan walked a `seq` index for a frequent key,
 *   a verb, and filtered on the key, reading every other key's rows: 30k read for 500.)
 *   read/mine without key filters does the same on `statements_client_idx (client_id, seq)`.
 *   A first page's upper bound is its snapshot (`max(seq)`), so every page has a range.
 * - `statements` is joined through `LATERAL (... OFFSET 0)`: one primary key probe per driving
 *   row. A plain join let the planner pick a merge join that walks `statements_pkey` from the
 *   newest row down to the driving rows, which is unbounded when matches are old.
 * - Further filters are `EXISTS (... OFFSET 0)`: the OFFSET keeps each a per-row index probe
 *   (a SubPlan) instead of a semi-join the planner may turn into a hash join over every row of
 *   that key (seen: 250 ms, parallel seq scan of `statements`). The probe is one or two look-ups of
 *   `(key_hash, seq)` in the primary key.
 * - ORDER BY follows the driving index, so there is no sort and the scan stops once `limit + 1`
 *   rows pass. The worst case, a filter combination that matches nothing, reads every row of the
 *   driving key in range: the reason the driver is the most selective filter.
 *
 * Plans observed with EXPLAIN ANALYZE on PostgreSQL 15, 460k statements, 2.8M index rows:
 *   agent + verb: Limit -> Nested Loop
 *     -> Index Only Scan Backward using statement_index_pkey on statement_index d
 *          Index Cond: ROW(key_hash, seq) > ROW($agent, 0) AND ROW(key_hash, seq) <= ROW(...)
 *          Filter: SubPlan (Index Only Scan using statement_index_pkey, key_hash = $verb)
 *     -> Index Scan using statements_pkey on statements (seq = d.seq); 0.6 ms.
 *   verb alone (a sixth of the statements): the same driver, 101 rows read for 100, 2 ms.
 *   related_activities of a course in every 20th statement: Limit -> Sort -> Append of two such
 *     branches, each stopping at its 101st row; 1-2 ms (the unbounded plan it replaces: 270 ms).
 *   no filter: Index Scan [Backward] using statements_pkey, seq range; 0.2 ms.
 *   read/mine, no filter: Index Scan Backward using statements_client_idx; 0.9 ms.
 *   since/until: an InitPlan each, Limit over Index Scan Backward using statements_stored_idx
 *     (2 rows read), whose result bounds the driving index condition.
 */
export async function readStatementPage(
  sql: Sql,
  request: StatementPageRequest,
): Promise<StatementPage> {
  const params: unknown[] = []
  const param = (value: unknown): string => {
    params.push(value)
    return `$${params.length}`
  }

  const conditions = [...request.filters.conditions].sort(
    (a, b) => selectivityRank(a) - selectivityRank(b),
  )
  const [driver, ...checks] = conditions
  const { since, until } = request.filters

  // The seq range, as lower (exclusive) and upper (inclusive) bounds: the snapshot bound, the
  // keyset cursor, and since/until turned into seq bounds (see the top of this file).
  const lower: string[] = []
  const upper: string[] = []
  // A first page bounds itself by the snapshot it reports, which also gives every driving scan
  // an index range to use (see the row comparisons above).
  upper.push(request.bound === undefined ? SNAPSHOT_MAX : `${param(request.bound)}::bigint`)
  if (request.after !== undefined) {
    if (request.ascending) lower.push(`${param(request.after)}::bigint`)
    else upper.push(`${param(request.after)}::bigint - 1`)
  }
  const sinceParam = since === undefined ? undefined : param(since)
  const untilParam = until === undefined ? undefined : param(until)
  if (sinceParam !== undefined) lower.push(seqStoredAtOrBefore(sinceParam))
  if (untilParam !== undefined) upper.push(seqStoredAtOrBefore(untilParam))

  // The driving scan: an index key, else the client's statements (read/mine), else all. Its
  // range is written as row comparisons on the index's leading column (see above). A related_*
  // driver has two stored forms (src/storage/key-hash.ts), so two leading values: one branch each.
  let from = 'statements s'
  let seq = 's.seq'
  let lead: { column: string; values: string[] } | undefined
  if (driver !== undefined) {
    lead = { column: 'd.key_hash', values: hashesOf(driver).map((hash) => `${param(hash)}::uuid`) }
    from = `statement_index d
    CROSS JOIN LATERAL (SELECT * FROM statements s WHERE s.seq = d.seq OFFSET 0) s`
    seq = 'd.seq'
  } else if (request.clientId !== undefined) {
    lead = { column: 's.client_id', values: [param(request.clientId)] }
  }

  const where: string[] = ['NOT s.voided']
  if (request.clientId !== undefined && lead?.column !== 's.client_id') {
    where.push(`s.client_id = ${param(request.clientId)}`)
  }
  if (sinceParam !== undefined) where.push(`s.stored > ${sinceParam}::timestamptz`)
  if (untilParam !== undefined) where.push(`s.stored <= ${untilParam}::timestamptz`)
  for (const check of checks) {
    const hashes = hashesOf(check).map((hash) => `${param(hash)}::uuid`)
    where.push(
      `EXISTS (SELECT 1 FROM statement_index f
        WHERE f.key_hash IN (${hashes.join(', ')}) AND f.seq = ${seq} OFFSET 0)`,
    )
  }

  /** The range of one driving scan: on `seq` alone, or from (value, lo) to (value, hi). */
  const range = (leadValue: string | undefined): string[] =>
    leadValue === undefined || lead === undefined
      ? [...lower.map((v) => `${seq} > ${v}`), ...upper.map((v) => `${seq} <= ${v}`)]
      : // Bounded on both sides by the same leading value, these imply `lead = value`; they are
        // its only statement, so that the planner has no plain equality to match another index on.
        [
          ...['0', ...lower].map((v) => `(${lead.column}, ${seq}) > (${leadValue}, ${v})`),
          ...upper.map((v) => `(${lead.column}, ${seq}) <= (${leadValue}, ${v})`),
        ]

  const direction = request.ascending ? 'ASC' : 'DESC'
  const order = lead === undefined ? [seq] : [lead.column, seq]
  const columns = ['s.seq', 's.stored', 's.body', 's.attachment_hashes', 's.version']
  if (request.bound === undefined) columns.push(SNAPSHOT_BOUND)
  const limit = param(request.limit + 1)
  const branches = (lead?.values ?? [undefined]).map(
    (leadValue) => `
    SELECT ${columns.join(', ')}
    FROM ${from}
    WHERE ${[...range(leadValue), ...where].join('\n      AND ')}
    ORDER BY ${order.map((column) => `${column} ${direction}`).join(', ')}
    LIMIT ${limit}`,
  )
  // Two forms of the driving key: each branch is the one-key page, and the page is the first
  // rows of both merged. PostgreSQL 15 plans a UNION ALL of two index ranges as a bitmap scan
  // of both and a sort of every matching row (seen: 23k rows and 270 ms for a course's
  // related_activities); bounded branches keep the cost to two pages. A statement carries each
  // key in one form only, so the branches never return the same statement.
  const text =
    branches.length === 1
      ? branches[0]!
      : `SELECT * FROM (${branches.map((b) => `(${b})`).join(' UNION ALL ')}) AS page
    ORDER BY seq ${direction} LIMIT ${limit}`

  const { rows } = await sql.query<StoredStatementRow & { bound?: string }>(text, params)
  const hasMore = rows.length > request.limit
  // An empty first page has no row to carry the bound, and needs none: it has no next page.
  const bound = request.bound ?? rows[0]?.bound ?? '0'
  const page = (hasMore ? rows.slice(0, request.limit) : rows).map(
    ({ bound: _bound, ...row }) => row,
  )
  return { rows: page, hasMore, bound }
}
