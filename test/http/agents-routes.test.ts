import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { Db } from '../../src/storage/db.js'
import { agentKey, type JsonObject } from '../../src/xapi/agent-key.js'
import { statementIndexKeys } from '../../src/xapi/statement-index-keys.js'
import { storedKeys } from '../../src/storage/key-hash.js'
import { startHub } from '../helpers/hub.js'

/** The Agents Resource (xAPI 1.0.3 Communication §2.4; 2.0.0 §4.1.6.3). */

const ANA = { objectType: 'Agent', mbox: 'mailto:ana@example.org' }

/** Stores another platform's statement directly, with its index keys. */
async function insertStatement(db: Db, clientId: string, statement: JsonObject): Promise<void> {
  const id = randomUUID()
  const body = { ...statement, id, stored: new Date().toISOString() }
  const { rows } = await db.query<{ seq: string }>(
    `INSERT INTO statements (id, stored, version, client_id, actor_key, verb_id, body)
     VALUES ($1, now(), '2.0.0', $2, $3, $4, $5) RETURNING seq`,
    [
      id,
      clientId,
      agentKey(statement.actor) ?? '',
      'http://adlnet.gov/expapi/verbs/attempted',
      JSON.stringify(body),
    ],
  )
  await db.query('INSERT INTO statement_index (key_hash, seq) SELECT unnest($1::uuid[]), $2', [
    storedKeys(statementIndexKeys(body)),
    rows[0]?.seq,
  ])
}

const statement = (actor: JsonObject, extra: JsonObject = {}): JsonObject => ({
  actor,
  verb: { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { en: 'attempted' } },
  object: { objectType: 'Activity', id: 'https://example.org/activities/a' },
  ...extra,
})

t.test('combines the names statements gave the agent into a Person', async (t) => {
  const hub = await startHub(t)
  // Stored through the Statement Resource, so the hub's own writer records and indexes them.
  const stored = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: [
      statement({ ...ANA, name: 'Ana' }),
      statement({ ...ANA, name: 'Ana Nguyễn' }),
      statement(
        { objectType: 'Agent', mbox: 'mailto:teacher@example.org' },
        { context: { instructor: { ...ANA, name: 'Cô Ana' } } },
      ),
    ],
  })
  t.equal(stored.statusCode, 200)
  await insertStatement(hub.db, 'other-platform', statement({ ...ANA, name: 'Secret Name' }))

  for (const version of ['1.0.3', '2.0.0']) {
    const res = await hub.xapi({
      url: '/xapi/agents',
      query: { agent: JSON.stringify(ANA) },
      version,
    })
    t.equal(res.statusCode, 200)
    const person = res.json()
    t.equal(person.objectType, 'Person')
    t.same(person.mbox, ['mailto:ana@example.org'])
    t.same([...person.name].sort(), ['Ana', 'Ana Nguyễn', 'Cô Ana'].sort())
    t.notOk(person.name.includes('Secret Name'), "another platform's statements stay private")
    t.ok(res.headers.etag)
  }
})

t.test('returns the requested agent alone as a Person when it knows nothing more', async (t) => {
  const hub = await startHub(t)
  const account = { homePage: 'https://sso.example.gov.vn', name: '012345678901' }
  const res = await hub.xapi({
    url: '/xapi/agents',
    query: { agent: JSON.stringify({ name: 'Bình', account }) },
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { objectType: 'Person', name: ['Bình'], account: [account] })
  const head = await hub.xapi({
    method: 'HEAD',
    url: '/xapi/agents',
    query: { agent: JSON.stringify({ account }) },
  })
  t.equal(head.statusCode, 200)
  t.equal(head.payload, '')
})

t.test('rejects a Group, several IFIs or no agent', async (t) => {
  const hub = await startHub(t)
  const cases: Array<[Record<string, string>, string]> = [
    [{}, 'query.agent'],
    [
      { agent: JSON.stringify({ objectType: 'Group', mbox: 'mailto:g@example.org' }) },
      'query.agent.objectType',
    ],
    [
      {
        agent: JSON.stringify({ mbox: 'mailto:a@example.org', openid: 'https://id.example.org/a' }),
      },
      'query.agent',
    ],
    [
      { agent: JSON.stringify({ account: { homePage: 'https://x.example' } }) },
      'query.agent.account.name',
    ],
    [{ agent: JSON.stringify(ANA), since: '2020-01-01T00:00:00Z' }, 'query.since'],
  ]
  for (const [query, field] of cases) {
    const res = await hub.xapi({ url: '/xapi/agents', query })
    t.equal(res.statusCode, 400, JSON.stringify(query))
    t.equal(res.json().error.field, field)
  }
})
