import t from 'tap'
import { startHub } from '../helpers/hub.js'

/** The About Resource (xAPI 1.0.3 Communication §2.8; 2.0.0 §4.1.6.7). */

t.test(
  'answers without a credential or version header with the versions and extensions',
  async (t) => {
    const hub = await startHub(t, { documentLimit: 4096 })
    const res = await hub.app.inject({ method: 'GET', url: '/xapi/about' })
    t.equal(res.statusCode, 200)
    const about = res.json()
    t.same(about.version, ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '2.0.0'])
    t.same(Object.keys(about).sort(), ['extensions', 'version'], 'no properties outside extensions')
    t.equal(about.extensions['urn:national-learning-record-hub:about:limits'].documentBytes, 4096)
    t.ok(res.headers['x-experience-api-version'])
    t.ok(res.headers.etag)
  },
)

t.test('ignores any version header, even an unsupported one', async (t) => {
  const hub = await startHub(t)
  for (const version of ['0.95', '1.0.3', '2.0.0', '3.0.0']) {
    const res = await hub.xapi({ url: '/xapi/about', version })
    t.equal(res.statusCode, 200, version)
  }
})

t.test('a 1.0.x client is shown the 1.0 line, every other request both lines', async (t) => {
  const hub = await startHub(t)
  const line10 = ['1.0.0', '1.0.1', '1.0.2', '1.0.3']
  for (const version of ['1.0', '1.0.1', '1.0.3']) {
    const res = await hub.xapi({ url: '/xapi/about', version })
    t.same(res.json().version, line10, version)
    t.match(res.headers.vary, /X-Experience-API-Version/, 'caches keep the two answers apart')
  }
  for (const version of ['2.0.0', '0.95']) {
    const res = await hub.xapi({ url: '/xapi/about', version })
    t.same(res.json().version, [...line10, '2.0.0'], version)
  }
  const etags = new Set(
    await Promise.all(
      ['1.0.3', '2.0.0'].map(
        async (version) => (await hub.xapi({ url: '/xapi/about', version })).headers.etag,
      ),
    ),
  )
  t.equal(etags.size, 2, 'each answer has its own ETag')
})

t.test('answers HEAD with headers only', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'HEAD', url: '/xapi/about' })
  t.equal(res.statusCode, 200)
  t.equal(res.payload, '')
})

t.test('answers GET through the 1.0.3 Alternate Request Syntax', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({
    method: 'POST',
    url: '/xapi/about?method=GET',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ 'X-Experience-API-Version': '1.0.3' }).toString(),
  })
  t.equal(res.statusCode, 200)
  t.same(res.json().version, ['1.0.0', '1.0.1', '1.0.2', '1.0.3'])
})
