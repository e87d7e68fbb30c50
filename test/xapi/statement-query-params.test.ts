import t, { type Test } from 'tap'
import { HubError } from '../../src/errors.js'
import {
  parseStatementRequest,
  type StatementQuery,
} from '../../src/xapi/statement-query-params.js'

const LIMIT = 100
const parse = (query: Record<string, unknown>) => parseStatementRequest(query, LIMIT)
const asQuery = (query: Record<string, unknown>) => parse(query) as StatementQuery

/** Asserts a 400 naming the field. */
function rejects(t: Test, query: Record<string, unknown>, field: string): void {
  try {
    parse(query)
    t.fail(`expected a 400 on ${field}`)
  } catch (error) {
    t.ok(error instanceof HubError, 'throws a HubError')
    t.equal((error as HubError).status, 400)
    t.equal((error as HubError).field, field)
  }
}

t.test('an empty query lists everything with the defaults', async (t) => {
  const query = asQuery({})
  t.same(query.filters, { conditions: [], since: undefined, until: undefined })
  t.equal(query.limit, LIMIT)
  t.equal(query.format, 'exact')
  t.equal(query.attachments, false)
  t.equal(query.ascending, false)
})

t.test('statementId and voidedStatementId ask for one statement', async (t) => {
  const id = 'AB3F5E8C-1234-4ABC-8DEF-0123456789AB'
  t.same(parse({ statementId: id, format: 'ids', attachments: 'true' }), {
    kind: 'single',
    id: id.toLowerCase(),
    voided: false,
    format: 'ids',
    attachments: true,
  })
  t.match(parse({ voidedStatementId: id }), { kind: 'single', voided: true })
  rejects(t, { statementId: id, voidedStatementId: id }, 'query.voidedStatementId')
  rejects(t, { statementId: id, limit: '1' }, 'query.limit')
  rejects(t, { voidedStatementId: id, verb: 'http://x.org/v' }, 'query.verb')
  rejects(t, { statementId: 'not-a-uuid' }, 'query.statementId')
})

t.test('filters become index conditions, related forms widen them', async (t) => {
  const query = asQuery({
    agent: JSON.stringify({ objectType: 'Agent', name: 'Ana', mbox: 'mailto:ana@example.org' }),
    verb: 'http://adlnet.gov/expapi/verbs/passed',
    activity: 'http://example.org/course',
    registration: 'AB3F5E8C-1234-4ABC-8DEF-0123456789AB',
  })
  t.same(query.filters.conditions, [
    { key: 'agent:mbox:mailto:ana@example.org', directOnly: true },
    { key: 'verb:http://adlnet.gov/expapi/verbs/passed', directOnly: true },
    { key: 'activity:http://example.org/course', directOnly: true },
    { key: 'registration:ab3f5e8c-1234-4abc-8def-0123456789ab', directOnly: true },
  ])
  const related = asQuery({
    agent: JSON.stringify({ account: { homePage: 'https://sso.example.org', name: '42' } }),
    activity: 'http://example.org/course',
    related_agents: 'true',
    related_activities: 'true',
  })
  t.same(related.filters.conditions, [
    { key: 'agent:account:["https://sso.example.org","42"]', directOnly: false },
    { key: 'activity:http://example.org/course', directOnly: false },
  ])
})

t.test('every agent IFI form is accepted and checked', async (t) => {
  t.match(
    asQuery({ agent: '{"mbox_sha1sum":"ABCDEF0123456789ABCDEF0123456789ABCDEF01"}' }).filters
      .conditions,
    [{ key: 'agent:mbox_sha1sum:abcdef0123456789abcdef0123456789abcdef01' }],
  )
  t.match(asQuery({ agent: '{"openid":"https://id.example.org/ana"}' }).filters.conditions, [
    { key: 'agent:openid:https://id.example.org/ana' },
  ])
  t.match(
    asQuery({ agent: '{"objectType":"Group","mbox":"mailto:team@example.org"}' }).filters
      .conditions,
    [{ key: 'agent:mbox:mailto:team@example.org' }],
  )
  rejects(t, { agent: 'not json' }, 'query.agent')
  rejects(t, { agent: '[1]' }, 'query.agent')
  rejects(t, { agent: '{"name":"Ana"}' }, 'query.agent')
  rejects(t, { agent: '{"mbox":"mailto:a@b.org","openid":"https://x.org"}' }, 'query.agent')
  rejects(t, { agent: '{"objectType":"Activity","mbox":"mailto:a@b.org"}' }, 'query.agent')
  rejects(t, { agent: '{"mbox":"ana@example.org"}' }, 'query.agent.mbox')
  rejects(t, { agent: '{"mbox_sha1sum":"123"}' }, 'query.agent.mbox_sha1sum')
  rejects(t, { agent: '{"openid":"not an iri"}' }, 'query.agent.openid')
  rejects(t, { agent: '{"account":"x"}' }, 'query.agent.account')
  rejects(
    t,
    { agent: '{"account":{"homePage":"nope","name":"1"}}' },
    'query.agent.account.homePage',
  )
  rejects(
    t,
    { agent: '{"account":{"homePage":"https://x.org","name":1}}' },
    'query.agent.account.name',
  )
})

t.test('IRIs, UUIDs, booleans and formats are checked', async (t) => {
  rejects(t, { verb: 'passed' }, 'query.verb')
  rejects(t, { activity: 'http://has space.org' }, 'query.activity')
  rejects(t, { registration: '1234' }, 'query.registration')
  rejects(t, { related_agents: 'yes' }, 'query.related_agents')
  rejects(t, { related_activities: '1' }, 'query.related_activities')
  rejects(t, { ascending: 'TRUE' }, 'query.ascending')
  rejects(t, { attachments: '' }, 'query.attachments')
  rejects(t, { format: 'full' }, 'query.format')
  t.equal(asQuery({ format: 'canonical' }).format, 'canonical')
  t.equal(asQuery({ ascending: 'true' }).ascending, true)
})

t.test(
  'limit is a nonnegative integer; 0 and anything larger mean the server maximum',
  async (t) => {
    t.equal(asQuery({ limit: '7' }).limit, 7)
    t.equal(asQuery({ limit: '0' }).limit, LIMIT)
    t.equal(asQuery({ limit: '5000' }).limit, LIMIT)
    rejects(t, { limit: '-1' }, 'query.limit')
    rejects(t, { limit: '1.5' }, 'query.limit')
    rejects(t, { limit: 'ten' }, 'query.limit')
    rejects(t, { limit: '99999999999' }, 'query.limit')
  },
)

t.test('since and until are ISO 8601 timestamps with real dates', async (t) => {
  const query = asQuery({
    since: '2026-01-02T03:04:05.123456Z',
    until: '2026-01-02T03:04:05+07:00',
  })
  t.equal(query.filters.since, '2026-01-02T03:04:05.123456Z')
  t.equal(query.filters.until, '2026-01-02T03:04:05+07:00')
  t.equal(asQuery({ since: '2026-01-02T03:04' }).filters.since, '2026-01-02T03:04')
  rejects(t, { since: '2026-01-02' }, 'query.since')
  rejects(t, { since: 'yesterday' }, 'query.since')
  rejects(t, { until: '2026-02-30T00:00:00Z' }, 'query.until')
  rejects(t, { until: '2026-13-01T00:00:00Z' }, 'query.until')
  rejects(t, { until: '2026-01-01T24:00:00Z' }, 'query.until')
})

t.test('unknown and repeated parameters are refused', async (t) => {
  rejects(t, { actor: 'x' }, 'query.actor')
  rejects(t, { verb: ['http://x.org/a', 'http://x.org/b'] }, 'query.verb')
})

t.test('more must come alone', async (t) => {
  t.same(parse({ more: 'abc' }), { kind: 'more', token: 'abc' })
  rejects(t, { more: 'abc', limit: '1' }, 'query.limit')
})

t.test('the validated parameters are kept for more tokens', async (t) => {
  t.same(asQuery({ verb: 'http://x.org/v', limit: '3' }).params, {
    verb: 'http://x.org/v',
    limit: '3',
  })
})
