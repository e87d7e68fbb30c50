import t from 'tap'
import { createRateLimiter } from '../../src/auth/rate-limiter.js'
import { HubError } from '../../src/errors.js'
import { startHub } from '../helpers/hub.js'
import { admin, registerPlatform, xapiGet } from './fixtures.js'

const STATE_URL =
  '/xapi/activities/state?activityId=' +
  encodeURIComponent('https://example.org/course') +
  '&agent=' +
  encodeURIComponent(JSON.stringify({ mbox: 'mailto:ana@example.org' })) +
  '&stateId=bookmark'

t.test(
  'a platform over its budget gets 429 with Retry-After while others are served',
  async (t) => {
    const hub = await startHub(t)
    const busy = await registerPlatform(hub, 'busy', ['state'])
    const calm = await registerPlatform(hub, 'calm', ['state'])
    t.equal(
      (await admin(hub, 'PATCH', '/platforms/busy', { rateLimitPerMinute: 2 })).statusCode,
      200,
    )

    t.equal((await xapiGet(hub, STATE_URL, busy.authorization)).statusCode, 404)
    t.equal((await xapiGet(hub, STATE_URL, busy.authorization)).statusCode, 404)
    const limited = await xapiGet(hub, STATE_URL, busy.authorization)
    t.equal(limited.statusCode, 429)
    t.ok(Number(limited.headers['retry-after']) >= 1, 'Retry-After in seconds')
    t.equal(limited.json().error.code, 'too_many_requests')

    t.equal(
      (await xapiGet(hub, STATE_URL, calm.authorization)).statusCode,
      404,
      'another platform is unaffected',
    )
  },
)

t.test('the bucket refills with time and a limit of 0 turns limiting off', async (t) => {
  let now = 0
  const limiter = createRateLimiter(() => now)
  limiter.take('p', 60)
  for (let i = 1; i < 60; i++) limiter.take('p', 60)
  t.throws(() => limiter.take('p', 60), HubError)
  try {
    limiter.take('p', 60)
  } catch (error) {
    t.equal((error as HubError).headers?.['Retry-After'], '1')
  }
  now += 1000
  t.doesNotThrow(() => limiter.take('p', 60), 'one request per second comes back')
  for (let i = 0; i < 1000; i++) limiter.take('q', 0)
  t.pass('unlimited')
})
