import type { JsonObject } from '../xapi/agent-key.js'
import { isObject } from '../xapi/agent-key.js'
import { mergeActivityDefinition } from '../xapi/activity-definition.js'
import type { AttachmentPart } from '../xapi/multipart.js'
import { jsonEqual } from '../xapi/statement-equivalence.js'
import type { IndexKey } from '../xapi/statement-index-keys.js'
import type { Db, Sql } from './db.js'
import { keyHashes, storedKeys } from './key-hash.js'

/**
 * The SQL of statement writes. Everything one flush stores goes to the server as one JSON
 * parameter and is written by ONE statement (data-modifying CTEs), so a flush costs one round
 * trip and is atomic without an explicit transaction: a statement either commits as a whole or
 * not at all, and a crash at any moment leaves nothing half written.
 */

/** One statement ready to be written. */
export interface InsertRow {
  /**
   * Storage order, reserved by `allocateSeqs` before the insert, or null to take the next value
   * of the identity as the insert runs (see statement-writer.ts).
   */
  seq: string | null
  id: string
  stored: string
  version: string
  clientId: string
  actorKey: string
  verbId: string
  /** Set on voiding statements: the id of the statement they void. */
  voids: string | null
  /** Set on statements whose object is a StatementRef (voiding ones included). */
  refTarget: string | null
  /** True when a voiding statement written in the same flush targets this one. */
  voidedInFlush: boolean
  hashes: string[] | null
  body: JsonObject
  /** The statement's own filter keys, plus those of a target written in the same flush. */
  keys: IndexKey[]
  /** Rules of the national profile the statement breaks, recorded with it (migration 0007). */
  findings?: readonly FindingRow[]
}

/** One broken rule of the national profile, as `profile_findings` stores it. */
export interface FindingRow {
  profileVersion: string
  template: string
  templateLabel: string
  location: string
  presence: string | null
  requirement: string
  message: string
}

export interface InsertOutcome {
  /** id → seq of the statements written; empty when `existing` is not. */
  inserted: Map<string, string>
  /**
   * Ids of the flush that were already stored, with the stored body (JSON text). When any id
   * already exists, NOTHING is written: the caller decides per request (no-op or conflict) and
   * writes the rest in a second attempt.
   */
  existing: Map<string, string>
}

/**
 * Writes the rows, or nothing when one of their ids is already stored.
 *
 * Step by step, all in one snapshot:
 * - `input` checks the writer lease (`leaseEpoch`, null on the embedded store), see writer-lease.ts;
 * - `existing` finds ids already stored;
 * - `ins` inserts the statements unless `existing` found any. A statement whose voiding statement
 *   was stored earlier, or arrives in the same flush, is inserted voided (xAPI Data §2.3.2);
 * - `idx` inserts the filter keys, as stored hashes (src/storage/key-hash.ts): each statement's
 *   own and, for one aimed with a StatementRef at a statement already stored (Communication
 *   §2.1.4), the target's as well (`targeting`, `own`, `inherited`): each key once, direct when
 *   either statement has it direct, so that no query finds the statement twice;
 * - `voiding` marks already-stored targets of new voiding statements voided; a voiding statement
 *   aimed at another voiding statement voids nothing;
 * - `findings` records the national profile rules a statement breaks, joined to `ins` so only
 *   statements actually inserted get findings (a repeated statement adds none).
 * A concurrent writer inserting one of these ids between the snapshot and the insert makes the
 * statement fail with a unique violation, which the caller treats as "try again".
 */
export async function insertRows(
  sql: Sql,
  rows: readonly InsertRow[],
  leaseEpoch: string | null,
): Promise<InsertOutcome> {
  const statements = rows.map((r) => ({
    seq: r.seq,
    id: r.id,
    stored: r.stored,
    version: r.version,
    client_id: r.clientId,
    actor_key: r.actorKey,
    verb_id: r.verbId,
    voids: r.voids,
    ref_target: r.refTarget,
    voided_in_flush: r.voidedInFlush,
    hashes: r.hashes,
    body: r.body,
    // A statement's stored keys (src/storage/key-hash.ts). One aimed at a statement stored
    // earlier also inherits that statement's keys, merged in SQL, which needs both hashes of
    // each own key to tell a key it has from one it inherits.
    keys: r.refTarget === null ? storedKeys(r.keys) : null,
    ref_keys:
      r.refTarget === null
        ? null
        : r.keys.map(({ key, direct }) => {
            const both = keyHashes(key)
            return { direct_hash: both.direct, related_hash: both.related, direct }
          }),
  }))
  const findings = rows.flatMap((r) =>
    (r.findings ?? []).map((f) => ({
      id: r.id,
      client_id: r.clientId,
      profile_version: f.profileVersion,
      template: f.template,
      template_label: f.templateLabel,
      rule_location: f.location,
      presence: f.presence,
      requirement: f.requirement,
      message: f.message,
    })),
  )

  const { rows: result } = await sql.query<{
    kind: string
    id: string
    seq: string | null
    body: string | null
  }>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r (seq bigint, id uuid, stored timestamptz, version text,
         client_id text, actor_key text, verb_id text, voids uuid, ref_target uuid, voided_in_flush boolean,
         hashes jsonb, body jsonb, keys uuid[], ref_keys jsonb)
       -- An InitPlan, run once before anything is written: on a server, fails the flush unless
       -- this process holds the writer lease (src/storage/writer-lease.ts).
       WHERE (SELECT hub_writer_check($3::bigint))
     ),
     existing AS (
       SELECT s.id, s.body FROM statements s WHERE s.id IN (SELECT id FROM input)
     ),
     ins AS (
       INSERT INTO statements (seq, id, stored, version, client_id, actor_key, verb_id, voids, voided,
                               attachment_hashes, body)
       OVERRIDING SYSTEM VALUE
       SELECT COALESCE(i.seq, nextval('statements_seq_seq'::regclass)), i.id, i.stored, i.version, i.client_id, i.actor_key, i.verb_id, i.voids,
              i.voids IS NULL AND (
                i.voided_in_flush OR EXISTS (SELECT 1 FROM statements v WHERE v.voids = i.id)
              ),
              CASE WHEN i.hashes IS NULL THEN NULL
                   ELSE ARRAY(SELECT jsonb_array_elements_text(i.hashes)) END,
              i.body
       FROM input i
       WHERE NOT EXISTS (SELECT 1 FROM existing)
       RETURNING id, seq
     ),
     targeting AS (
       SELECT ins.seq, t.seq AS target_seq, i.ref_keys
       FROM input i JOIN ins ON ins.id = i.id
       LEFT JOIN statements t ON t.id = i.ref_target
       WHERE i.ref_keys IS NOT NULL
     ),
     own AS (
       SELECT g.seq, (k->>'direct_hash')::uuid AS direct_hash,
              (k->>'related_hash')::uuid AS related_hash, (k->>'direct')::boolean AS direct
       FROM targeting g, jsonb_array_elements(g.ref_keys) AS k
     ),
     inherited AS (
       -- LATERAL: one look-up by seq per targeting statement (the BRIN index), never a scan of
       -- the whole index that a join estimated over the CTE's default 100 rows could choose.
       SELECT g.seq, t_idx.key_hash FROM targeting g
       CROSS JOIN LATERAL (
         SELECT key_hash FROM statement_index WHERE seq = g.target_seq OFFSET 0
       ) t_idx
     ),
     idx AS (
       INSERT INTO statement_index (key_hash, seq)
       SELECT unnest(i.keys), ins.seq
       FROM input i JOIN ins ON ins.id = i.id WHERE i.keys IS NOT NULL
       UNION ALL
       -- A target's rows are unique per hash, so each own key meets at most one inherited row.
       SELECT CASE WHEN o.direct OR x.seq IS NOT NULL THEN o.direct_hash ELSE o.related_hash END,
              o.seq
       FROM own o LEFT JOIN inherited x ON x.seq = o.seq AND x.key_hash = o.direct_hash
       UNION ALL
       SELECT x.key_hash, x.seq FROM inherited x
       LEFT JOIN own o ON o.seq = x.seq AND x.key_hash IN (o.direct_hash, o.related_hash)
       WHERE o.seq IS NULL
     ),
     voiding AS (
       UPDATE statements s SET voided = true
       WHERE s.id IN (SELECT i.voids FROM input i JOIN ins ON ins.id = i.id WHERE i.voids IS NOT NULL)
         AND s.voids IS NULL AND NOT s.voided
     ),
     findings AS (
       INSERT INTO profile_findings (statement_id, client_id, profile_version, template,
                                     template_label, rule_location, presence, requirement, message)
       SELECT f.id, f.client_id, f.profile_version, f.template, f.template_label, f.rule_location,
              f.presence, f.requirement, f.message
       FROM jsonb_to_recordset($2::jsonb) AS f (id uuid, client_id text, profile_version text,
         template text, template_label text, rule_location text, presence text, requirement text,
         message text)
       JOIN ins ON ins.id = f.id
     )
     SELECT 'inserted' AS kind, id::text AS id, seq::text AS seq, NULL::text AS body FROM ins
     UNION ALL
     SELECT 'existing', id::text, NULL, body::text FROM existing`,
    [JSON.stringify(statements), JSON.stringify(findings), leaseEpoch],
  )

  const outcome: InsertOutcome = { inserted: new Map(), existing: new Map() }
  for (const row of result) {
    if (row.kind === 'inserted') outcome.inserted.set(row.id, row.seq ?? '')
    else outcome.existing.set(row.id, row.body ?? '{}')
  }
  return outcome
}

/**
 * Reserves `count` storage-order numbers from the statements' identity sequence, ascending. The
 * writer reserves them before inserting so that two flushes can insert concurrently and still
 * hold disjoint, ordered ranges (see statement-writer.ts). A reservation that is never used
 * leaves a gap, which paging does not mind.
 */
export async function allocateSeqs(sql: Sql, count: number): Promise<string[]> {
  if (count === 0) return []
  const { rows } = await sql.query<{ seq: string }>(
    `SELECT s AS seq FROM (
       SELECT nextval('statements_seq_seq'::regclass) AS s
       FROM generate_series(1, $1::int)) AS reserved
     ORDER BY s`,
    [count],
  )
  return rows.map((row) => row.seq)
}

/**
 * Stores attachment content before the statements that name it, so a stored statement never
 * points at missing bytes. Content is keyed by hash and shared; an unused row is harmless.
 */
export async function storeAttachments(sql: Sql, parts: readonly AttachmentPart[]): Promise<void> {
  if (parts.length === 0) return
  await sql.query(
    `INSERT INTO attachments (sha2, content_type, length, content)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[])
     ON CONFLICT (sha2) DO NOTHING`,
    [
      parts.map((p) => p.sha2),
      parts.map((p) => p.contentType),
      parts.map((p) => p.content.length),
      parts.map((p) => p.content),
    ],
  )
}

/**
 * Activity definitions this process last stored or read, so that statements repeating a known
 * definition (nearly all of them) cost no query. Bounded; cleared when a write fails, since it
 * may then hold definitions that were never committed.
 */
export class KnownDefinitions {
  private readonly entries = new Map<string, JsonObject>()
  constructor(private readonly max = 20_000) {}
  get(iri: string): JsonObject | undefined {
    return this.entries.get(iri)
  }
  set(iri: string, definition: JsonObject): void {
    if (this.entries.size >= this.max) this.entries.clear()
    this.entries.set(iri, definition)
  }
  clear(): void {
    this.entries.clear()
  }
}

/** Activities with a definition, found anywhere in the statements. */
export function definedActivities(bodies: readonly JsonObject[]): Map<string, JsonObject[]> {
  const found = new Map<string, JsonObject[]>()
  const visit = (activity: unknown) => {
    if (!isObject(activity) || typeof activity.id !== 'string' || !isObject(activity.definition))
      return
    if (activity.objectType !== undefined && activity.objectType !== 'Activity') return
    const list = found.get(activity.id) ?? []
    list.push(activity.definition)
    found.set(activity.id, list)
  }
  const visitContext = (context: unknown) => {
    if (!isObject(context) || !isObject(context.contextActivities)) return
    for (const list of Object.values(context.contextActivities)) {
      for (const activity of Array.isArray(list) ? list : [list]) visit(activity)
    }
  }
  for (const body of bodies) {
    visit(body.object)
    visitContext(body.context)
    if (isObject(body.object) && body.object.objectType === 'SubStatement') {
      visit(body.object.object)
      visitContext(body.object.context)
    }
  }
  return found
}

/**
 * Keeps the Activities resource current (xAPI Communication §2.5). Definitions that add nothing
 * to what this process last saw cost nothing; the rest are read, merged and written in IRI order
 * under row locks, so hubs flushing batches that share activities cannot deadlock.
 */
export async function learnActivities(
  db: Db,
  bodies: readonly JsonObject[],
  known: KnownDefinitions,
): Promise<void> {
  const found = definedActivities(bodies)
  for (const [iri, incoming] of found) {
    const cached = known.get(iri)
    if (cached === undefined) continue
    let merged: JsonObject = cached
    for (const definition of incoming) merged = mergeActivityDefinition(merged, definition)
    if (jsonEqual(merged, cached)) found.delete(iri)
  }
  if (found.size === 0) return

  const iris = [...found.keys()].sort()
  await db.transaction(async (tx) => {
    const { rows: current } = await tx.query<{ iri: string; definition: string }>(
      'SELECT iri, definition FROM activities WHERE iri = ANY($1::text[]) ORDER BY iri FOR UPDATE',
      [iris],
    )
    const stored = new Map(
      current.map((row) => [row.iri, JSON.parse(row.definition) as JsonObject]),
    )
    const changed: string[] = []
    const merged = new Map<string, JsonObject>()
    for (const iri of iris) {
      const before = stored.get(iri)
      let definition = before
      for (const incoming of found.get(iri) ?? [])
        definition = mergeActivityDefinition(definition, incoming)
      if (definition === undefined) continue
      if (before === undefined || !jsonEqual(before, definition)) {
        changed.push(iri)
        merged.set(iri, definition)
      }
      known.set(iri, definition)
    }
    if (changed.length === 0) return
    await tx.query(
      `INSERT INTO activities (iri, definition)
       SELECT * FROM unnest($1::text[], $2::jsonb[])
       ON CONFLICT (iri) DO UPDATE SET definition = excluded.definition, updated_at = now()`,
      [changed, changed.map((iri) => JSON.stringify(merged.get(iri)))],
    )
  })
}
