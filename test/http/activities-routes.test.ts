import t from 'tap'
import { startHub } from '../helpers/hub.js'

/** The Activities Resource (xAPI 1.0.3 Communication §2.5; 2.0.0 §4.1.6.4). */

const IRI = 'https://example.org/activities/algebra-1'

t.test('returns the Activity with the definition learned from statements', async (t) => {
  const hub = await startHub(t)
  const definition = {
    name: { en: 'Algebra 1', vi: 'Đại số 1' },
    type: 'http://adlnet.gov/expapi/activities/course',
  }
  await hub.db.query('INSERT INTO activities (iri, definition) VALUES ($1, $2)', [
    IRI,
    JSON.stringify(definition),
  ])

  for (const version of ['1.0.3', '2.0.0']) {
    const res = await hub.xapi({ url: '/xapi/activities', query: { activityId: IRI }, version })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { objectType: 'Activity', id: IRI, definition })
    t.match(res.headers.etag, /^"[0-9a-f]{40}"$/)
    t.equal(res.headers['x-experience-api-version'], version)
  }
  const head = await hub.xapi({
    method: 'HEAD',
    url: '/xapi/activities',
    query: { activityId: IRI },
  })
  t.equal(head.statusCode, 200)
  t.equal(head.payload, '')
})

t.test('returns an Activity with just the id when it knows none', async (t) => {
  const hub = await startHub(t)
  const res = await hub.xapi({
    url: '/xapi/activities',
    query: { activityId: 'urn:example:unknown' },
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { objectType: 'Activity', id: 'urn:example:unknown' })
})

t.test('rejects a missing or malformed activityId and unknown parameters', async (t) => {
  const hub = await startHub(t)
  const cases: Array<[Record<string, string>, string]> = [
    [{}, 'query.activityId'],
    [{ activityId: 'no scheme' }, 'query.activityId'],
    [{ activityId: IRI, agent: '{}' }, 'query.agent'],
    [{ activityid: IRI }, 'query.activityid'],
  ]
  for (const [query, field] of cases) {
    const res = await hub.xapi({ url: '/xapi/activities', query })
    t.equal(res.statusCode, 400)
    t.equal(res.json().error.field, field)
  }
  const noAuth = await hub.xapi({
    url: '/xapi/activities',
    query: { activityId: IRI },
    headers: { authorization: undefined },
  })
  t.equal(noAuth.statusCode, 401)
})

t.test(
  'answers GET through the 1.0.3 Alternate Request Syntax and refuses other POSTs',
  async (t) => {
    const hub = await startHub(t)
    const form = new URLSearchParams({ activityId: IRI })
    const res = await hub.xapi({
      method: 'POST',
      url: '/xapi/activities?method=GET',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      version: '1.0.3',
    })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { objectType: 'Activity', id: IRI })
    const post = await hub.xapi({
      method: 'POST',
      url: '/xapi/activities',
      query: { activityId: IRI },
      body: {},
    })
    t.equal(post.statusCode, 405)
  },
)

t.test('learns definitions from stored statements, merging languages', async (t) => {
  const hub = await startHub(t)
  const send = (definition: Record<string, unknown>) =>
    hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: {
        actor: { objectType: 'Agent', mbox: 'mailto:learner@example.org' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { en: 'attempted' } },
        object: { objectType: 'Activity', id: IRI, definition },
      },
    })
  t.equal((await send({ name: { en: 'Algebra 1' }, type: 'urn:type:course' })).statusCode, 200)
  t.equal(
    (await send({ name: { vi: 'Đại số 1' }, description: { vi: 'Nhập môn' } })).statusCode,
    200,
  )
  const res = await hub.xapi({ url: '/xapi/activities', query: { activityId: IRI } })
  t.same(res.json(), {
    objectType: 'Activity',
    id: IRI,
    definition: {
      name: { en: 'Algebra 1', vi: 'Đại số 1' },
      type: 'urn:type:course',
      description: { vi: 'Nhập môn' },
    },
  })
})
