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
    t.same(about.version, ['1.0.3', '2.0.0'])
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
  t.same(res.json().version, ['1.0.3', '2.0.0'])
})
