import t from 'tap'
import { startHub } from './helpers/hub.js'

t.test('liveness answers without touching storage', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/health/live' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('readiness reports the store it checked', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().storage, hub.db.kind)
})

t.test('readiness answers 503 once the store is gone', async (t) => {
  const hub = await startHub(t)
  await hub.db.close()
  const res = await hub.app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 503)
})
