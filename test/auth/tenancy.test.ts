import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { Hub } from '../../src/app.js'
import { startHub } from '../helpers/hub.js'
import { registerPlatform, xapiGet } from './fixtures.js'

const AGENT = { mbox: 'mailto:ana@example.org' }
const STATE_URL =
  '/xapi/activities/state?activityId=' +
  encodeURIComponent('https://example.org/course') +
  '&agent=' +
  encodeURIComponent(JSON.stringify(AGENT)) +
  '&stateId=bookmark'

function send(
  hub: Pick<Hub, 'app'>,
  method: 'PUT' | 'POST',
  url: string,
  authorization: string,
  body: unknown,
) {
  return hub.app.inject({
    method,
    url,
    headers: {
      authorization,
      'x-experience-api-version': '2.0.0',
      'content-type': 'application/json',
    },
    payload: JSON.stringify(body),
  })
}

function statement(id: string) {
  return {
    id,
    actor: { objectType: 'Agent', ...AGENT },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { en: 'completed' } },
    object: { objectType: 'Activity', id: 'https://example.org/course' },
  }
}

t.test('state documents are separated per platform', async (t) => {
  const hub = await startHub(t)
  const a = await registerPlatform(hub, 'lms-a', ['state'])
  const b = await registerPlatform(hub, 'lms-b', ['state'])

  t.equal((await send(hub, 'PUT', STATE_URL, a.authorization, { page: 7 })).statusCode, 204)
  t.equal((await xapiGet(hub, STATE_URL, a.authorization)).statusCode, 200, 'the owner reads it')
  t.equal(
    (await xapiGet(hub, STATE_URL, b.authorization)).statusCode,
    404,
    'another platform does not see it',
  )
})

t.test('a missing scope is a 403 that names it', async (t) => {
  const hub = await startHub(t)
  const reader = await registerPlatform(hub, 'lms-reader', ['statements/read/mine'])

  const res = await send(
    hub,
    'POST',
    '/xapi/statements',
    reader.authorization,
    statement(randomUUID()),
  )
  t.equal(res.statusCode, 403)
  t.match(res.json().error.message, /statements\/write/)
  const state = await xapiGet(hub, STATE_URL, reader.authorization)
  t.equal(state.statusCode, 403)
  t.match(state.json().error.message, /state/)
})

t.test('without statements/read a platform sees only its own statements', async (t) => {
  const hub = await startHub(t)
  const a = await registerPlatform(hub, 'lms-a', ['statements/write', 'statements/read/mine'])
  const b = await registerPlatform(hub, 'lms-b', ['statements/write', 'statements/read/mine'])
  const analytics = await registerPlatform(hub, 'analytics', ['statements/read'])
  const id = randomUUID()

  const stored = await send(hub, 'POST', '/xapi/statements', a.authorization, statement(id))
  t.equal(stored.statusCode, 200, 'stored')

  t.equal(
    (await xapiGet(hub, `/xapi/statements?statementId=${id}`, a.authorization)).statusCode,
    200,
  )
  t.equal(
    (await xapiGet(hub, `/xapi/statements?statementId=${id}`, b.authorization)).statusCode,
    404,
  )
  t.same((await xapiGet(hub, '/xapi/statements', b.authorization)).json().statements, [])

  const read = await xapiGet(hub, `/xapi/statements?statementId=${id}`, analytics.authorization)
  t.equal(read.statusCode, 200, 'statements/read sees every platform')
  t.same(
    read.json().authority,
    {
      objectType: 'Agent',
      name: 'Platform lms-a',
      account: { homePage: 'http://localhost:8080', name: 'lms-a' },
    },
    'the platform authority is stamped',
  )
})
