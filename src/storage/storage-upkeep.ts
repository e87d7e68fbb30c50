import type { Db } from './db.js'

/**
 * Upkeep the hub does itself, after writes, so that ingest and queries keep their plans whatever
 * the server's maintenance settings (the hub's own test server runs with autovacuum off, and
 * the embedded store has no autovacuum at all):
 *
 * - Planner statistics. Statement flushes are prepared statements; their generic plan is made
 *   from the statistics of the moment. Planned while the store was small, a look-up by id is a
 *   sequential scan, and it stays one for every later flush until statistics change: seen as
 *   flushes taking seconds at 100k statements (docs/performance.md). After every
 *   `ANALYZE_MIN + ANALYZE_FRACTION × size` statements written the growing tables are analysed,
 *   which also makes PostgreSQL re-plan the cached statements.
 * - BRIN summaries. A look-up on `statement_index_seq_brin` (migration 0013) reads every block
 *   range not yet summarised; new ranges are summarised at most every SUMMARISE_MS.
 *
 * Both are cheap (ANALYZE samples a fixed number of rows) and never block writers: they take
 * only locks that inserts do not wait for. One step runs at a time; failures cost only speed.
 */
export interface StorageUpkeep {
  /** Called after each committed flush with the number of statements it stored. */
  afterCommit(inserted: number): void
  stop(): Promise<void>
}

export interface UpkeepOptions {
  summariseMs?: number
  analyzeMin?: number
  analyzeFraction?: number
}

const SUMMARISE_MS = 2000
const ANALYZE_MIN = 5000
const ANALYZE_FRACTION = 0.2
/** The tables that grow with statements and drive ingest, query and projector plans. */
const GROWING = 'statements, statement_index, skills_evidence, learners, learner_months'

export function createStorageUpkeep(db: Db, options: UpkeepOptions = {}): StorageUpkeep {
  const summariseMs = options.summariseMs ?? SUMMARISE_MS
  const analyzeMin = options.analyzeMin ?? ANALYZE_MIN
  const fraction = options.analyzeFraction ?? ANALYZE_FRACTION
  let written = 0
  let sizeAtAnalyze = 0
  let lastSummarise = 0
  let running: Promise<void> | undefined
  let stopped = false

  async function analyze(): Promise<void> {
    written = 0
    await db.query(`ANALYZE ${GROWING}`)
    const { rows } = await db.query<{ n: number }>(
      `SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'statements'::regclass`,
    )
    sizeAtAnalyze = Math.max(0, Number(rows[0]?.n ?? 0))
  }

  async function summarise(): Promise<void> {
    lastSummarise = Date.now()
    await db.query(`SELECT brin_summarize_new_values('statement_index_seq_brin'::regclass)`)
  }

  return {
    afterCommit(inserted) {
      written += inserted
      if (stopped || running !== undefined) return
      let step: (() => Promise<void>) | undefined
      if (written >= analyzeMin + fraction * sizeAtAnalyze) step = analyze
      else if (Date.now() - lastSummarise >= summariseMs) step = summarise
      if (step === undefined) return
      running = step()
        .catch(() => undefined)
        .finally(() => {
          running = undefined
        })
    },
    async stop() {
      stopped = true
      await running
    },
  }
}
