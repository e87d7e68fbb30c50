import '../helpers/promise-with-resolvers.js'
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import nock from 'nock'
import t from 'tap'
import { EXTENSIONS } from '../../src/profile/vocabulary.js'
import { admin, registerPlatform } from '../auth/fixtures.js'
import { startHub } from '../helpers/hub.js'
import { makeStatement } from '../helpers/statements.js'

const SSO = 'https://sso.example.gov.vn'
const AUDIENCE = 'learning-hub'

t.test(
  'a citizen signed in through the national IdP sees who looked at their record, and only that',
  async (t) => {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }
    nock(SSO)
      .get('/certs')
      .reply(200, { keys: [jwk] })
      .persist()
    t.teardown(() => nock.cleanAll())
    const hub = await startHub(t, {
      trustedIssuers: [{ issuer: SSO, audience: AUDIENCE, jwksUrl: `${SSO}/certs` }],
    })
    const token = (subject: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .setIssuer(SSO)
        .setAudience(AUDIENCE)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey)

    const citizen = { objectType: 'Agent', account: { homePage: SSO, name: '001203004567' } }
    const stored = await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: makeStatement({
        actor: citizen,
        context: { extensions: { [EXTENSIONS.province]: 'HN' } },
      }),
    })
    t.equal(stored.statusCode, 200)
    await hub.agency.projector.catchUp()
    const dept = await registerPlatform(hub, 'hanoi-dept', ['records:read'])
    await admin(hub, 'PUT' as 'POST', '/agencies/hanoi-dept', {
      national: false,
      provinces: ['HN'],
    })
    const purpose = 'verification of a digital skills certificate'
    const look = await hub.app.inject({
      method: 'GET',
      url: '/agency/records',
      query: { agent: JSON.stringify(citizen), purpose },
      headers: { authorization: dept.authorization },
    })
    t.equal(look.statusCode, 200, look.body)

    const mine = await hub.app.inject({
      method: 'GET',
      url: '/me/record-accesses',
      headers: { authorization: `Bearer ${await token('001203004567')}` },
    })
    t.equal(mine.statusCode, 200, mine.body)
    t.match(mine.json(), {
      accesses: [{ actor: 'hanoi-dept', action: 'record.read', purpose, outcome: 'ok' }],
    })
    t.equal((mine.json() as { accesses: unknown[] }).accesses.length, 1)

    const someoneElse = await hub.app.inject({
      method: 'GET',
      url: '/me/record-accesses',
      headers: { authorization: `Bearer ${await token('009999999999')}` },
    })
    t.same(someoneElse.json(), { accesses: [] }, 'another citizen sees nothing of it')
    const anonymous = await hub.app.inject({ method: 'GET', url: '/me/record-accesses' })
    t.equal(anonymous.statusCode, 401)
  },
)
