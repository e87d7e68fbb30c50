import t from 'tap'
import { EXTENSIONS } from '../../src/profile/vocabulary.js'
import { admin, registerPlatform, type TestPlatform } from '../auth/fixtures.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { makeStatement } from '../helpers/statements.js'

/** A statement by a learner, declaring their province in the context (the national profile). */
function byLearner(email: string, province: string, verb = 'completed'): Record<string, unknown> {
  return makeStatement({
    actor: { objectType: 'Agent', mbox: `mailto:${email}` },
    verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { 'en-US': verb } },
    context: { extensions: { [EXTENSIONS.province]: province } },
  })
}

async function post(hub: TestHub, statements: unknown[], authorization?: string): Promise<void> {
  const res = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: statements,
    ...(authorization === undefined ? {} : { headers: { authorization } }),
  })
  if (res.statusCode !== 200) throw new Error(`post: ${res.statusCode} ${res.body}`)
}

async function agency(
  hub: TestHub,
  id: string,
  scopes: string[],
  jurisdiction: unknown,
): Promise<TestPlatform> {
  const platform = await registerPlatform(hub, id, scopes)
  const res = await admin(hub, 'PUT' as 'POST', `/agencies/${id}`, jurisdiction)
  if (res.statusCode !== 200) throw new Error(`agency ${id}: ${res.statusCode} ${res.body}`)
  return platform
}

function get(hub: TestHub, url: string, authorization: string, query: Record<string, string> = {}) {
  return hub.app.inject({ method: 'GET', url, query, headers: { authorization } })
}

const PURPOSE = 'eligibility check for a training allowance'

t.test(
  'record look-ups: scope, agency, jurisdiction and purpose are enforced, and audited',
  async (t) => {
    const hub = await startHub(t)
    await post(hub, [byLearner('hoa@example.org', 'HN'), byLearner('lan@example.org', 'HCM')])
    await hub.agency.projector.catchUp()

    const ministry = await agency(hub, 'ministry', ['records:read', 'statistics:read'], {
      national: true,
    })
    const hanoi = await agency(hub, 'hanoi-dept', ['records:read'], {
      national: false,
      provinces: ['HN'],
    })
    const stranger = await registerPlatform(hub, 'lms', ['records:read', 'statements/write'])
    const hoa = JSON.stringify({ mbox: 'mailto:hoa@example.org' })
    const lan = JSON.stringify({ mbox: 'mailto:lan@example.org' })

    const own = await get(hub, '/agency/records', hanoi.authorization, {
      agent: hoa,
      purpose: PURPOSE,
    })
    t.equal(own.statusCode, 200, own.body)
    t.match(own.json(), {
      learner: { province: 'HN' },
      record: { competences: [] },
      credential: { type: 'ClrCredential' },
    })

    const outside = await get(hub, '/agency/records', hanoi.authorization, {
      agent: lan,
      purpose: PURPOSE,
    })
    t.equal(outside.statusCode, 403, 'a citizen outside the jurisdiction')
    t.match(outside.json(), { error: { field: 'agent' } })
    const unknown = JSON.stringify({ mbox: 'mailto:nobody@example.org' })
    t.equal(
      (await get(hub, '/agency/records', hanoi.authorization, { agent: unknown, purpose: PURPOSE }))
        .statusCode,
      403,
      'an unplaced learner is outside a provincial jurisdiction (no existence oracle)',
    )
    t.equal(
      (
        await get(hub, '/agency/records', ministry.authorization, {
          agent: unknown,
          purpose: PURPOSE,
        })
      ).statusCode,
      404,
    )
    t.equal(
      (await get(hub, '/agency/records', ministry.authorization, { agent: lan, purpose: PURPOSE }))
        .statusCode,
      200,
      'a national agency sees every province',
    )

    t.equal(
      (await get(hub, '/agency/records', stranger.authorization, { agent: hoa, purpose: PURPOSE }))
        .statusCode,
      403,
      'a platform that is not an agency',
    )
    t.equal(
      (await get(hub, '/agency/statistics', hanoi.authorization, { metric: 'learners' }))
        .statusCode,
      403,
      'an agency without statistics:read',
    )
    const noPurpose = await get(hub, '/agency/records', hanoi.authorization, { agent: hoa })
    t.equal(noPurpose.statusCode, 400)
    t.match(noPurpose.json(), { error: { field: 'purpose' } })
    t.equal(
      (
        await get(hub, '/agency/records', 'Basic bm8tb25lOm5vdGhpbmc=', {
          agent: hoa,
          purpose: PURPOSE,
        })
      ).statusCode,
      401,
    )

    const { rows } = await hub.db.query<{
      actor: string
      action: string
      outcome: string
      purpose: string | null
      subject: string | null
    }>(
      "SELECT actor, action, outcome, purpose, subject FROM audit_log WHERE action = 'record.read' ORDER BY seq",
    )
    t.same(
      rows.map((r) => `${r.actor} ${r.outcome}`),
      [
        'hanoi-dept ok',
        'hanoi-dept refused:403',
        'hanoi-dept refused:403',
        'ministry refused:404',
        'ministry ok',
        'lms refused:403',
        'hanoi-dept refused:400',
      ],
      'every look-up, answered, refused or malformed, is in the trail; unauthenticated ones are not',
    )
    t.equal(rows[0]?.purpose, PURPOSE)
    t.notMatch(JSON.stringify(rows), /hoa@example/, 'the trail holds no learner identifier')
    t.equal(rows[0]?.subject, await hub.agency.audit.subjectOf('mbox:mailto:hoa@example.org'))
    t.same(
      (await hub.agency.audit.accessesTo('mbox:mailto:hoa@example.org', 10)).map(
        (a) => `${a.actor} ${a.outcome}`,
      ),
      ['hanoi-dept refused:400', 'lms refused:403', 'hanoi-dept ok'],
      'the citizen sees who looked, or tried to look, at their record',
    )

    const verify = await admin(hub, 'GET', '/audit/verify')
    t.match(verify.json(), { ok: true })
    const changes = await hub.db.query<{ action: string; target: string }>(
      "SELECT action, target FROM audit_log WHERE action LIKE 'P%' ORDER BY seq",
    )
    t.match(
      changes.rows,
      [
        { action: 'POST /admin/platforms', target: null },
        { action: 'POST /admin/platforms/:id/credentials', target: 'ministry' },
        { action: 'PUT /admin/agencies/:id', target: 'ministry' },
      ],
      'administrative changes are audited',
    )
  },
)

t.test(
  'statistics suppress small cells, and differencing two queries reveals nothing suppressed',
  async (t) => {
    const hub = await startHub(t, { statisticsThreshold: 10 })
    const small = await registerPlatform(hub, 'small-lms', ['statements/write'])
    // 12 learners complete on the bootstrap platform, 3 on a small one: all in province HN.
    await post(
      hub,
      Array.from({ length: 12 }, (_, i) => byLearner(`big-${i}@example.org`, 'HN')),
    )
    await post(
      hub,
      Array.from({ length: 3 }, (_, i) => byLearner(`small-${i}@example.org`, 'HN')),
      small.authorization,
    )
    await hub.agency.projector.catchUp()
    const ministry = await agency(hub, 'ministry', ['statistics:read'], { national: true })
    const stats = async (query: Record<string, string>) => {
      const res = await get(hub, '/agency/statistics', ministry.authorization, query)
      t.equal(res.statusCode, 200, res.body)
      return (
        res.json() as {
          cells: {
            value: number | null
            suppressed: boolean
            complete: boolean
            platform?: string
          }[]
        }
      ).cells
    }

    const byProvince = await stats({ metric: 'completions', by: 'province', period: 'year' })
    t.match(
      byProvince,
      [{ province: 'HN', value: 12, suppressed: false, complete: false }],
      'the province total leaves out the suppressed platform cell and says so',
    )
    const byPlatform = await stats({
      metric: 'completions',
      by: 'province,platform',
      period: 'month',
    })
    const smallCell = byPlatform.find((c) => c.platform === 'small-lms')
    t.match(smallCell, { value: null, suppressed: true })
    const visible = byPlatform
      .filter((c) => c.value !== null)
      .reduce((sum, c) => sum + (c.value ?? 0), 0)
    t.equal(
      (byProvince[0]?.value ?? 0) - visible,
      0,
      'province total minus visible platform cells reveals 0, not 3',
    )
    const national = await stats({ metric: 'completions', period: 'year' })
    t.equal(
      (national[0]?.value ?? 0) - (byProvince[0]?.value ?? 0),
      0,
      'national minus province reveals nothing either',
    )

    const learners = await stats({ metric: 'learners', by: 'province' })
    t.match(
      learners,
      [{ province: 'HN', value: 15 }],
      'a cell at or above the threshold is published',
    )
    const active = await stats({ metric: 'activeLearners', by: 'platform' })
    t.same(
      active.map((c) => [c.platform, c.value]).sort(),
      [
        ['small-lms', null],
        ['hub-admin', 12],
      ].sort(),
    )

    const csv = await get(hub, '/agency/statistics', ministry.authorization, {
      metric: 'completions',
      by: 'province,platform',
      format: 'csv',
    })
    t.match(csv.headers['content-type'], /^text\/csv/)
    t.match(csv.body, /^period,province,platform,value,suppressed,complete\r\n/)
    t.match(csv.body, /,HN,small-lms,,true,false\r\n/)

    const hanoi = await agency(hub, 'hanoi-dept', ['statistics:read'], {
      national: false,
      provinces: ['HN'],
    })
    const foreign = await get(hub, '/agency/statistics', hanoi.authorization, {
      metric: 'learners',
      province: 'HCM',
    })
    t.equal(foreign.statusCode, 403, 'a provincial agency cannot ask about another province')
    const bad = await get(hub, '/agency/statistics', ministry.authorization, {
      metric: 'learners',
      by: 'platform',
    })
    t.equal(bad.statusCode, 400, 'only the fixed dimensions of a metric')
  },
)

t.test(
  'erasure removes a learner everywhere, keeps statistics consistent and is audited',
  async (t) => {
    const hub = await startHub(t, { statisticsThreshold: 2 })
    const email = 'erase-me@example.org'
    await post(hub, [
      byLearner(email, 'DN'),
      byLearner(email, 'DN', 'passed'),
      byLearner('other@example.org', 'DN'),
    ])
    await post(hub, [
      makeStatement({
        actor: { mbox: 'mailto:teacher@example.org' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/mentored', display: { 'en-US': 'mentored' } },
        object: { objectType: 'Agent', mbox: `mailto:${email}` },
      }),
      makeStatement({
        actor: { mbox: 'mailto:other@example.org' },
        context: { instructor: { mbox: `mailto:${email}` } },
      }),
    ])
    const state = await hub.xapi({
      method: 'PUT',
      url: '/xapi/activities/state',
      query: {
        activityId: 'https://courses.example.org/x',
        agent: JSON.stringify({ mbox: `mailto:${email}` }),
        stateId: 'bookmark',
      },
      body: { page: 3 },
    })
    t.equal(state.statusCode, 204)
    await hub.agency.projector.catchUp()
    // A credential issued to the learner earlier (as the skills records would have).
    await hub.db.query('INSERT INTO skills_status_lists (id, size, next_index) VALUES (900, 8, 1)')
    await hub.db.query(
      `INSERT INTO skills_credentials (id, kind, learner_key, status_list, status_index, jwt)
     VALUES ('7d0d3f0e-8f5e-4a53-9d1c-2d6f3c6e9a01', 'clr', $1, 900, 0, 'eyJ.signed.jwt')`,
      ['mbox:mailto:erase-me@example.org'],
    )
    const before = await hub.db.query<{ s: string; l: string }>(
      'SELECT (SELECT sum(statements) FROM stats_platform_monthly)::text AS s, (SELECT sum(count) FROM stats_learners_monthly)::text AS l',
    )
    t.same(before.rows[0], { s: '5', l: '3' })

    const res = await admin(
      hub,
      'DELETE',
      `/learners/${encodeURIComponent(JSON.stringify({ mbox: `mailto:${email}` }))}`,
    )
    t.equal(res.statusCode, 200, res.body)
    t.match(res.json(), { statements: 3, documents: 1, relatedRedacted: 1, credentialsRevoked: 1 })
    const credential = await hub.db.query<{ revoked: boolean; jwt: string; learner_key: string }>(
      'SELECT revoked_at IS NOT NULL AS revoked, jwt, learner_key FROM skills_credentials WHERE status_list = 900',
    )
    t.match(
      credential.rows[0],
      { revoked: true, jwt: '', learner_key: /^erased:/ },
      'the credential is revoked in its status list and its signed content erased',
    )

    const left = await hub.xapi({
      url: '/xapi/statements',
      query: { agent: JSON.stringify({ mbox: `mailto:${email}` }), related_agents: 'true' },
    })
    t.same(left.json().statements, [], 'no statement is found by the learner any more')
    const docs = await hub.db.query(
      "SELECT 1 FROM documents WHERE agent_key = 'mbox:mailto:erase-me@example.org'",
    )
    t.equal(docs.rows.length, 0)
    const after = await hub.db.query<{ s: string; l: string; a: string; m: string }>(
      `SELECT (SELECT sum(statements) FROM stats_platform_monthly)::text AS s,
       (SELECT sum(count) FROM stats_learners_monthly)::text AS l,
       (SELECT sum(active_learners) FROM stats_platform_monthly)::text AS a,
       (SELECT count(*) FROM learners WHERE learner_key LIKE '%erase-me%')::text AS m`,
    )
    // Statements: the two that remain. Learners: other and teacher. Active learner-months: other
    // (DN and unknown province) and teacher, whose month of activity stays counted although the
    // statement that named the erased learner as its object is gone.
    t.same(
      after.rows[0],
      { s: '2', l: '2', a: '3', m: '0' },
      'the rollups equal a count of what remains',
    )

    const entry = await hub.db.query<{ detail: string; subject: string }>(
      "SELECT detail::text AS detail, subject FROM audit_log WHERE action = 'learner.erase'",
    )
    t.equal(entry.rows.length, 1)
    t.notMatch(
      JSON.stringify(entry.rows),
      /erase-me/,
      'the erasure entry holds a salted hash, not the identifier',
    )
    t.equal(entry.rows[0]?.subject, await hub.agency.audit.subjectOf(`mbox:mailto:${email}`))
    const route = await hub.db.query<{ action: string; target: string | null }>(
      "SELECT action, target FROM audit_log WHERE action LIKE 'DELETE /admin/learners%'",
    )
    t.same(route.rows, [{ action: 'DELETE /admin/learners/:learner', target: null }])
    t.match((await admin(hub, 'GET', '/audit/verify')).json(), { ok: true })

    // The projector, catching up again, finds nothing more to count or take back.
    await post(hub, [byLearner('late@example.org', 'DN')])
    await hub.agency.projector.catchUp()
    const final = await hub.db.query<{ s: string }>(
      'SELECT sum(statements)::text AS s FROM stats_platform_monthly',
    )
    t.equal(final.rows[0]?.s, '3')
  },
)

t.test(
  'a voided statement is taken back out of the statistics, whichever batch voids it',
  async (t) => {
    const hub = await startHub(t, { statisticsThreshold: 2 })
    const first = byLearner('v1@example.org', 'QN')
    const second = byLearner('v2@example.org', 'QN')
    await post(hub, [
      { ...first, id: '0f8b7a52-6a0f-4c38-9a63-1f3b1a2a0001' },
      { ...second, id: '0f8b7a52-6a0f-4c38-9a63-1f3b1a2a0002' },
    ])
    await hub.agency.projector.catchUp()
    const voidIt = (id: string) =>
      makeStatement({
        actor: { mbox: 'mailto:admin@example.org' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
        object: { objectType: 'StatementRef', id },
      })
    await post(hub, [voidIt('0f8b7a52-6a0f-4c38-9a63-1f3b1a2a0001')])
    await post(hub, [
      { ...byLearner('v3@example.org', 'QN'), id: '0f8b7a52-6a0f-4c38-9a63-1f3b1a2a0003' },
    ])
    await post(hub, [voidIt('0f8b7a52-6a0f-4c38-9a63-1f3b1a2a0003')])
    await hub.agency.projector.catchUp()
    const { rows } = await hub.db.query<{ s: string; c: string }>(
      "SELECT sum(statements)::text AS s, sum(completed)::text AS c FROM stats_platform_monthly WHERE province = 'QN'",
    )
    t.same(
      rows[0],
      { s: '1', c: '1' },
      'one counted, voided in a later batch; one voided in the same batch',
    )
  },
)
