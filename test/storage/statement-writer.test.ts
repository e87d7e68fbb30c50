import { randomUUID } from 'node:crypto'
import t from 'tap'
import {
  depthForPool,
  StatementWriter,
  type WriteRequest,
} from '../../src/storage/statement-writer.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { openPostgres } from '../../src/storage/pg-driver.js'
import { createTestDb } from '../helpers/test-db.js'
import { keyHash } from '../../src/storage/key-hash.js'

/**
 * The writer's ordering guarantees, checked against the store itself. On a PostgreSQL server two
 * flushes are in flight at once (statement-writer.ts), which is what these tests exercise; on
 * PGlite they run one at a time and the same properties must hold.
 */

const AUTHORITY = { objectType: 'Agent', mbox: 'mailto:writer-test@hub.example' }

function statement(n: number, extra: JsonObject = {}): JsonObject {
  return {
    id: randomUUID(),
    actor: { objectType: 'Agent', mbox: `mailto:learner-${n % 7}@example.org` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { objectType: 'Activity', id: `https://example.org/activity/${n % 11}` },
    ...extra,
  }
}

function request(statements: JsonObject[]): WriteRequest {
  return {
    statements,
    clientId: 'writer-test',
    authority: AUTHORITY,
    version: '2.0.0',
    attachments: new Map(),
  }
}

t.test('a reader following seq never skips a statement while flushes overlap', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const { db } = testDb
  const writer = new StatementWriter(db)

  // The reader behaves like a projector or a client paging with `more`: it remembers the highest
  // seq it has seen and asks only for what lies beyond. A statement committed later with a lower
  // seq would never be seen.
  const seen = new Set<string>()
  let cursor = '0'
  let writing = true
  const follow = async () => {
    while (writing) {
      const { rows } = await db.query<{ seq: string; id: string }>(
        'SELECT seq, id FROM statements WHERE seq > $1 ORDER BY seq',
        [cursor],
      )
      for (const row of rows) seen.add(row.id)
      if (rows.length > 0) cursor = rows[rows.length - 1]!.seq
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const follower = follow()

  let n = 0
  const acknowledged: string[] = []
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let round = 0; round < 25; round++) {
        const batch = Array.from({ length: 20 + (n % 90) }, () => statement(n++))
        const { ids } = await writer.write(request(batch))
        acknowledged.push(...ids)
      }
    }),
  )
  writing = false
  await follower
  const { rows: last } = await db.query<{ seq: string; id: string }>(
    'SELECT seq, id FROM statements WHERE seq > $1 ORDER BY seq',
    [cursor],
  )
  for (const row of last) seen.add(row.id)

  t.equal(seen.size, acknowledged.length, 'the follower saw every acknowledged statement')
  t.equal(
    acknowledged.filter((id) => !seen.has(id)).length,
    0,
    'no statement was skipped by the follower',
  )
  const { rows: order } = await db.query<{ ok: boolean }>(
    `SELECT bool_and(stored >= prev) AS ok FROM (
       SELECT stored, lag(stored, 1, '-infinity') OVER (ORDER BY seq) AS prev FROM statements) s`,
  )
  t.equal(order[0]?.ok, true, 'stored grows with seq')
  if (db.kind === 'postgres') t.ok(writer.tickets.overlapped > 0, 'flushes did overlap')
  else t.equal(writer.tickets.overlapped, 0, 'PGlite writes one flush at a time')
  await writer.close()
})

t.test('a voiding statement aimed at a statement still being written voids it', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const { db } = testDb
  const writer = new StatementWriter(db)

  for (let round = 0; round < 10; round++) {
    const target = statement(round)
    const targetId = String(target.id)
    const voiding = statement(round, {
      verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
      object: { objectType: 'StatementRef', id: targetId },
    })
    const reference = statement(round, { object: { objectType: 'StatementRef', id: targetId } })
    // Without awaiting: the second and third requests are queued while the first is in flight.
    const results = await Promise.all([
      writer.write(request([target])),
      writer.write(request([voiding])),
      writer.write(request([reference])),
    ])
    t.equal(results.length, 3)
    const { rows } = await db.query<{ voided: boolean }>(
      'SELECT voided FROM statements WHERE id = $1',
      [target.id],
    )
    t.equal(rows[0]?.voided, true, `round ${round}: the target is voided`)
    const { rows: keys } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM statement_index i JOIN statements s ON s.seq = i.seq
       WHERE s.id = $1 AND i.key_hash = $2::uuid`,
      [reference.id, keyHash(`activity:https://example.org/activity/${round % 11}`, true)],
    )
    t.equal(keys[0]?.n, '1', `round ${round}: the reference inherited its target's activity key`)
  }

  // The same statement sent again while its first copy is in flight is a no-op, not a 409.
  const again = statement(99)
  const [first, second] = await Promise.all([
    writer.write(request([again])),
    writer.write(request([{ ...again }])),
  ])
  t.same(first.ids, second.ids)
  const { rows: copies } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM statements WHERE id = $1',
    [again.id],
  )
  t.equal(copies[0]?.n, '1')
  await writer.close()
})

t.test('a small pool never deadlocks the flushes waiting on each other', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  if (testDb.url === undefined) {
    t.pass('PGlite writes one flush at a time')
    return
  }
  // Two connections: one flush may wait for the earlier one's commit while that one still
  // needs a connection to commit; the writer must never let later flushes take them all.
  const small = await openPostgres(testDb.url, 2)
  t.teardown(() => small.close())
  const writer = new StatementWriter(small, undefined, { maxDepth: depthForPool(2) })
  let n = 0
  const results = await Promise.race([
    Promise.all(
      Array.from({ length: 12 }, () =>
        writer.write(request(Array.from({ length: 20 }, () => statement(n++)))),
      ),
    ),
    new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 20_000).unref()),
  ])
  t.not(results, 'stuck', 'every write was acknowledged')
  const { rows } = await small.query<{ n: string }>('SELECT count(*) AS n FROM statements')
  t.equal(rows[0]?.n, String(12 * 20))
  await writer.close()
})
