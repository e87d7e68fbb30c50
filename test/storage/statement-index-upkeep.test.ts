import t from 'tap'
import { createIndexUpkeep } from '../../src/storage/statement-index-upkeep.js'
import { StatementWriter } from '../../src/storage/statement-writer.js'
import type { Db } from '../../src/storage/db.js'
import { createTestDb } from '../helpers/test-db.js'

/** How many block ranges of the seq BRIN index were still unsummarised (summarises them). */
async function unsummarised(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT brin_summarize_new_values('statement_index_seq_brin'::regclass) AS n`,
  )
  return Number(rows[0]?.n)
}

async function writeSome(writer: StatementWriter, from: number): Promise<void> {
  for (let batch = 0; batch < 10; batch++) {
    await writer.write({
      statements: Array.from({ length: 200 }, (_, i) => ({
        actor: { objectType: 'Agent', mbox: `mailto:upkeep-${from + batch * 200 + i}@example.org` },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { objectType: 'Activity', id: `https://example.org/upkeep/${i}` },
        context: { registration: crypto.randomUUID() },
      })),
      clientId: 'upkeep-test',
      authority: { objectType: 'Agent', mbox: 'mailto:upkeep@hub.example' },
      version: '2.0.0',
      attachments: new Map(),
    })
  }
}

t.test('on PGlite, new ranges of the seq BRIN index are summarised after writes', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const { db } = testDb
  const writer = new StatementWriter(db)

  // Without upkeep, writes leave ranges unsummarised (the control: this must be seen first).
  await writeSome(writer, 0)
  t.ok((await unsummarised(db)) > 0, 'writes leave new ranges unsummarised')

  const upkeep = createIndexUpkeep(db, 0)
  await writeSome(writer, 10_000)
  upkeep.afterCommit()
  await upkeep.stop()
  const left = await unsummarised(db)
  if (db.kind === 'pglite') t.equal(left, 0, 'the upkeep summarised every new range')
  else t.pass('on a server, autovacuum summarises (autosummarize); the upkeep does nothing')
  await writer.close()
})
