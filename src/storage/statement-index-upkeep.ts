import type { Db } from './db.js'

/**
 * Summarises new block ranges of `statement_index_seq_brin` (migration 0013) on the embedded
 * store. A BRIN look-up reads every range not yet summarised; on a PostgreSQL server autovacuum
 * summarises filled ranges (`autosummarize`), but PGlite runs no autovacuum, so without this the
 * look-ups by `seq` (a StatementRef copying its target's keys, erasure) would read the whole
 * table. Summarising only new ranges is cheap; it runs at most once per interval, after writes.
 */
export interface IndexUpkeep {
  /** Called after each committed flush; does nothing on a server or when run recently. */
  afterCommit(): void
  stop(): Promise<void>
}

const INTERVAL_MS = 2000

export function createIndexUpkeep(db: Db, intervalMs = INTERVAL_MS): IndexUpkeep {
  let last = 0
  let running: Promise<void> | undefined
  let stopped = false
  return {
    afterCommit() {
      if (db.kind !== 'pglite' || stopped || running !== undefined) return
      const now = Date.now()
      if (now - last < intervalMs) return
      last = now
      running = db
        .query(`SELECT brin_summarize_new_values('statement_index_seq_brin'::regclass)`)
        .then(
          () => undefined,
          // Only a cost: an unsummarised range is read, never skipped, so results stay right.
          () => undefined,
        )
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
