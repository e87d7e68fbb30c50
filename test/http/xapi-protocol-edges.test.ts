import { randomUUID } from 'node:crypto'
import t from 'tap'
import { AUTH, startHub } from '../helpers/hub.js'

/**
 * Protocol details that clients and conformance suites check one by one: methods a resource does
 * not have, headers on error answers, the JSON media type, content types xAPI has no code for,
 * unquoted entity tags, `since` beside a document id, RFC 3339's readable timestamps.
 */

// One hub for the whole file: every test uses its own documents and statement ids.
const hub = await startHub(t)

const AGENT = JSON.stringify({ objectType: 'Agent', mbox: 'mailto:edges@example.org' })
const ACTIVITY = 'https://example.org/activities/edges'

function statement(extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    actor: { objectType: 'Agent', mbox: 'mailto:edges@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { objectType: 'Activity', id: ACTIVITY },
    ...extra,
  }
}

t.test('a method a resource does not have is a 405 naming the allowed ones', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['DELETE', '/xapi/statements', 'GET, HEAD, PUT, POST'],
    ['PATCH', '/xapi/statements', 'GET, HEAD, PUT, POST'],
    ['PUT', '/xapi/activities', 'GET, HEAD'],
    ['DELETE', '/xapi/agents', 'GET, HEAD'],
    ['PUT', '/xapi/agents', 'GET, HEAD'],
    ['DELETE', '/xapi/about', 'GET, HEAD'],
    ['PATCH', '/xapi/activities/state', 'GET, HEAD, PUT, POST, DELETE'],
  ]
  for (const [method, url, allow] of cases) {
    // No credential and an old version header: what a resource supports is no secret.
    const res = await hub.app.inject({
      method: method as 'DELETE',
      url,
      headers: { 'x-experience-api-version': '1.0.1' },
    })
    t.equal(res.statusCode, 405, `${method} ${url}`)
    t.equal(res.headers.allow, allow)
    t.match(res.json(), { error: { code: 'method_not_allowed', field: 'method' } })
    t.ok(res.headers['x-experience-api-version'], 'the version header is answered')
  }
  const unknown = await hub.app.inject({ method: 'GET', url: '/xapi/nothing-here' })
  t.equal(unknown.statusCode, 404, 'a path that is no resource stays a 404')
})

t.test('every Statement Resource answer carries Consistent-Through, errors too', async (t) => {
  const missingVersion = await hub.app.inject({
    method: 'GET',
    url: '/xapi/statements',
    headers: { authorization: AUTH },
  })
  t.equal(missingVersion.statusCode, 400)
  t.ok(Date.parse(String(missingVersion.headers['x-experience-api-consistent-through'])) > 0)
  const unauthenticated = await hub.xapi({
    url: '/xapi/statements',
    headers: { authorization: undefined },
  })
  t.equal(unauthenticated.statusCode, 401)
  t.ok(unauthenticated.headers['x-experience-api-consistent-through'])
  const activities = await hub.xapi({ url: '/xapi/activities', query: { activityId: ACTIVITY } })
  t.equal(
    activities.headers['x-experience-api-consistent-through'],
    undefined,
    'other resources not',
  )
})

t.test('JSON answers are application/json, without a charset parameter', async (t) => {
  const list = await hub.xapi({ url: '/xapi/statements' })
  t.equal(list.headers['content-type'], 'application/json')
  const error = await hub.xapi({ url: '/xapi/statements', query: { limit: 'many' } })
  t.equal(error.statusCode, 400)
  t.equal(error.headers['content-type'], 'application/json')
  // A document keeps the type its sender gave it.
  const query = { activityId: ACTIVITY, agent: AGENT, stateId: 'typed' }
  await hub.xapi({
    method: 'PUT',
    url: '/xapi/activities/state',
    query,
    body: '{"a":1}',
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })
  const doc = await hub.xapi({ url: '/xapi/activities/state', query })
  t.equal(doc.headers['content-type'], 'application/json; charset=utf-8')
})

t.test('a body type the xAPI resources do not take is a 400; the hub API keeps 415', async (t) => {
  for (const method of ['POST', 'PUT'] as const) {
    const res = await hub.xapi({
      method,
      url: '/xapi/statements',
      ...(method === 'PUT' ? { query: { statementId: randomUUID() } } : {}),
      body: '--b\r\nContent-Disposition: form-data; name="s"\r\n\r\n{}\r\n--b--\r\n',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    })
    t.equal(res.statusCode, 400, method)
    t.match(res.json(), { error: { code: 'bad_request', field: 'header.Content-Type' } })
  }
  const admin = await hub.app.inject({
    method: 'POST',
    url: '/admin/platforms',
    headers: { authorization: AUTH, 'content-type': 'multipart/form-data; boundary=b' },
    payload: '--b--\r\n',
  })
  t.equal(admin.statusCode, 415, 'outside xAPI the precise status stays')
})

t.test(
  'an unquoted entity tag is read as the tag it stands for: a wrong one is a 412',
  async (t) => {
    const query = { activityId: ACTIVITY, agent: AGENT, stateId: 'etag' }
    await hub.xapi({ method: 'PUT', url: '/xapi/activities/state', query, body: { v: 1 } })
    for (const method of ['PUT', 'POST', 'DELETE'] as const) {
      const res = await hub.xapi({
        method,
        url: '/xapi/activities/state',
        query,
        ...(method === 'DELETE' ? {} : { body: { v: 2 } }),
        headers: { 'if-match': '1234' },
      })
      t.equal(res.statusCode, 412, method)
    }
    const current = await hub.xapi({ url: '/xapi/activities/state', query })
    t.same(current.json(), { v: 1 }, 'nothing changed')
    const etag = String(current.headers.etag).replace(/"/g, '')
    const unquotedRight = await hub.xapi({
      method: 'PUT',
      url: '/xapi/activities/state',
      query,
      body: { v: 3 },
      headers: { 'if-match': etag },
    })
    t.equal(unquotedRight.statusCode, 204, 'the right tag, unquoted, matches')
    const garbage = await hub.xapi({
      method: 'PUT',
      url: '/xapi/activities/state',
      query,
      body: { v: 4 },
      headers: { 'if-match': 'a "b' },
    })
    t.equal(garbage.statusCode, 400, 'what is no tag at all is still refused')
  },
)

t.test('since beside a document id: ignored under 1.0.3, refused under 2.0.0', async (t) => {
  const query = { activityId: ACTIVITY, agent: AGENT, stateId: 'since' }
  await hub.xapi({ method: 'PUT', url: '/xapi/activities/state', query, body: { v: 1 } })
  const since = new Date(Date.now() - 60_000).toISOString()
  const old = await hub.xapi({
    url: '/xapi/activities/state',
    query: { ...query, since },
    version: '1.0.3',
  })
  t.equal(old.statusCode, 200)
  t.same(old.json(), { v: 1 })
  const badSince = await hub.xapi({
    url: '/xapi/activities/state',
    query: { ...query, since: 'yesterday' },
    version: '1.0.3',
  })
  t.equal(badSince.statusCode, 400, 'a malformed since is still refused')
  const current = await hub.xapi({ url: '/xapi/activities/state', query: { ...query, since } })
  t.equal(current.statusCode, 400)
  t.match(current.json(), { error: { field: 'query.since' } })
})

t.test('2.0 takes RFC 3339 timestamps with a space and stores them in UTC form', async (t) => {
  const sent = statement({ timestamp: '2008-09-15 15:53:00.601+07:00' })
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: sent })
  t.equal(res.statusCode, 200)
  const stored = await hub.xapi({ url: '/xapi/statements', query: { statementId: sent.id } })
  t.equal(stored.json().timestamp, '2008-09-15T08:53:00.601Z')
  const old = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: statement({ timestamp: '2008-09-15 15:53:00.601+07:00' }),
    version: '1.0.3',
  })
  t.equal(old.statusCode, 400, 'ISO 8601 (1.0.3) requires the T')
})

t.test('statement version 1.0 is accepted and kept', async (t) => {
  for (const version of ['1.0.3', '2.0.0']) {
    const sent = statement({ version: '1.0' })
    const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: sent, version })
    t.equal(res.statusCode, 200, version)
    const stored = await hub.xapi({ url: '/xapi/statements', query: { statementId: sent.id } })
    t.equal(stored.json().version, '1.0', 'the version it was accepted with')
  }
})
