import { HubError } from '../errors.js'
import type { JsonObject } from '../xapi/agent-key.js'
import { agentKey, isObject } from '../xapi/agent-key.js'
import type { AttachmentPart } from '../xapi/multipart.js'
import { sameStatement } from '../xapi/statement-equivalence.js'
import { statementIndexKeys, type IndexKey } from '../xapi/statement-index-keys.js'
import { prepareStatement } from '../xapi/statement-prepare.js'
import type { XapiVersion } from '../xapi/version.js'
import type { Db } from './db.js'
import { PG_ERROR, pgErrorCode } from './db.js'
import {
  insertRows,
  KnownDefinitions,
  learnActivities,
  storeAttachments,
  type FindingRow,
  type InsertRow,
} from './statement-insert.js'

/**
 * Group commit for statement writes. Requests do not each open a transaction: they join a queue,
 * and one flush at a time writes everything queued with a single SQL statement (see
 * statement-insert.ts). Under load a flush carries hundreds of requests, so a statement costs a
 * few microseconds of SQL instead of a round trip and a commit; when idle a flush carries one
 * request and adds no delay.
 *
 * Guarantees:
 * - A request is acknowledged only after the statement holding all of it has committed, and a
 *   request is stored entirely or not at all.
 * - Flushes run one at a time, so `seq` (storage order) and `stored` grow together in commit
 *   order within a hub process; keyset paging on `seq` never skips a statement that committed
 *   later with a lower seq.
 * - The same id with an equal statement is a no-op; with a different statement a 409, decided per
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
  /**
   * National profile findings per statement, in request order (index i belongs to statements[i]);
   * stored atomically with the statements they concern.
   */
  findings?: ReadonlyArray<readonly FindingRow[] | undefined>
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
  keys: IndexKey[]
  findings: readonly FindingRow[] | undefined
}

const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided'
/** Most statements one flush takes; bounds the size of the one SQL statement a flush sends. */
const MAX_FLUSH_STATEMENTS = 5000

export class StatementWriter {
  private queue: Pending[] = []
  private flushing: Promise<void> | undefined
  private lastStoredMs = 0
  private closed = false
  private readonly known = new KnownDefinitions()
  /** How often one flush retries after a concurrent writer took one of its ids. */
  private static readonly RACE_RETRIES = 5
  /** Stored time of the last committed flush (for X-Experience-API-Consistent-Through). */
  consistentThrough = new Date().toISOString()

  /**
   * `onCommitted` is called after each flush that stored statements, so followers of the
   * statements table (the skills projector) can run without polling; it must not block.
   */
  constructor(
    private readonly db: Db,
    private readonly onCommitted?: () => void,
  ) {}

  /** Queues a request's statements; resolves once they are committed. */
  write(request: WriteRequest): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new HubError('unavailable', 'the hub is shutting down'))
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject })
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
      batch = batch.filter((pending) => !deferred.includes(pending))
    }

    let outcome: Map<Pending, HubError>
    try {
      outcome = await this.store(rows)
    } catch (error) {
      const wrapped = new HubError('unavailable', 'the statements could not be stored; retry', {
        cause: error,
      })
      for (const pending of batch) pending.reject(wrapped)
      return
    }
    this.consistentThrough = stored
    this.onCommitted?.()

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

  /**
   * Writes the flush. When some ids are already stored, nothing was written: each such request is
   * settled (equal statement: no-op; different: 409) and the rest is written again.
   */
  private async store(rows: Row[]): Promise<Map<Pending, HubError>> {
    const outcome = new Map<Pending, HubError>()
    try {
      await storeAttachments(this.db, attachmentsOf(rows))
      await learnActivities(
        this.db,
        rows.map((r) => r.body),
        this.known,
      )
    } catch (error) {
      this.known.clear()
      throw error
    }

    let pending = rows
    for (let attempt = 1; pending.length > 0; attempt++) {
      let result
      try {
        result = await insertRows(this.db, toInsertRows(pending))
      } catch (error) {
        // Another hub stored one of these ids between our snapshot and our insert: nothing was
        // written, so simply look again.
        if (
          pgErrorCode(error) === PG_ERROR.uniqueViolation &&
          attempt < StatementWriter.RACE_RETRIES
        )
          continue
        throw error
      }
      if (result.existing.size === 0) break
      for (const row of pending) {
        const body = result.existing.get(row.id)
        if (body !== undefined && !sameStatement(JSON.parse(body) as JsonObject, row.sent)) {
          if (!outcome.has(row.owner)) outcome.set(row.owner, conflict(row.id))
        }
      }
      pending = pending.filter((row) => !outcome.has(row.owner) && !result.existing.has(row.id))
    }
    return outcome
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
    const own = request.statements.map((statement, index) =>
      toRow(
        pending,
        statement,
        prepareStatement(statement, {
          stored,
          authority: request.authority,
          version: request.version,
        }),
        request.findings?.[index],
      ),
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

function toRow(
  owner: Pending,
  sent: JsonObject,
  body: JsonObject,
  findings: readonly FindingRow[] | undefined,
): Row {
  const object = isObject(body.object) ? body.object : {}
  const verb = isObject(body.verb) ? body.verb : {}
  const verbId = typeof verb.id === 'string' ? verb.id : ''
  const ref =
    object.objectType === 'StatementRef' && typeof object.id === 'string'
      ? object.id.toLowerCase()
      : null
  const attachments = Array.isArray(body.attachments) ? body.attachments : []
  const hashes = attachments.flatMap((a) =>
    isObject(a) && typeof a.sha2 === 'string' ? [a.sha2] : [],
  )
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
    keys: statementIndexKeys(body),
    findings,
  }
}

function conflict(id: string): HubError {
  return new HubError('conflict', `a different statement with id ${id} is already stored`, {
    field: 'statement.id',
    rule: 'a statement id, once stored, cannot be reused for a different statement',
  })
}

function attachmentsOf(rows: readonly Row[]): AttachmentPart[] {
  const parts = new Map<string, AttachmentPart>()
  for (const row of rows) {
    for (const hash of row.hashes ?? []) {
      const part = row.owner.request.attachments.get(hash)
      if (part !== undefined) parts.set(hash, part)
    }
  }
  return [...parts.values()]
}

/**
 * The rows as written. A StatementRef whose target is written in the same flush takes the
 * target's keys here, since the SQL can only copy keys of statements already stored.
 */
function toInsertRows(rows: readonly Row[]): InsertRow[] {
  const byId = new Map(rows.map((row) => [row.id, row]))
  const voidedHere = new Set(rows.flatMap((row) => (row.voids === null ? [] : [row.voids])))
  return rows.map((row) => {
    const target = row.refTarget === null ? undefined : byId.get(row.refTarget)
    return {
      id: row.id,
      stored: String(row.body.stored),
      version: row.owner.request.version,
      clientId: row.owner.request.clientId,
      actorKey: row.actorKey,
      verbId: row.verbId,
      voids: row.voids,
      refTarget: row.refTarget,
      voidedInFlush: voidedHere.has(row.id),
      hashes: row.hashes,
      body: row.body,
      keys: target === undefined ? row.keys : mergeKeys(row.keys, target.keys),
      ...(row.findings === undefined ? {} : { findings: row.findings }),
    }
  })
}

function mergeKeys(own: readonly IndexKey[], inherited: readonly IndexKey[]): IndexKey[] {
  const merged = new Map<string, boolean>()
  for (const { key, direct } of [...own, ...inherited])
    merged.set(key, direct || merged.get(key) === true)
  return [...merged].map(([key, direct]) => ({ key, direct }))
}
