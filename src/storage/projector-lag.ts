import type { Sql } from './db.js'

/**
 * How far each follower of the statements table is behind the newest statement, in storage
 * positions (`seq`): the skills projector's evidence cursor and the agency projector's two
 * cursors. Positions, not statements: `seq` has gaps (reservations a retried flush did not use),
 * so a lag is an upper bound on the statements still to project; 0 means caught up.
 * Four primary-key probes, cheap enough for every scrape.
 */
export interface ProjectorLag {
  skills: number
  statistics: number
  attainments: number
}

export async function readProjectorLag(sql: Sql): Promise<ProjectorLag> {
  const { rows } = await sql.query<{ skills: string; statistics: string; attainments: string }>(
    `WITH newest AS (SELECT COALESCE(max(seq), 0) AS seq FROM statements)
     SELECT newest.seq - COALESCE((SELECT seq FROM skills_projector WHERE name = 'evidence'), 0)
              AS skills,
            newest.seq - COALESCE((SELECT seq FROM agency_projector WHERE name = 'statistics'), 0)
              AS statistics,
            newest.seq - COALESCE((SELECT seq FROM agency_projector WHERE name = 'attainments'), 0)
              AS attainments
     FROM newest`,
  )
  const row = rows[0]
  const lag = (value: string | undefined) => Math.max(0, Number(value ?? 0))
  return {
    skills: lag(row?.skills),
    statistics: lag(row?.statistics),
    attainments: lag(row?.attainments),
  }
}
