import '../helpers/promise-with-resolvers.js'
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose'
import nock from 'nock'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../../src/config.js'
import { ACTIVITY_TYPES, competenceIri, EXTENSIONS, VERBS } from '../../src/profile/vocabulary.js'
import { statusListBit } from '../../src/skills/status-list.js'
import { StatementWriter } from '../../src/storage/statement-writer.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { AUTH, startHub, type TestHub } from '../helpers/hub.js'

const SSO = 'https://sso.example.gov.vn'
const AUDIENCE = 'learning-hub'
const C11 = competenceIri('vn-tt02-2025-digital-competence', '2025', '1.1')
const C21 = competenceIri('vn-tt02-2025-digital-competence', '2025', '2.1')
const DIGCOMP_34 = competenceIri('eu-digcomp-2.2', '2.2', '3.4')
const COURSE = 'https://lms.example.vn/courses/search-skills'

interface Idp {
  token(subject: string): Promise<string>
}

interface SkillsHub extends TestHub {
  idp: Idp
  store(statements: JsonObject[], clientId?: string): Promise<string[]>
  asLearner(
    url: string,
    subject: string,
  ): Promise<{ statusCode: number; json(): unknown; body: string }>
}

async function skillsHub(t: Test): Promise<SkillsHub> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }
  nock(SSO)
    .get('/certs')
    .reply(200, { keys: [jwk] })
    .persist()
  const hub = await startHub(t, {
    trustedIssuers: [{ issuer: SSO, audience: AUDIENCE, jwksUrl: `${SSO}/certs` }],
  })
  t.teardown(() => nock.cleanAll())
  const idp = { token: (subject: string) => idpToken(privateKey, subject) }
  const writers = new Map<string, StatementWriter>()
  return {
    ...hub,
    idp,
    async store(statements, clientId = 'lms-a') {
      const writer = writers.get(clientId) ?? new StatementWriter(hub.db)
      writers.set(clientId, writer)
      const { ids } = await writer.write({
        statements,
        clientId,
        authority: {
          objectType: 'Agent',
          account: { homePage: 'https://hub.example.vn', name: clientId },
        },
        version: '2.0.0',
        attachments: new Map(),
      })
      await hub.skills.projector.catchUp()
      return ids
    },
    async asLearner(url, subject) {
      return hub.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${await idp.token(subject)}` },
      })
    },
  }
}

function idpToken(key: CryptoKey, subject: string, issuer = SSO): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key)
}

function learner(subject: string): JsonObject {
  return { objectType: 'Agent', account: { homePage: SSO, name: subject } }
}

function achievement(
  subject: string,
  verb: string,
  options: {
    competences?: string[]
    level?: string | number
    success?: boolean
    activity?: string
  } = {},
): JsonObject {
  const extensions: JsonObject =
    options.competences === undefined ? {} : { [EXTENSIONS.competencies]: options.competences }
  return {
    actor: learner(subject),
    verb: { id: verb, display: { 'en-US': 'did' } },
    object: { objectType: 'Activity', id: options.activity ?? COURSE, definition: { extensions } },
    result: {
      success: options.success ?? true,
      score: { scaled: 0.9 },
      ...(options.level === undefined
        ? {}
        : { extensions: { [EXTENSIONS.proficiencyLevel]: options.level } }),
    },
    timestamp: '2026-03-01T08:00:00.000Z',
  }
}

function voiding(id: string): JsonObject {
  return {
    actor: { mbox: 'mailto:registrar@lms.example.vn' },
    verb: { id: VERBS.voided, display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id },
  }
}

interface RecordBody {
  competences: {
    competence: string
    level: number
    step: number | null
    platforms: string[]
    evidence: { statementId: string }[]
    attainedAt: string
  }[]
  frameworks: { id: string; attained: number; competences: number; completion: number }[]
}

function admin(
  hub: TestHub,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return hub.app.inject({
    method,
    url: `/admin${url}`,
    headers: {
      authorization: AUTH,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  })
}

t.test(
  "a passed statement linked to a competence is evidence in the learner's own record",
  async (t) => {
    const hub = await skillsHub(t)
    const [passed] = await hub.store([
      achievement('citizen-1', VERBS.passed, { competences: [C11], level: 'TC1' }),
    ])
    await hub.store([achievement('citizen-1', VERBS.completed, { competences: [C21] })], 'lms-b')
    await hub.store([
      achievement('citizen-1', VERBS.completed, { competences: [DIGCOMP_34], success: false }),
    ])
    await hub.store([
      achievement('citizen-1', VERBS.failed, { competences: [C21], level: 4, success: false }),
    ])

    const res = await hub.asLearner('/me/record', 'citizen-1')
    t.equal(res.statusCode, 200)
    const record = res.json() as RecordBody
    t.same(
      record.competences.map((c) => [c.competence, c.level, c.step, c.platforms]),
      [
        [C11, 2, 3, ['lms-a']],
        [C21, 1, null, ['lms-b']],
      ],
    )
    t.equal(record.competences[0]?.evidence[0]?.statementId, passed)
    t.equal(record.competences[0]?.attainedAt, '2026-03-01T08:00:00.000Z')
    const tt02 = record.frameworks.find((f) => f.id === 'vn-tt02-2025-digital-competence')
    t.same([tt02?.attained, tt02?.competences], [2, 24])
    t.equal(record.frameworks.find((f) => f.id === 'eu-digcomp-2.2')?.attained, 0)

    const other = (await hub.asLearner('/me/record', 'citizen-2')).json() as RecordBody
    t.same(other.competences, [], 'another learner sees only their own (empty) record')
  },
)

t.test('only learners signed in through the trusted identity provider read records', async (t) => {
  const hub = await skillsHub(t)
  t.equal((await hub.app.inject({ method: 'GET', url: '/me/record' })).statusCode, 401)
  t.equal(
    (await hub.app.inject({ method: 'GET', url: '/me/record', headers: { authorization: AUTH } }))
      .statusCode,
    401,
  )
  const { privateKey } = await generateKeyPair('RS256')
  const forged = await idpToken(privateKey, 'citizen-1')
  const res = await hub.app.inject({
    method: 'GET',
    url: '/me/credentials',
    headers: { authorization: `Bearer ${forged}` },
  })
  t.equal(res.statusCode, 401, 'a token not signed by the provider is refused')
  const other = await idpToken(privateKey, 'citizen-1', 'https://other-idp.example.org')
  t.equal(
    (
      await hub.app.inject({
        method: 'GET',
        url: '/me/record',
        headers: { authorization: `Bearer ${other}` },
      })
    ).statusCode,
    401,
  )
})

t.test('voiding a statement withdraws its evidence', async (t) => {
  const hub = await skillsHub(t)
  const [id] = await hub.store([
    achievement('citizen-1', VERBS.passed, { competences: [C11], level: 3 }),
  ])
  t.equal(
    ((await hub.asLearner('/me/record', 'citizen-1')).json() as RecordBody).competences.length,
    1,
  )
  await hub.store([voiding(id!)])
  t.same(((await hub.asLearner('/me/record', 'citizen-1')).json() as RecordBody).competences, [])
})

t.test('a mapping change re-derives the evidence of statements already stored', async (t) => {
  const hub = await skillsHub(t)
  await hub.store([
    achievement('citizen-1', VERBS.passed, {
      activity: 'https://lms.example.vn/courses/ai-basics',
    }),
  ])
  t.same(
    ((await hub.asLearner('/me/record', 'citizen-1')).json() as RecordBody).competences,
    [],
    'not linked yet',
  )

  const C61 = competenceIri('vn-tt02-2025-digital-competence', '2025', '6.1')
  const set = await admin(hub, 'PUT', '/competence-map', {
    activityIri: 'https://lms.example.vn/courses/ai-basics',
    competences: [{ competenceIri: C61, level: 2 }],
  })
  t.equal(set.statusCode, 200)
  t.equal((set.json() as { reprojectedStatements: number }).reprojectedStatements, 1)
  const record = (await hub.asLearner('/me/record', 'citizen-1')).json() as RecordBody
  t.same(
    record.competences.map((c) => [c.competence, c.level]),
    [[C61, 2]],
  )

  await hub.store([
    achievement('citizen-2', VERBS.passed, {
      activity: 'https://lms.example.vn/courses/ai-basics',
    }),
  ])
  t.same(
    ((await hub.asLearner('/me/record', 'citizen-2')).json() as RecordBody).competences.map(
      (c) => c.level,
    ),
    [2],
    'new statements use the mapping',
  )

  const bad = await admin(hub, 'PUT', '/competence-map', {
    activityIri: 'https://x.example',
    competences: [{ competenceIri: 'https://nope', level: 1 }],
  })
  t.equal(bad.statusCode, 400)
  t.equal(
    (
      await admin(
        hub,
        'DELETE',
        `/competence-map?activityIri=${encodeURIComponent('https://lms.example.vn/courses/ai-basics')}`,
      )
    ).statusCode,
    200,
  )
  t.same(
    ((await hub.asLearner('/me/record', 'citizen-1')).json() as RecordBody).competences,
    [],
    'removing the mapping withdraws it',
  )
})

t.test('the rebuild from statements alone equals the incremental evidence', async (t) => {
  const hub = await skillsHub(t)
  const ids = await hub.store([
    achievement('citizen-1', VERBS.passed, { competences: [C11], level: 'CB2' }),
    achievement('citizen-1', VERBS.completed, { competences: [C11, C21], level: 3 }),
    achievement('citizen-2', VERBS.passed, { competences: [DIGCOMP_34], level: 4 }),
    achievement('citizen-3', VERBS.failed, { competences: [C11], success: false }),
  ])
  await hub.store([voiding(ids[0]!)])
  await admin(hub, 'PUT', '/competence-map', {
    activityIri: COURSE,
    competences: [{ competenceIri: C21, level: 2 }],
  })
  // Statements arriving with their voiding statement in one flush, too.
  const [late] = await hub.store([achievement('citizen-4', VERBS.passed, { competences: [C11] })])
  await hub.store([voiding(late!)])

  const report = await admin(hub, 'POST', '/records/rebuild', {})
  t.equal(report.statusCode, 200)
  t.match(report.json(), { equal: true, onlyLive: 0, onlyRebuilt: 0, changed: 0, applied: false })
  t.ok(
    (report.json() as { rebuilt: number }).rebuilt >= 5,
    'the rebuild derived the evidence again',
  )

  await hub.db.query('UPDATE skills_evidence SET level = 2 WHERE competence_iri = $1', [DIGCOMP_34])
  const drift = (await admin(hub, 'POST', '/records/rebuild', {})).json()
  t.match(drift, { equal: false, changed: 1 })
  t.match((await admin(hub, 'POST', '/records/rebuild', { apply: true })).json(), { applied: true })
  t.match((await admin(hub, 'POST', '/records/rebuild', {})).json(), { equal: true })
})

t.test(
  'credentials are OB 3.0 and CLR 2.0 VC-JWTs that verify against the hub JWKS alone',
  async (t) => {
    const hub = await skillsHub(t)
    await hub.store([
      achievement('citizen-1', VERBS.passed, { competences: [C11], level: 'NC1' }),
      achievement('citizen-1', VERBS.passed, { competences: [C21], level: 1 }),
    ])
    const res = await hub.asLearner('/me/credentials', 'citizen-1')
    t.equal(res.statusCode, 200)
    const { credentials } = res.json() as {
      credentials: { id: string; jwt: string; competence: string }[]
    }
    t.equal(credentials.length, 2)

    const jwks = (
      await hub.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    ).json() as { keys: JWK[] }
    const keySet = createLocalJWKSet(jwks)
    const first = credentials.find((c) => c.competence === C11)!
    const header = decodeProtectedHeader(first.jwt)
    t.equal(header.typ, 'JWT', 'OB 3.0 §8.2.3: typ JWT')
    t.equal(header.alg, 'RS256', 'OB 3.0 §8.2.3: RS256, which every verifier supports')
    const key = jwks.keys.find((k) => k.kid === header.kid)
    t.match(key, { kty: 'RSA', alg: 'RS256', use: 'sig' }, 'kid names an RS256 key of the JWKS')
    t.notOk(
      ['d', 'p', 'q', 'dp', 'dq', 'qi'].some((member) => member in key!),
      'no private member is published',
    )
    const bits = createPublicKey({ key: key as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails
      ?.modulusLength
    t.ok(bits !== undefined && bits >= 2048, `the RSA key has ${bits} bits, at least 2048`)
    // A baseline verifier: RS256 only, the hub's published key set, nothing of the hub's code.
    const { payload } = await jwtVerify(first.jwt, keySet, { algorithms: ['RS256'] })
    const vc = payload.vc as Record<string, unknown> & { id: string; validFrom: string }
    t.same(vc['@context'], [
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ])
    t.same(vc.type, ['VerifiableCredential', 'OpenBadgeCredential'])
    t.match(vc, {
      id: /^urn:uuid:/,
      issuer: { id: String, type: ['Profile'], name: String },
      validFrom: String,
      name: String,
      credentialSubject: {
        id: /^urn:uuid:/,
        type: ['AchievementSubject'],
        achievement: {
          id: `${C11}/levels/3`,
          type: ['Achievement'],
          name: String,
          description: String,
          criteria: { narrative: String },
        },
      },
      credentialStatus: {
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: /^\d+$/,
        statusListCredential: /\/credentials\/status\/1$/,
      },
      evidence: [{ type: ['Evidence'] }],
    })
    t.equal(payload.iss, (vc.issuer as { id: string }).id, 'iss = issuer.id')
    t.equal(payload.jti, vc.id, 'jti = id')
    t.equal(payload.sub, (vc.credentialSubject as { id: string }).id, 'sub = credentialSubject.id')
    t.equal(payload.nbf, Math.floor(Date.parse(vc.validFrom) / 1000), 'nbf = validFrom')

    const again = (await hub.asLearner('/me/credentials', 'citizen-1')).json() as {
      credentials: { id: string }[]
    }
    t.same(
      again.credentials.map((c) => c.id),
      credentials.map((c) => c.id),
      'downloading again returns the same credentials',
    )

    const clr = (await hub.asLearner('/me/credentials/clr', 'citizen-1')).json() as {
      jwt: string
      type: string
    }
    t.equal(clr.type, 'ClrCredential')
    t.match(decodeProtectedHeader(clr.jwt), { alg: 'RS256', kid: header.kid, typ: 'JWT' })
    const clrVc = (await jwtVerify(clr.jwt, keySet, { algorithms: ['RS256'] })).payload
      .vc as Record<string, unknown>
    t.same(clrVc.type, ['VerifiableCredential', 'ClrCredential'])
    t.ok(
      (clrVc['@context'] as string[]).includes(
        'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
      ),
    )
    t.match(clrVc, {
      id: /^urn:uuid:/,
      issuer: { id: String, type: ['Profile'], name: String },
      name: String,
      validFrom: String,
      credentialSubject: {
        type: ['ClrSubject'],
        verifiableCredential: [{ type: ['VerifiableCredential', 'OpenBadgeCredential'] }, {}],
        achievement: [{}, {}],
      },
      credentialStatus: { type: 'BitstringStatusListEntry' },
    })
  },
)

t.test(
  'tampering is detected and voided evidence revokes the credentials that rest on it',
  async (t) => {
    const hub = await skillsHub(t)
    const [id] = await hub.store([
      achievement('citizen-1', VERBS.passed, { competences: [C11], level: 2 }),
    ])
    const { credentials } = (await hub.asLearner('/me/credentials', 'citizen-1')).json() as {
      credentials: { jwt: string }[]
    }
    const jwt = credentials[0]!.jwt
    const verify = async (credential: string) =>
      (
        await hub.app.inject({
          method: 'POST',
          url: '/credentials/verify',
          payload: { credential },
        })
      ).json() as {
        verified: boolean
        checks: { check: string; ok: boolean }[]
      }
    t.match(await verify(jwt), { verified: true })

    const [head, body, signature] = jwt.split('.')
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as {
      vc: { credentialSubject: { achievement: { id: string } } }
    }
    payload.vc.credentialSubject.achievement.id = `${C11}/levels/4`
    const tampered = `${head}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`
    const jwks = (
      await hub.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    ).json() as { keys: JWK[] }
    await t.rejects(jwtVerify(tampered, createLocalJWKSet(jwks)), 'a plain jose verify refuses it')
    t.match(await verify(tampered), {
      verified: false,
      checks: [{ check: 'signature', ok: false }],
    })

    await hub.store([voiding(id!)])
    t.match(await verify(jwt), {
      verified: false,
      checks: [{ check: 'signature', ok: true }, {}, {}, { check: 'status', ok: false }],
    })
    const list = await hub.app.inject({ method: 'GET', url: '/credentials/status/1' })
    t.equal(list.statusCode, 200)
    const listVc = (await jwtVerify(list.body, createLocalJWKSet(jwks))).payload.vc as {
      type: string[]
      credentialSubject: { encodedList: string }
    }
    t.same(listVc.type, ['VerifiableCredential', 'BitstringStatusListCredential'])
    const index = Number(
      (
        JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as {
          vc: { credentialStatus: { statusListIndex: string } }
        }
      ).vc.credentialStatus.statusListIndex,
    )
    t.equal(
      statusListBit(listVc.credentialSubject.encodedList, index),
      true,
      'the published list shows the revocation offline',
    )
    t.equal(
      (await hub.app.inject({ method: 'GET', url: '/credentials/status/99' })).statusCode,
      404,
    )

    const after = (await hub.asLearner('/me/credentials', 'citizen-1')).json() as {
      credentials: unknown[]
    }
    t.same(after.credentials, [], 'nothing is issued without evidence')
  },
)

t.test('an erased statement revokes the credentials resting on it', async (t) => {
  const hub = await skillsHub(t)
  const [id] = await hub.store([
    achievement('citizen-1', VERBS.passed, { competences: [C11], level: 2 }),
  ])
  const { credentials } = (await hub.asLearner('/me/credentials', 'citizen-1')).json() as {
    credentials: { jwt: string }[]
  }
  await hub.db.query('DELETE FROM statements WHERE id = $1', [id])
  const result = (
    await hub.app.inject({
      method: 'POST',
      url: '/credentials/verify',
      payload: { credential: credentials[0]!.jwt },
    })
  ).json()
  t.match(result, { verified: false, checks: [{}, {}, {}, { check: 'status', ok: false }] })
})

t.test('operators list and load frameworks; a loaded version never changes', async (t) => {
  const hub = await skillsHub(t)
  const list = (await admin(hub, 'GET', '/frameworks')).json() as {
    frameworks: { id: string; competences: unknown[] }[]
  }
  t.same(
    list.frameworks.map((f) => [f.id, f.competences.length]),
    [
      ['vn-tt02-2025-digital-competence', 24],
      ['eu-digcomp-2.2', 21],
    ],
  )
  const framework = {
    id: 'example-skills',
    version: '1',
    title: { en: 'Example' },
    levels: [{ order: 1, title: { en: 'One' }, steps: [1] }],
    domains: [
      { code: 'A', title: { en: 'A' }, competences: [{ code: 'A.1', title: { en: 'First' } }] },
    ],
  }
  t.equal((await admin(hub, 'POST', '/frameworks', framework)).statusCode, 201)
  t.equal(
    (await admin(hub, 'POST', '/frameworks', framework)).statusCode,
    200,
    'the same document again is a no-op',
  )
  const changed = await admin(hub, 'POST', '/frameworks', {
    ...framework,
    title: { en: 'Changed' },
  })
  t.equal(changed.statusCode, 409)
  t.equal((await admin(hub, 'POST', '/frameworks', { id: 'Bad Id' })).statusCode, 400)
  t.equal((await hub.app.inject({ method: 'GET', url: '/admin/frameworks' })).statusCode, 401)
})

t.test('records stay current as statements arrive through the xAPI', async (t) => {
  const hub = await skillsHub(t)
  const stored = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: achievement('citizen-9', VERBS.passed, { competences: [C11], level: 2 }),
  })
  t.equal(stored.statusCode, 200)
  // The writer wakes the projector after its commit: no catch-up is asked for here.
  let competences: RecordBody['competences'] = []
  for (let attempt = 0; attempt < 50 && competences.length === 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    competences = ((await hub.asLearner('/me/record', 'citizen-9')).json() as RecordBody)
      .competences
  }
  t.same(
    competences.map((c) => [c.competence, c.level]),
    [[C11, 2]],
  )
})

t.test(
  'a programme is complete as far as its mapped competence targets are attained',
  async (t) => {
    const hub = await skillsHub(t)
    const programme = 'https://lms.example.vn/programmes/digital-citizen'
    await hub.store([
      {
        actor: learner('citizen-1'),
        verb: { id: VERBS.registered, display: { en: 'registered' } },
        object: {
          objectType: 'Activity',
          id: programme,
          definition: { type: ACTIVITY_TYPES.programme, name: { vi: 'Công dân số' } },
        },
      },
    ])
    const mapped = await admin(hub, 'PUT', '/competence-map', {
      activityIri: programme,
      competences: [
        { competenceIri: C11, level: 1 },
        { competenceIri: C21, level: 2 },
      ],
    })
    t.equal(mapped.statusCode, 200)
    await hub.store([
      achievement('citizen-1', VERBS.passed, { competences: [C11], level: 'TC1' }),
      achievement('citizen-1', VERBS.passed, { competences: [C21], level: 1 }),
    ])
    const record = (await hub.asLearner('/me/record', 'citizen-1')).json() as RecordBody & {
      programmes: unknown[]
    }
    t.same(record.programmes, [
      {
        programme,
        name: { vi: 'Công dân số' },
        targets: [
          { competence: C11, level: 1, attained: true },
          { competence: C21, level: 2, attained: false },
        ],
        attained: 1,
        completion: 0.5,
      },
    ])
  },
)

/** The hub's JWKS as an offline verifier saves it. */
async function publishedKeys(hub: { app: TestHub['app'] }): Promise<{ keys: JWK[] }> {
  return (await hub.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as {
    keys: JWK[]
  }
}

t.test('credentials signed before a key rotation still verify after the overlap', async (t) => {
  const hub = await skillsHub(t)
  await hub.store([achievement('citizen-1', VERBS.passed, { competences: [C11], level: 2 })])
  const { credentials } = (await hub.asLearner('/me/credentials', 'citizen-1')).json() as {
    credentials: { jwt: string }[]
  }
  const jwt = credentials[0]!.jwt
  const clr = ((await hub.asLearner('/me/credentials/clr', 'citizen-1')).json() as { jwt: string })
    .jwt
  const oldKid = decodeProtectedHeader(jwt).kid

  const rotated = await admin(hub, 'POST', '/keys/rotate')
  t.equal(rotated.statusCode, 200)
  const { rotated: keys } = rotated.json() as { rotated: { purpose: string; alg: string }[] }
  t.match(
    keys.map((key) => [key.purpose, key.alg]),
    [
      ['tokens', 'ES256'],
      ['credentials', 'RS256'],
    ],
    'one rotation renews the token key and the credential key',
  )
  await hub.db.query(
    `UPDATE hub_signing_keys SET retired_at = now() - interval '30 days' WHERE retired_at IS NOT NULL`,
  )
  // A hub started later on the same store knows the old key only from the store.
  const later = await buildApp(
    testConfig({ basicKey: 'test-key', basicSecret: 'test-secret-123456' }),
    { db: hub.db },
  )
  t.teardown(() => later.app.close())
  const keySet = createLocalJWKSet(await publishedKeys(later))
  for (const credential of [jwt, clr]) {
    await jwtVerify(credential, keySet, { algorithms: ['RS256'] })
    const verified = (
      await later.app.inject({
        method: 'POST',
        url: '/credentials/verify',
        payload: { credential },
      })
    ).json() as { verified: boolean }
    t.equal(verified.verified, true)
  }
  t.pass('a plain jose verify against the published JWKS accepts the Open Badge and the CLR')

  await hub.store([achievement('citizen-2', VERBS.passed, { competences: [C11], level: 2 })])
  const fresh = (await hub.asLearner('/me/credentials', 'citizen-2')).json() as {
    credentials: { jwt: string }[]
  }
  const header = decodeProtectedHeader(fresh.credentials[0]!.jwt)
  t.equal(header.alg, 'RS256')
  t.not(header.kid, oldKid, 'new credentials are signed with the new credential key')
})

t.test('credentials signed with ES256 before RS256 credential keys keep verifying', async (t) => {
  const hub = await skillsHub(t)
  await hub.store([achievement('citizen-1', VERBS.passed, { competences: [C11], level: 2 })])
  const { credentials } = (await hub.asLearner('/me/credentials', 'citizen-1')).json() as {
    credentials: { jwt: string }[]
  }
  const { payload } = await jwtVerify(
    credentials[0]!.jwt,
    createLocalJWKSet(await publishedKeys(hub)),
  )
  // Until credential keys had their own purpose, the ES256 token key signed credentials too;
  // such credentials are in learners' wallets and must keep verifying.
  const { rows } = await hub.db.query<{ kid: string; private_jwk: string }>(
    `SELECT kid, private_jwk FROM hub_signing_keys WHERE purpose = 'tokens'`,
  )
  const tokenKey = rows[0]!
  const legacy = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: tokenKey.kid, typ: 'JWT' })
    .sign(await importJWK(JSON.parse(tokenKey.private_jwk) as JWK, 'ES256'))

  await jwtVerify(legacy, createLocalJWKSet(await publishedKeys(hub)))
  const verified = (
    await hub.app.inject({
      method: 'POST',
      url: '/credentials/verify',
      payload: { credential: legacy },
    })
  ).json() as { verified: boolean }
  t.equal(verified.verified, true, 'the verification endpoint accepts the ES256 credential')
})

t.test('a credential key never vouches for an access token', async (t) => {
  const hub = await skillsHub(t)
  await hub.store([achievement('citizen-1', VERBS.passed, { competences: [C11], level: 2 })])
  const { credentials } = (await hub.asLearner('/me/credentials', 'citizen-1')).json() as {
    credentials: { jwt: string }[]
  }
  const bearer = async (token: string) =>
    (
      await hub.app.inject({
        method: 'GET',
        url: '/xapi/statements',
        headers: { authorization: `Bearer ${token}`, 'x-experience-api-version': '2.0.0' },
      })
    ).statusCode
  t.equal(await bearer(credentials[0]!.jwt), 401, 'a credential JWT is no access token')

  // Even a well-formed access token signed with the credential key is refused.
  const { rows } = await hub.db.query<{ kid: string; private_jwk: string }>(
    `SELECT kid, private_jwk FROM hub_signing_keys WHERE purpose = 'credentials'`,
  )
  const credentialKey = rows[0]!
  const { rows: platforms } = await hub.db.query<{ id: string }>(
    `SELECT id FROM platform_credentials WHERE platform_id = 'hub-admin' AND revoked_at IS NULL`,
  )
  const forged = await new SignJWT({ scope: 'all', client_id: 'test-key', cid: platforms[0]!.id })
    .setProtectedHeader({ alg: 'RS256', kid: credentialKey.kid, typ: 'at+jwt' })
    .setIssuer(testConfig({}).tokenIssuer)
    .setAudience(`${testConfig({}).tokenIssuer}/xapi`)
    .setSubject('hub-admin')
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti('forged-1')
    .sign(await importJWK(JSON.parse(credentialKey.private_jwk) as JWK, 'RS256'))
  t.equal(await bearer(forged), 401, 'an RS256 access token signed with the credential key')
})
