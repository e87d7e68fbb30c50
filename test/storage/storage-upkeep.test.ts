import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { Db } from '../../src/storage/db.js'
import { createStorageUpkeep } from '../../src/storage/storage-upkeep.js'
import { StatementWriter } from '../../src/storage/statement-writer.js'
import { createTestDb } from '../helpers/test-db.js'

/** How many block ranges of the seq BRIN index were still unsummarised (summarises them). */
async function unsummarised(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT brin_summarize_new_values('statement_index_seq_brin'::regclass) AS n`,
  )
  return Number(rows[0]?.n)
}

async function reltuples(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'statements'::regclass`,
  )
  return Number(rows[0]?.n)
}

async function writeSome(writer: StatementWriter, count: number): Promise<number> {
  for (let done = 0; done < count; done += 200) {
    await writer.write({
      statements: Array.from({ length: 200 }, (_, i) => ({
        actor: { objectType: 'Agent', mbox: `mailto:upkeep-${done + i}@example.org` },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { objectType: 'Activity', id: `https://example.org/upkeep/${i}` },
        context: { registration: randomUUID() },
      })),
      clientId: 'upkeep-test',
      authority: { objectType: 'Agent', mbox: 'mailto:upkeep@hub.example' },
      version: '2.0.0',
      attachments: new Map(),
    })
  }
  return count
}

t.test('after writes, new BRIN ranges are summarised and growing tables analysed', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const { db } = testDb
  const writer = new StatementWriter(db)

  // The controls: writes alone leave ranges unsummarised and statistics unset (the test
  // servers run without autovacuum, PGlite has none).
  await writeSome(writer, 2000)
  t.ok((await unsummarised(db)) > 0, 'writes leave new ranges unsummarised')
  t.ok((await reltuples(db)) < 1000, 'statistics do not know the rows yet')

  const upkeep = createStorageUpkeep(db, { summariseMs: 0, analyzeMin: 1000 })
  upkeep.afterCommit(await writeSome(writer, 2000))
  await upkeep.stop()
  t.ok((await reltuples(db)) >= 3000, 'the growing tables were analysed')

  const second = createStorageUpkeep(db, { summariseMs: 0, analyzeMin: 1_000_000 })
  second.afterCommit(await writeSome(writer, 2000))
  await second.stop()
  t.equal(await unsummarised(db), 0, 'the upkeep summarised every new range')
  await writer.close()
})
