import t from 'tap'
import { buildApp } from '../../src/app.js'
import { hashSecret } from '../../src/auth/secret-hash.js'
import { testConfig } from '../../src/config.js'
import { createTestDb } from '../helpers/test-db.js'
import { AUTH, startHub } from '../helpers/hub.js'
import { admin, registerPlatform } from '../auth/fixtures.js'

t.test('the configured LRS_BASIC_KEY is the bootstrap admin platform credential', async (t) => {
  const hub = await startHub(t)
  t.equal(hub.bootstrap.key, 'test-key')
  t.equal(hub.bootstrap.generatedSecret, undefined)
  const platform = (await admin(hub, 'GET', '/platforms/hub-admin')).json()
  t.same(platform.scopes, ['all', 'admin'])
  t.equal(platform.status, 'active')
})

t.test(
  'a fresh hub without configured credentials generates one admin credential, once',
  async (t) => {
    const hub = await startHub(t, { basicKey: undefined, basicSecret: undefined })
    t.ok(hub.bootstrap.generatedSecret, 'a secret was generated')
    const pair = `${hub.bootstrap.key}:${hub.bootstrap.generatedSecret}`
    const authorization = `Basic ${Buffer.from(pair).toString('base64')}`
    const res = await hub.app.inject({
      method: 'GET',
      url: '/admin/platforms',
      headers: { authorization },
    })
    t.equal(res.statusCode, 200)
    t.same(
      res.json().platforms.map((p: { id: string }) => p.id),
      ['hub-admin'],
    )
  },
)

t.test('platforms are registered, listed, changed and removed', async (t) => {
  const hub = await startHub(t)
  const created = await admin(hub, 'POST', '/platforms', {
    id: 'moodle-hanoi',
    name: 'Moodle Hà Nội',
    contact: 'ops@example.edu.vn',
    homePage: 'https://moodle.example.edu.vn',
    scopes: ['statements/write', 'statements/read/mine', 'state'],
  })
  t.equal(created.statusCode, 201)
  t.same(created.json().authority, {
    objectType: 'Agent',
    name: 'Moodle Hà Nội',
    account: { homePage: 'https://moodle.example.edu.vn', name: 'moodle-hanoi' },
  })
  t.equal(
    (await admin(hub, 'POST', '/platforms', { id: 'moodle-hanoi', name: 'x', scopes: [] }))
      .statusCode,
    409,
  )

  const listed = (await admin(hub, 'GET', '/platforms'))
    .json()
    .platforms.map((p: { id: string }) => p.id)
  t.same(listed, ['hub-admin', 'moodle-hanoi'])

  const changed = await admin(hub, 'PATCH', '/platforms/moodle-hanoi', {
    scopes: ['state'],
    status: 'suspended',
  })
  t.equal(changed.statusCode, 200)
  t.same(changed.json().scopes, ['state'])
  t.equal(changed.json().status, 'suspended')

  t.equal((await admin(hub, 'DELETE', '/platforms/moodle-hanoi')).statusCode, 204)
  t.equal((await admin(hub, 'GET', '/platforms/moodle-hanoi')).statusCode, 404)
})

t.test('bad input is a 400 naming the field', async (t) => {
  const hub = await startHub(t)
  const cases: Array<[unknown, string]> = [
    [{ id: 'Bad Id', name: 'x', scopes: [] }, 'id'],
    [{ id: 'ok', name: 'x', scopes: ['everything'] }, 'scopes'],
    [{ id: 'ok', name: 'x', scopes: [], homePage: 'not a url' }, 'homePage'],
    [
      { id: 'ok', name: 'x', scopes: [], authority: { objectType: 'Agent', name: 'no ifi' } },
      'authority',
    ],
  ]
  for (const [body, field] of cases) {
    const res = await admin(hub, 'POST', '/platforms', body)
    t.equal(res.statusCode, 400, field)
    t.match(JSON.stringify(res.json()), field)
  }
})

t.test(
  'credentials are issued, listed and revoked all at once; secrets never listed',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    await admin(hub, 'POST', '/platforms/lms-one/credentials', { kind: 'basic', label: 'second' })

    const listed = (await admin(hub, 'GET', '/platforms/lms-one/credentials')).json().credentials
    t.equal(listed.length, 2)
    t.notOk(JSON.stringify(listed).includes(lms.secret))
    t.notOk(JSON.stringify(listed).includes('scrypt'))

    t.same((await admin(hub, 'DELETE', '/platforms/lms-one/credentials')).json(), { revoked: 2 })
    const after = (await admin(hub, 'GET', '/platforms/lms-one/credentials')).json().credentials
    t.ok(after.every((c: { revokedAt: string | null }) => c.revokedAt !== null))
  },
)

t.test('the admin API requires the admin scope', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['all'])
  const res = await hub.app.inject({
    method: 'GET',
    url: '/admin/platforms',
    headers: { authorization: lms.authorization },
  })
  t.equal(res.statusCode, 403)
  t.match(res.json().error.message, /admin/)
  t.equal((await hub.app.inject({ method: 'GET', url: '/admin/platforms' })).statusCode, 401)
})

t.test('an administrator cannot suspend or remove its own platform', async (t) => {
  const hub = await startHub(t)
  t.equal(
    (await admin(hub, 'PATCH', '/platforms/hub-admin', { status: 'suspended' })).statusCode,
    409,
  )
  t.equal((await admin(hub, 'DELETE', '/platforms/hub-admin')).statusCode, 409)
  const still = await hub.app.inject({
    method: 'GET',
    url: '/admin/platforms',
    headers: { authorization: AUTH },
  })
  t.equal(still.statusCode, 200)
})

t.test(
  'a restart generates nothing new, and a pre-registry credential is carried over',
  async (t) => {
    const testDb = await createTestDb()
    t.teardown(() => testDb.drop())
    const legacy = { key: 'hub-legacy01', hash: await hashSecret('legacy-secret-123') }
    await testDb.db.query(
      `INSERT INTO hub_settings (key, value) VALUES ('bootstrap_credential', $1)`,
      [JSON.stringify(legacy)],
    )
    const config = testConfig({ basicKey: undefined, basicSecret: undefined })

    const first = await buildApp(config, { db: testDb.db })
    t.teardown(() => first.app.close())
    t.equal(first.bootstrap.key, 'hub-legacy01')
    t.equal(first.bootstrap.generatedSecret, undefined)
    const authorization = `Basic ${Buffer.from('hub-legacy01:legacy-secret-123').toString('base64')}`
    const res = await first.app.inject({
      method: 'GET',
      url: '/admin/platforms',
      headers: { authorization },
    })
    t.equal(res.statusCode, 200, 'the old credential administers the hub')

    const second = await buildApp(config, { db: testDb.db })
    t.teardown(() => second.app.close())
    t.equal(second.bootstrap.key, 'hub-legacy01')
    t.equal(second.bootstrap.generatedSecret, undefined)
  },
)
