import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { StatementWriter, type WriteRequest } from '../../src/storage/statement-writer.js'
import { PG_ERROR, pgErrorCode, type Db } from '../../src/storage/db.js'
import { insertRows } from '../../src/storage/statement-insert.js'
import { HubError } from '../../src/errors.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { openPostgres } from '../../src/storage/pg-driver.js'
import { createTestDb, type TestDb } from '../helpers/test-db.js'

/**
 * Several hub processes writing to one PostgreSQL server (src/storage/writer-lease.ts). Each
 * "process" here is a writer with its own connection pool, as a second hub would have. What must
 * hold is what one process already guarantees: a reader that remembers the highest seq it has
 * seen never misses a statement, because statements become visible in seq order.
 */

const AUTHORITY = { objectType: 'Agent', mbox: 'mailto:lease-test@hub.example' }

function statement(n: number): JsonObject {
  return {
    id: randomUUID(),
    actor: { objectType: 'Agent', mbox: `mailto:learner-${n % 7}@example.org` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { objectType: 'Activity', id: `https://example.org/activity/${n % 11}` },
  }
}

function request(statements: JsonObject[]): WriteRequest {
  return {
    statements,
    clientId: 'lease-test',
    authority: AUTHORITY,
    version: '2.0.0',
    attachments: new Map(),
  }
}

/** Follows statements by seq like a projector; returns the ids it saw once stopped. */
function follow(db: Db): { stop: () => Promise<Set<string>> } {
  const seen = new Set<string>()
  let cursor = '0'
  let running = true
  const read = async () => {
    const { rows } = await db.query<{ seq: string; id: string }>(
      'SELECT seq, id FROM statements WHERE seq > $1 ORDER BY seq',
      [cursor],
    )
    for (const row of rows) seen.add(row.id)
    if (rows.length > 0) cursor = rows[rows.length - 1]!.seq
  }
  const loop = (async () => {
    while (running) {
      await read()
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      await read()
      return seen
    },
  }
}

/** Writes `rounds` batches from each of `lanes` concurrent clients through `writer`. */
async function load(writer: StatementWriter, lanes: number, rounds: number): Promise<string[]> {
  const acknowledged: string[] = []
  let n = 0
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let round = 0; round < rounds; round++) {
        const batch = Array.from({ length: 10 + (n % 60) }, () => statement(n++))
        const { ids } = await writer.write(request(batch))
        acknowledged.push(...ids)
      }
    }),
  )
  return acknowledged
}

/**
 * A fresh server database and two writers on it, each with a pool of its own as two hub
 * processes would have; undefined (and a pass) on PGlite, which is one process and one connection.
 */
async function twoProcesses(
  t: Test,
): Promise<{ testDb: TestDb; writers: StatementWriter[] } | undefined> {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  if (testDb.url === undefined) {
    t.pass('PGlite is one process and one connection: nothing to order across processes')
    return undefined
  }
  const pools = [await openPostgres(testDb.url, 5), await openPostgres(testDb.url, 5)]
  for (const pool of pools) t.teardown(() => pool.close())
  return { testDb, writers: pools.map((pool) => new StatementWriter(pool)) }
}

t.test('two hub processes writing at once: a seq follower misses nothing', async (t) => {
  const processes = await twoProcesses(t)
  if (processes === undefined) return
  const { testDb, writers } = processes

  const follower = follow(testDb.db)
  const acknowledged = (await Promise.all(writers.map((w) => load(w, 6, 20)))).flat()
  const seen = await follower.stop()

  const { rows } = await testDb.db.query<{ n: string }>('SELECT count(*) AS n FROM statements')
  t.equal(rows[0]?.n, String(acknowledged.length), 'every acknowledged statement is stored')
  t.equal(
    acknowledged.filter((id) => !seen.has(id)).length,
    0,
    'the follower saw every statement as it passed',
  )
  t.ok(
    writers.every((w) => w.leaseTurns >= 1),
    'both processes wrote under the lease',
  )
  t.ok(writers[0]!.leaseTurns + writers[1]!.leaseTurns >= 3, 'the lease changed hands back')
  for (const writer of writers) await writer.close()
})

t.test('a process whose lease connection is cut writes again without breaking order', async (t) => {
  const processes = await twoProcesses(t)
  if (processes === undefined) return
  const { testDb, writers } = processes

  // Cut the lease holder's connection now and then, as a network fault or an operator's
  // pg_terminate_backend would, while both processes write. Flushes past their check commit,
  // later ones fail their check and are written again once their process holds the lease.
  let cutting = true
  let cuts = 0
  const cutter = (async () => {
    // Spaced out so that one cut lands on a holder at a time, not on every attempt to retake it.
    while (cutting && cuts < 8) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const { rows } = await testDb.db.query<{ cut: boolean }>(
        `SELECT pg_terminate_backend(pid) AS cut FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND objsubid = 1
           AND (classid::bigint << 32) + objid::bigint = 7351025101
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
      if (rows.some((row) => row.cut)) cuts++
    }
  })()

  const follower = follow(testDb.db)
  const acknowledged = (await Promise.all(writers.map((w) => load(w, 4, 25)))).flat()
  cutting = false
  await cutter
  const seen = await follower.stop()

  t.ok(cuts >= 2, `the lease connection was cut (${cuts} times)`)
  const { rows } = await testDb.db.query<{ n: string }>('SELECT count(*) AS n FROM statements')
  t.equal(rows[0]?.n, String(acknowledged.length), 'every acknowledged statement is stored once')
  t.equal(
    acknowledged.filter((id) => !seen.has(id)).length,
    0,
    'the follower saw every statement as it passed',
  )
  for (const writer of writers) await writer.close()
})

t.test('a flush under a stale lease epoch writes nothing', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  if (testDb.url === undefined) {
    t.pass('PGlite has no writer lease')
    return
  }
  const { db } = testDb
  const row = {
    seq: null,
    id: randomUUID(),
    stored: new Date().toISOString(),
    version: '2.0.0',
    clientId: 'lease-test',
    actorKey: 'mbox:mailto:someone@example.org',
    verbId: 'http://adlnet.gov/expapi/verbs/experienced',
    voids: null,
    refTarget: null,
    voidedInFlush: false,
    hashes: null,
    body: statement(1),
    keys: [],
  }
  // The epoch a holder would have taken before another holder bumped it.
  await db.query('UPDATE hub_writer_lease SET epoch = 41')
  const error = await insertRows(db, [row], '40').catch((e: unknown) => e)
  t.equal(pgErrorCode(error), PG_ERROR.writerLeaseLost, 'the flush is refused with HW001')
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM statements')
  t.equal(rows[0]?.n, '0', 'nothing was written')
  const written = await insertRows(db, [row], '41')
  t.equal(written.inserted.size, 1, 'the current epoch writes')
})

t.test('a process that missed losing its lease takes it again and writes', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  if (testDb.url === undefined) {
    t.pass('PGlite has no writer lease')
    return
  }
  const writer = new StatementWriter(testDb.db)
  await writer.write(request([statement(1)]))
  t.equal(writer.leaseTurns, 1, 'the first write took the lease')
  // What a new holder does after this process's lease connection died unnoticed (half-open):
  // it bumps the epoch. This process still believes it holds the lease.
  await testDb.db.query('UPDATE hub_writer_lease SET epoch = epoch + 1')
  const { ids } = await writer.write(request([statement(2), statement(3)]))
  t.equal(ids.length, 2, 'the write was acknowledged')
  t.equal(writer.leaseTurns, 2, 'after its flush was refused, the process took the lease again')
  const { rows } = await testDb.db.query<{ n: string }>('SELECT count(*) AS n FROM statements')
  t.equal(rows[0]?.n, '3', 'each statement is stored once')
  await writer.close()
})

t.test('writes fail as unavailable, not hang, when the lease cannot be taken', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  if (testDb.url === undefined) {
    t.pass('PGlite has no writer lease')
    return
  }
  const down: Db = {
    ...testDb.db,
    openSession: () => Promise.reject(new Error('connection refused')),
  }
  const writer = new StatementWriter(down)
  const error = await writer.write(request([statement(1)])).catch((e: unknown) => e)
  t.ok(error instanceof HubError && error.code === 'unavailable', 'the write fails as unavailable')
  await writer.close()
})
