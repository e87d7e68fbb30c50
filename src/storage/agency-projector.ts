import type { Logger } from 'pino'
import { EXTENSIONS, VERBS } from '../profile/vocabulary.js'
import { clearAttainmentRechecks, recheckAttainments } from './attainment-recheck.js'
import type { Db, Sql } from './db.js'

/**
 * Keeps the learners table and the national statistics rollups (migration 0007) current without
 * touching the statement ingest path. Like the skills projector, it follows `statements` in
 * storage order (`seq`) from a persisted cursor: each batch is a few set-based statements over
 * one seq range of the primary key, committed together with the new cursor under an advisory
 * lock, so every statement is counted exactly once even with several hub processes.
 *
 * Attainments follow the skills evidence instead, with a cursor of their own that never passes
 * the skills projector's: evidence for statements up to that cursor is written. Evidence the
 * skills projector withdraws later (voiding) is queued by it and rechecked here in the same
 * batches (src/storage/attainment-recheck.ts).
 *
 * What a batch counts (docs/privacy.md explains why these rules):
 * - a statement's province is its own `context.extensions` province, `unknown` when absent, so
 *   the cell a statement was counted in can be found again from the statement alone (erasure);
 * - a voiding statement takes its target back out of the statements rollup; active learners stay
 *   counted (the learner was active all the same); a first attainment resting on the voided
 *   statement moves to the learner's next evidence, or is taken back when there is none;
 * - a learner's province is the one their latest statement declared; moving a learner moves
 *   them between cells of the learners rollup.
 */
export const AGENCY_PROJECTOR_LOCK = 7_351_024_501
const BATCH_SEQS = 5000
const POLL_MS = 1000
/**
 * Every batch updates rollup rows in place, leaving a dead version of each; with autovacuum off
 * or behind (off on the project's own test server, absent in PGlite) a national query came to
 * read 375 MB for 30,000 live rows (bench/statistics.ts at 10M statements). The projector
 * vacuums the three small rollups itself every so many batches, which keeps them compact.
 */
const VACUUM_EVERY_BATCHES = 20
const ROLLUPS = 'stats_platform_monthly, stats_learners_monthly, stats_attainments_monthly'

/** Plain VACUUM (space reused, runs beside queries) or FULL (rewritten, briefly exclusive). */
async function vacuumRollups(db: Db, full: boolean): Promise<void> {
  await db.query(`VACUUM ${full ? '(FULL) ' : ''}${ROLLUPS}`)
}

/** The batch's statements with the facts statistics need: month, province, platform. */
const BATCH = `b AS (
  SELECT seq, stored, client_id, actor_key, verb_id, voids,
    date_trunc('month', stored)::date AS month,
    COALESCE(NULLIF(body->'context'->'extensions'->>$3, ''), 'unknown') AS province
  FROM statements WHERE seq > $1 AND seq <= $2)`

const COUNT_STATEMENTS = `WITH ${BATCH}
  INSERT INTO stats_platform_monthly (month, province, platform, statements, completed, passed, failed)
  SELECT month, province, client_id, count(*), count(*) FILTER (WHERE verb_id = $4),
    count(*) FILTER (WHERE verb_id = $5), count(*) FILTER (WHERE verb_id = $6)
  FROM b WHERE voids IS NULL
  GROUP BY month, province, client_id
  ON CONFLICT (month, province, platform) DO UPDATE SET
    statements = stats_platform_monthly.statements + EXCLUDED.statements,
    completed = stats_platform_monthly.completed + EXCLUDED.completed,
    passed = stats_platform_monthly.passed + EXCLUDED.passed,
    failed = stats_platform_monthly.failed + EXCLUDED.failed`

/**
 * Takes statements back out of the statements rollup: `targets` selects them (with `t` the
 * statements table), and must only name statements that were counted.
 */
export const uncountStatements = (targets: string): string => `WITH t AS (${targets}),
  d AS (
    SELECT date_trunc('month', t.stored)::date AS month,
      COALESCE(NULLIF(t.body->'context'->'extensions'->>$3, ''), 'unknown') AS province,
      t.client_id AS platform, count(*) AS n, count(*) FILTER (WHERE t.verb_id = $4) AS c,
      count(*) FILTER (WHERE t.verb_id = $5) AS p, count(*) FILTER (WHERE t.verb_id = $6) AS f
    FROM t GROUP BY 1, 2, 3)
  UPDATE stats_platform_monthly s SET statements = s.statements - d.n, completed = s.completed - d.c,
    passed = s.passed - d.p, failed = s.failed - d.f
  FROM d WHERE s.month = d.month AND s.province = d.province AND s.platform = d.platform`

/** Voiding statements of the batch take their (already counted) targets back out. */
const UNCOUNT_VOIDED = uncountStatements(`
    SELECT t.* FROM statements v JOIN statements t ON t.id = v.voids
    WHERE v.seq > $1 AND v.seq <= $2 AND v.voids IS NOT NULL
      AND t.voided AND t.voids IS NULL AND t.seq <= $2`)

const COUNT_ACTIVE = `WITH ${BATCH}, fresh AS (
    INSERT INTO learner_months (learner_key, month, province, platform)
    SELECT DISTINCT actor_key, month, province, client_id FROM b WHERE voids IS NULL
    ON CONFLICT DO NOTHING
    RETURNING month, province, platform)
  INSERT INTO stats_platform_monthly (month, province, platform, active_learners)
  SELECT month, province, platform, count(*) FROM fresh GROUP BY month, province, platform
  ON CONFLICT (month, province, platform)
  DO UPDATE SET active_learners = stats_platform_monthly.active_learners + EXCLUDED.active_learners`

/**
 * Upserts the batch's learners and moves them between cells of the learners rollup. `old` reads
 * the rows as they were before this statement (data-modifying CTEs share one snapshot).
 */
const UPDATE_LEARNERS = `WITH ${BATCH}, agg AS (
    SELECT actor_key, min(stored) AS first_seen, max(stored) AS last_seen,
      (array_agg(province ORDER BY seq DESC) FILTER (WHERE province <> 'unknown'))[1] AS province,
      max(seq) FILTER (WHERE province <> 'unknown') AS province_seq
    FROM b WHERE voids IS NULL GROUP BY actor_key),
  old AS (SELECT l.* FROM learners l JOIN agg a ON a.actor_key = l.learner_key),
  up AS (
    INSERT INTO learners (learner_key, province, first_seen, last_seen, province_seq)
    SELECT actor_key, COALESCE(province, 'unknown'), first_seen, last_seen, COALESCE(province_seq, 0)
    FROM agg
    ON CONFLICT (learner_key) DO UPDATE SET
      last_seen = GREATEST(learners.last_seen, EXCLUDED.last_seen),
      province = CASE WHEN EXCLUDED.province_seq > learners.province_seq
        THEN EXCLUDED.province ELSE learners.province END,
      province_seq = GREATEST(learners.province_seq, EXCLUDED.province_seq)),
  moved AS (
    SELECT o.first_seen, o.province AS was, a.province AS now FROM agg a JOIN old o
      ON o.learner_key = a.actor_key
    WHERE a.province IS NOT NULL AND a.province_seq > o.province_seq AND a.province <> o.province),
  deltas AS (
    SELECT date_trunc('month', a.first_seen)::date AS month, COALESCE(a.province, 'unknown') AS province,
      1 AS d
    FROM agg a WHERE NOT EXISTS (SELECT 1 FROM old o WHERE o.learner_key = a.actor_key)
    UNION ALL SELECT date_trunc('month', first_seen)::date, was, -1 FROM moved
    UNION ALL SELECT date_trunc('month', first_seen)::date, now, 1 FROM moved)
  INSERT INTO stats_learners_monthly (month, province, count)
  SELECT month, province, sum(d) FROM deltas GROUP BY month, province
  ON CONFLICT (month, province) DO UPDATE SET count = stats_learners_monthly.count + EXCLUDED.count`

/** First attainments of (learner, competence, level) in an evidence seq range, and their rollup. */
const COUNT_ATTAINMENTS = `WITH fresh AS (
    INSERT INTO learner_attainments (learner_key, competence_iri, level, month, province, seq)
    SELECT DISTINCT ON (e.learner_key, e.competence_iri, e.level)
      e.learner_key, e.competence_iri, e.level, date_trunc('month', e.achieved_at)::date,
      COALESCE(l.province, 'unknown'), e.seq
    FROM skills_evidence e LEFT JOIN learners l ON l.learner_key = e.learner_key
    WHERE e.seq > $1 AND e.seq <= $2 AND NOT e.withdrawn
    ORDER BY e.learner_key, e.competence_iri, e.level, e.seq
    ON CONFLICT DO NOTHING
    RETURNING month, province, competence_iri, level)
  INSERT INTO stats_attainments_monthly (month, province, competence_iri, level, count)
  SELECT month, province, competence_iri, level, count(*) FROM fresh
  GROUP BY month, province, competence_iri, level
  ON CONFLICT (month, province, competence_iri, level)
  DO UPDATE SET count = stats_attainments_monthly.count + EXCLUDED.count`

/** The parameters every statements query above takes after the seq range. */
export const FACT_PARAMS = [EXTENSIONS.province, VERBS.completed, VERBS.passed, VERBS.failed]

export async function lockAgencyProjection(sql: Sql): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock($1)', [AGENCY_PROJECTOR_LOCK])
}

/** A cursor of the agency projector (`statistics` or `attainments`). */
export async function selectAgencyCursor(sql: Sql, name: string): Promise<string> {
  const { rows } = await sql.query<{ seq: string }>(
    'SELECT seq FROM agency_projector WHERE name = $1',
    [name],
  )
  return rows[0]?.seq ?? '0'
}

async function setCursor(sql: Sql, name: string, seq: string): Promise<void> {
  await sql.query('UPDATE agency_projector SET seq = $2 WHERE name = $1', [name, seq])
}

function nextBound(cursor: string, max: string): string {
  const bound = BigInt(cursor) + BigInt(BATCH_SEQS)
  return (bound < BigInt(max) ? bound : BigInt(max)).toString()
}

async function statementsBatch(tx: Sql): Promise<boolean> {
  const cursor = await selectAgencyCursor(tx, 'statistics')
  const { rows } = await tx.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM statements')
  const max = rows[0]?.seq ?? '0'
  if (BigInt(max) <= BigInt(cursor)) return false
  const upTo = nextBound(cursor, max)
  const params = [cursor, upTo, ...FACT_PARAMS]
  await tx.query(UPDATE_LEARNERS, params.slice(0, 3))
  await tx.query(COUNT_STATEMENTS, params)
  await tx.query(UNCOUNT_VOIDED, params)
  await tx.query(COUNT_ACTIVE, params.slice(0, 3))
  await setCursor(tx, 'statistics', upTo)
  return true
}

async function attainmentsBatch(tx: Sql): Promise<boolean> {
  const cursor = await selectAgencyCursor(tx, 'attainments')
  // Never past the skills projector, nor past the learners (their province is read here).
  const { rows } = await tx.query<{ seq: string }>(
    `SELECT LEAST(COALESCE((SELECT seq FROM skills_projector WHERE name = 'evidence'), 0),
       (SELECT seq FROM agency_projector WHERE name = 'statistics'))::text AS seq`,
  )
  const max = rows[0]?.seq ?? '0'
  if (BigInt(max) <= BigInt(cursor)) return false
  const upTo = nextBound(cursor, max)
  await tx.query(COUNT_ATTAINMENTS, [cursor, upTo])
  await setCursor(tx, 'attainments', upTo)
  return true
}

/** Withdrawn evidence queued by the skills projector, against what the cursor has counted. */
async function recheckBatch(tx: Sql): Promise<boolean> {
  return recheckAttainments(tx, await selectAgencyCursor(tx, 'attainments'))
}

export interface AgencyProjector {
  wake(): void
  /** Runs batches until both cursors reach what can be counted now. */
  catchUp(): Promise<void>
  /**
   * Recounts everything from the statements and the skills evidence, in one transaction under
   * the projector lock (queries keep reading the old figures until it commits). For after a
   * mapping change re-derived old evidence, or to check the rollups; returns the new cursors.
   */
  rebuild(): Promise<{ statistics: string; attainments: string }>
  start(): void
  stop(): Promise<void>
}

export function createAgencyProjector(
  db: Db,
  log?: Logger,
  options: { vacuumEveryBatches?: number } = {},
): AgencyProjector {
  const vacuumEvery = options.vacuumEveryBatches ?? VACUUM_EVERY_BATCHES
  let running: Promise<void> | undefined
  let again = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  const batch = () =>
    db.transaction(async (tx) => {
      await lockAgencyProjection(tx)
      const counted = await statementsBatch(tx)
      const attained = await attainmentsBatch(tx)
      return (await recheckBatch(tx)) || attained || counted
    })

  let batchesSinceVacuum = 0

  async function drain(): Promise<void> {
    do {
      again = false
      while (!stopped && (await batch())) {
        // Each batch commits on its own: a long backlog never holds one long transaction.
        if (++batchesSinceVacuum >= vacuumEvery) {
          batchesSinceVacuum = 0
          // Only a cost when it fails (a concurrent vacuum, say): never stop counting for it.
          await vacuumRollups(db, false).catch((error: unknown) =>
            log?.warn({ err: error }, 'vacuum of the statistics rollups failed'),
          )
        }
      }
    } while (again && !stopped)
  }

  function run(): Promise<void> {
    if (running !== undefined) {
      again = true
      return running
    }
    running = drain()
      .catch((error: unknown) =>
        log?.error({ err: error }, 'agency projection failed; retrying on the next tick'),
      )
      .finally(() => {
        running = undefined
      })
    return running
  }

  async function rebuild(): Promise<{ statistics: string; attainments: string }> {
    const cursors = await db.transaction(async (tx) => {
      await lockAgencyProjection(tx)
      await tx.query(`TRUNCATE learners, learner_months, learner_attainments, stats_platform_monthly,
        stats_learners_monthly, stats_attainments_monthly`)
      await tx.query('UPDATE agency_projector SET seq = 0')
      // The recount reads withdrawals from the evidence itself; queued rechecks would be no-ops.
      await clearAttainmentRechecks(tx)
      while (await statementsBatch(tx)) {
        // One transaction: the rebuilt figures appear all at once.
      }
      while (await attainmentsBatch(tx)) {
        // Attainments read the learners' provinces, so they follow the statements.
      }
      return {
        statistics: await selectAgencyCursor(tx, 'statistics'),
        attainments: await selectAgencyCursor(tx, 'attainments'),
      }
    })
    // The recount updated every rollup row once per batch inside one transaction: the tables
    // are mostly dead versions now, which only a rewrite gives back (a second or so, holding
    // off national queries meanwhile).
    await vacuumRollups(db, true)
    return cursors
  }

  return {
    rebuild,
    wake() {
      if (!stopped) void run()
    },
    async catchUp() {
      while (running !== undefined) await running
      await drain()
    },
    start() {
      timer = setInterval(() => void run(), POLL_MS)
      timer.unref()
    },
    async stop() {
      stopped = true
      if (timer !== undefined) clearInterval(timer)
      while (running !== undefined) await running
    },
  }
}
