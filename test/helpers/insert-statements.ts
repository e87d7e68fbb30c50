import { createHash, randomUUID } from 'node:crypto'
import { isObject, type JsonObject } from '../../src/xapi/agent-key.js'
import { statementIndexKeys } from '../../src/xapi/statement-index-keys.js'
import type { Db } from '../../src/storage/db.js'
import { keyHashes } from '../../src/storage/key-hash.js'

/**
 * Stores statements with plain SQL, the way the write side lays them out: the `statements` row,
 * its `statement_index` keys (a StatementRef statement also takes every key of its target, which
 * makes xAPI's filter rule for StatementRefs recursive), voiding, and attachment content. Read
 * tests use it to set up exact situations (stored times, clients) in one step.
 */

export const VOIDED = 'http://adlnet.gov/expapi/verbs/voided'

export interface StoredStatement {
  id: string
  seq: string
  stored: string
}

export interface InsertOptions {
  clientId?: string
  version?: '1.0.3' | '2.0.0'
  /** Stored time; by default now, and always later than the previous statement inserted. */
  stored?: string
  /** Attachment content by SHA-2, for statements whose attachments name those hashes. */
  attachments?: { contentType: string; content: Buffer }[]
}

let lastStored = 0

function nextStored(): string {
  lastStored = Math.max(Date.now(), lastStored + 1)
  return new Date(lastStored).toISOString()
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex')
}

/** Inserts statements in order, one transaction each, like a writer committing in storage order. */
export async function insertStatements(
  db: Db,
  statements: readonly JsonObject[],
  options: InsertOptions = {},
): Promise<StoredStatement[]> {
  const stored: StoredStatement[] = []
  for (const statement of statements) stored.push(await insertOne(db, statement, options))
  return stored
}

async function insertOne(
  db: Db,
  input: JsonObject,
  options: InsertOptions,
): Promise<StoredStatement> {
  const id = typeof input.id === 'string' ? input.id : randomUUID()
  const stored = options.stored ?? nextStored()
  const version = options.version ?? '2.0.0'
  const clientId = options.clientId ?? 'test-key'
  const authority = {
    objectType: 'Agent',
    account: { homePage: 'https://hub.example.org', name: clientId },
  }
  const body: JsonObject = {
    ...input,
    id,
    stored,
    version,
    authority,
    timestamp: input.timestamp ?? stored,
  }

  const object = isObject(body.object) ? body.object : {}
  const target =
    object.objectType === 'StatementRef' && typeof object.id === 'string' ? object.id : undefined
  const verbId = isObject(body.verb) && typeof body.verb.id === 'string' ? body.verb.id : ''
  const voids = verbId === VOIDED ? target : undefined
  const hashes = Array.isArray(body.attachments)
    ? body.attachments.flatMap((a) => (isObject(a) && typeof a.sha2 === 'string' ? [a.sha2] : []))
    : []

  return db.transaction(async (tx) => {
    for (const attachment of options.attachments ?? []) {
      await tx.query(
        `INSERT INTO attachments (sha2, content_type, length, content) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha2) DO NOTHING`,
        [
          sha256(attachment.content),
          attachment.contentType,
          attachment.content.length,
          attachment.content,
        ],
      )
    }
    const { rows } = await tx.query<{ seq: string }>(
      `INSERT INTO statements
         (id, stored, version, client_id, actor_key, verb_id, voids, attachment_hashes, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
      [
        id,
        stored,
        version,
        clientId,
        'test',
        verbId,
        voids ?? null,
        hashes.length > 0 ? hashes : null,
        JSON.stringify(body),
      ],
    )
    const seq = rows[0]?.seq ?? ''
    // A StatementRef inherits its target's stored keys; a key it also has itself is kept once,
    // direct when either has it direct (the rule of the writer's SQL).
    const inherited = new Set<string>()
    if (target !== undefined) {
      const { rows: targetKeys } = await tx.query<{ key_hash: string }>(
        `SELECT replace(i.key_hash::text, '-', '') AS key_hash
         FROM statement_index i JOIN statements t ON t.seq = i.seq WHERE t.id = $1`,
        [target],
      )
      for (const row of targetKeys) inherited.add(row.key_hash)
    }
    const keyRows: string[] = []
    for (const { key, direct } of statementIndexKeys(body)) {
      const both = keyHashes(key)
      keyRows.push(direct || inherited.has(both.direct) ? both.direct : both.related)
      inherited.delete(both.direct)
      inherited.delete(both.related)
    }
    keyRows.push(...inherited)
    await tx.query('INSERT INTO statement_index (key_hash, seq) SELECT unnest($1::uuid[]), $2', [
      keyRows,
      seq,
    ])
    if (voids !== undefined)
      await tx.query('UPDATE statements SET voided = true WHERE id = $1', [voids])
    return { id, seq, stored }
  })
}
