import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import type { Principal, Scope } from '../../src/auth/principal.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import {
  insertStatements,
  sha256,
  VOIDED,
  type InsertOptions,
} from '../helpers/insert-statements.js'

const PASSED = 'http://adlnet.gov/expapi/verbs/passed'
const FAILED = 'http://adlnet.gov/expapi/verbs/failed'
const CONFIRMED = 'http://example.org/verbs/confirmed'
const COURSE = 'https://courses.example.org/explosives'
const OTHER = 'https://courses.example.org/other'

const agent = (name: string): JsonObject => ({
  objectType: 'Agent',
  name,
  mbox: `mailto:${name}@example.org`,
})
const ifi = (name: string): string => JSON.stringify({ mbox: `mailto:${name}@example.org` })

function statement(overrides: JsonObject = {}): JsonObject {
  return {
    actor: agent('ben'),
    verb: { id: PASSED, display: { 'en-US': 'passed', 'fr-FR': 'réussi' } },
    object: {
      objectType: 'Activity',
      id: COURSE,
      definition: { name: { 'en-US': 'Explosives', 'fr-FR': 'Explosifs' } },
    },
    ...overrides,
  }
}

const refTo = (id: string, verb = CONFIRMED, actor = agent('andrew')): JsonObject => ({
  actor,
  verb: { id: verb },
  object: { objectType: 'StatementRef', id },
})

/**
 * Lets a test act as a credential holding other scopes (read/mine), by the `x-test-scopes` and
 * `x-test-client` headers; registered before the first request, when Fastify still takes hooks.
 */
function allowScopeOverride(hub: TestHub): void {
  hub.app.addHook('preHandler', async (request) => {
    const scopes = request.headers['x-test-scopes']
    if (typeof scopes !== 'string' || request.principal === null) return
    const client = request.headers['x-test-client']
    const principal: Principal = {
      ...request.principal,
      clientId: typeof client === 'string' ? client : request.principal.clientId,
      scopes: new Set(scopes.split(' ') as Scope[]),
    }
    request.principal = principal
  })
}

const hubs = new Map<string, Promise<TestHub>>()

/**
 * A hub for the given settings, shared by the tests of this file (starting one costs seconds),
 * emptied of statements for each test so that every test sees only what it stores.
 */
async function hubWith(_t: Test, pageLimit = 100, publicUrl?: string): Promise<TestHub> {
  const name = `${pageLimit} ${publicUrl ?? ''}`
  let started = hubs.get(name)
  if (started === undefined) {
    started = startHub(t, {
      statementPageLimit: pageLimit,
      ...(publicUrl === undefined ? {} : { publicUrl }),
    })
    started = started.then((hub) => {
      allowScopeOverride(hub)
      return hub
    })
    hubs.set(name, started)
  }
  const hub = await started
  await hub.db.exec('TRUNCATE statement_index, statements, attachments CASCADE')
  return hub
}

async function store(
  hub: TestHub,
  statements: JsonObject[],
  options: InsertOptions = {},
): Promise<string[]> {
  return (await insertStatements(hub.db, statements, options)).map((s) => s.id)
}

interface Result {
  status: number
  ids: string[]
  more: string
  body: JsonObject & { statements: JsonObject[]; more: string }
  headers: Record<string, unknown>
}

async function query(
  hub: TestHub,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Result> {
  const res = await hub.xapi({ url: '/xapi/statements', query: params, headers })
  const body = res.statusCode === 200 ? res.json() : { statements: [], more: '' }
  return {
    status: res.statusCode,
    ids: (body.statements ?? []).map((s: JsonObject) => s.id),
    more: body.more,
    body,
    headers: res.headers,
  }
}

async function follow(hub: TestHub, more: string): Promise<Result> {
  const res = await hub.xapi({ url: more })
  const body = res.json()
  return {
    status: res.statusCode,
    ids: body.statements.map((s: JsonObject) => s.id),
    more: body.more,
    body,
    headers: res.headers,
  }
}

async function badRequest(
  t: Test,
  hub: TestHub,
  params: Record<string, string>,
  field: string,
): Promise<void> {
  const res = await hub.xapi({ url: '/xapi/statements', query: params })
  t.equal(res.statusCode, 400, `400 for ${JSON.stringify(params)}`)
  t.equal(res.json().error.field, field, `names ${field}`)
  t.ok(res.headers['x-experience-api-consistent-through'], 'errors carry Consistent-Through too')
}

t.test(
  'a single statement by statementId comes back exactly as stored, with its headers',
  async (t) => {
    const hub = await hubWith(t)
    const [id] = await store(hub, [statement()])
    const res = await hub.xapi({ url: '/xapi/statements', query: { statementId: id! } })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    const { rows } = await hub.db.query<{ body: string; stored: string }>(
      'SELECT body, stored FROM statements WHERE id = $1',
      [id],
    )
    t.same(res.json(), JSON.parse(rows[0]!.body))
    t.equal(res.headers['last-modified'], new Date(res.json().stored).toUTCString())
    const through = String(res.headers['x-experience-api-consistent-through'])
    t.ok(Date.parse(through) >= Date.parse(res.json().stored), 'consistent through a recent time')
    t.equal(res.headers['x-experience-api-version'], '2.0.0')
  },
)

t.test('statementId and voidedStatementId follow voiding (Communication §2.1.4)', async (t) => {
  const hub = await hubWith(t)
  const [target, kept] = await store(hub, [statement(), statement()])
  const [voider] = await store(hub, [refTo(target!, VOIDED)])
  const get = async (params: Record<string, string>) =>
    (await hub.xapi({ url: '/xapi/statements', query: params })).statusCode

  t.equal(
    await get({ statementId: target! }),
    404,
    'a voided statement is not found by statementId',
  )
  t.equal(await get({ voidedStatementId: target! }), 200, 'it is found by voidedStatementId')
  t.equal(
    await get({ voidedStatementId: kept! }),
    404,
    'a statement not voided is not found by voidedStatementId',
  )
  t.equal(
    await get({ statementId: voider! }),
    200,
    'the voiding statement is an ordinary statement',
  )
  t.equal(await get({ statementId: randomUUID() }), 404)
  const res = await hub.xapi({
    url: '/xapi/statements',
    query: { voidedStatementId: target!.toUpperCase() },
  })
  t.equal(res.json().id, target, 'ids compare case-insensitively')
})

t.test('statementId admits only attachments and format beside it', async (t) => {
  const hub = await hubWith(t)
  const [id] = await store(hub, [statement()])
  const ok = await hub.xapi({
    url: '/xapi/statements',
    query: { statementId: id!, format: 'ids', attachments: 'false' },
  })
  t.equal(ok.statusCode, 200)
  await badRequest(t, hub, { statementId: id!, verb: PASSED }, 'query.verb')
  await badRequest(t, hub, { voidedStatementId: id!, limit: '1' }, 'query.limit')
  await badRequest(t, hub, { statementId: id!, voidedStatementId: id! }, 'query.voidedStatementId')
  await badRequest(t, hub, { statementId: 'nope' }, 'query.statementId')
})

t.test('an empty store answers an empty StatementResult', async (t) => {
  const hub = await hubWith(t)
  const res = await hub.xapi({ url: '/xapi/statements' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { statements: [], more: '' })
  t.notOk(res.headers['last-modified'], 'no statement, no Last-Modified')
  t.ok(res.headers['x-experience-api-consistent-through'])
})

t.test('results are newest first by default, oldest first with ascending', async (t) => {
  const hub = await hubWith(t)
  const ids = await store(hub, [statement(), statement(), statement()])
  t.same((await query(hub, {})).ids, [...ids].reverse())
  t.same((await query(hub, { ascending: 'true' })).ids, ids)
  t.same((await query(hub, { ascending: 'false' })).ids, [...ids].reverse())
})

t.test('Last-Modified is the newest stored time of the page', async (t) => {
  const hub = await hubWith(t)
  await store(hub, [statement()], { stored: '2026-01-01T00:00:00Z' })
  await store(hub, [statement()], { stored: '2026-01-02T00:00:00Z' })
  t.equal(
    (await query(hub, { ascending: 'true' })).headers['last-modified'],
    'Fri, 02 Jan 2026 00:00:00 GMT',
  )
  t.equal(
    (await query(hub, { limit: '1', ascending: 'true' })).headers['last-modified'],
    'Thu, 01 Jan 2026 00:00:00 GMT',
  )
})

t.test(
  'agent matches the actor or object, group members included; related_agents widens it',
  async (t) => {
    const hub = await hubWith(t)
    const [
      asActor,
      asObject,
      inGroup,
      asInstructor,
      asTeamMember,
      asContextAgent,
      inSubStatement,
      other,
    ] = await store(hub, [
      statement({ actor: agent('ana') }),
      statement({ verb: { id: 'http://example.org/verbs/mentored' }, object: agent('ana') }),
      statement({ actor: { objectType: 'Group', member: [agent('ana'), agent('bo')] } }),
      statement({ context: { instructor: agent('ana') } }),
      statement({
        context: {
          team: { objectType: 'Group', mbox: 'mailto:team@example.org', member: [agent('ana')] },
        },
      }),
      statement({
        context: { contextAgents: [{ objectType: 'contextAgent', agent: agent('ana') }] },
      }),
      statement({
        object: {
          objectType: 'SubStatement',
          actor: agent('ana'),
          verb: { id: PASSED },
          object: { id: COURSE },
        },
      }),
      statement({ actor: agent('carl') }),
    ])
    t.same(
      new Set((await query(hub, { agent: ifi('ana') })).ids),
      new Set([asActor, asObject, inGroup]),
    )
    t.same(
      new Set((await query(hub, { agent: ifi('ana'), related_agents: 'true' })).ids),
      new Set([
        asActor,
        asObject,
        inGroup,
        asInstructor,
        asTeamMember,
        asContextAgent,
        inSubStatement,
      ]),
    )
    t.same((await query(hub, { agent: ifi('carl') })).ids, [other])
    t.same(
      (
        await query(hub, {
          agent: JSON.stringify({ mbox: 'mailto:team@example.org' }),
          related_agents: 'true',
        })
      ).ids,
      [asTeamMember],
    )
    t.same((await query(hub, { agent: ifi('nobody') })).ids, [])
    const authority = JSON.stringify({
      account: { homePage: 'https://hub.example.org', name: 'test-key' },
    })
    t.equal(
      (await query(hub, { agent: authority })).ids.length,
      0,
      'the authority only matches related_agents',
    )
    t.equal((await query(hub, { agent: authority, related_agents: 'true' })).ids.length, 8)
  },
)

t.test('agent compares IFIs only, in every form', async (t) => {
  const hub = await hubWith(t)
  const account = { homePage: 'https://sso.example.gov', name: '0123' }
  const [byAccount, bySha1, byOpenid] = await store(hub, [
    statement({ actor: { name: 'A', account } }),
    statement({ actor: { mbox_sha1sum: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' } }),
    statement({ actor: { openid: 'https://id.example.org/x' } }),
  ])
  t.same(
    (await query(hub, { agent: JSON.stringify({ objectType: 'Agent', name: 'other', account }) }))
      .ids,
    [byAccount],
  )
  t.same(
    (await query(hub, { agent: '{"mbox_sha1sum":"abcdef0123456789abcdef0123456789abcdef01"}' }))
      .ids,
    [bySha1],
  )
  t.same((await query(hub, { agent: '{"openid":"https://id.example.org/x"}' })).ids, [byOpenid])
})

t.test(
  'activity matches the object; related_activities adds context and SubStatements',
  async (t) => {
    const hub = await hubWith(t)
    const [asObject, asParent, asCategoryObject, inSubStatement, other] = await store(hub, [
      statement(),
      statement({
        object: { id: OTHER },
        context: { contextActivities: { parent: [{ id: COURSE }] } },
      }),
      statement({
        object: { id: OTHER },
        context: { contextActivities: { category: { id: COURSE } } },
      }),
      statement({
        object: {
          objectType: 'SubStatement',
          actor: agent('x'),
          verb: { id: PASSED },
          object: { id: COURSE },
        },
      }),
      statement({ object: { id: OTHER } }),
    ])
    t.same((await query(hub, { activity: COURSE })).ids, [asObject])
    t.same(
      new Set((await query(hub, { activity: COURSE, related_activities: 'true' })).ids),
      new Set([asObject, asParent, asCategoryObject, inSubStatement]),
    )
    t.equal((await query(hub, { activity: OTHER })).ids.length, 3)
    t.ok(other)
  },
)

t.test('a related_* page merges both stored forms of the key in order, across pages', async (t) => {
  const hub = await hubWith(t)
  // The course alternately as the object (its direct form) and as a parent (its related form):
  // the store reads the two forms as two ranges, and every page must interleave them by seq.
  const ids = await store(
    hub,
    Array.from({ length: 7 }, (_, i) =>
      i % 2 === 0
        ? statement()
        : statement({
            object: { id: OTHER },
            context: { contextActivities: { parent: [{ id: COURSE }] } },
          }),
    ),
  )
  for (const ascending of ['false', 'true']) {
    const params = { activity: COURSE, related_activities: 'true', limit: '2', ascending }
    let page = await query(hub, params)
    const seen = [...page.ids]
    while (page.more) {
      t.equal(page.ids.length, 2, 'every page but the last is full')
      page = await follow(hub, page.more)
      seen.push(...page.ids)
    }
    t.same(seen, ascending === 'true' ? ids : [...ids].reverse(), `ascending=${ascending}`)
  }
  t.same((await query(hub, { activity: COURSE, limit: '2' })).ids, [ids[6], ids[4]])
})

t.test('verb and registration filter, and filters combine', async (t) => {
  const hub = await hubWith(t)
  const registration = randomUUID()
  const [passedAna, failedAna, passedBo, registered] = await store(hub, [
    statement({ actor: agent('ana') }),
    statement({ actor: agent('ana'), verb: { id: FAILED } }),
    statement({ actor: agent('bo') }),
    statement({ actor: agent('ana'), object: { id: OTHER }, context: { registration } }),
  ])
  t.same(
    new Set((await query(hub, { verb: PASSED })).ids),
    new Set([passedAna, passedBo, registered]),
  )
  t.same((await query(hub, { verb: FAILED })).ids, [failedAna])
  t.same((await query(hub, { registration: registration.toUpperCase() })).ids, [registered])
  t.same((await query(hub, { agent: ifi('ana'), verb: PASSED, activity: COURSE })).ids, [passedAna])
  t.same((await query(hub, { agent: ifi('ana'), verb: PASSED, registration })).ids, [registered])
  t.same((await query(hub, { agent: ifi('bo'), verb: FAILED })).ids, [])
  t.same(
    (
      await query(hub, {
        agent: ifi('ana'),
        activity: COURSE,
        related_activities: 'true',
        verb: PASSED,
        registration,
      })
    ).ids,
    [],
  )
})

t.test(
  'a StatementRef statement matches what its target matches, recursively (§2.1.3)',
  async (t) => {
    const hub = await hubWith(t)
    const [ben] = await store(hub, [statement()], { stored: '2026-01-01T00:00:00Z' })
    const [andrew] = await store(hub, [refTo(ben!)], { stored: '2026-01-02T00:00:00Z' })
    const [carol] = await store(
      hub,
      [refTo(andrew!, 'http://example.org/verbs/noted', agent('carol'))],
      {
        stored: '2026-01-03T00:00:00Z',
      },
    )
    await store(
      hub,
      [statement({ actor: agent('other'), verb: { id: FAILED }, object: { id: OTHER } })],
      {
        stored: '2026-01-04T00:00:00Z',
      },
    )

    t.same(
      (await query(hub, { agent: ifi('ben') })).ids,
      [carol, andrew, ben],
      'by the target actor',
    )
    t.same(
      (await query(hub, { activity: COURSE })).ids,
      [carol, andrew, ben],
      'by the target activity',
    )
    t.same((await query(hub, { verb: PASSED })).ids, [carol, andrew, ben], 'by the target verb')
    t.same(
      (await query(hub, { agent: ifi('andrew') })).ids,
      [carol, andrew],
      'by its own actor too',
    )
    t.same(
      (
        await query(hub, {
          agent: ifi('ben'),
          since: '2026-01-01T12:00:00Z',
          until: '2026-01-02T12:00:00Z',
        })
      ).ids,
      [andrew],
      'since and until apply to the targeting statement itself',
    )
    t.same(
      (await query(hub, { agent: ifi('ben'), limit: '1' })).ids,
      [carol],
      'limit counts targeting statements',
    )
  },
)

t.test(
  'voided statements never appear in queries; statements targeting them still do',
  async (t) => {
    const hub = await hubWith(t)
    const [target, kept] = await store(hub, [statement(), statement()])
    const [confirm] = await store(hub, [refTo(target!)])
    const [voider] = await store(hub, [refTo(target!, VOIDED, agent('admin'))])

    t.same((await query(hub, {})).ids, [voider, confirm, kept])
    t.same(
      (await query(hub, { agent: ifi('ben') })).ids,
      [voider, confirm, kept],
      'the voiding statement matches its target',
    )
    t.same((await query(hub, { verb: VOIDED })).ids, [voider])
    t.same((await query(hub, { agent: ifi('admin') })).ids, [voider])
  },
)

t.test('since is exclusive and until inclusive on stored', async (t) => {
  const hub = await hubWith(t)
  const [a] = await store(hub, [statement()], { stored: '2026-03-01T10:00:00.000Z' })
  const [b] = await store(hub, [statement()], { stored: '2026-03-01T11:00:00.000Z' })
  const [c] = await store(hub, [statement()], { stored: '2026-03-01T12:00:00.000Z' })
  t.same((await query(hub, { since: '2026-03-01T10:00:00Z' })).ids, [c, b])
  t.same((await query(hub, { until: '2026-03-01T11:00:00Z' })).ids, [b, a])
  t.same((await query(hub, { since: '2026-03-01T10:00:00Z', until: '2026-03-01T11:00:00Z' })).ids, [
    b,
  ])
  t.same(
    (await query(hub, { since: '2026-03-01T17:30:00+07:00', ascending: 'true' })).ids,
    [b, c],
    'offsets apply',
  )
  t.same((await query(hub, { since: '2026-03-01T12:00:00Z' })).ids, [])
  t.same((await query(hub, { until: '2026-03-01T09:59:59.999999Z' })).ids, [])
  t.same(
    (await query(hub, { since: '2026-03-01T11:00:00Z', until: '2026-03-01T10:00:00Z' })).ids,
    [],
  )
  t.same(
    (
      await query(hub, {
        verb: PASSED,
        since: '2026-03-01T09:00:00Z',
        until: '2026-03-01T11:30:00Z',
      })
    ).ids,
    [b, a],
  )
})

t.test('limit pages the results; 0 and large limits mean the server maximum', async (t) => {
  const hub = await hubWith(t, 3)
  const ids = await store(hub, [statement(), statement(), statement(), statement()])
  const two = await query(hub, { limit: '2' })
  t.same(two.ids, [ids[3], ids[2]])
  t.match(two.more, /^\/xapi\/statements\?more=[A-Za-z0-9_-]+$/)
  t.equal((await query(hub, { limit: '0' })).ids.length, 3)
  t.equal((await query(hub, { limit: '1000' })).ids.length, 3)
  t.equal((await query(hub, {})).ids.length, 3)
  const all = await query(hub, { limit: '4' })
  t.equal(all.ids.length, 3, 'capped at the server maximum')
  t.not(all.more, '')
  t.equal(
    (
      await query(hub, {
        ascending: 'true',
        limit: '4',
        since: '2000-01-01T00:00:00Z',
        verb: PASSED,
      })
    ).more === '',
    false,
  )
})

async function pageThrough(
  t: Test,
  hub: TestHub,
  params: Record<string, string>,
  between: () => Promise<void>,
): Promise<string[]> {
  const seen: string[] = []
  let page = await query(hub, params)
  t.equal(page.status, 200)
  seen.push(...page.ids)
  let pages = 1
  while (page.more !== '') {
    await between()
    page = await follow(hub, page.more)
    t.equal(page.status, 200)
    seen.push(...page.ids)
    pages++
  }
  t.ok(pages >= 3, `${pages} pages`)
  return seen
}

t.test('paging neither skips nor repeats while statements are stored between pages', async (t) => {
  for (const ascending of [false, true]) {
    const filters: Record<string, string>[] = [
      {},
      { verb: PASSED },
      { agent: ifi('ana'), activity: COURSE },
    ]
    for (const params of filters) {
      const hub = await hubWith(t)
      const before = await store(
        hub,
        Array.from({ length: 8 }, () => statement({ actor: agent('ana') })),
      )
      const seen = await pageThrough(
        t,
        hub,
        { ...params, limit: '3', ascending: String(ascending) },
        async () => {
          await store(hub, [statement({ actor: agent('ana') }), statement({ actor: agent('ana') })])
        },
      )
      t.same(
        seen,
        ascending ? before : [...before].reverse(),
        `${JSON.stringify(params)} ascending=${ascending}`,
      )
    }
  }
})

t.test('more IRLs are relative, or absolute under the configured public URL', async (t) => {
  const hub = await hubWith(t, 100, 'https://hub.example.gov/lrs')
  await store(hub, [statement(), statement()])
  const page = await query(hub, { limit: '1' })
  t.match(page.more, /^https:\/\/hub\.example\.gov\/lrs\/xapi\/statements\?more=/)
  const next = await follow(hub, page.more.replace('https://hub.example.gov/lrs', ''))
  t.equal(next.ids.length, 1)
  t.equal(next.more, '')
})

t.test('a following page keeps the format and attachments of the query', async (t) => {
  const hub = await hubWith(t)
  await store(hub, [statement(), statement()])
  const page = await query(hub, { limit: '1', format: 'ids' })
  const next = await follow(hub, page.more)
  t.same(next.body.statements[0]!.actor, { objectType: 'Agent', mbox: 'mailto:ben@example.org' })
})

t.test('bad more tokens are 400s', async (t) => {
  const hub = await hubWith(t)
  await badRequest(t, hub, { more: 'garbage!' }, 'query.more')
  await badRequest(t, hub, { more: Buffer.from('{"v":1}').toString('base64url') }, 'query.more')
  await badRequest(t, hub, { more: 'abc', limit: '2' }, 'query.limit')
  const forged = Buffer.from(JSON.stringify({ v: 1, p: { limit: 'x' }, a: '1', b: '1' })).toString(
    'base64url',
  )
  const res = await hub.xapi({ url: `/xapi/statements?more=${forged}` })
  t.equal(res.statusCode, 400)
})

t.test('formats: exact by default, ids reduces, canonical picks the Accept-Language', async (t) => {
  const hub = await hubWith(t)
  await store(hub, [statement()])
  const exact = (await query(hub, {})).body.statements[0]!
  t.same(exact.verb, { id: PASSED, display: { 'en-US': 'passed', 'fr-FR': 'réussi' } })
  t.equal((exact.actor as JsonObject).name, 'ben')

  const ids = (await query(hub, { format: 'ids' })).body.statements[0]!
  t.same(ids.actor, { objectType: 'Agent', mbox: 'mailto:ben@example.org' })
  t.same(ids.verb, { id: PASSED })
  t.same(ids.object, { id: COURSE })

  const canonical = (
    await query(hub, { format: 'canonical' }, { 'accept-language': 'fr-FR, en;q=0.5' })
  ).body.statements[0]!
  t.same((canonical.verb as JsonObject).display, { 'fr-FR': 'réussi' })
  t.same(((canonical.object as JsonObject).definition as JsonObject).name, { 'fr-FR': 'Explosifs' })
  t.equal((canonical.actor as JsonObject).name, 'ben', 'agents as in exact')

  const single = await query(hub, { statementId: String(exact.id), format: 'ids' })
  t.equal(single.status, 200)
  t.same((single.body as JsonObject).verb, { id: PASSED })
})

t.test('attachments=true answers multipart/mixed with each attachment once', async (t) => {
  const hub = await hubWith(t)
  const content = Buffer.from('%PDF-1.4 certificate\r\n--not-a-boundary\r\n')
  const attachment = {
    usageType: 'http://id.tincanapi.com/attachment/certificate',
    display: { 'en-US': 'certificate' },
    contentType: 'application/pdf',
    length: content.length,
    sha2: sha256(content),
  }
  const [first] = await store(hub, [statement({ attachments: [attachment] })], {
    attachments: [{ contentType: 'application/pdf', content }],
  })
  await store(hub, [statement({ attachments: [attachment] })])
  await store(hub, [statement()])

  const res = await hub.xapi({ url: '/xapi/statements', query: { attachments: 'true' } })
  t.equal(res.statusCode, 200)
  const type = String(res.headers['content-type'])
  t.match(type, /^multipart\/mixed; boundary=/)
  const boundary = type.split('boundary=')[1]!
  const raw = res.rawPayload
  const parts = raw.toString('latin1').split(`--${boundary}`)
  t.equal(parts.length, 4, 'preamble, statements, one attachment, closing')
  t.match(parts[1], /Content-Type: application\/json/)
  const json = JSON.parse(parts[1]!.split('\r\n\r\n')[1]!.replace(/\r\n$/, ''))
  t.equal(json.statements.length, 3)
  t.match(parts[2], new RegExp(`X-Experience-API-Hash: ${attachment.sha2}`))
  t.match(parts[2], /Content-Transfer-Encoding: binary/)
  t.ok(raw.includes(content), 'the raw content is in the body')

  const single = await hub.xapi({
    url: '/xapi/statements',
    query: { statementId: first!, attachments: 'true' },
  })
  t.match(single.headers['content-type'], /^multipart\/mixed/)
  t.ok(single.rawPayload.includes(content))

  const plain = await hub.xapi({ url: '/xapi/statements', query: { attachments: 'false' } })
  t.match(plain.headers['content-type'], /^application\/json/)
  t.notOk(plain.rawPayload.includes(content))
})

t.test('HEAD answers the headers of GET without a body', async (t) => {
  const hub = await hubWith(t)
  const [id] = await store(hub, [statement()])
  const res = await hub.xapi({
    method: 'HEAD',
    url: '/xapi/statements',
    query: { statementId: id! },
  })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '')
  t.ok(res.headers['last-modified'])
  t.ok(res.headers['x-experience-api-consistent-through'])
  t.match(res.headers['content-type'], /^application\/json/)
  const list = await hub.xapi({ method: 'HEAD', url: '/xapi/statements' })
  t.equal(list.statusCode, 200)
  t.equal(list.body, '')
  const missing = await hub.xapi({
    method: 'HEAD',
    url: '/xapi/statements',
    query: { statementId: randomUUID() },
  })
  t.equal(missing.statusCode, 404)
})

t.test('every parameter is validated, naming it', async (t) => {
  const hub = await hubWith(t)
  await badRequest(t, hub, { agent: 'ana' }, 'query.agent')
  await badRequest(t, hub, { agent: '{"name":"ana"}' }, 'query.agent')
  await badRequest(t, hub, { agent: '{"mbox":"ana@example.org"}' }, 'query.agent.mbox')
  await badRequest(t, hub, { verb: 'passed' }, 'query.verb')
  await badRequest(t, hub, { activity: 'course' }, 'query.activity')
  await badRequest(t, hub, { registration: '42' }, 'query.registration')
  await badRequest(t, hub, { related_activities: 'yes' }, 'query.related_activities')
  await badRequest(t, hub, { related_agents: '1' }, 'query.related_agents')
  await badRequest(t, hub, { since: '2026-01-01' }, 'query.since')
  await badRequest(t, hub, { until: '2026-02-31T00:00:00Z' }, 'query.until')
  await badRequest(t, hub, { limit: '-1' }, 'query.limit')
  await badRequest(t, hub, { format: 'full' }, 'query.format')
  await badRequest(t, hub, { attachments: 'no' }, 'query.attachments')
  await badRequest(t, hub, { ascending: 'TRUE' }, 'query.ascending')
  await badRequest(t, hub, { actor: ifi('ana') }, 'query.actor')
  const twice = await hub.xapi({
    url: `/xapi/statements?verb=${encodeURIComponent(PASSED)}&verb=${encodeURIComponent(FAILED)}`,
  })
  t.equal(twice.statusCode, 400)
  t.equal(twice.json().error.field, 'query.verb')
})

t.test('statements/read/mine reads only what the same client stored', async (t) => {
  const hub = await hubWith(t)
  const [mine] = await store(hub, [statement()], { clientId: 'platform-a' })
  const [theirs] = await store(hub, [statement()], { clientId: 'platform-b' })
  const asA = { 'x-test-scopes': 'statements/read/mine', 'x-test-client': 'platform-a' }

  t.same((await query(hub, {}, asA)).ids, [mine])
  t.same((await query(hub, { agent: ifi('ben') }, asA)).ids, [mine])
  t.same((await query(hub, { verb: PASSED, activity: COURSE, ascending: 'true' }, asA)).ids, [mine])
  t.equal((await query(hub, { statementId: mine! }, asA)).status, 200)
  t.equal((await query(hub, { statementId: theirs! }, asA)).status, 404)
  t.same((await query(hub, {}, { 'x-test-scopes': 'statements/read' })).ids, [theirs, mine])
  t.same((await query(hub, {}, { 'x-test-scopes': 'all/read' })).ids, [theirs, mine])

  const paged = await query(
    hub,
    { limit: '1' },
    { 'x-test-scopes': 'statements/read/mine', 'x-test-client': 'platform-b' },
  )
  t.same(paged.ids, [theirs])
  t.equal(paged.more, '')

  const denied = await hub.xapi({
    url: '/xapi/statements',
    headers: { 'x-test-scopes': 'statements/write' },
  })
  t.equal(denied.statusCode, 403)
})

t.test("a more token replays under the reader's own scopes", async (t) => {
  const hub = await hubWith(t)
  await store(hub, [statement(), statement()], { clientId: 'platform-a' })
  await store(hub, [statement(), statement()], { clientId: 'platform-b' })
  const page = await query(hub, { limit: '1' })
  const asA = { 'x-test-scopes': 'statements/read/mine', 'x-test-client': 'platform-a' }
  const res = await hub.xapi({ url: page.more, headers: asA })
  const rows = await hub.db.query<{ id: string }>(
    "SELECT id FROM statements WHERE client_id = 'platform-a'",
  )
  const allowed = new Set(rows.rows.map((r) => r.id))
  for (const s of res.json().statements as JsonObject[]) t.ok(allowed.has(String(s.id)))
})

t.test('xAPI 1.0.3 requests read the same way', async (t) => {
  const hub = await hubWith(t)
  const [id] = await store(hub, [statement()], { version: '1.0.3' })
  const res = await hub.xapi({ url: '/xapi/statements', query: { verb: PASSED }, version: '1.0.3' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-experience-api-version'], '1.0.3')
  t.equal(res.json().statements[0].id, id)
})

t.test(
  'statements stored through POST read back, paging steady while POSTs run alongside',
  async (t) => {
    const hub = await hubWith(t)
    const post = async (body: unknown): Promise<string[]> => {
      const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body })
      t.equal(res.statusCode, 200)
      return res.json() as string[]
    }
    const before = await post(Array.from({ length: 10 }, () => statement({ actor: agent('dana') })))
    const stored = async (): Promise<string[]> => {
      const { rows } = await hub.db.query<{ id: string }>('SELECT id FROM statements ORDER BY seq')
      return rows.map((row) => row.id)
    }

    for (const ascending of ['false', 'true']) {
      const expected = await stored()
      const seen: string[] = []
      let page = await query(hub, { agent: ifi('dana'), limit: '3', ascending })
      seen.push(...page.ids)
      while (page.more !== '') {
        const [next] = await Promise.all([
          follow(hub, page.more),
          post([statement({ actor: agent('dana') }), statement({ actor: agent('dana') })]),
        ])
        page = next
        seen.push(...page.ids)
      }
      t.same(
        seen,
        ascending === 'true' ? expected : [...expected].reverse(),
        `ascending=${ascending}`,
      )
    }

    const [voider] = await post(refTo(before[0]!, VOIDED, agent('admin')))
    const single = await query(hub, { voidedStatementId: before[0]! })
    t.equal(single.status, 200)
    t.equal((await query(hub, { statementId: before[0]! })).status, 404)
    const after = await query(hub, { agent: ifi('dana'), ascending: 'true', limit: '0' })
    t.notOk(after.ids.includes(before[0]!), 'the voided statement has left the query')
    // Communication §2.1.4: the voiding statement targets one of dana's, so it matches her filter.
    t.ok(after.ids.includes(voider!), 'the voiding statement matches through its target')
    const all = await stored()
    t.equal(after.ids.length, all.length - 1, 'every statement but the voided one')
  },
)

t.test('xAPI 1.0.3 Alternate Request Syntax reaches the same query', async (t) => {
  const hub = await hubWith(t)
  const [id] = await store(hub, [statement()])
  const form = new URLSearchParams({ verb: PASSED, limit: '1' }).toString()
  const res = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements?method=GET',
    body: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    version: '1.0.3',
  })
  t.equal(res.statusCode, 200)
  t.same(
    (res.json().statements as JsonObject[]).map((s) => s.id),
    [id],
  )
  t.ok(res.headers['x-experience-api-consistent-through'])
})
