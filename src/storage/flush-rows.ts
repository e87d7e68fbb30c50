import { HubError } from '../errors.js'
import type { JsonObject } from '../xapi/agent-key.js'
import { agentKey, isObject } from '../xapi/agent-key.js'
import type { AttachmentPart } from '../xapi/multipart.js'
import { statementIndexKeys, type IndexKey } from '../xapi/statement-index-keys.js'
import { prepareStatement } from '../xapi/statement-prepare.js'
import type { XapiVersion } from '../xapi/version.js'
import type { FindingRow, InsertRow } from './statement-insert.js'

/**
 * The in-memory side of a flush: requests turned into rows the insert SQL takes, with the ids a
 * flush touches so the writer can tell whether two flushes may overlap.
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
  /** How many of them were stored already, equal to what was sent: no-ops (client retries). */
  alreadyStored: number
}

export interface Pending {
  request: WriteRequest
  resolve: (result: WriteResult) => void
  reject: (error: unknown) => void
}

/** A prepared statement inside a flush, with everything the SQL needs. */
export interface Row {
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

/**
 * Prepares every statement of the flush (id, stored, authority, version). A request that repeats
 * an id already taken by an earlier request of the same flush (a client retrying while its first
 * attempt is still queued) is deferred to a later flush, where the first attempt is visible in
 * the table and the ordinary no-op / conflict rule applies.
 */
export function prepareRows(
  batch: readonly Pending[],
  stored: string,
): { rows: Row[]; deferred: Pending[] } {
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

/** The statement ids a flush writes, and the ids its StatementRefs (voiding ones too) target. */
export interface FlushIds {
  ids: ReadonlySet<string>
  targets: ReadonlySet<string>
}

export function flushIds(rows: readonly Row[]): FlushIds {
  const ids = new Set<string>()
  const targets = new Set<string>()
  for (const row of rows) {
    ids.add(row.id)
    if (row.refTarget !== null) targets.add(row.refTarget)
  }
  return { ids, targets }
}

/**
 * Whether `next` must wait for `running` to commit. The insert SQL sees only committed rows, so
 * a flush may overlap another only when neither refers to the other's statements: no shared id
 * (a retry still queued), no StatementRef or voiding in one aimed at a statement of the other.
 */
export function dependsOn(next: FlushIds, running: FlushIds): boolean {
  for (const id of next.ids) if (running.ids.has(id) || running.targets.has(id)) return true
  for (const target of next.targets) if (running.ids.has(target)) return true
  return false
}

export function conflict(id: string): HubError {
  return new HubError('conflict', `a different statement with id ${id} is already stored`, {
    field: 'statement.id',
    rule: 'a statement id, once stored, cannot be reused for a different statement',
  })
}

export function attachmentsOf(rows: readonly Row[]): AttachmentPart[] {
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
 * The rows as written, each with the `seq` reserved for it (null: assigned by the identity as the
 * insert runs, for a flush with nothing else in flight). A StatementRef whose target is
 * written in the same flush takes the target's keys here, since the SQL can only copy keys of
 * statements already stored.
 */
export function toInsertRows(rows: readonly Row[], seqs: readonly string[]): InsertRow[] {
  const byId = new Map(rows.map((row) => [row.id, row]))
  const voidedHere = new Set(rows.flatMap((row) => (row.voids === null ? [] : [row.voids])))
  return rows.map((row, index) => {
    const target = row.refTarget === null ? undefined : byId.get(row.refTarget)
    return {
      seq: seqs[index] ?? null,
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
