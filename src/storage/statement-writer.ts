import type { JsonObject } from '../xapi/agent-key.js'
import { agentKey, isObject } from '../xapi/agent-key.js'
import { mergeActivityDefinition } from '../xapi/activity-definition.js'
import type { AttachmentPart } from '../xapi/multipart.js'
import { jsonEqual, sameStatement } from '../xapi/statement-equivalence.js'
import { statementIndexKeys } from '../xapi/statement-index-keys.js'
import { prepareStatement } from '../xapi/statement-prepare.js'
import type { XapiVersion } from '../xapi/version.js'
import { HubError } from '../errors.js'
import type { Db, Sql } from './db.js'
import { PG_ERROR, pgErrorCode } from './db.js'

/**
 * Group commit for statement writes. Requests do not each open a transaction: they join a queue,
 * and one flush at a time writes everything queued in a single transaction with a handful of
 * set-based statements (multi-row INSERT ... SELECT FROM unnest). Under load a flush carries
 * hundreds of requests, so the per-statement cost is a few microseconds of SQL instead of a round
 * trip and a commit each; when idle a flush carries one request and adds no delay.
 *
 * Guarantees:
 * - A request is acknowledged only after the transaction holding all of it has committed; a
 *   request is stored entirely or not at all (a failing request's rows are removed inside the
 *   transaction before commit, so nobody ever sees them).
 * - Flushes run one at a time, so `seq` (storage order) is assigned in commit order within a hub
 *   process and keyset paging on it never skips a statement that committed later with a lower seq.
 * - The same id with an equal statement is a no-op; with a different statement a 409 — decided per
 *   request, so one client's conflict never fails another client's request in the same flush.
 */

export interface WriteRequest {
  /** Validated statements, in request order; ids may be absent (assigned here). */
  statements: JsonObject[]
  clientId: string
  authority: JsonObject
  version: XapiVersion
  /** Attachment content received with the request, by SHA-2. */
  attachments: ReadonlyMap<string, AttachmentPart>
}

export interface WriteResult {
  /** The statement ids in request order (assigned ones included). */
  ids: string[]
}

interface Pending {
  request: WriteRequest
  resolve: (result: WriteResult) => void
  reject: (error: unknown) => void
}

/** A prepared statement inside a flush, with everything the SQL needs. */
interface Row {
  owner: Pending
  id: string
  /** The statement as the client sent it: what xAPI's comparison rules compare. */
  sent: JsonObject
  body: JsonObject
  actorKey: string
  verbId: string
  voids: string | null
  refTarget: string | null
  hashes: string[] | null
}

const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided'

/**
 * Activity definitions this process last stored or read, so that statements repeating a known
 * definition (nearly all of them) cost no query. Bounded; cleared when a flush rolls back, since
 * it may then hold definitions that were never committed.
 */
class KnownDefinitions {
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
/** Most statements one flush takes; bounds transaction size and parameter array lengths. */
const MAX_FLUSH_STATEMENTS = 5000

export class StatementWriter {
  private queue: Pending[] = []
  private queued = 0
  private flushing: Promise<void> | undefined
  private lastStoredMs = 0
  private closed = false
  private readonly known = new KnownDefinitions()
  /** Stored time of the last committed flush (for X-Experience-API-Consistent-Through). */
  consistentThrough = new Date().toISOString()

  constructor(private readonly db: Db) {}

  /** Queues a request's statements; resolves once they are committed. */
  write(request: WriteRequest): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new HubError('unavailable', 'the hub is shutting down'))
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject })
      this.queued += request.statements.length
      this.kick()
    })
  }

  /** Stops taking writes and waits until everything queued is committed. */
  async close(): Promise<void> {
    this.closed = true
    while (this.flushing !== undefined) await this.flushing
  }

  private kick(): void {
    if (this.flushing !== undefined || this.queue.length === 0) return
    const batch = this.take()
    this.flushing = this.flush(batch).finally(() => {
      this.flushing = undefined
      this.kick()
    })
  }

  /** Takes whole requests from the queue up to the flush size (at least one). */
  private take(): Pending[] {
    let count = 0
    let end = 0
    while (end < this.queue.length) {
      const size = this.queue[end]!.request.statements.length
      if (end > 0 && count + size > MAX_FLUSH_STATEMENTS) break
      count += size
      end++
    }
    const batch = this.queue.slice(0, end)
    this.queue = this.queue.slice(end)
    this.queued -= count
    return batch
  }

  /** Stored timestamps never go backwards, so `stored` order matches `seq` order. */
  private nextStored(): string {
    this.lastStoredMs = Math.max(Date.now(), this.lastStoredMs)
    return new Date(this.lastStoredMs).toISOString()
  }

  private async flush(batch: Pending[]): Promise<void> {
    const stored = this.nextStored()
    let rows: Row[]
    let deferred: Pending[]
    try {
      ;({ rows, deferred } = prepareRows(batch, stored))
    } catch (error) {
      for (const pending of batch) pending.reject(error)
      return
    }
    if (deferred.length > 0) {
      this.queue.unshift(...deferred)
      for (const pending of deferred) this.queued += pending.request.statements.length
      batch = batch.filter((pending) => !deferred.includes(pending))
    }

    let outcome: Map<Pending, HubError>
    try {
      outcome = await this.commitWithRetry(rows)
    } catch (error) {
      const wrapped = new HubError('unavailable', 'the statements could not be stored; retry', { cause: error })
      for (const pending of batch) pending.reject(wrapped)
      return
    }
    this.consistentThrough = stored

    const ids = new Map<Pending, string[]>()
    for (const row of rows) {
      const list = ids.get(row.owner) ?? []
      list.push(row.id)
      ids.set(row.owner, list)
    }
    for (const pending of batch) {
      const error = outcome.get(pending)
      if (error !== undefined) pending.reject(error)
      else pending.resolve({ ids: ids.get(pending) ?? [] })
    }
  }

  private async commitWithRetry(rows: Row[]): Promise<Map<Pending, HubError>> {
    for (let attempt = 1; ; attempt++) {
      const outcome = new Map<Pending, HubError>()
      try {
        await this.db.transaction((tx) => storeRows(tx, rows, outcome, this.known))
        return outcome
      } catch (error) {
        this.known.clear()
        const code = pgErrorCode(error)
        const retryable = code === PG_ERROR.deadlockDetected || code === PG_ERROR.serializationFailure
        if (!retryable || attempt >= 3) throw error
      }
    }
  }
}

/**
 * Prepares every statement of the flush (id, stored, authority, version). A request that repeats
 * an id already taken by an earlier request of the same flush (a client retrying while its first
 * attempt is still queued) is deferred to the next flush, where the first attempt is visible in
 * the table and the ordinary no-op / conflict rule applies.
 */
function prepareRows(batch: Pending[], stored: string): { rows: Row[]; deferred: Pending[] } {
  const rows: Row[] = []
  const deferred: Pending[] = []
  const taken = new Set<string>()
  for (const pending of batch) {
    const { request } = pending
    const own = request.statements.map((statement) =>
      toRow(pending, statement, prepareStatement(statement, { stored, authority: request.authority, version: request.version })),
    )
    if (own.some((row) => taken.has(row.id))) {
      deferred.push(pending)
      continue
    }
    for (const row of own) {
      taken.add(row.id)
      rows.push(row)
    }
  }
  return { rows, deferred }
}

function toRow(owner: Pending, sent: JsonObject, body: JsonObject): Row {
  const object = isObject(body.object) ? body.object : {}
  const verb = isObject(body.verb) ? body.verb : {}
  const verbId = typeof verb.id === 'string' ? verb.id : ''
  const ref = object.objectType === 'StatementRef' && typeof object.id === 'string' ? object.id.toLowerCase() : null
  const attachments = Array.isArray(body.attachments) ? body.attachments : []
  const hashes = attachments.flatMap((a) => (isObject(a) && typeof a.sha2 === 'string' ? [a.sha2] : []))
  return {
    owner,
    id: String(body.id).toLowerCase(),
    sent,
    body,
    actorKey: agentKey(body.actor) ?? '',
    verbId,
    voids: verbId === VOIDED_VERB ? ref : null,
    // Voiding statements too: Communication §2.1.4 returns a targeting statement for the filters
    // its target matches, and names no exception for voiding ones.
    refTarget: ref,
    hashes: hashes.length === 0 ? null : hashes,
  }
}

function conflict(id: string): HubError {
  return new HubError('conflict', `a different statement with id ${id} is already stored`, {
    field: 'statement.id',
    rule: 'a statement id, once stored, cannot be reused for a different statement',
  })
}

/** Marks a request failed (the first reason found is the one reported). */
function fail(outcome: Map<Pending, HubError>, owner: Pending, error: HubError): void {
  if (!outcome.has(owner)) outcome.set(owner, error)
}

/** Everything one flush writes, inside its transaction. Fills `outcome` with failed requests. */
async function storeRows(
  tx: Sql,
  rows: Row[],
  outcome: Map<Pending, HubError>,
  known: KnownDefinitions,
): Promise<void> {
  if (rows.length === 0) return

  const inserted = await insertStatements(tx, rows)
  await settleExisting(tx, rows, inserted, outcome)

  const losers = rows.filter((row) => outcome.has(row.owner) && inserted.has(row.id))
  if (losers.length > 0) {
    await tx.query('DELETE FROM statements WHERE seq = ANY($1::bigint[])', [losers.map((r) => inserted.get(r.id))])
  }
  const kept = rows.filter((row) => !outcome.has(row.owner) && inserted.has(row.id))
  if (kept.length === 0) return

  await insertIndexKeys(tx, kept, inserted)
  await applyVoiding(tx, kept)
  await storeAttachments(tx, kept)
  await learnActivities(tx, kept, known)
}

/**
 * Inserts statements whose id is new; returns id → seq of those inserted. The whole flush travels
 * as one JSON parameter unpacked by jsonb_to_recordset: one parse on the server, and no
 * array-literal escaping of large bodies on the client.
 */
async function insertStatements(tx: Sql, rows: Row[]): Promise<Map<string, string>> {
  const payload = rows.map((r) => ({
    id: r.id,
    stored: r.body.stored,
    version: r.owner.request.version,
    client_id: r.owner.request.clientId,
    actor_key: r.actorKey,
    verb_id: r.verbId,
    voids: r.voids,
    hashes: r.hashes,
    body: r.body,
  }))
  const { rows: result } = await tx.query<{ id: string; seq: string }>(
    `INSERT INTO statements (id, stored, version, client_id, actor_key, verb_id, voids, attachment_hashes, body)
     SELECT r.id, r.stored, r.version, r.client_id, r.actor_key, r.verb_id, r.voids,
            CASE WHEN r.hashes IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(r.hashes)) END,
            r.body
     FROM jsonb_to_recordset($1::jsonb) AS r (id uuid, stored timestamptz, version text, client_id text,
       actor_key text, verb_id text, voids uuid, hashes jsonb, body jsonb)
     ON CONFLICT (id) DO NOTHING
     RETURNING id, seq`,
    [JSON.stringify(payload)],
  )
  return new Map(result.map((row) => [row.id, row.seq]))
}

/** Ids that were already stored: equal statement → no-op for that request, different → 409. */
async function settleExisting(
  tx: Sql,
  rows: Row[],
  inserted: Map<string, string>,
  outcome: Map<Pending, HubError>,
): Promise<void> {
  const existing = rows.filter((row) => !inserted.has(row.id))
  if (existing.length === 0) return
  const { rows: stored } = await tx.query<{ id: string; body: string }>(
    'SELECT id, body FROM statements WHERE id = ANY($1::uuid[])',
    [existing.map((r) => r.id)],
  )
  const bodies = new Map(stored.map((row) => [row.id, JSON.parse(row.body) as JsonObject]))
  for (const row of existing) {
    const body = bodies.get(row.id)
    if (body === undefined || !sameStatement(body, row.sent)) fail(outcome, row.owner, conflict(row.id))
  }
}

/** Own filter keys, plus the keys of the statement a StatementRef targets (xAPI filter rules). */
async function insertIndexKeys(tx: Sql, rows: Row[], inserted: Map<string, string>): Promise<void> {
  const keys: string[] = []
  const seqs: string[] = []
  const direct: boolean[] = []
  for (const row of rows) {
    const seq = inserted.get(row.id)!
    for (const entry of statementIndexKeys(row.body)) {
      keys.push(entry.key)
      seqs.push(seq)
      direct.push(entry.direct)
    }
  }
  await tx.query(
    `INSERT INTO statement_index (key, seq, direct)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[])
     ON CONFLICT DO NOTHING`,
    [keys, seqs, direct],
  )
  const refs = rows.filter((row) => row.refTarget !== null)
  if (refs.length === 0) return
  await tx.query(
    `INSERT INTO statement_index (key, seq, direct)
     SELECT i.key, r.seq, i.direct
     FROM unnest($1::bigint[], $2::uuid[]) AS r (seq, target)
     JOIN statements t ON t.id = r.target
     JOIN statement_index i ON i.seq = t.seq
     ON CONFLICT (key, seq) DO UPDATE SET direct = statement_index.direct OR excluded.direct`,
    [refs.map((r) => inserted.get(r.id)), refs.map((r) => r.refTarget)],
  )
}

/**
 * Marks voided statements (xAPI Data §2.3.2: a statement is voided if and only if it is not itself
 * a voiding statement and a voiding statement refers to it). Works both ways round: a voiding
 * statement voids a target already stored, and a statement arriving after its voiding statement
 * is stored voided. A voiding statement aimed at another voiding statement is stored and voids
 * nothing; the specification does not make it an error.
 */
async function applyVoiding(tx: Sql, rows: Row[]): Promise<void> {
  // Both lookups are index probes: targets by primary key, voiding statements by the partial
  // index on `voids`. A flush without voiding statements still checks whether any of its ids
  // was voided in advance, which is one probe of a small index.
  await tx.query(
    `UPDATE statements s SET voided = true
     WHERE s.voids IS NULL AND NOT s.voided
       AND s.id IN (
         SELECT unnest($1::uuid[])
         UNION
         SELECT v.voids FROM statements v WHERE v.voids = ANY($2::uuid[])
       )`,
    [rows.flatMap((r) => (r.voids === null ? [] : [r.voids])), rows.map((r) => r.id)],
  )
}

async function storeAttachments(tx: Sql, rows: Row[]): Promise<void> {
  const parts = new Map<string, AttachmentPart>()
  for (const row of rows) {
    for (const hash of row.hashes ?? []) {
      const part = row.owner.request.attachments.get(hash)
      if (part !== undefined) parts.set(hash, part)
    }
  }
  if (parts.size === 0) return
  const list = [...parts.values()]
  await tx.query(
    `INSERT INTO attachments (sha2, content_type, length, content)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[])
     ON CONFLICT (sha2) DO NOTHING`,
    [list.map((p) => p.sha2), list.map((p) => p.contentType), list.map((p) => p.content.length), list.map((p) => p.content)],
  )
}

/** Activities with a definition, found anywhere in the statements, in IRI order. */
function definedActivities(rows: Row[]): Map<string, JsonObject[]> {
  const found = new Map<string, JsonObject[]>()
  const visit = (activity: unknown) => {
    if (!isObject(activity) || typeof activity.id !== 'string' || !isObject(activity.definition)) return
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
  for (const { body } of rows) {
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
 * Keeps the Activities resource current. Rows are locked and written in IRI order, so two hubs
 * flushing batches that share activities cannot deadlock on each other.
 */
async function learnActivities(tx: Sql, rows: Row[], known: KnownDefinitions): Promise<void> {
  const found = definedActivities(rows)
  // Skip activities whose incoming definitions add nothing to the definition last seen here.
  for (const [iri, incoming] of found) {
    const cached = known.get(iri)
    if (cached === undefined) continue
    let merged: JsonObject = cached
    for (const definition of incoming) merged = mergeActivityDefinition(merged, definition)
    if (jsonEqual(merged, cached)) found.delete(iri)
  }
  if (found.size === 0) return
  const iris = [...found.keys()].sort()
  const { rows: current } = await tx.query<{ iri: string; definition: string }>(
    'SELECT iri, definition FROM activities WHERE iri = ANY($1::text[]) ORDER BY iri FOR UPDATE',
    [iris],
  )
  const stored = new Map(current.map((row) => [row.iri, row.definition]))
  const changed: string[] = []
  const merged = new Map<string, JsonObject>()
  for (const iri of iris) {
    const before = stored.get(iri)
    let definition = before === undefined ? undefined : (JSON.parse(before) as JsonObject)
    for (const incoming of found.get(iri) ?? []) definition = mergeActivityDefinition(definition, incoming)
    if (definition === undefined) continue
    // Most statements repeat a definition already known; rewriting it would only bloat the table.
    if (before === undefined || !jsonEqual(JSON.parse(before) as JsonObject, definition)) {
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
}
