import { createHash } from 'node:crypto'
import t from 'tap'
import { startHub } from '../helpers/hub.js'

/**
 * Concurrent writers racing on one document (xAPI Communication §3.1). On PostgreSQL the requests
 * really run at once over the connection pool; on PGlite they interleave between queries.
 */

const WRITERS = 12
const url = '/xapi/activities/profile'
const base = { activityId: 'https://example.org/activities/race' }
const sha1Tag = (text: string): string => `"${createHash('sha1').update(text).digest('hex')}"`

t.test('of writers sharing one If-Match ETag exactly one wins and nothing is mixed', async (t) => {
  const hub = await startHub(t)
  const query = { ...base, profileId: 'if-match' }
  await hub.xapi({
    method: 'PUT',
    url,
    query,
    body: { writer: 'initial' },
    headers: { 'if-none-match': '*' },
  })
  const etag = sha1Tag('{"writer":"initial"}')

  const bodies = Array.from({ length: WRITERS }, (_, i) =>
    JSON.stringify({ writer: i, pad: 'x'.repeat(i * 100) }),
  )
  const results = await Promise.all(
    bodies.map((body) =>
      hub.xapi({ method: 'PUT', url, query, body, headers: { 'if-match': etag } }),
    ),
  )
  const codes = results.map((res) => res.statusCode)
  t.equal(codes.filter((code) => code === 204).length, 1, 'one writer wins')
  t.equal(codes.filter((code) => code === 412).length, WRITERS - 1, 'every other writer gets 412')

  const winner = bodies[codes.indexOf(204)] as string
  const stored = await hub.xapi({ url, query })
  t.equal(stored.payload, winner, "the stored document is exactly the winner's")
  t.equal(stored.headers.etag, sha1Tag(winner))
})

t.test('of writers racing POST merges every property arrives', async (t) => {
  const hub = await startHub(t)
  const query = { ...base, profileId: 'merge' }
  const results = await Promise.all(
    Array.from({ length: WRITERS }, (_, i) =>
      hub.xapi({ method: 'POST', url, query, body: { [`k${i}`]: i } }),
    ),
  )
  t.same(
    results.map((res) => res.statusCode),
    Array(WRITERS).fill(204),
  )
  const stored = (await hub.xapi({ url, query })).json()
  t.same(
    Object.keys(stored).sort(),
    Array.from({ length: WRITERS }, (_, i) => `k${i}`).sort(),
    'no merge is lost',
  )
})

t.test('of writers creating with If-None-Match: * exactly one creates', async (t) => {
  const hub = await startHub(t)
  const query = { ...base, profileId: 'create' }
  const bodies = Array.from({ length: WRITERS }, (_, i) => JSON.stringify({ creator: i }))
  const results = await Promise.all(
    bodies.map((body) =>
      hub.xapi({ method: 'PUT', url, query, body, headers: { 'if-none-match': '*' } }),
    ),
  )
  const codes = results.map((res) => res.statusCode)
  t.equal(codes.filter((code) => code === 204).length, 1)
  t.equal(codes.filter((code) => code === 412).length, WRITERS - 1)
  t.equal((await hub.xapi({ url, query })).payload, bodies[codes.indexOf(204)])
})

t.test('1.0.3 State writers without headers each replace the whole document', async (t) => {
  const hub = await startHub(t)
  const query = {
    activityId: base.activityId,
    agent: JSON.stringify({ mbox: 'mailto:racer@example.org' }),
    stateId: 'bare',
  }
  const bodies = Array.from({ length: WRITERS }, (_, i) =>
    `${i}:`.padEnd(200 + i * 50, String.fromCharCode(97 + i)),
  )
  const results = await Promise.all(
    bodies.map((body) =>
      hub.xapi({
        method: 'PUT',
        url: '/xapi/activities/state',
        query,
        body,
        headers: { 'content-type': 'text/plain' },
        version: '1.0.3',
      }),
    ),
  )
  t.same(
    results.map((res) => res.statusCode),
    Array(WRITERS).fill(204),
  )
  const stored = (await hub.xapi({ url: '/xapi/activities/state', query, version: '1.0.3' }))
    .payload
  t.ok(bodies.includes(stored), "the stored document is one writer's whole body")
})

t.test('a delete racing writers leaves either nothing or one whole document', async (t) => {
  const hub = await startHub(t)
  const query = { ...base, profileId: 'delete-race' }
  await hub.xapi({ method: 'PUT', url, query, body: { v: 0 }, headers: { 'if-none-match': '*' } })
  const work = [
    ...Array.from({ length: WRITERS / 2 }, (_, i) =>
      hub.xapi({ method: 'POST', url, query, body: { [`p${i}`]: i } }),
    ),
    hub.xapi({ method: 'DELETE', url, query }),
  ]
  const results = await Promise.all(work)
  t.ok(results.every((res) => res.statusCode === 204))
  const stored = await hub.xapi({ url, query })
  if (stored.statusCode === 200) {
    t.equal(stored.headers.etag, sha1Tag(stored.payload), 'ETag matches the stored bytes')
    t.type(stored.json(), 'object')
  } else {
    t.equal(stored.statusCode, 404)
  }
})
