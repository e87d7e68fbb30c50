import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { parseBasic, type Authenticator } from '../../src/auth/authenticator.js'
import type { Principal, Scope } from '../../src/auth/principal.js'
import { testConfig } from '../../src/config.js'
import { HubError } from '../../src/errors.js'
import { activitiesRoutes } from '../../src/http/activities-routes.js'
import { agentsRoutes } from '../../src/http/agents-routes.js'
import { documentRoutes } from '../../src/http/document-routes.js'
import { installErrorHandling } from '../../src/http/error-handler.js'
import { installXapiContext } from '../../src/http/xapi-context.js'
import { createTestDb } from '../helpers/test-db.js'

/**
 * Scopes (xAPI 1.0.3 Communication §4.2) and platform separation on the document, Activities and
 * Agents resources. The hub's routes run behind an authenticator that knows one credential per
 * case below, each its own platform (client id) with its own scopes.
 */

const CREDENTIALS: Record<string, Scope[]> = {
  'state-only': ['state'],
  'profile-only': ['profile'],
  'read-only': ['all/read'],
  'write-statements': ['statements/write'],
  'platform-a': ['all'],
  'platform-b': ['all'],
}

const authenticator: Authenticator = {
  async authenticate(authorization) {
    const key = authorization === undefined ? undefined : parseBasic(authorization)?.key
    const scopes = key === undefined ? undefined : CREDENTIALS[key]
    if (key === undefined || scopes === undefined)
      throw new HubError('unauthorized', 'unknown credential')
    const principal: Principal = {
      clientId: key,
      scopes: new Set(scopes),
      authority: { objectType: 'Agent', name: key },
    }
    return principal
  },
}

async function buildTestApp(t: Test): Promise<FastifyInstance> {
  const testDb = await createTestDb()
  const config = testConfig()
  const app = Fastify()
  installErrorHandling(app)
  await app.register(
    async (xapi) => {
      installXapiContext(xapi, authenticator)
      await xapi.register(documentRoutes, { db: testDb.db, config })
      await xapi.register(activitiesRoutes, { db: testDb.db, config })
      await xapi.register(agentsRoutes, { db: testDb.db, config })
    },
    { prefix: '/xapi' },
  )
  t.teardown(async () => {
    await app.close()
    await testDb.drop()
  })
  return app
}

const ACTIVITY = 'https://example.org/activities/scoped'
const AGENT = JSON.stringify({ mbox: 'mailto:scoped@example.org' })
const STATE = { activityId: ACTIVITY, agent: AGENT }
const ACTIVITY_PROFILE = { activityId: ACTIVITY }
const AGENT_PROFILE = { agent: AGENT }

function request(
  app: FastifyInstance,
  key: string,
  method: 'GET' | 'PUT' | 'DELETE',
  url: string,
  query: Record<string, string>,
) {
  return app.inject({
    method,
    url,
    query,
    headers: {
      authorization: `Basic ${Buffer.from(`${key}:secret`).toString('base64')}`,
      'x-experience-api-version': '2.0.0',
      ...(method === 'PUT' ? { 'content-type': 'application/json', 'if-none-match': '*' } : {}),
    },
    ...(method === 'PUT' ? { payload: '{"v":1}' } : {}),
  })
}

t.test('each resource asks for the scope the xAPI scope table names', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[string, 'GET' | 'PUT', string, Record<string, string>, number]> = [
    ['state-only', 'PUT', '/xapi/activities/state', { ...STATE, stateId: 's' }, 204],
    ['state-only', 'GET', '/xapi/activities/state', STATE, 200],
    ['state-only', 'PUT', '/xapi/activities/profile', { ...ACTIVITY_PROFILE, profileId: 'p' }, 403],
    ['state-only', 'GET', '/xapi/agents/profile', AGENT_PROFILE, 403],
    ['state-only', 'GET', '/xapi/activities', { activityId: ACTIVITY }, 403],
    [
      'profile-only',
      'PUT',
      '/xapi/activities/profile',
      { ...ACTIVITY_PROFILE, profileId: 'p' },
      204,
    ],
    ['profile-only', 'PUT', '/xapi/agents/profile', { ...AGENT_PROFILE, profileId: 'p' }, 204],
    ['profile-only', 'GET', '/xapi/activities/state', STATE, 403],
    ['profile-only', 'GET', '/xapi/activities', { activityId: ACTIVITY }, 200],
    ['profile-only', 'GET', '/xapi/agents', { agent: AGENT }, 200],
    ['read-only', 'GET', '/xapi/activities/state', STATE, 200],
    ['read-only', 'GET', '/xapi/activities/profile', ACTIVITY_PROFILE, 200],
    ['read-only', 'GET', '/xapi/agents', { agent: AGENT }, 200],
    ['read-only', 'PUT', '/xapi/activities/state', { ...STATE, stateId: 'r' }, 403],
    ['read-only', 'PUT', '/xapi/agents/profile', { ...AGENT_PROFILE, profileId: 'r' }, 403],
    ['write-statements', 'GET', '/xapi/activities/state', STATE, 403],
    ['write-statements', 'GET', '/xapi/activities', { activityId: ACTIVITY }, 403],
    ['write-statements', 'GET', '/xapi/agents', { agent: AGENT }, 403],
  ]
  for (const [key, method, url, query, status] of cases) {
    const res = await request(app, key, method, url, query)
    t.equal(res.statusCode, status, `${key} ${method} ${url}`)
    if (status === 403) t.equal(res.json().error.code, 'forbidden')
  }
})

t.test("one platform never reads, lists or deletes another platform's documents", async (t) => {
  const app = await buildTestApp(t)
  const resources: Array<[string, Record<string, string>, 'stateId' | 'profileId']> = [
    ['/xapi/activities/state', STATE, 'stateId'],
    ['/xapi/activities/profile', ACTIVITY_PROFILE, 'profileId'],
    ['/xapi/agents/profile', AGENT_PROFILE, 'profileId'],
  ]
  for (const [url, context, idName] of resources) {
    const one = { ...context, [idName]: 'private' }
    t.equal((await request(app, 'platform-a', 'PUT', url, one)).statusCode, 204)
    t.equal(
      (await request(app, 'platform-b', 'GET', url, one)).statusCode,
      404,
      `${url}: not readable`,
    )
    t.same((await request(app, 'platform-b', 'GET', url, context)).json(), [], `${url}: not listed`)
    t.equal(
      (await request(app, 'platform-b', 'PUT', url, one)).statusCode,
      204,
      'B has its own document of that id',
    )
    t.equal(
      (await request(app, 'platform-b', 'DELETE', url, idName === 'stateId' ? context : one))
        .statusCode,
      204,
    )
    const own = await request(app, 'platform-a', 'GET', url, one)
    t.equal(own.statusCode, 200, `${url}: A's document outlives B's delete`)
    t.same(own.json(), { v: 1 })
  }
})
