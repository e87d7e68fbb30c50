import { HubError } from '../errors.js'
import type { DocumentKind, StoredDocument } from '../xapi/document-rules.js'
import type { Db, Sql } from './db.js'

/**
 * State, Activity Profile and Agent Profile documents in the `documents` table (migration 0002).
 *
 * Every change runs in one transaction that first locks the document's row (SELECT ... FOR
 * UPDATE), so concurrent writers to one document take turns and each sees the previous one's
 * result: with If-Match exactly one of several racing writers wins, and POST merges never lose a
 * property. A document that does not exist yet has no row to lock; creation uses INSERT ... ON
 * CONFLICT DO NOTHING, and a writer that finds the row created under it runs again, now seeing it.
 */

/** Where a document lives. Parts a resource does not use are '' (see the migration). */
export interface DocumentContext {
  clientId: string
  kind: DocumentKind
  activityId: string
  agentKey: string
  /** State only: '' for no registration; undefined in list/delete-all means any registration. */
  registration: string | undefined
}

export interface DocumentKey extends DocumentContext {
  registration: string
  docId: string
}

export interface StoredDocumentRow extends StoredDocument {
  /** When the document last changed, ISO 8601 in UTC with microseconds. */
  updated: string
}

/** What a change decided to do with the document it was shown. */
export type DocumentChange = { action: 'write'; document: StoredDocument } | { action: 'delete' }

interface Row {
  content_type: string
  content: Uint8Array
  etag: string
  updated: string
}

/** `updated` as ISO 8601 in UTC, which Date.parse reads (the text form of timestamptz is not). */
const iso = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

const KEY_WHERE = `client_id = $1 AND kind = $2 AND activity_id = $3 AND agent_key = $4
  AND registration = $5 AND doc_id = $6`

const keyParams = (key: DocumentKey): unknown[] => [
  key.clientId,
  key.kind,
  key.activityId,
  key.agentKey,
  key.registration,
  key.docId,
]

/** PGlite returns bytea as Uint8Array, node-postgres as Buffer; callers get a Buffer either way. */
const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

const fromRow = (row: Row): StoredDocumentRow => ({
  contentType: row.content_type,
  content: toBuffer(row.content),
  etag: row.etag,
  updated: row.updated,
})

/** read-document: one document, or undefined. */
export async function readDocument(
  sql: Sql,
  key: DocumentKey,
): Promise<StoredDocumentRow | undefined> {
  const { rows } = await sql.query<Row>(
    `SELECT content_type, content, etag, ${iso('updated')} AS updated
     FROM documents WHERE ${KEY_WHERE}`,
    keyParams(key),
  )
  return rows[0] === undefined ? undefined : fromRow(rows[0])
}

/** lock-document: the document, its row locked until the transaction ends. */
async function lockDocument(tx: Sql, key: DocumentKey): Promise<StoredDocumentRow | undefined> {
  const { rows } = await tx.query<Row>(
    `SELECT content_type, content, etag, ${iso('updated')} AS updated FROM documents
     WHERE ${KEY_WHERE} FOR UPDATE`,
    keyParams(key),
  )
  return rows[0] === undefined ? undefined : fromRow(rows[0])
}

/**
 * insert-document: creates the document unless another transaction just did; returns whether it
 * did. clock_timestamp(), not now(): `updated` must follow commit order closely enough for `since`.
 */
async function insertDocument(tx: Sql, key: DocumentKey, doc: StoredDocument): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO documents
       (client_id, kind, activity_id, agent_key, registration, doc_id,
        content_type, content, etag, updated)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp())
     ON CONFLICT DO NOTHING`,
    [...keyParams(key), doc.contentType, doc.content, doc.etag],
  )
  return rowCount === 1
}

/** update-document: replaces the (locked) document. */
async function updateDocument(tx: Sql, key: DocumentKey, doc: StoredDocument): Promise<void> {
  await tx.query(
    `UPDATE documents SET content_type = $7, content = $8, etag = $9, updated = clock_timestamp()
     WHERE ${KEY_WHERE}`,
    [...keyParams(key), doc.contentType, doc.content, doc.etag],
  )
}

/** delete-document: removes one document. */
async function deleteDocument(tx: Sql, key: DocumentKey): Promise<void> {
  await tx.query(`DELETE FROM documents WHERE ${KEY_WHERE}`, keyParams(key))
}

/** Thrown inside a transaction when the document appeared under a writer; it runs again. */
class CreatedConcurrently extends Error {}

const ATTEMPTS = 3

/**
 * Applies `change` to the document atomically: `change` sees the current document (locked) and
 * returns what to do, or throws a HubError to leave it untouched. Returns what was done.
 */
export async function changeDocument<C extends DocumentChange>(
  db: Db,
  key: DocumentKey,
  change: (current: StoredDocumentRow | undefined) => C,
): Promise<C> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const current = await lockDocument(tx, key)
        const decision = change(current)
        if (decision.action === 'delete') {
          if (current !== undefined) await deleteDocument(tx, key)
        } else if (current !== undefined) {
          await updateDocument(tx, key, decision.document)
        } else if (!(await insertDocument(tx, key, decision.document))) {
          throw new CreatedConcurrently()
        }
        return decision
      })
    } catch (error) {
      if (!(error instanceof CreatedConcurrently)) throw error
      if (attempt >= ATTEMPTS) {
        throw new HubError(
          'unavailable',
          'the document is being changed by other requests; retry',
          {
            headers: { 'Retry-After': '1' },
          },
        )
      }
    }
  }
}

function contextWhere(context: DocumentContext): { where: string; params: unknown[] } {
  const params: unknown[] = [context.clientId, context.kind, context.activityId, context.agentKey]
  let where = 'client_id = $1 AND kind = $2 AND activity_id = $3 AND agent_key = $4'
  if (context.registration !== undefined) {
    params.push(context.registration)
    where += ` AND registration = $${params.length}`
  }
  return { where, params }
}

/**
 * list-document-ids: the ids in a context changed after `since` (exclusive), and when the most
 * recent of them changed. Without a registration, state of every registration is listed, as one
 * id may then appear once for several registrations.
 */
export async function listDocumentIds(
  sql: Sql,
  context: DocumentContext,
  since: string | undefined,
): Promise<{ ids: string[]; lastModified: string | undefined }> {
  const { where, params } = contextWhere(context)
  let filter = where
  if (since !== undefined) {
    params.push(since)
    filter += ` AND updated > $${params.length}::timestamptz`
  }
  const { rows } = await sql.query<{ doc_id: string; last_modified: string }>(
    `SELECT doc_id, ${iso('max(max(updated)) OVER ()')} AS last_modified
     FROM documents WHERE ${filter}
     GROUP BY doc_id ORDER BY doc_id`,
    params,
  )
  return { ids: rows.map((row) => row.doc_id), lastModified: rows[0]?.last_modified }
}

/** delete-documents: every document of a context (State Resource multiple DELETE). */
export async function deleteDocuments(sql: Sql, context: DocumentContext): Promise<void> {
  const { where, params } = contextWhere(context)
  await sql.query(`DELETE FROM documents WHERE ${where}`, params)
}
