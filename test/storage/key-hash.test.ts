import { createHash } from 'node:crypto'
import t from 'tap'
import { keyHash, keyHashes, storedKeys } from '../../src/storage/key-hash.js'
import { listMigrations, migrate } from '../../src/storage/migrate.js'
import { createEmptyDb, createTestDb } from '../helpers/test-db.js'

const KEYS = [
  'verb:http://adlnet.gov/expapi/verbs/completed',
  'agent:account:["https://id.gov.vn","012345678901"]',
  'activity:https://khoahoc.example.vn/kỹ-năng-số/bài-1',
  'registration:6fa459ea-ee8a-3ca4-894e-db77e160355e',
]

/** PostgreSQL prints a uuid with dashes; keyHash gives the same 32 hex digits without. */
const plain = (uuid: string | undefined) => (uuid ?? '').replaceAll('-', '')

t.test('the direct and the related form of a key are different 128-bit hashes', async (t) => {
  for (const key of KEYS) {
    const { direct, related } = keyHashes(key)
    t.match(direct, /^[0-9a-f]{32}$/)
    t.not(direct, related, key)
    t.equal(keyHash(key, true), direct)
    t.equal(keyHash(key, false), related)
  }
  t.same(storedKeys([{ key: KEYS[0]!, direct: false }]), [keyHash(KEYS[0]!, false)])
})

t.test('keyHash is the first 32 hex digits of SHA-256 over placement and key', async (t) => {
  // What the createHash fallback for Node releases before 20.12 computes.
  for (const key of KEYS) {
    const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32)
    t.equal(keyHash(key, true), digest(`d ${key}`))
    t.equal(keyHash(key, false), digest(`r ${key}`))
  }
})

t.test('statement_key_hash in SQL equals keyHash, non-ASCII keys included', async (t) => {
  const { db, drop } = await createTestDb()
  t.teardown(drop)
  for (const key of KEYS) {
    for (const direct of [true, false]) {
      const { rows } = await db.query<{ h: string }>(
        'SELECT statement_key_hash($1, $2)::text AS h',
        [key, direct],
      )
      t.equal(plain(rows[0]?.h), keyHash(key, direct), `${key} (${direct ? 'direct' : 'related'})`)
    }
  }
})

t.test('migration 0015 turns the stored keys of earlier versions into their hashes', async (t) => {
  const { db, drop } = await createEmptyDb()
  t.teardown(drop)
  const migrations = listMigrations()
  await migrate(
    db,
    migrations.filter((m) => m.version < 15),
  )
  const { rows } = await db.query<{ seq: string }>(
    `INSERT INTO statements (id, stored, version, client_id, actor_key, verb_id, body)
     VALUES (gen_random_uuid(), now(), '2.0.0', 'c', 'a', 'v', '{}') RETURNING seq`,
  )
  const seq = rows[0]!.seq
  await db.query(
    `INSERT INTO statement_index (key, seq, direct)
     SELECT k, $1, d FROM unnest($2::text[], $3::boolean[]) AS x (k, d)`,
    [seq, KEYS, [true, false, true, false]],
  )

  await migrate(db, migrations)

  const { rows: stored } = await db.query<{ h: string; seq: string }>(
    'SELECT key_hash::text AS h, seq::text AS seq FROM statement_index ORDER BY key_hash',
  )
  const expected = KEYS.map((key, i) => keyHash(key, i % 2 === 0)).sort()
  t.same(
    stored.map((row) => plain(row.h)),
    expected,
    'each key became the hash of its placement',
  )
  t.same(new Set(stored.map((row) => row.seq)), new Set([seq]), 'on the same statement')
})
