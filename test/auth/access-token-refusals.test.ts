import { randomUUID } from 'node:crypto'
import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig, testConfig } from '../../src/config.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { registerPlatform, xapiGet, type TestPlatform } from './fixtures.js'

const STATE_URL =
  '/xapi/activities/state?activityId=' +
  encodeURIComponent('https://example.org/course') +
  '&agent=' +
  encodeURIComponent(JSON.stringify({ mbox: 'mailto:ana@example.org' })) +
  '&stateId=bookmark'

async function issue(hub: TestHub, lms: TestPlatform): Promise<string> {
  const res = await hub.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: lms.authorization,
    },
    payload: 'grant_type=client_credentials',
  })
  return res.json().access_token as string
}

/** The hub's own current private key, read from the store, to forge tokens the hub would sign. */
async function hubKey(hub: TestHub): Promise<{ kid: string; key: CryptoKey }> {
  const { rows } = await hub.db.query<{ kid: string; private_jwk: string }>(
    `SELECT kid, private_jwk FROM hub_signing_keys WHERE retired_at IS NULL AND purpose = 'tokens'`,
  )
  const row = rows[0] as { kid: string; private_jwk: string }
  return { kid: row.kid, key: (await importJWK(JSON.parse(row.private_jwk), 'ES256')) as CryptoKey }
}

interface Forge {
  iss?: string
  aud?: string
  exp?: number
  nbf?: number
  key?: CryptoKey
  kid?: string
}

async function forge(hub: TestHub, lms: TestPlatform, change: Forge): Promise<string> {
  const own = await hubKey(hub)
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ scope: 'state', client_id: lms.key, cid: lms.credentialId })
    .setProtectedHeader({ alg: 'ES256', kid: change.kid ?? own.kid, typ: 'at+jwt' })
    .setIssuer(change.iss ?? 'urn:xapi-hub')
    .setAudience(change.aud ?? 'urn:xapi-hub/xapi')
    .setSubject(lms.id)
    .setIssuedAt(now - 10)
    .setNotBefore(change.nbf ?? now - 10)
    .setExpirationTime(change.exp ?? now + 300)
    .setJti(randomUUID())
    .sign(change.key ?? own.key)
}

t.test(
  'the hub accepts a token it signed, and refuses every broken variant with 401',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    const now = Math.floor(Date.now() / 1000)
    t.equal(
      (await xapiGet(hub, STATE_URL, `Bearer ${await forge(hub, lms, {})}`)).statusCode,
      404,
      'control',
    )

    const good = await forge(hub, lms, {})
    const [, payload] = good.split('.')
    const noneHeader = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))
    const unsigned = `${noneHeader}.${payload}.`
    const { privateKey: stranger } = await generateKeyPair('ES256')
    const escalated = {
      sub: 'hub-admin',
      cid: lms.credentialId,
      scope: 'all',
      iss: 'urn:xapi-hub',
      aud: 'urn:xapi-hub/xapi',
      exp: now + 300,
    }
    const tampered = good.replace(/\.[^.]+\./, `.${base64url.encode(JSON.stringify(escalated))}.`)

    const cases: Record<string, string> = {
      'alg none': unsigned,
      'a wrong key under the hub kid': await forge(hub, lms, { key: stranger }),
      'an unknown kid': await forge(hub, lms, { key: stranger, kid: 'not-a-hub-key' }),
      'a tampered payload': tampered,
      'a wrong issuer': await forge(hub, lms, { iss: 'https://evil.example.org' }),
      'a wrong audience': await forge(hub, lms, { aud: 'https://other-hub.example.org/xapi' }),
      'an expired token': await forge(hub, lms, { exp: now - 60 }),
      'a not-yet-valid token': await forge(hub, lms, { nbf: now + 600 }),
      garbage: 'not.a.jwt',
    }
    for (const [name, token] of Object.entries(cases)) {
      const res = await xapiGet(hub, STATE_URL, `Bearer ${token}`)
      t.equal(res.statusCode, 401, name)
    }
  },
)

t.test('an HMAC token keyed with the public key (algorithm confusion) is refused', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  const jwks = (await hub.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]))
  const token = await new SignJWT({ scope: 'state', cid: lms.credentialId })
    .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0].kid, typ: 'at+jwt' })
    .setIssuer('urn:xapi-hub')
    .setAudience('urn:xapi-hub/xapi')
    .setSubject(lms.id)
    .setExpirationTime('5m')
    .sign(secret)
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${token}`)).statusCode, 401)
})

t.test(
  'after a key rotation, tokens signed before it stay valid and new ones use the new key',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    const before = await issue(hub, lms)
    const oldKid = decodeProtectedHeader(before).kid

    const adminAuth = `Basic ${Buffer.from('test-key:test-secret-123456').toString('base64')}`
    const rotate = (payload: unknown) =>
      hub.app.inject({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: { authorization: adminAuth, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      })
    const refused = await rotate({ purpose: 'everything' })
    t.equal(refused.statusCode, 400)
    t.match(refused.json(), { error: { field: 'purpose', rule: /tokens, credentials/ } })

    const rotated = await rotate({ purpose: 'tokens' })
    t.equal(rotated.statusCode, 200)
    const [newKey] = rotated.json().rotated as { purpose: string; kid: string; alg: string }[]
    t.match(newKey, { purpose: 'tokens', alg: 'ES256' })
    t.not(newKey!.kid, oldKid)

    t.equal(
      (await xapiGet(hub, STATE_URL, `Bearer ${before}`)).statusCode,
      404,
      'old token still valid',
    )
    const after = await issue(hub, lms)
    t.equal(decodeProtectedHeader(after).kid, newKey!.kid)
    t.equal((await xapiGet(hub, STATE_URL, `Bearer ${after}`)).statusCode, 404)

    const keys = (await hub.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
      .keys as { kid: string; alg: string }[]
    t.same(
      keys.filter((key) => key.alg === 'ES256').map((key) => key.kid),
      [newKey!.kid, oldKid],
      'both token keys published during the overlap, newest first',
    )
    t.equal(keys.filter((key) => key.alg === 'RS256').length, 1, 'the credential key unchanged')
  },
)

t.test('a retired key stops verifying once the overlap window has passed', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  const before = await issue(hub, lms)
  await hub.auth.keyRing.rotate()
  await hub.db.query(
    `UPDATE hub_signing_keys SET retired_at = now() - interval '2 days'
     WHERE retired_at IS NOT NULL`,
  )

  // A second hub process on the same store sees only what the store says.
  const second = await buildApp(
    testConfig({ basicKey: 'test-key', basicSecret: 'test-secret-123456' }),
    { db: hub.db },
  )
  t.teardown(() => second.app.close())
  t.equal(
    (
      await second.app.inject({
        method: 'GET',
        url: STATE_URL,
        headers: { authorization: `Bearer ${before}`, 'x-experience-api-version': '2.0.0' },
      })
    ).statusCode,
    401,
  )
  // Retired keys stay published, so credentials they signed keep verifying offline: the old and
  // new token keys and the old and new credential keys.
  t.equal(
    (await second.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys.length,
    4,
  )
})

t.test('signing keys are kept across restarts', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  const token = await issue(hub, lms)

  const restarted = await buildApp(
    testConfig({ basicKey: 'test-key', basicSecret: 'test-secret-123456' }),
    { db: hub.db },
  )
  t.teardown(() => restarted.app.close())
  const res = await restarted.app.inject({
    method: 'GET',
    url: STATE_URL,
    headers: { authorization: `Bearer ${token}`, 'x-experience-api-version': '2.0.0' },
  })
  t.equal(res.statusCode, 404, 'a token from before the restart still verifies')
})

t.test('a configured SIGNING_KEY signs instead of a generated one', async (t) => {
  const { privateKey } = await generateKeyPair('EdDSA', { extractable: true })
  const jwk = (await exportJWK(privateKey)) as Record<string, unknown>
  const hub = await startHub(t, { signingKeys: [{ purpose: 'tokens', alg: 'EdDSA', jwk }] })
  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  const token = await issue(hub, lms)
  t.equal(decodeProtectedHeader(token).alg, 'EdDSA')
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${token}`)).statusCode, 404)
})

t.test('a configured RSA SIGNING_KEY signs credentials and never access tokens', async (t) => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = (await exportJWK(privateKey)) as Record<string, unknown>
  const config = loadConfig({ SIGNING_KEY: JSON.stringify(jwk) })
  t.match(config.signingKeys, [{ purpose: 'credentials', alg: 'RS256' }])
  const hub = await startHub(t, { signingKeys: config.signingKeys })

  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  t.equal(decodeProtectedHeader(await issue(hub, lms)).alg, 'ES256', 'tokens keep a generated key')
  const credentialKey = await hub.auth.keyRing.current('credentials')
  t.equal(credentialKey.alg, 'RS256')
  t.equal(credentialKey.kid, await calculateJwkThumbprint(jwk as JWK), 'the configured key')
  const published = (await hub.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
    .keys as Record<string, unknown>[]
  const mine = published.find((key) => key.kid === credentialKey.kid)
  t.match(mine, { kty: 'RSA', alg: 'RS256', n: jwk.n, e: jwk.e })
  t.notOk(
    ['d', 'p', 'q', 'dp', 'dq', 'qi'].some((member) => mine !== undefined && member in mine),
    'only the public half of the configured key is published',
  )
})
