import type { Jurisdiction } from '../agency/jurisdiction.js'
import type { Sql } from './db.js'

/**
 * Named SQL of agencies and learners (migration 0007): an agency's jurisdiction, and what the
 * hub knows of a learner's place (their province, first and last seen).
 */

export interface Agency {
  platformId: string
  jurisdiction: Jurisdiction
  updatedAt: string
}

export interface LearnerPlace {
  province: string
  firstSeen: string
  lastSeen: string
}

interface AgencyRow {
  platform_id: string
  national: boolean
  provinces: string[]
  updated_at: string
}

function toAgency(row: AgencyRow): Agency {
  return {
    platformId: row.platform_id,
    jurisdiction: row.national ? { national: true } : { national: false, provinces: row.provinces },
    updatedAt: row.updated_at,
  }
}

/** agency-by-platform: the agency a platform is, if it is one. */
export async function selectAgency(sql: Sql, platformId: string): Promise<Agency | undefined> {
  const { rows } = await sql.query<AgencyRow>(
    'SELECT platform_id, national, provinces, updated_at FROM agencies WHERE platform_id = $1',
    [platformId],
  )
  return rows[0] === undefined ? undefined : toAgency(rows[0])
}

/** agency-upsert: makes a platform an agency, or changes its jurisdiction. */
export async function upsertAgency(
  sql: Sql,
  platformId: string,
  jurisdiction: Jurisdiction,
): Promise<Agency> {
  const provinces = jurisdiction.national ? [] : [...new Set(jurisdiction.provinces)].sort()
  const { rows } = await sql.query<AgencyRow>(
    `INSERT INTO agencies (platform_id, national, provinces) VALUES ($1, $2, $3)
     ON CONFLICT (platform_id) DO UPDATE SET national = EXCLUDED.national,
       provinces = EXCLUDED.provinces, updated_at = now()
     RETURNING platform_id, national, provinces, updated_at`,
    [platformId, jurisdiction.national, provinces],
  )
  return toAgency(rows[0] as AgencyRow)
}

/** agency-delete: the platform stays; it is no longer an agency. */
export async function deleteAgency(sql: Sql, platformId: string): Promise<boolean> {
  const { rowCount } = await sql.query('DELETE FROM agencies WHERE platform_id = $1', [platformId])
  return rowCount > 0
}

/** learner-place: a learner's province and when they were first and last seen. */
export async function selectLearnerPlace(
  sql: Sql,
  learnerKey: string,
): Promise<LearnerPlace | undefined> {
  const { rows } = await sql.query<{ province: string; first_seen: string; last_seen: string }>(
    `SELECT province, to_char(first_seen, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS first_seen,
       to_char(last_seen, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_seen
     FROM learners WHERE learner_key = $1`,
    [learnerKey],
  )
  const row = rows[0]
  return row === undefined
    ? undefined
    : { province: row.province, firstSeen: row.first_seen, lastSeen: row.last_seen }
}
