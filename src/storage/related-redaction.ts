import { isObject, type JsonObject } from '../xapi/agent-key.js'
import { redactAgent } from '../xapi/agent-redaction.js'
import type { Sql } from './db.js'
import type { KeyHashes } from './key-hash.js'

/**
 * The part of an erasure (src/storage/learner-erasure.ts) that rewrites the statements it keeps:
 * those naming the learner only in a related position. They are found by the learner's
 * `agent:` index rows, which at this point belong to kept statements only (the erased ones and
 * their rows are gone), read a page at a time in `seq` order so a learner named in many
 * statements never loads them all at once, and written back in the same transaction.
 *
 * `body` is the only stored copy of a statement (the reader splices its jsonb text into
 * responses, and renders every other format and version from it), so rewriting it redacts every
 * format the Statement Resource returns. `id`, `stored`, `authority` and `seq` are unchanged: it
 * is the same statement, found by the same other filters, in the same place of the storage order.
 */

const PAGE = 500

/**
 * related-statements-page: kept statements that carry the learner's key, after a seq: both
 * stored forms of the key ($1 direct, $2 related), merged in seq order.
 */
const RELATED_PAGE = `
  SELECT s.seq, s.body::text AS body, s.attachment_hashes AS hashes
  FROM (SELECT seq FROM statement_index WHERE key_hash = $1::uuid AND seq > $3
        UNION ALL
        SELECT seq FROM statement_index WHERE key_hash = $2::uuid AND seq > $3) i
  JOIN statements s ON s.seq = i.seq
  ORDER BY i.seq LIMIT $4`

/** rewrite-bodies: the redacted bodies and the attachments they still name, by seq. */
const REWRITE = `
  UPDATE statements s SET body = r.body, attachment_hashes = r.hashes
  FROM jsonb_to_recordset($1::jsonb) AS r (seq bigint, body jsonb, hashes text[])
  WHERE s.seq = r.seq`

export interface RelatedRedaction {
  /** Statements whose body named the learner and was rewritten. */
  redacted: number
  /** Hashes of signature attachments no longer named by the redacted statements. */
  droppedHashes: string[]
}

/**
 * Replaces the learner (IFI key `learnerKey`) by `pseudonym` in every kept statement indexed
 * under the stored forms of the learner's agent key. Index rows are left to the caller, which
 * deletes them.
 */
export async function redactRelatedStatements(
  tx: Sql,
  learnerKey: string,
  agentKeyHashes: KeyHashes,
  pseudonym: JsonObject,
): Promise<RelatedRedaction> {
  let redacted = 0
  const droppedHashes = new Set<string>()
  for (let after = '0'; ;) {
    const { rows } = await tx.query<{ seq: string; body: string; hashes: string[] | null }>(
      RELATED_PAGE,
      [agentKeyHashes.direct, agentKeyHashes.related, after, PAGE],
    )
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.seq

    const rewrites = rows.flatMap((row) => {
      const result = redactAgent(JSON.parse(row.body) as JsonObject, learnerKey, pseudonym)
      if (result === undefined) return []
      const named = new Set(hashesOf(result.statement))
      const hashes = (row.hashes ?? []).filter(
        (hash) => named.has(hash) || !result.droppedHashes.includes(hash),
      )
      for (const hash of result.droppedHashes) droppedHashes.add(hash)
      return [{ seq: row.seq, body: result.statement, hashes: hashes.length > 0 ? hashes : null }]
    })
    if (rewrites.length > 0) await tx.query(REWRITE, [JSON.stringify(rewrites)])
    redacted += rewrites.length
  }
  return { redacted, droppedHashes: [...droppedHashes] }
}

/** The statement-level attachment hashes, as the writer records them (`attachment_hashes`). */
function hashesOf(statement: JsonObject): string[] {
  const attachments = Array.isArray(statement.attachments) ? statement.attachments : []
  return attachments.flatMap((a) => (isObject(a) && typeof a.sha2 === 'string' ? [a.sha2] : []))
}
