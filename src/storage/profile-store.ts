import type { Sql } from './db.js'

/**
 * Named SQL for the national profile's per-platform setting and its findings (migration 0008).
 * Findings are written by the statement insert itself (statement-insert.ts), never here.
 */

export type ProfileMode = 'reject' | 'record'

export interface StoredFinding {
  /** Keyset position: findings are read in `seq` order. */
  seq: string
  statementId: string
  profileVersion: string
  template: string
  templateLabel: string
  location: string
  presence: string | null
  requirement: string
  message: string
  foundAt: string
}

interface FindingRow {
  seq: string
  statement_id: string
  profile_version: string
  template: string
  template_label: string
  rule_location: string
  presence: string | null
  requirement: string
  message: string
  found_at: string
}

/** selectProfileMode: a platform's mode; undefined when the platform is not registered. */
export async function selectProfileMode(
  sql: Sql,
  platformId: string,
): Promise<ProfileMode | undefined> {
  const { rows } = await sql.query<{ profile_mode: ProfileMode }>(
    'SELECT profile_mode FROM platforms WHERE id = $1',
    [platformId],
  )
  return rows[0]?.profile_mode
}

/** updateProfileMode: sets a platform's mode; false when the platform is not registered. */
export async function updateProfileMode(
  sql: Sql,
  platformId: string,
  mode: ProfileMode,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    'UPDATE platforms SET profile_mode = $2, updated_at = now() WHERE id = $1',
    [platformId, mode],
  )
  return rowCount > 0
}

/**
 * selectFindings: one page of a platform's findings in the order they were found, after the
 * keyset position `after` (a `seq`): one range scan of profile_findings_client_idx per page.
 */
export async function selectFindings(
  sql: Sql,
  platformId: string,
  after: string | undefined,
  limit: number,
): Promise<StoredFinding[]> {
  const { rows } = await sql.query<FindingRow>(
    `SELECT seq::text AS seq, statement_id::text AS statement_id, profile_version, template,
            template_label, rule_location, presence, requirement, message, found_at
     FROM profile_findings
     WHERE client_id = $1 AND seq > $2::bigint
     ORDER BY seq
     LIMIT $3`,
    [platformId, after ?? '0', limit],
  )
  return rows.map((row) => ({
    seq: row.seq,
    statementId: row.statement_id,
    profileVersion: row.profile_version,
    template: row.template,
    templateLabel: row.template_label,
    location: row.rule_location,
    presence: row.presence,
    requirement: row.requirement,
    message: row.message,
    foundAt: new Date(row.found_at).toISOString(),
  }))
}
