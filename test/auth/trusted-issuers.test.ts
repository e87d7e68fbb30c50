import '../helpers/promise-with-resolvers.js'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import nock from 'nock'
import t, { type Test } from 'tap'
import { buildApp, type Hub } from '../../src/app.js'
import { testConfig } from '../../src/config.js'
import { KEY, SECRET } from '../helpers/hub.js'
import { createTestDb } from '../helpers/test-db.js'
import { admin, xapiGet } from './fixtures.js'

const STATE_URL =
  '/xapi/activities/state?activityId=' +
  encodeURIComponent('https://example.org/course') +
  '&agent=' +
  encodeURIComponent(JSON.stringify({ mbox: 'mailto:ana@example.org' })) +
  '&stateId=bookmark'
const SSO = 'https://sso.example.gov'
const JWKS_PATH = '/realms/national/certs'
const AUDIENCE = 'xapi-hub'

interface IdpKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

async function idpKey(kid: string): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  }
}

function idpToken(
  key: IdpKey,
  claims: { sub?: string; aud?: string; iss?: string; exp?: string; scope?: string } = {},
) {
  return new SignJWT(claims.scope === undefined ? {} : { scope: claims.scope })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(claims.iss ?? SSO)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject(claims.sub ?? 'service-account-lms')
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '5m')
    .sign(key.privateKey)
}

/** A hub trusting the mocked provider; `cooldownMs` 0 lets a test see a refetch at once. */
async function ssoHub(t: Test, cooldownMs = 30_000): Promise<Pick<Hub, 'app'>> {
  const testDb = await createTestDb()
  const config = testConfig({
    basicKey: KEY,
    basicSecret: SECRET,
    trustedIssuers: [{ issuer: SSO, audience: AUDIENCE, jwksUrl: `${SSO}${JWKS_PATH}` }],
  })
  const hub = await buildApp(config, { db: testDb.db, remoteKeySets: { cooldownMs } })
  t.teardown(async () => {
    nock.cleanAll()
    await hub.app.close()
    await testDb.drop()
  })
  await admin(hub, 'POST', '/platforms', { id: 'lms-sso', name: 'SSO LMS', scopes: ['state'] })
  const registered = await admin(hub, 'POST', '/platforms/lms-sso/credentials', {
    kind: 'external',
    issuer: SSO,
    subject: 'service-account-lms',
  })
  t.equal(registered.statusCode, 201, 'external subject registered')
  return hub
}

t.test(
  'a token of a trusted identity provider opens the xAPI for the platform its subject maps to',
  async (t) => {
    const hub = await ssoHub(t)
    const key = await idpKey('k1')
    nock(SSO)
      .get(JWKS_PATH)
      .reply(200, { keys: [key.publicJwk] })

    t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(key)}`)).statusCode, 404)
    t.equal(
      (await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(key)}`)).statusCode,
      404,
      'key set cached',
    )
  },
)

t.test(
  'provider tokens with a wrong audience, an unknown subject, an expiry or a stranger key are 401',
  async (t) => {
    const hub = await ssoHub(t)
    const key = await idpKey('k1')
    const stranger = await idpKey('k1')
    nock(SSO)
      .get(JWKS_PATH)
      .times(3)
      .reply(200, { keys: [key.publicJwk] })

    const cases: Record<string, string> = {
      'a wrong audience': await idpToken(key, { aud: 'another-service' }),
      'an unregistered subject': await idpToken(key, { sub: 'someone-else' }),
      'an expired token': await idpToken(key, { exp: '-1m' }),
      'a key the provider does not publish': await idpToken(stranger),
      'an untrusted issuer': await idpToken(key, { iss: 'https://sso.evil.example' }),
    }
    for (const [name, token] of Object.entries(cases)) {
      t.equal((await xapiGet(hub, STATE_URL, `Bearer ${token}`)).statusCode, 401, name)
    }
  },
)

t.test(
  'an unknown kid makes the hub fetch the provider key set again (provider key rotation)',
  async (t) => {
    const hub = await ssoHub(t, 0)
    const first = await idpKey('k1')
    const second = await idpKey('k2')
    nock(SSO)
      .get(JWKS_PATH)
      .reply(200, { keys: [first.publicJwk] })
    t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(first)}`)).statusCode, 404)

    const rotated = nock(SSO)
      .get(JWKS_PATH)
      .reply(200, { keys: [first.publicJwk, second.publicJwk] })
    t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(second)}`)).statusCode, 404)
    t.ok(rotated.isDone(), 'the key set was fetched again')
  },
)

t.test('within the cooldown an unknown kid does not refetch the key set', async (t) => {
  const hub = await ssoHub(t)
  const first = await idpKey('k1')
  const second = await idpKey('k2')
  nock(SSO)
    .get(JWKS_PATH)
    .reply(200, { keys: [first.publicJwk] })
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(first)}`)).statusCode, 404)

  const rotated = nock(SSO)
    .get(JWKS_PATH)
    .reply(200, { keys: [first.publicJwk, second.publicJwk] })
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(second)}`)).statusCode, 401)
  t.notOk(rotated.isDone(), 'no request reached the provider')
})

t.test('OpenID scopes in a provider token do not narrow the platform scopes', async (t) => {
  const hub = await ssoHub(t)
  const key = await idpKey('k1')
  nock(SSO)
    .get(JWKS_PATH)
    .reply(200, { keys: [key.publicJwk] })
  const token = await idpToken(key, { scope: 'openid profile email' })
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${token}`)).statusCode, 404, 'state still granted')
})

t.test('registering an external subject requires a configured issuer', async (t) => {
  const hub = await ssoHub(t)
  const res = await admin(hub, 'POST', '/platforms/lms-sso/credentials', {
    kind: 'external',
    issuer: 'https://unknown.example',
    subject: 'x',
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.field, 'issuer')
})

t.test('TRUSTED_ISSUERS is checked at start-up, naming the bad entry', async (t) => {
  const { loadConfig, ConfigError } = await import('../../src/config.js')
  const good = [{ issuer: SSO, audience: AUDIENCE, jwksUrl: `${SSO}${JWKS_PATH}` }]
  t.same(loadConfig({ TRUSTED_ISSUERS: JSON.stringify(good) }).trustedIssuers, good)
  t.throws(() => loadConfig({ TRUSTED_ISSUERS: 'not json' }), ConfigError)
  t.throws(() => loadConfig({ TRUSTED_ISSUERS: '{}' }), /array/)
  t.throws(
    () => loadConfig({ TRUSTED_ISSUERS: JSON.stringify([{ issuer: SSO }]) }),
    /\[0\]\.audience/,
  )
  t.throws(
    () => loadConfig({ TRUSTED_ISSUERS: JSON.stringify([{ ...good[0], jwksUrl: 'ftp://x' }]) }),
    /jwksUrl/,
  )
  t.throws(() => loadConfig({ TOKEN_TTL_SECONDS: '3600', KEY_OVERLAP_SECONDS: '60' }), /OVERLAP/)
})

t.test('a revoked external identity stops working and can be mapped again', async (t) => {
  const hub = await ssoHub(t)
  const key = await idpKey('k1')
  nock(SSO)
    .get(JWKS_PATH)
    .reply(200, { keys: [key.publicJwk] })
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(key)}`)).statusCode, 404)

  t.equal((await admin(hub, 'DELETE', '/platforms/lms-sso/credentials')).statusCode, 200)
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(key)}`)).statusCode, 401)

  const again = await admin(hub, 'POST', '/platforms/lms-sso/credentials', {
    kind: 'external',
    issuer: SSO,
    subject: 'service-account-lms',
  })
  t.equal(again.statusCode, 201)
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${await idpToken(key)}`)).statusCode, 404)
})
