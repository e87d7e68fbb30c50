import '../helpers/promise-with-resolvers.js'
import { randomUUID } from 'node:crypto'
import {
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose'
import nock from 'nock'
import t from 'tap'
import { startHub, type TestHub } from '../helpers/hub.js'
import { admin, basicHeader, registerPlatform, xapiGet } from './fixtures.js'

const STATE_URL =
  '/xapi/activities/state?activityId=' +
  encodeURIComponent('https://example.org/course') +
  '&agent=' +
  encodeURIComponent(JSON.stringify({ mbox: 'mailto:ana@example.org' })) +
  '&stateId=bookmark'
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

function token(hub: TestHub, fields: Record<string, string>, authorization?: string) {
  return hub.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    payload: form(fields),
  })
}

async function clientKeys(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  return { privateKey, publicJwk: await exportJWK(publicKey) }
}

function assertion(
  clientId: string,
  key: CryptoKey,
  audience = 'urn:xapi-hub/oauth/token',
  kid?: string,
) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', ...(kid === undefined ? {} : { kid }) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(randomUUID())
    .sign(key)
}

t.test(
  'client_secret_basic: a Basic credential obtains a signed token that opens the xAPI',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state', 'statements/write'])

    const res = await token(hub, { grant_type: 'client_credentials' }, lms.authorization)
    t.equal(res.statusCode, 200, 'token issued')
    t.equal(res.headers['cache-control'], 'no-store')
    const body = res.json()
    t.equal(body.token_type, 'Bearer')
    t.equal(body.expires_in, 600)
    t.equal(body.scope, 'state statements/write')

    const header = decodeProtectedHeader(body.access_token)
    t.equal(header.alg, 'ES256')
    t.equal(header.typ, 'at+jwt')
    const jwks = (await hub.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
    t.ok(
      jwks.keys.some((key: JWK) => key.kid === header.kid),
      'signing key published',
    )
    t.notOk(
      jwks.keys.some((key: JWK) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].some((m) => m in key)),
      'no private parts published',
    )

    t.equal((await xapiGet(hub, STATE_URL, `Bearer ${body.access_token}`)).statusCode, 404)
  },
)

t.test('client_secret_post: client_id and client_secret in the form', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])

  const ok = await token(hub, {
    grant_type: 'client_credentials',
    client_id: lms.key,
    client_secret: lms.secret,
  })
  t.equal(ok.statusCode, 200)
  const wrong = await token(hub, {
    grant_type: 'client_credentials',
    client_id: lms.key,
    client_secret: 'not-the-secret',
  })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().error, 'invalid_client')
})

t.test('the token endpoint answers RFC 6749 errors', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])

  const grant = await token(hub, { grant_type: 'password' }, lms.authorization)
  t.equal(grant.statusCode, 400)
  t.equal(grant.json().error, 'unsupported_grant_type')

  const scope = await token(
    hub,
    { grant_type: 'client_credentials', scope: 'state all' },
    lms.authorization,
  )
  t.equal(scope.statusCode, 400)
  t.equal(scope.json().error, 'invalid_scope')
  t.match(scope.json().error_description, /all/)

  const none = await token(hub, { grant_type: 'client_credentials' })
  t.equal(none.statusCode, 401)
  t.equal(none.json().error, 'invalid_client')

  const two = await token(
    hub,
    { grant_type: 'client_credentials', client_id: lms.key, client_secret: lms.secret },
    lms.authorization,
  )
  t.equal(two.statusCode, 401, 'two authentication methods at once are refused')
})

t.test(
  'a token narrowed to fewer scopes is refused with 403 naming the missing scope',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state', 'statements/write'])

    const res = await token(
      hub,
      { grant_type: 'client_credentials', scope: 'statements/write' },
      lms.authorization,
    )
    t.equal(res.json().scope, 'statements/write')
    const denied = await xapiGet(hub, STATE_URL, `Bearer ${res.json().access_token}`)
    t.equal(denied.statusCode, 403)
    t.match(denied.json().error.message, /state/)
  },
)

t.test('private_key_jwt with a registered public key: no secret travels', async (t) => {
  const hub = await startHub(t)
  await admin(hub, 'POST', '/platforms', { id: 'lms-jwt', name: 'JWT LMS', scopes: ['state'] })
  const { privateKey, publicJwk } = await clientKeys()
  const issued = await admin(hub, 'POST', '/platforms/lms-jwt/credentials', {
    kind: 'private_key_jwt',
    publicJwk,
  })
  t.equal(issued.statusCode, 201, 'credential registered')
  const clientId = issued.json().credential.key as string
  t.equal(issued.json().secret, undefined)

  const signed = await assertion(clientId, privateKey)
  const fields = {
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: signed,
  }
  const res = await token(hub, fields)
  t.equal(res.statusCode, 200, 'token issued')
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${res.json().access_token}`)).statusCode, 404)

  const replay = await token(hub, fields)
  t.equal(replay.statusCode, 401, 'an assertion cannot be replayed')

  const other = await clientKeys()
  const forged = await token(hub, {
    ...fields,
    client_assertion: await assertion(clientId, other.privateKey),
  })
  t.equal(forged.statusCode, 401, 'an assertion signed by another key is refused')

  const elsewhere = await assertion(clientId, privateKey, 'https://other.example.org/token')
  t.equal(
    (await token(hub, { ...fields, client_assertion: elsewhere })).statusCode,
    401,
    'wrong audience',
  )
})

t.test('private_key_jwt with a JWKS URL, fetched from the client', async (t) => {
  const hub = await startHub(t)
  await admin(hub, 'POST', '/platforms', { id: 'lms-jwks', name: 'JWKS LMS', scopes: ['state'] })
  const { privateKey, publicJwk } = await clientKeys()
  const scope = nock('https://lms.example.org')
    .get('/.well-known/jwks.json')
    .reply(200, { keys: [{ ...publicJwk, kid: 'lms-1', alg: 'ES256', use: 'sig' }] })
  t.teardown(() => nock.cleanAll())
  const issued = await admin(hub, 'POST', '/platforms/lms-jwks/credentials', {
    kind: 'private_key_jwt',
    jwksUrl: 'https://lms.example.org/.well-known/jwks.json',
  })
  const clientId = issued.json().credential.key as string

  const res = await token(hub, {
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(clientId, privateKey, 'urn:xapi-hub', 'lms-1'),
  })
  t.equal(res.statusCode, 200, 'token issued')
  t.ok(scope.isDone(), 'the key set was fetched')
})

t.test('a revoked client cannot obtain tokens, and its tokens stop working at once', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state'])
  const access = (await token(hub, { grant_type: 'client_credentials' }, lms.authorization)).json()
    .access_token
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${access}`)).statusCode, 404)

  await admin(hub, 'DELETE', '/platforms/lms-one/credentials')
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${access}`)).statusCode, 401)
  t.equal(
    (await token(hub, { grant_type: 'client_credentials' }, lms.authorization)).statusCode,
    401,
  )
})

t.test(
  'a suspended platform cannot obtain tokens, and its tokens stop working at once',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    const access = (
      await token(hub, { grant_type: 'client_credentials' }, lms.authorization)
    ).json().access_token

    await admin(hub, 'PATCH', '/platforms/lms-one', { status: 'suspended' })
    t.equal((await xapiGet(hub, STATE_URL, `Bearer ${access}`)).statusCode, 401)
    t.equal(
      (await token(hub, { grant_type: 'client_credentials' }, lms.authorization)).statusCode,
      401,
    )
  },
)

t.test(
  'a basic credential header is not accepted as a bearer token, nor another scheme',
  async (t) => {
    const hub = await startHub(t)
    const lms = await registerPlatform(hub, 'lms-one', ['state'])
    t.equal((await xapiGet(hub, STATE_URL, `Bearer ${lms.secret}`)).statusCode, 401)
    t.equal(
      (await xapiGet(hub, STATE_URL, `Digest ${basicHeader(lms.key, lms.secret)}`)).statusCode,
      401,
    )
  },
)

t.test('narrowing a platform scopes applies to its tokens already issued', async (t) => {
  const hub = await startHub(t)
  const lms = await registerPlatform(hub, 'lms-one', ['state', 'statements/write'])
  const access = (await token(hub, { grant_type: 'client_credentials' }, lms.authorization)).json()
    .access_token as string
  t.equal((await xapiGet(hub, STATE_URL, `Bearer ${access}`)).statusCode, 404)

  await admin(hub, 'PATCH', '/platforms/lms-one', { scopes: ['statements/write'] })
  const res = await xapiGet(hub, STATE_URL, `Bearer ${access}`)
  t.equal(res.statusCode, 403)
  t.match(res.json().error.message, /state/)
})

t.test(
  'an admin token administers; an expired or unsigned client assertion is refused',
  async (t) => {
    const hub = await startHub(t)
    const adminToken = await token(
      hub,
      { grant_type: 'client_credentials', scope: 'admin' },
      basicHeader('test-key', 'test-secret-123456'),
    )
    const listed = await hub.app.inject({
      method: 'GET',
      url: '/admin/platforms',
      headers: { authorization: `Bearer ${adminToken.json().access_token}` },
    })
    t.equal(listed.statusCode, 200, 'bearer tokens work on /admin too')

    await admin(hub, 'POST', '/platforms', { id: 'lms-jwt', name: 'JWT LMS', scopes: ['state'] })
    const { privateKey, publicJwk } = await clientKeys()
    const issued = await admin(hub, 'POST', '/platforms/lms-jwt/credentials', {
      kind: 'private_key_jwt',
      publicJwk,
    })
    const clientId = issued.json().credential.key as string
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience('urn:xapi-hub')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 300)
      .setJti(randomUUID())
      .sign(privateKey)
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')
    const body = Buffer.from(
      JSON.stringify({
        iss: clientId,
        sub: clientId,
        aud: 'urn:xapi-hub',
        exp: 9999999999,
        jti: 'x',
      }),
    ).toString('base64url')
    for (const [name, signed] of [
      ['expired', expired],
      ['alg none', `${header}.${body}.`],
    ] as const) {
      const res = await token(hub, {
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: signed,
      })
      t.equal(res.statusCode, 401, name)
      t.equal(res.json().error, 'invalid_client', name)
    }
  },
)
