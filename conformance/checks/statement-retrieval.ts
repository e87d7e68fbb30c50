import {
  expectEqual,
  expectHeader,
  expectStatus,
  expectTrue,
  fail,
  jsonBody,
} from '../lib/expect.js'
import {
  activity,
  activityId,
  agent,
  pause,
  statement,
  uuid,
  verb,
  type Json,
} from '../lib/fixtures.js'
import { expectSameIds, query, queryIds, store, type StatementResult } from '../lib/steps.js'
import { ALL_VERSIONS, type Check } from '../lib/types.js'

/** Reading statements: single GET, every query filter, paging, formats (Comm 2.1.3, Data 2.5). */

function check(
  section: string,
  requirement: string,
  run: Check['run'],
  versions = ALL_VERSIONS,
): Check {
  return { section, requirement, versions, run }
}

/** Stores `count` statements for one fresh agent, one at a time so their stored times are ordered. */
async function storeSeries(
  lrs: Parameters<Check['run']>[0]['lrs'],
  count: number,
  extra: Json = {},
): Promise<{ learner: Json; ids: string[] }> {
  const learner = agent()
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const s = statement({ actor: learner, ...extra })
    await store(lrs, s)
    ids.push(String(s.id))
    await pause(5)
  }
  return { learner, ids }
}

export const statementRetrievalChecks: readonly Check[] = [
  check('Comm 2.1.3', 'GET with statementId returns that Statement', async ({ lrs }) => {
    const s = statement()
    await store(lrs, s)
    const response = await lrs.request({ path: 'statements', query: { statementId: String(s.id) } })
    expectStatus(response, 200, 'GET statements?statementId')
    expectEqual(jsonBody<Json>(response, 'GET').id, s.id, 'returned id')
  }),
  check('Comm 2.1.3', 'GET with an unknown statementId answers 404', async ({ lrs }) => {
    const response = await lrs.request({ path: 'statements', query: { statementId: uuid() } })
    expectStatus(response, 404, 'GET of an unknown statementId')
  }),
  check(
    'Comm 2.1.3',
    'statementId and voidedStatementId together MUST be rejected with 400',
    async ({ lrs }) => {
      const response = await lrs.request({
        path: 'statements',
        query: { statementId: uuid(), voidedStatementId: uuid() },
      })
      expectStatus(response, 400, 'GET with both ids')
    },
  ),
  check(
    'Comm 2.1.3',
    'statementId with a filter parameter other than attachments or format MUST be rejected with 400',
    async ({ lrs }) => {
      const response = await lrs.request({
        path: 'statements',
        query: { statementId: uuid(), agent: agent() },
      })
      expectStatus(response, 400, 'GET with statementId and agent')
    },
  ),
  check('Comm 2.1.3', 'A malformed statementId MUST be rejected with 400', async ({ lrs }) => {
    const response = await lrs.request({ path: 'statements', query: { statementId: 'not-a-uuid' } })
    expectStatus(response, 400, 'GET with a malformed statementId')
  }),
  check(
    'Comm 2.1.3',
    'GET statements answers a StatementResult with a "statements" array and "more"',
    async ({ lrs }) => {
      const { learner } = await storeSeries(lrs, 1)
      const response = await lrs.request({ path: 'statements', query: { agent: learner } })
      expectStatus(response, 200, 'GET statements')
      const result = jsonBody<StatementResult>(response, 'GET statements')
      expectTrue(Array.isArray(result.statements), 'no "statements" array')
      expectTrue(
        result.more === undefined || typeof result.more === 'string',
        '"more" must be a string when present',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'The LRS MUST include X-Experience-API-Consistent-Through on Statement queries',
    async ({ lrs }) => {
      const response = await lrs.request({ path: 'statements', query: { agent: agent() } })
      expectStatus(response, 200, 'GET statements')
      const value = expectHeader(response, 'X-Experience-API-Consistent-Through', 'GET statements')
      expectTrue(
        !Number.isNaN(Date.parse(value)),
        `X-Experience-API-Consistent-Through is not a timestamp: ${value}`,
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'X-Experience-API-Consistent-Through is on every Statement Resource response, errors too',
    async ({ lrs }) => {
      // 1.0.3 Comm. §2.1.3.s2.b5: "on all responses to Statements Resource requests".
      const response = await lrs.request({ path: 'statements', query: { limit: 'many' } })
      expectStatus(response, 400, 'GET statements with a malformed limit')
      expectHeader(response, 'X-Experience-API-Consistent-Through', 'an error response')
    },
  ),
  check('Comm 2.1.3', 'Statement responses use Content-Type application/json', async ({ lrs }) => {
    const response = await lrs.request({ path: 'statements', query: { agent: agent() } })
    const type = expectHeader(response, 'Content-Type', 'GET statements')
    expectTrue(type.startsWith('application/json'), `Content-Type is ${type}`)
  }),
  check(
    'Comm 2.1.3',
    'The agent filter returns only Statements about that Agent',
    async ({ lrs }) => {
      const { learner, ids } = await storeSeries(lrs, 2)
      await store(lrs, statement())
      expectSameIds(await queryIds(lrs, { agent: learner }), ids, 'query by agent')
    },
  ),
  check('Comm 2.1.3', 'The agent filter matches the Agent as Object too', async ({ lrs }) => {
    const learner = agent()
    const s = statement({ object: learner })
    await store(lrs, s)
    expectSameIds(
      await queryIds(lrs, { agent: learner }),
      [String(s.id)],
      'query by agent as object',
    )
  }),
  check('Comm 2.1.3', 'The verb filter returns only Statements with that Verb', async ({ lrs }) => {
    const learner = agent()
    const rare = {
      id: `http://conformance.example.org/verbs/${uuid()}`,
      display: { 'en-US': 'rare' },
    }
    const match = statement({ actor: learner, verb: rare })
    await store(lrs, [match, statement({ actor: learner })])
    expectSameIds(await queryIds(lrs, { verb: rare.id }), [String(match.id)], 'query by verb')
  }),
  check(
    'Comm 2.1.3',
    'The activity filter returns only Statements whose Object is that Activity',
    async ({ lrs }) => {
      const id = activityId()
      const match = statement({ object: activity(id) })
      await store(lrs, [match, statement({ context: { contextActivities: { parent: [{ id }] } } })])
      expectSameIds(await queryIds(lrs, { activity: id }), [String(match.id)], 'query by activity')
    },
  ),
  check(
    'Comm 2.1.3',
    'related_activities=true also matches context Activities',
    async ({ lrs }) => {
      const id = activityId()
      const direct = statement({ object: activity(id) })
      const related = statement({ context: { contextActivities: { grouping: [{ id }] } } })
      await store(lrs, [direct, related])
      expectSameIds(
        await queryIds(lrs, { activity: id, related_activities: true }),
        [String(direct.id), String(related.id)],
        'query with related_activities',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'related_activities=true also matches the Object of a SubStatement',
    async ({ lrs }) => {
      const id = activityId()
      const s = statement({
        object: {
          objectType: 'SubStatement',
          actor: agent(),
          verb: verb('attempted'),
          object: { objectType: 'Activity', id },
        },
      })
      await store(lrs, s)
      expectSameIds(await queryIds(lrs, { activity: id }), [], 'query without related_activities')
      expectSameIds(
        await queryIds(lrs, { activity: id, related_activities: true }),
        [String(s.id)],
        'query with related_activities',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'related_agents=true also matches instructors and team members',
    async ({ lrs }) => {
      const learner = agent()
      const direct = statement({ actor: learner })
      const instructed = statement({ context: { instructor: learner } })
      await store(lrs, [direct, instructed])
      expectSameIds(
        await queryIds(lrs, { agent: learner }),
        [String(direct.id)],
        'query without related_agents',
      )
      expectSameIds(
        await queryIds(lrs, { agent: learner, related_agents: true }),
        [String(direct.id), String(instructed.id)],
        'query with related_agents',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'The registration filter returns only Statements with that registration',
    async ({ lrs }) => {
      const registration = uuid()
      const learner = agent()
      const match = statement({ actor: learner, context: { registration } })
      await store(lrs, [match, statement({ actor: learner })])
      expectSameIds(
        await queryIds(lrs, { registration }),
        [String(match.id)],
        'query by registration',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'The since filter returns only Statements stored after that time',
    async ({ lrs }) => {
      const learner = agent()
      await store(lrs, statement({ actor: learner }))
      await pause(1100)
      const since = new Date().toISOString()
      await pause(1100)
      const late = statement({ actor: learner })
      await store(lrs, late)
      expectSameIds(
        await queryIds(lrs, { agent: learner, since }),
        [String(late.id)],
        'query with since',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'The until filter returns only Statements stored at or before that time',
    async ({ lrs }) => {
      const learner = agent()
      const early = statement({ actor: learner })
      await store(lrs, early)
      await pause(1100)
      const until = new Date().toISOString()
      await pause(1100)
      await store(lrs, statement({ actor: learner }))
      expectSameIds(
        await queryIds(lrs, { agent: learner, until }),
        [String(early.id)],
        'query with until',
      )
    },
  ),
  check('Comm 2.1.3', 'Statements are returned newest stored first by default', async ({ lrs }) => {
    const { learner, ids } = await storeSeries(lrs, 3)
    expectEqual(await queryIds(lrs, { agent: learner }), [...ids].reverse(), 'default order')
  }),
  check('Comm 2.1.3', 'ascending=true returns Statements oldest stored first', async ({ lrs }) => {
    const { learner, ids } = await storeSeries(lrs, 3)
    expectEqual(await queryIds(lrs, { agent: learner, ascending: true }), ids, 'ascending order')
  }),
  check(
    'Comm 2.1.3',
    'limit caps the number of Statements and "more" leads to the rest',
    async ({ lrs }) => {
      const { learner, ids } = await storeSeries(lrs, 5)
      const seen: string[] = []
      let result = await query(lrs, { agent: learner, limit: 2 })
      for (let page = 0; page < 10; page++) {
        expectTrue(
          result.statements.length <= 2,
          `a page holds ${result.statements.length} Statements with limit=2`,
        )
        seen.push(...result.statements.map((s) => String(s.id)))
        if (result.more === undefined || result.more === '') break
        const response = await lrs.request({ path: new URL(result.more, lrs.endpoint).toString() })
        expectStatus(response, 200, 'GET of the "more" IRL')
        result = jsonBody<StatementResult>(response, 'GET more')
      }
      expectEqual(seen, [...ids].reverse(), 'Statements across all pages')
    },
  ),
  check(
    'Data 2.5',
    '"more" is an empty string or absent when there are no more results',
    async ({ lrs }) => {
      const { learner } = await storeSeries(lrs, 1)
      const result = await query(lrs, { agent: learner, limit: 5 })
      expectTrue(
        result.more === undefined || result.more === '',
        `"more" is ${JSON.stringify(result.more)} on the last page`,
      )
    },
  ),
  check('Comm 2.1.3', 'limit=0 means the server maximum', async ({ lrs }) => {
    const { learner, ids } = await storeSeries(lrs, 2)
    expectSameIds(await queryIds(lrs, { agent: learner, limit: 0 }), ids, 'query with limit=0')
  }),
  check(
    'Comm 2.1.3',
    'format=ids returns Agents with only their IFI and Activities with only their id',
    async ({ lrs }) => {
      const learner = agent()
      const s = statement({ actor: learner })
      await store(lrs, s)
      const [returned] = (await query(lrs, { agent: learner, format: 'ids' })).statements
      if (returned === undefined) fail('the query returned no Statement')
      const actor = returned.actor as Json
      expectTrue(actor.name === undefined, 'format=ids kept the Agent name')
      expectTrue(actor.mbox === learner.mbox, 'format=ids lost the Agent IFI')
      expectTrue(
        (returned.object as Json).definition === undefined,
        'format=ids kept the Activity definition',
      )
    },
  ),
  check('Comm 2.1.3', 'format=exact returns the Statement as it was received', async ({ lrs }) => {
    const learner = agent()
    const s = statement({ actor: learner })
    await store(lrs, s)
    const [returned] = (await query(lrs, { agent: learner, format: 'exact' })).statements
    expectEqual(returned?.object, s.object, 'object under format=exact')
    expectEqual(returned?.actor, s.actor, 'actor under format=exact')
  }),
  check(
    'Comm 2.1.3',
    'format=canonical MUST return one language per Activity Language Map, chosen by Accept-Language',
    async ({ lrs }) => {
      const learner = agent()
      const a = activity()
      ;(a.definition as Json).name = {
        'en-US': 'Conformance activity',
        'fr-FR': 'Activité de conformité',
      }
      await store(lrs, statement({ actor: learner, object: a }))
      const response = await lrs.request({
        path: 'statements',
        query: { agent: learner, format: 'canonical' },
        headers: { 'Accept-Language': 'fr-FR' },
      })
      expectStatus(response, 200, 'GET with format=canonical')
      const [returned] = jsonBody<StatementResult>(response, 'GET canonical').statements
      const name = (((returned?.object as Json | undefined)?.definition as Json | undefined)
        ?.name ?? {}) as Json
      expectEqual(Object.keys(name), ['fr-FR'], 'languages of the Activity name')
    },
  ),
  check('Comm 2.1.3', 'An unknown format value MUST be rejected with 400', async ({ lrs }) => {
    expectStatus(
      await lrs.request({ path: 'statements', query: { format: 'everything' } }),
      400,
      'GET with format=everything',
    )
  }),
  check('Data 2.2', 'A malformed agent parameter MUST be rejected with 400', async ({ lrs }) => {
    expectStatus(
      await lrs.request({ path: 'statements', query: { agent: '{"mbox": ' } }),
      400,
      'GET with malformed agent JSON',
    )
  }),
  check(
    'Data 2.2',
    'An agent parameter with two IFIs MUST be rejected with 400',
    async ({ lrs }) => {
      const twoIfis = { ...agent(), openid: `http://conformance.example.org/openid/${uuid()}` }
      expectStatus(
        await lrs.request({ path: 'statements', query: { agent: twoIfis } }),
        400,
        'GET with an agent having two IFIs',
      )
    },
  ),
  check(
    'Data 2.2',
    'A non-timestamp since parameter MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { since: 'last tuesday' } }),
        400,
        'GET with since=last tuesday',
      )
    },
  ),
  check('Data 2.2', 'A non-integer limit parameter MUST be rejected with 400', async ({ lrs }) => {
    expectStatus(
      await lrs.request({ path: 'statements', query: { limit: 'ten' } }),
      400,
      'GET with limit=ten',
    )
  }),
  check(
    'Data 2.2',
    'A non-boolean ascending parameter MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { ascending: 'maybe' } }),
        400,
        'GET with ascending=maybe',
      )
    },
  ),
  check(
    'Data 2.2',
    'A verb parameter that is not an IRI MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { verb: 'not an iri' } }),
        400,
        'GET with verb=not an iri',
      )
    },
  ),
  check(
    'Data 2.2',
    'An activity parameter that is not an IRI MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { activity: 'not an iri' } }),
        400,
        'GET with activity=not an iri',
      )
    },
  ),
  check(
    'Data 2.2',
    'A registration parameter that is not a UUID MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { registration: 'not-a-uuid' } }),
        400,
        'GET with a malformed registration',
      )
    },
  ),
  check(
    'Data 2.2',
    'A non-boolean attachments parameter MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { attachments: 'sometimes' } }),
        400,
        'GET with attachments=sometimes',
      )
    },
  ),
  check('Comm 3.2', 'An unknown query parameter MUST be rejected with 400', async ({ lrs }) => {
    expectStatus(
      await lrs.request({ path: 'statements', query: { colour: 'blue' } }),
      400,
      'GET with an unknown parameter',
    )
  }),
  check(
    'Comm 3.2',
    'A parameter matching a known one in all but case MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { StatementId: uuid() } }),
        400,
        'GET with StatementId',
      )
    },
  ),
  check('Comm 1.1', 'HEAD on statements answers like GET without a body', async ({ lrs }) => {
    const s = statement()
    await store(lrs, s)
    const response = await lrs.request({
      method: 'HEAD',
      path: 'statements',
      query: { statementId: String(s.id) },
    })
    expectStatus(response, 200, 'HEAD statements')
    expectEqual(response.bytes.length, 0, 'HEAD body length')
  }),
  check(
    'Comm 2.1.3',
    'Filters also return Statements whose StatementRef targets a matching Statement',
    async ({ lrs }) => {
      const rare = {
        id: `http://conformance.example.org/verbs/${uuid()}`,
        display: { 'en-US': 'rare' },
      }
      const target = statement({ verb: rare })
      const referring = statement({ object: { objectType: 'StatementRef', id: target.id } })
      await store(lrs, target)
      await store(lrs, referring)
      expectSameIds(
        await queryIds(lrs, { verb: rare.id }),
        [String(target.id), String(referring.id)],
        'query by verb',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'A query matching nothing MUST answer 200 with an empty "statements" array',
    async ({ lrs }) => {
      const result = await query(lrs, { agent: agent() })
      expectEqual(result.statements, [], 'statements')
    },
  ),
  check(
    'Comm 2.1.3',
    'The agent filter matches Groups that have the Agent as a member',
    async ({ lrs }) => {
      const learner = agent()
      const s = statement({ actor: { objectType: 'Group', member: [learner, agent()] } })
      await store(lrs, s)
      expectSameIds(
        await queryIds(lrs, { agent: learner }),
        [String(s.id)],
        'query by member agent',
      )
    },
  ),
  check('Comm 2.1.3', 'The StatementRef filter rule applies recursively', async ({ lrs }) => {
    const rare = {
      id: `http://conformance.example.org/verbs/${uuid()}`,
      display: { 'en-US': 'rare' },
    }
    const c = statement({ verb: rare })
    const b = statement({ object: { objectType: 'StatementRef', id: c.id } })
    const a = statement({ object: { objectType: 'StatementRef', id: b.id } })
    await store(lrs, c)
    await store(lrs, b)
    await store(lrs, a)
    expectSameIds(
      await queryIds(lrs, { verb: rare.id }),
      [String(a.id), String(b.id), String(c.id)],
      'query by verb',
    )
  }),
  check('Data 2.5', '"more" is a relative IRL without scheme, host or port', async ({ lrs }) => {
    const { learner } = await storeSeries(lrs, 3)
    const result = await query(lrs, { agent: learner, limit: 1 })
    expectTrue(
      typeof result.more === 'string' && result.more.startsWith('/'),
      `"more" is ${JSON.stringify(result.more)}`,
    )
  }),
  check(
    'Comm 2.1.3',
    'Last-Modified carries the latest "stored" of the returned Statements (SHOULD* in 1.0.3, MUST in 2.0.0)',
    async ({ lrs }) => {
      const { learner } = await storeSeries(lrs, 2)
      const response = await lrs.request({ path: 'statements', query: { agent: learner } })
      expectStatus(response, 200, 'GET statements')
      const header = expectHeader(response, 'Last-Modified', 'GET statements')
      const latest = Math.max(
        ...jsonBody<StatementResult>(response, 'GET').statements.map((x) =>
          Date.parse(String(x.stored)),
        ),
      )
      // HTTP dates have whole seconds: the header is the stored time truncated to the second.
      expectEqual(Date.parse(header), Math.floor(latest / 1000) * 1000, 'Last-Modified')
    },
  ),
  check(
    'Comm 2.1.3',
    'X-Experience-API-Consistent-Through is also sent on POST responses',
    async ({ lrs }) => {
      const response = await lrs.request({ method: 'POST', path: 'statements', body: statement() })
      expectStatus(response, 200, 'POST statements')
      expectHeader(response, 'X-Experience-API-Consistent-Through', 'POST statements')
    },
  ),
  check(
    'Comm 2.1.3 (2.0.0)',
    'related_agents also matches context Agents',
    async ({ lrs }) => {
      const learner = agent()
      const s = statement({
        context: { contextAgents: [{ objectType: 'contextAgent', agent: learner }] },
      })
      await store(lrs, s)
      expectSameIds(
        await queryIds(lrs, { agent: learner, related_agents: true }),
        [String(s.id)],
        'query with related_agents',
      )
    },
    ['2.0.0'],
  ),
  check(
    'Data 2.4.8',
    'Statements returned by queries carry stored, authority, timestamp and version',
    async ({ lrs }) => {
      const learner = agent()
      await store(lrs, statement({ actor: learner, verb: verb('completed') }))
      const [returned] = (await query(lrs, { agent: learner })).statements
      for (const name of ['stored', 'authority', 'timestamp', 'version']) {
        expectTrue(returned?.[name] !== undefined, `the returned Statement has no "${name}"`)
      }
    },
  ),
]
