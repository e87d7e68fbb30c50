import type { JsonObject } from '../xapi/agent-key.js'
import type { Sql } from './db.js'

/**
 * Activity definitions the hub has learned from statements (`activities` table, migration 0001).
 * The statement write path keeps them up to date through mergeActivityDefinition
 * (src/xapi/activity-definition.ts); the Activities Resource reads them here.
 */

/** read-activity-definition: the learned definition of one Activity, or undefined. */
export async function readActivityDefinition(
  sql: Sql,
  iri: string,
): Promise<JsonObject | undefined> {
  const { rows } = await sql.query<{ definition: string }>(
    'SELECT definition FROM activities WHERE iri = $1',
    [iri],
  )
  return rows[0] === undefined ? undefined : (JSON.parse(rows[0].definition) as JsonObject)
}
