import t from 'tap'
import { startHub } from '../helpers/hub.js'
import { admin, basicHeader, registerPlatform, xapiGet } from './fixtures.js'

const STATE_URL =
  '/xapi/activities/state?activityId=' +
  encodeURIComponent('https://example.org/course') +
  '&agent=' +
  encodeURIComponent(JSON.stringify({ mbox: 'mailto:ana@example.org' })) +
  '&stateId=bookmark'

t.test('a platform connects with the Basic credential issued for it', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])

  const res = await xapiGet(hub, STATE_URL, lms.authorization)
  t.equal(res.statusCode, 404, 'authenticated; no document stored yet')
})

t.test(
  'a wrong secret, an unknown key or a malformed header is a 401 with a challenge',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])

    for (const authorization of [
      basicHeader(lms.key, 'wrong-secret-123'),
      basicHeader('nobody', lms.secret),
      'Basic !!',
      undefined,
    ]) {
      const res = await xapiGet(hub, STATE_URL, authorization)
      t.equal(res.statusCode, 401, String(authorization))
      t.match(res.headers['www-authenticate'], /Basic/)
    }
  },
)

t.test(
  'revoking a credential refuses it on the next request, although it was remembered',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    t.equal((await xapiGet(hub, STATE_URL, lms.authorization)).statusCode, 404)

    const revoked = await admin(hub, 'DELETE', `/platforms/lms-one/credentials/${lms.credentialId}`)
    t.same(revoked.json(), { revoked: 1 })

    const res = await xapiGet(hub, STATE_URL, lms.authorization)
    t.equal(res.statusCode, 401)
    t.match(res.json().error.message, /revoked/)
  },
)

t.test(
  'suspending a platform refuses its credentials on the next request; resuming restores them',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    t.equal((await xapiGet(hub, STATE_URL, lms.authorization)).statusCode, 404)

    t.equal(
      (await admin(hub, 'PATCH', '/platforms/lms-one', { status: 'suspended' })).statusCode,
      200,
    )
    t.equal((await xapiGet(hub, STATE_URL, lms.authorization)).statusCode, 401)

    t.equal((await admin(hub, 'PATCH', '/platforms/lms-one', { status: 'active' })).statusCode, 200)
    t.equal((await xapiGet(hub, STATE_URL, lms.authorization)).statusCode, 404)
  },
)

t.test(
  'a credential changed directly in the store is honoured within a second, without any signal',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    t.equal((await xapiGet(hub, STATE_URL, lms.authorization)).statusCode, 404)

    // As another hub process (or the store's operator) would: no call reaches this process.
    await hub.db.query(`UPDATE platform_credentials SET revoked_at = now() WHERE id = $1`, [
      lms.credentialId,
    ])
    // The process re-checks a credential's liveness at most once a second (LIVE_CHECK_TTL_MS).
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    t.equal((await xapiGet(hub, STATE_URL, lms.authorization)).statusCode, 401)
  },
)

t.test(
  'rotating a Basic credential issues a new secret and ends the old one at once',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    t.equal((await xapiGet(hub, STATE_URL, lms.authorization)).statusCode, 404)

    const rotated = await admin(
      hub,
      'POST',
      `/platforms/lms-one/credentials/${lms.credentialId}/rotate`,
    )
    t.equal(rotated.statusCode, 201)
    const { credential, secret } = rotated.json() as { credential: { key: string }; secret: string }
    t.not(credential.key, lms.key)

    t.equal(
      (await xapiGet(hub, STATE_URL, lms.authorization)).statusCode,
      401,
      'old secret refused',
    )
    t.equal(
      (await xapiGet(hub, STATE_URL, basicHeader(credential.key, secret))).statusCode,
      404,
      'new one works',
    )
  },
)

t.test('secrets are stored only as salted scrypt hashes', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  const { rows } = await hub.db.query<{ secret_hash: string }>(
    'SELECT secret_hash FROM platform_credentials WHERE id = $1',
    [lms.credentialId],
  )
  t.match(rows[0]?.secret_hash, /^scrypt\$16384\$8\$1\$/)
  t.notOk(rows[0]?.secret_hash.includes(lms.secret))
})

t.test('a repeated wrong secret is refused from memory, without hashing again', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  const wrong = basicHeader(lms.key, 'wrong-secret-123')
  const elapsedMs = async (times: number): Promise<number> => {
    const started = process.hrtime.bigint()
    for (let i = 0; i < times; i++) t.equal((await xapiGet(hub, STATE_URL, wrong)).statusCode, 401)
    return Number(process.hrtime.bigint() - started) / 1e6 / times
  }
  // Compared with the first refusal (one scrypt run) rather than a fixed time, so a loaded
  // machine slows both sides alike.
  const first = await elapsedMs(1)
  const repeated = await elapsedMs(20)
  t.ok(repeated < first / 3, `repeated ${repeated.toFixed(1)} ms, first ${first.toFixed(1)} ms`)
  t.equal(
    (await xapiGet(hub, STATE_URL, lms.authorization)).statusCode,
    404,
    'the right secret works',
  )
})
