import type { Json } from '../xapi/agent-key.js'
import { indexKey } from '../xapi/statement-index-keys.js'
import type { Sql } from './db.js'
import { keyHashes } from './key-hash.js'

/**
 * How many recent statements the Agents Resource reads about one agent. The Person Object only
 * needs the names an agent was given, which rarely change; a bound keeps the request one short
 * index range scan however many statements the agent has.
 */
export const PERSON_STATEMENT_LIMIT = 100

/**
 * recent-statements-about-agent: bodies of the newest statements that mention the agent anywhere
 * (statement_index `agent:` keys, direct and related), stored by one client only, so one
 * platform never learns what another recorded. Voided statements are left out.
 */
export async function recentStatementsAbout(
  sql: Sql,
  clientId: string,
  agentKey: string,
): Promise<Json[]> {
  // Both stored forms of the key, merged in seq order (src/storage/key-hash.ts).
  const hashes = keyHashes(indexKey.agent(agentKey))
  const { rows } = await sql.query<{ body: string }>(
    `SELECT s.body
     FROM (SELECT seq FROM statement_index WHERE key_hash = $1::uuid
           UNION ALL
           SELECT seq FROM statement_index WHERE key_hash = $2::uuid) i
     JOIN statements s ON s.seq = i.seq
     WHERE s.client_id = $3 AND NOT s.voided
     ORDER BY i.seq DESC LIMIT $4`,
    [hashes.direct, hashes.related, clientId, PERSON_STATEMENT_LIMIT],
  )
  return rows.map((row) => JSON.parse(row.body) as Json)
}
