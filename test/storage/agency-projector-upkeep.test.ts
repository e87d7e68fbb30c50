import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createAgencyProjector } from '../../src/storage/agency-projector.js'
import type { Db } from '../../src/storage/db.js'
import { StatementWriter } from '../../src/storage/statement-writer.js'
import { createTestDb } from '../helpers/test-db.js'

/*
 * The projector keeps its rollups compact itself because the server may run without autovacuum
 * (ours does) and PGlite has none. What can be observed of that: the vacuums PostgreSQL counts
 * per table, and the new file a full vacuum writes.
 */

async function writeRound(writer: StatementWriter, round: number): Promise<void> {
  await writer.write({
    statements: Array.from({ length: 3 }, (_, i) => ({
      actor: { objectType: 'Agent', mbox: `mailto:rollup-${round}-${i}@example.org` },
      verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
      object: { objectType: 'Activity', id: 'https://example.org/rollup' },
      context: { registration: randomUUID() },
    })),
    clientId: 'rollup-test',
    authority: { objectType: 'Agent', mbox: 'mailto:rollup@hub.example' },
    version: '2.0.0',
    attachments: new Map(),
  })
}

/**
 * Vacuums PostgreSQL has counted on the rollup. Statistics reach the shared counters when the
 * vacuuming session reports them (within about a second on a server), so this waits for them.
 */
async function vacuumsCounted(db: Db, atLeast: number): Promise<number> {
  let count = 0
  for (let attempt = 0; attempt < 50; attempt++) {
    await db.query('SELECT pg_stat_clear_snapshot()')
    const { rows } = await db.query<{ vacuums: string }>(
      `SELECT vacuum_count::text AS vacuums FROM pg_stat_user_tables
        WHERE relname = 'stats_platform_monthly'`,
    )
    count = Number(rows[0]?.vacuums ?? 0)
    if (count >= atLeast) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return count
}

t.test('the projector vacuums its rollups every so many batches', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const { db } = testDb
  const writer = new StatementWriter(db)
  const projector = createAgencyProjector(db, undefined, { vacuumEveryBatches: 2 })
  for (let round = 0; round < 6; round++) {
    await writeRound(writer, round)
    await projector.catchUp()
  }
  const { rows } = await db.query<{ statements: string; learners: string }>(
    `SELECT sum(statements)::text AS statements FROM stats_platform_monthly`,
  )
  t.equal(rows[0]?.statements, '18', 'every statement counted once, vacuums between batches')
  // Six one-batch catch-ups with a vacuum every second batch: three vacuums.
  t.ok((await vacuumsCounted(db, 3)) >= 3, 'the rollup was vacuumed every second batch')
  await projector.stop()
  await writer.close()
})

t.test('a rebuild rewrites the rollups it recounted', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const { db } = testDb
  const writer = new StatementWriter(db)
  const projector = createAgencyProjector(db)
  for (let round = 0; round < 3; round++) await writeRound(writer, round)
  await projector.catchUp()
  const file = async () =>
    (
      await db.query<{ f: string }>(
        `SELECT pg_relation_filenode('stats_platform_monthly')::text AS f`,
      )
    ).rows[0]?.f
  const before = await file()
  await projector.rebuild()
  await projector.catchUp()
  t.not(await file(), before, 'VACUUM FULL gave the rollup a new, compact file')
  const { rows } = await db.query<{ statements: string }>(
    'SELECT sum(statements)::text AS statements FROM stats_platform_monthly',
  )
  t.equal(rows[0]?.statements, '9', 'the recount counted every statement once')
  await projector.stop()
  await writer.close()
})
