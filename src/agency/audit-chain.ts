import { createHash } from 'node:crypto'

/**
 * The audit trail's hash chain, as plain rules (no SQL). Each entry's `hash` is SHA-256 over the
 * canonical serialisation of the previous entry's hash and the entry itself, so altering an
 * entry changes its hash, and removing one leaves its successor pointing at a hash that is no
 * longer there. The serialisation is JSON with object keys sorted at every depth: the entry is
 * hashed identically before it is stored and after it is read back from `jsonb`.
 */

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/** What an audit entry records: who, what, when, about whom, why, and how it ended. */
export interface AuditFields {
  /** The platform or agency (its id) that acted, or `system` for the hub itself. */
  actor: string
  /** What was done, e.g. `record.read`, `statistics.read`, `learner.erase`, `PATCH /admin/platforms/{id}`. */
  action: string
  /** What it was done to (a platform id, a statistics query), never a learner identifier. */
  target: string | null
  /** Salted hash of the learner concerned (see the audit store), when one is. */
  subject: string | null
  /** The purpose the caller declared. */
  purpose: string | null
  /** `ok`, `refused` or `failed`, with the HTTP status where there is one (`refused:403`). */
  outcome: string
  /** Further facts, small and free of personal identifiers. */
  detail: Record<string, unknown>
}

export interface AuditEntry extends AuditFields {
  seq: string
  /** ISO 8601 with milliseconds, UTC: the form the store gives back for hashing. */
  at: string
  prevHash: string
  hash: string
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>
    return Object.fromEntries(
      Object.keys(object)
        .sort()
        .map((key) => [key, canonical(object[key])]),
    )
  }
  return value
}

/** The hash of an entry given its predecessor's hash. */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, at, actor, action, target, subject, purpose, outcome, detail, prevHash } = entry
  const text = JSON.stringify(
    canonical({ seq, at, actor, action, target, subject, purpose, outcome, detail, prevHash }),
  )
  return createHash('sha256').update(text).digest('hex')
}

export interface ChainBreak {
  /** The seq of the first entry that does not verify. */
  seq: string
  reason: 'altered' | 'entry removed before it' | 'predecessor altered' | 'out of order'
}

/**
 * Checks one entry against the one before it (`previous` undefined for the first). Returns the
 * break it shows, if any: a wrong own hash (altered), a gap in seq (an entry removed before it),
 * or a `prev_hash` that is not its predecessor's hash (the predecessor altered and re-hashed).
 */
export function checkLink(
  entry: AuditEntry,
  previous: AuditEntry | undefined,
): ChainBreak | undefined {
  const expectedSeq = previous === undefined ? 1n : BigInt(previous.seq) + 1n
  const expectedPrev = previous === undefined ? GENESIS_HASH : previous.hash
  if (entryHash(entry) !== entry.hash) return { seq: entry.seq, reason: 'altered' }
  if (BigInt(entry.seq) > expectedSeq) return { seq: entry.seq, reason: 'entry removed before it' }
  if (BigInt(entry.seq) < expectedSeq) return { seq: entry.seq, reason: 'out of order' }
  if (entry.prevHash !== expectedPrev) return { seq: entry.seq, reason: 'predecessor altered' }
  return undefined
}
