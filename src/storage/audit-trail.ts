import { createHmac, randomBytes } from 'node:crypto'
import {
  checkLink,
  entryHash,
  GENESIS_HASH,
  type AuditEntry,
  type AuditFields,
  type ChainBreak,
} from '../agency/audit-chain.js'
import type { Db, Sql } from './db.js'

/**
 * The audit trail (migration 0007, docs/privacy.md): an append-only, hash-chained log of every
 * agency read and every administrative change.
 *
 * One chain across hub processes: an append takes a transaction-level advisory lock, reads the
 * head (the last entry and a copy of its hash in `hub_settings`), and inserts the next entry, so
 * two appends can never both extend the same predecessor. The head copy lets verification notice
 * that the newest entries were removed (the chain alone cannot: what is left still links up);
 * a determined operator can rewrite both, which is why the head is also returned by
 * `hub audit verify`, to be recorded outside the hub.
 */
const AUDIT_LOCK = 7_351_024_977
const HEAD_KEY = 'audit_head'
const SALT_KEY = 'audit_subject_salt'
const VERIFY_BATCH = 1000

/** ISO 8601 UTC with milliseconds, as JavaScript writes it, from a timestamptz. */
const AT_TEXT = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

export interface VerifyReport {
  ok: boolean
  entries: number
  head: Head
  /** The first entry that does not verify. */
  broken?: ChainBreak
}

export interface RecordAccess {
  at: string
  actor: string
  action: string
  purpose: string | null
  outcome: string
}

export interface AuditTrail {
  /** Appends an entry inside the caller's transaction (so it commits with the change it records). */
  append(tx: Sql, fields: AuditFields): Promise<AuditEntry>
  /** Appends an entry in a transaction of its own. */
  record(fields: AuditFields): Promise<AuditEntry>
  /** Walks the whole chain in seq order, in batches. */
  verify(): Promise<VerifyReport>
  /** The salted hash stored as `subject` for a learner key. */
  subjectOf(learnerKey: string): Promise<string>
  /** Who looked at a learner's record and why, newest first. */
  accessesTo(learnerKey: string, limit: number): Promise<RecordAccess[]>
}

interface EntryRow {
  seq: string
  at: string
  actor: string
  action: string
  target: string | null
  subject: string | null
  purpose: string | null
  outcome: string
  detail: string
  prev_hash: string
  hash: string
}

function toEntry(row: EntryRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    subject: row.subject,
    purpose: row.purpose,
    outcome: row.outcome,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}

interface Head {
  seq: string
  hash: string
}

/** The chain head, and the time of the statement (the entry's `at`): one round trip. */
async function readHead(sql: Sql): Promise<Head & { now: string }> {
  const { rows } = await sql.query<{ value: string | null; now: string }>(
    `SELECT (SELECT value::text FROM hub_settings WHERE key = $1) AS value,
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`,
    [HEAD_KEY],
  )
  const value = rows[0]?.value ?? null
  const head = value === null ? { seq: '0', hash: GENESIS_HASH } : (JSON.parse(value) as Head)
  return { ...head, now: rows[0]?.now ?? new Date().toISOString() }
}

/** The salt of subject hashes: random, made once, kept in the store. */
async function loadSalt(db: Db): Promise<Buffer> {
  await db.query(
    'INSERT INTO hub_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
    [SALT_KEY, JSON.stringify(randomBytes(32).toString('base64url'))],
  )
  const { rows } = await db.query<{ value: string }>(
    'SELECT value::text AS value FROM hub_settings WHERE key = $1',
    [SALT_KEY],
  )
  return Buffer.from(JSON.parse(rows[0]?.value ?? '""') as string, 'base64url')
}

/** Opens the audit trail of a store. */
export async function openAuditTrail(db: Db): Promise<AuditTrail> {
  const salt = await loadSalt(db)

  async function append(tx: Sql, fields: AuditFields): Promise<AuditEntry> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK])
    const head = await readHead(tx)
    const unhashed = {
      ...fields,
      seq: (BigInt(head.seq) + 1n).toString(),
      at: head.now,
      prevHash: head.hash,
    }
    const entry: AuditEntry = { ...unhashed, hash: entryHash(unhashed) }
    await tx.query(
      `INSERT INTO audit_log (seq, at, actor, action, target, subject, purpose, outcome, detail,
         prev_hash, hash)
       VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)`,
      [
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.subject,
        entry.purpose,
        entry.outcome,
        JSON.stringify(entry.detail),
        entry.prevHash,
        entry.hash,
      ],
    )
    await tx.query(
      `INSERT INTO hub_settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [HEAD_KEY, JSON.stringify({ seq: entry.seq, hash: entry.hash })],
    )
    return entry
  }

  async function verify(): Promise<VerifyReport> {
    const { seq, hash } = await readHead(db)
    const head = { seq, hash }
    let previous: AuditEntry | undefined
    let entries = 0
    for (;;) {
      const { rows } = await db.query<EntryRow>(
        `SELECT seq, ${AT_TEXT} AS at, actor, action, target, subject, purpose, outcome,
           detail::text AS detail, prev_hash, hash
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [previous?.seq ?? '0', VERIFY_BATCH],
      )
      for (const row of rows) {
        const entry = toEntry(row)
        const broken = checkLink(entry, previous)
        if (broken !== undefined) return { ok: false, entries, head, broken }
        previous = entry
        entries += 1
      }
      if (rows.length < VERIFY_BATCH) break
    }
    const last = previous ?? { seq: '0', hash: GENESIS_HASH }
    if (last.seq !== head.seq || last.hash !== head.hash) {
      return {
        ok: false,
        entries,
        head,
        broken: { seq: head.seq, reason: 'entry removed before it' },
      }
    }
    return { ok: true, entries, head }
  }

  function subjectOfSync(learnerKey: string): string {
    return createHmac('sha256', salt).update(learnerKey).digest('base64url')
  }

  return {
    append,
    record: (fields) => db.transaction((tx) => append(tx, fields)),
    verify,
    subjectOf: async (learnerKey) => subjectOfSync(learnerKey),
    async accessesTo(learnerKey, limit) {
      const { rows } = await db.query<RecordAccess>(
        `SELECT ${AT_TEXT} AS at, actor, action, purpose, outcome FROM audit_log
         WHERE subject = $1 ORDER BY seq DESC LIMIT $2`,
        [subjectOfSync(learnerKey), limit],
      )
      return rows
    },
  }
}
