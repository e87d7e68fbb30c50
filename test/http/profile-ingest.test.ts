import t from 'tap'
import { BOOTSTRAP_PLATFORM_ID } from '../../src/auth/bootstrap-credential.js'
import { EXTENSIONS, PROFILE_ID, TEMPLATES } from '../../src/profile/vocabulary.js'
import { AUTH, startHub, type TestHub } from '../helpers/hub.js'
import {
  courseAttempt,
  newAttempt,
  profileStatement,
  V1,
  withoutProvince,
} from '../profile/fixtures.js'

/**
 * The national profile on ingest, through HTTP, per platform mode: `record` (the default) stores
 * the statement and reports each broken rule; `reject` answers 400 naming the template and rule.
 */

const PLATFORM = BOOTSTRAP_PLATFORM_ID
const FINDINGS = `/admin/platforms/${PLATFORM}/profile-findings`

async function setMode(hub: TestHub, mode: string) {
  return hub.app.inject({
    method: 'PUT',
    url: `/admin/platforms/${PLATFORM}/profile-mode`,
    headers: { authorization: AUTH },
    payload: { profileMode: mode },
  })
}

async function findings(hub: TestHub, query = '') {
  const res = await hub.app.inject({
    method: 'GET',
    url: `${FINDINGS}${query}`,
    headers: { authorization: AUTH },
  })
  return {
    status: res.statusCode,
    body: res.json() as { findings: Array<Record<string, unknown>>; more: string },
  }
}

async function stored(hub: TestHub, id: string): Promise<number> {
  return (await hub.xapi({ url: '/xapi/statements', query: { statementId: id } })).statusCode
}

t.test(
  'record (the default): a statement breaking a template is stored and its finding reported',
  async (t) => {
    const hub = await startHub(t)
    const mode = await hub.app.inject({
      method: 'GET',
      url: `/admin/platforms/${PLATFORM}/profile-mode`,
      headers: { authorization: AUTH },
    })
    t.same(mode.json(), { platform: PLATFORM, profileMode: 'record' })

    const [good, bad] = [
      profileStatement(newAttempt(), 'launched'),
      withoutProvince(profileStatement(newAttempt(), 'launched')),
    ]
    const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: [good, bad] })
    t.equal(res.statusCode, 200, res.body)
    t.equal(await stored(hub, String(bad.id)), 200)

    const { status, body } = await findings(hub)
    t.equal(status, 200)
    t.equal(body.findings.length, 1, 'only the broken statement has a finding')
    t.match(body.findings[0], {
      statementId: bad.id,
      profileVersion: V1,
      template: TEMPLATES.courseLaunched,
      templateLabel: 'launched a course',
      location: `$.context.extensions['${EXTENSIONS.province}']`,
      presence: 'included',
      requirement: 'presence',
    })
    t.equal(body.more, '')
  },
)

t.test('record: a repeated statement is a no-op and adds no second finding', async (t) => {
  const hub = await startHub(t)
  const bad = withoutProvince(profileStatement(newAttempt(), 'launched'))
  for (let i = 0; i < 2; i++) {
    t.equal(
      (
        await hub.xapi({
          method: 'PUT',
          url: '/xapi/statements',
          query: { statementId: String(bad.id) },
          body: bad,
        })
      ).statusCode,
      204,
    )
  }
  t.equal((await findings(hub)).body.findings.length, 1)
})

t.test(
  'reject: a statement breaking a template is a 400 naming the template and the rule, and nothing is stored',
  async (t) => {
    const hub = await startHub(t)
    t.same((await setMode(hub, 'reject')).json(), { platform: PLATFORM, profileMode: 'reject' })

    const statements = [
      profileStatement(newAttempt(), 'launched'),
      profileStatement(newAttempt(), 'launched'),
    ]
    statements.push(
      withoutProvince(
        profileStatement(newAttempt(), 'completed', 'course', { result: { completion: true } }),
      ),
    )
    const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: statements })
    t.equal(res.statusCode, 400)
    const error = (res.json() as { error: { field: string; rule: string } }).error
    t.equal(error.field, `statements[2].context.extensions["${EXTENSIONS.province}"]`)
    t.match(error.rule, TEMPLATES.courseCompleted)
    t.match(error.rule, '"completed a course"')
    t.match(error.rule, `rule $.context.extensions['${EXTENSIONS.province}'] (presence included)`)
    for (const statement of statements)
      t.equal(
        await stored(hub, String(statement.id)),
        404,
        'the request is stored entirely or not at all',
      )
    t.same((await findings(hub)).body.findings, [])
  },
)

t.test(
  'reject: PUT names the statement; conforming statements and statements without the profile are stored',
  async (t) => {
    const hub = await startHub(t)
    await setMode(hub, 'reject')
    const bad = profileStatement(newAttempt(), 'failed', 'course', { result: { success: true } })
    const put = await hub.xapi({
      method: 'PUT',
      url: '/xapi/statements',
      query: { statementId: String(bad.id) },
      body: bad,
    })
    t.equal(put.statusCode, 400)
    t.match(put.json(), { error: { field: 'statement.result.success' } })

    const attempt = courseAttempt()
    t.equal(
      (await hub.xapi({ method: 'POST', url: '/xapi/statements', body: attempt })).statusCode,
      200,
    )
    const plain = {
      actor: { mbox: 'mailto:ana@example.org' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
      object: { id: 'https://x.example/a' },
    }
    t.equal(
      (await hub.xapi({ method: 'POST', url: '/xapi/statements', body: plain, version: '1.0.3' }))
        .statusCode,
      200,
    )
  },
)

t.test(
  'versions: an unsupported version is a 400 in reject mode and a finding in record mode',
  async (t) => {
    const hub = await startHub(t)
    const unknown = profileStatement(newAttempt(), 'launched', 'course', {
      version: `${PROFILE_ID}/v0.9.0`,
    })
    t.equal(
      (await hub.xapi({ method: 'POST', url: '/xapi/statements', body: unknown })).statusCode,
      200,
    )
    t.match((await findings(hub)).body.findings, [
      { requirement: 'version', profileVersion: `${PROFILE_ID}/v0.9.0` },
    ])

    await setMode(hub, 'reject')
    const again = profileStatement(newAttempt(), 'launched', 'course', {
      version: `${PROFILE_ID}/v0.9.0`,
    })
    const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: again })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { error: { field: 'statements[0].context.contextActivities.category' } })

    await setMode(hub, 'record')
    t.equal(
      (await hub.xapi({ method: 'POST', url: '/xapi/statements', body: again })).statusCode,
      200,
      'back to record',
    )
  },
)

t.test('findings are paged by keyset and the report is admin-only', async (t) => {
  const hub = await startHub(t)
  const bad = Array.from({ length: 5 }, () =>
    withoutProvince(profileStatement(newAttempt(), 'launched')),
  )
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: bad })

  const first = await findings(hub, '?limit=2')
  t.equal(first.body.findings.length, 2)
  t.match(first.body.more, /^\/admin\/platforms\/hub-admin\/profile-findings\?limit=2&after=\d+$/)
  const seen = [...first.body.findings]
  let more = first.body.more
  while (more !== '') {
    const page = await hub.app.inject({
      method: 'GET',
      url: more,
      headers: { authorization: AUTH },
    })
    const body = page.json() as { findings: Array<Record<string, unknown>>; more: string }
    seen.push(...body.findings)
    more = body.more
  }
  t.same(
    seen.map((f) => f.statementId),
    bad.map((s) => s.id),
    'every finding once, in order',
  )

  t.equal((await findings(hub, '?after=x')).status, 400)
  t.equal((await findings(hub, '?since=1')).status, 400)
  const anonymous = await hub.app.inject({ method: 'GET', url: FINDINGS })
  t.equal(anonymous.statusCode, 401)
  const missing = await hub.app.inject({
    method: 'GET',
    url: '/admin/platforms/nobody/profile-findings',
    headers: { authorization: AUTH },
  })
  t.equal(missing.statusCode, 404)
  t.equal((await setMode(hub, 'strict')).statusCode, 400)
})

t.test('the profile is published: the latest version and each supported one', async (t) => {
  const hub = await startHub(t, { nationalIdHomePage: 'https://id.example.vn' })
  const latest = await hub.app.inject({ method: 'GET', url: '/profiles/digital-skills' })
  t.equal(latest.statusCode, 200)
  t.match(latest.headers['content-type'], /^application\/ld\+json/)
  t.match(latest.json(), { id: PROFILE_ID, type: 'Profile', versions: [{ id: V1 }] })
  t.match(latest.body, 'https://id.example.vn', 'with the configured identity provider')
  t.equal(
    (await hub.app.inject({ method: 'GET', url: '/profiles/digital-skills/v1.0.0' })).body,
    latest.body,
  )
  t.equal(
    (await hub.app.inject({ method: 'GET', url: '/profiles/digital-skills/v9.0.0' })).statusCode,
    404,
  )
  t.equal(
    (await hub.app.inject({ method: 'GET', url: '/profiles/digital-skills/latest' })).statusCode,
    404,
  )
})

t.test('a platform reads its own report with its own credential, and only its own', async (t) => {
  const hub = await startHub(t)
  const register = await hub.app.inject({
    method: 'POST',
    url: '/admin/platforms',
    headers: { authorization: AUTH },
    payload: { id: 'lms-a', name: 'LMS A', scopes: ['statements/write', 'statements/read/mine'] },
  })
  t.equal(register.statusCode, 201)
  const issued = await hub.app.inject({
    method: 'POST',
    url: '/admin/platforms/lms-a/credentials',
    headers: { authorization: AUTH },
    payload: { kind: 'basic' },
  })
  const { credential, secret } = issued.json() as { credential: { key: string }; secret: string }
  const lms = `Basic ${Buffer.from(`${credential.key}:${secret}`).toString('base64')}`

  const mine = withoutProvince(profileStatement(newAttempt(), 'launched'))
  const theirs = withoutProvince(profileStatement(newAttempt(), 'launched'))
  t.equal(
    (
      await hub.xapi({
        method: 'POST',
        url: '/xapi/statements',
        body: mine,
        headers: { authorization: lms },
      })
    ).statusCode,
    200,
  )
  t.equal(
    (await hub.xapi({ method: 'POST', url: '/xapi/statements', body: theirs })).statusCode,
    200,
  )

  const own = await hub.app.inject({
    method: 'GET',
    url: '/platform/profile-findings?limit=1',
    headers: { authorization: lms },
  })
  t.equal(own.statusCode, 200)
  t.match(own.json(), {
    findings: [{ statementId: mine.id }],
    more: /^\/platform\/profile-findings\?limit=1&after=\d+$/,
  })
  const next = await hub.app.inject({
    method: 'GET',
    url: (own.json() as { more: string }).more,
    headers: { authorization: lms },
  })
  t.same(
    next.json(),
    { findings: [], more: '' },
    "another platform's findings are not in the report",
  )

  t.equal(
    (await hub.app.inject({ method: 'GET', url: '/platform/profile-findings' })).statusCode,
    401,
  )
  const admin = await hub.app.inject({
    method: 'GET',
    url: '/admin/platforms/lms-a/profile-findings',
    headers: { authorization: lms },
  })
  t.equal(admin.statusCode, 403, 'the admin report needs the admin scope')
})
