import { expectEqual, expectStatus, expectTrue, jsonBody } from '../lib/expect.js'
import { agent, clone, statement, uuid, verb, voiding, type Json } from '../lib/fixtures.js'
import { expectSameIds, fetchStatement, postStatements, queryIds, store } from '../lib/steps.js'
import { ALL_VERSIONS, type Check } from '../lib/types.js'

/** Storing statements: PUT and POST semantics, batches, conflicts and voiding (Comm 2.1.1, 2.1.2; Data 2.3.2). */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function check(
  section: string,
  requirement: string,
  run: Check['run'],
  versions = ALL_VERSIONS,
): Check {
  return { section, requirement, versions, run }
}

export const statementStorageChecks: readonly Check[] = [
  check(
    'Comm 2.1.1',
    'PUT with a statementId stores the Statement and answers 204 No Content',
    async ({ lrs }) => {
      const s = statement()
      const response = await lrs.request({
        method: 'PUT',
        path: 'statements',
        query: { statementId: String(s.id) },
        body: s,
      })
      expectStatus(response, 204, 'PUT statements')
      await fetchStatement(lrs, String(s.id))
    },
  ),
  check(
    'Comm 2.1.1',
    'PUT without a statementId parameter MUST be rejected with 400',
    async ({ lrs }) => {
      const response = await lrs.request({ method: 'PUT', path: 'statements', body: statement() })
      expectStatus(response, 400, 'PUT statements without statementId')
    },
  ),
  check(
    'Comm 2.1.1',
    'PUT whose statementId differs from the Statement id MUST be rejected with 400',
    async ({ lrs }) => {
      const s = statement()
      const response = await lrs.request({
        method: 'PUT',
        path: 'statements',
        query: { statementId: uuid() },
        body: s,
      })
      expectStatus(response, 400, 'PUT with a mismatched id')
    },
  ),
  check(
    'Comm 2.1.1',
    'PUT of a Statement without id takes the id from statementId',
    async ({ lrs }) => {
      const s = statement()
      const id = uuid()
      delete s.id
      const response = await lrs.request({
        method: 'PUT',
        path: 'statements',
        query: { statementId: id },
        body: s,
      })
      expectStatus(response, 204, 'PUT statements')
      const stored = await fetchStatement(lrs, id)
      expectEqual(stored.id, id, 'stored id')
    },
  ),
  check(
    'Comm 2.1.1',
    'PUT of the same Statement again is a no-op answered with 204',
    async ({ lrs }) => {
      const s = statement()
      const put = () =>
        lrs.request({
          method: 'PUT',
          path: 'statements',
          query: { statementId: String(s.id) },
          body: s,
        })
      expectStatus(await put(), 204, 'first PUT')
      expectStatus(await put(), 204, 'second PUT of the identical Statement')
    },
  ),
  check(
    'Comm 2.1.1',
    'PUT of a different Statement with an existing id MUST answer 409 Conflict',
    async ({ lrs }) => {
      const s = statement()
      const put = (body: Json) =>
        lrs.request({
          method: 'PUT',
          path: 'statements',
          query: { statementId: String(s.id) },
          body,
        })
      expectStatus(await put(s), 204, 'first PUT')
      expectStatus(
        await put({ ...s, verb: verb('attempted') }),
        409,
        'PUT of a conflicting Statement',
      )
    },
  ),
  check(
    'Comm 2.1.2',
    'POST of one Statement answers 200 with an array holding its id',
    async ({ lrs }) => {
      const s = statement()
      const response = await postStatements(lrs, s)
      expectStatus(response, 200, 'POST statements')
      expectEqual(jsonBody(response, 'POST statements'), [s.id], 'POST response')
    },
  ),
  check(
    'Comm 2.1.2',
    'POST of a batch answers with the ids in the order of the batch',
    async ({ lrs }) => {
      const batch = [statement(), statement(), statement()]
      const response = await postStatements(lrs, batch)
      expectStatus(response, 200, 'POST of a batch')
      expectEqual(
        jsonBody(response, 'POST statements'),
        batch.map((s) => s.id),
        'POST response',
      )
    },
  ),
  check(
    'Data 2.4.1',
    'The LRS MUST assign a UUID to a Statement posted without id',
    async ({ lrs }) => {
      const s = statement()
      delete s.id
      const [id] = await store(lrs, s)
      expectTrue(
        id !== undefined && UUID.test(id),
        `the assigned id must be a UUID, got ${String(id)}`,
      )
      await fetchStatement(lrs, String(id))
    },
  ),
  check(
    'Comm 2.1.2',
    'POST of a Statement already stored with the same content is accepted (no-op)',
    async ({ lrs }) => {
      const s = statement()
      await store(lrs, s)
      expectStatus(
        await postStatements(lrs, clone(s)),
        [200, 204],
        'second POST of the identical Statement',
      )
    },
  ),
  check(
    'Comm 2.1.2',
    'POST of a different Statement with an existing id MUST answer 409 Conflict',
    async ({ lrs }) => {
      const s = statement()
      await store(lrs, s)
      expectStatus(
        await postStatements(lrs, { ...s, verb: verb('attempted') }),
        409,
        'POST of a conflicting Statement',
      )
    },
  ),
  check(
    'Data 2.3.1',
    'A conflicting Statement MUST NOT change the stored Statement',
    async ({ lrs }) => {
      const s = statement()
      await store(lrs, s)
      await postStatements(lrs, { ...s, verb: verb('attempted') })
      const stored = await fetchStatement(lrs, String(s.id))
      expectEqual((stored.verb as Json).id, (s.verb as Json).id, 'stored verb id')
    },
  ),
  check(
    'Comm 2.1.2',
    'A batch with two Statements sharing an id MUST be rejected with 400',
    async ({ lrs }) => {
      const first = statement()
      const second = { ...statement(), id: first.id }
      expectStatus(
        await postStatements(lrs, [first, second]),
        400,
        'POST of a batch with a duplicate id',
      )
    },
  ),
  check(
    'Comm 3.2',
    'The LRS MUST reject a whole batch if any Statement in it is rejected',
    async ({ lrs }) => {
      const good = statement()
      const bad = statement({ verb: { id: 'no scheme' } })
      expectStatus(
        await postStatements(lrs, [good, bad]),
        400,
        'POST of a batch with one invalid Statement',
      )
      const response = await lrs.request({
        path: 'statements',
        query: { statementId: String(good.id) },
      })
      expectStatus(response, 404, 'GET of the valid Statement of the rejected batch')
    },
  ),
  check(
    'Comm 2.1.2',
    'A batch whose id conflicts with a stored Statement stores nothing',
    async ({ lrs }) => {
      const existing = statement()
      await store(lrs, existing)
      const fresh = statement()
      const conflicting = { ...existing, verb: verb('attempted') }
      expectStatus(
        await postStatements(lrs, [fresh, conflicting]),
        409,
        'POST of a batch with a conflict',
      )
      const response = await lrs.request({
        path: 'statements',
        query: { statementId: String(fresh.id) },
      })
      expectStatus(response, 404, 'GET of the new Statement of the rejected batch')
    },
  ),
  check(
    'Comm 2.1.2',
    'POST of an empty batch stores nothing and is not a server error',
    async ({ lrs }) => {
      const response = await postStatements(lrs, [])
      expectTrue(
        response.status < 500,
        `an empty batch must not cause a server error, got ${response.status}`,
      )
    },
  ),
  check('Comm 3.2', 'Malformed JSON MUST be rejected with 400', async ({ lrs }) => {
    const response = await lrs.request({
      method: 'POST',
      path: 'statements',
      body: '{"actor": {',
      headers: { 'Content-Type': 'application/json' },
    })
    expectStatus(response, 400, 'POST of malformed JSON')
  }),
  check('Data 2.4.8', 'The LRS MUST set "stored" on every Statement', async ({ lrs }) => {
    const s = statement({ stored: '2001-01-01T00:00:00.000Z' })
    await store(lrs, s)
    const stored = await fetchStatement(lrs, String(s.id))
    expectTrue(typeof stored.stored === 'string', 'the stored Statement has no "stored" property')
    expectTrue(
      !String(stored.stored).startsWith('2001-'),
      'the LRS kept a client-supplied "stored" value',
    )
  }),
  check(
    'Data 2.4.7',
    'The LRS MUST set "timestamp" when the Statement has none',
    async ({ lrs }) => {
      const s = statement()
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id))
      expectTrue(typeof stored.timestamp === 'string', 'the stored Statement has no "timestamp"')
    },
  ),
  check('Data 2.4.9', 'The LRS MUST set "authority" on every Statement', async ({ lrs }) => {
    const s = statement()
    await store(lrs, s)
    const stored = await fetchStatement(lrs, String(s.id))
    expectTrue(
      typeof stored.authority === 'object' && stored.authority !== null,
      'the stored Statement has no "authority"',
    )
  }),
  check(
    'Data 2.4.10',
    'The LRS MUST set "version" when the Statement has none',
    async ({ lrs, version }) => {
      const s = statement()
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id))
      // 1.0.3: "If they lack a version, the version MUST be set to 1.0.0".
      const expected = version === '1.0.3' ? /^1\.0\.0$/ : /^2\.0\.\d+$/
      expectTrue(
        typeof stored.version === 'string' && expected.test(stored.version),
        `unexpected version ${JSON.stringify(stored.version)}`,
      )
    },
  ),
  check(
    'Data 2.4.10',
    'Statements returned MUST retain the version they were accepted with',
    async ({ lrs, version }) => {
      const s = statement({ version: version === '1.0.3' ? '1.0.0' : '2.0.0' })
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id))
      expectEqual(stored.version, s.version, 'version')
    },
  ),
  check(
    'Data 2.4.9',
    'With HTTP Basic credentials the authority MUST be an Agent',
    async ({ lrs }) => {
      const s = statement()
      await store(lrs, s)
      const authority = (await fetchStatement(lrs, String(s.id))).authority as Json
      expectTrue(
        authority.objectType === undefined || authority.objectType === 'Agent',
        `authority is a ${String(authority.objectType)}`,
      )
      const ifis = ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter(
        (name) => authority[name] !== undefined,
      )
      expectEqual(ifis.length, 1, 'number of IFIs of the authority')
    },
  ),
  check('Data 4.5', 'A timestamp MUST keep at least millisecond precision', async ({ lrs }) => {
    const s = statement({ timestamp: '2024-05-01T10:20:30.123Z' })
    await store(lrs, s)
    const stored = await fetchStatement(lrs, String(s.id))
    expectEqual(
      Date.parse(String(stored.timestamp)),
      Date.parse('2024-05-01T10:20:30.123Z'),
      'timestamp in milliseconds',
    )
  }),
  check(
    'Data 4.5',
    'A timestamp returned in another time zone MUST denote the same point in time',
    async ({ lrs }) => {
      const s = statement({ timestamp: '2024-05-01T12:20:30.500+02:00' })
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id))
      expectEqual(
        Date.parse(String(stored.timestamp)),
        Date.parse('2024-05-01T10:20:30.500Z'),
        'timestamp in milliseconds',
      )
    },
  ),
  check(
    'Data 2.4.6.2',
    'The LRS MUST return every contextActivities value as an array',
    async ({ lrs }) => {
      const parent = {
        id: `http://conformance.example.org/activities/${uuid()}`,
        objectType: 'Activity',
      }
      const s = statement({ context: { contextActivities: { parent } } })
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id))
      const activities = ((stored.context as Json).contextActivities ?? {}) as Json
      expectTrue(Array.isArray(activities.parent), 'contextActivities.parent is not an array')
      expectEqual(
        (activities.parent as Json[]).map((a) => a.id),
        [parent.id],
        'parent ids',
      )
    },
  ),
  check(
    'Data 2.4.3',
    'With format=exact the LRS MUST return the Verb display exactly as omitted',
    async ({ lrs }) => {
      const s = statement({ verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' } })
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id), { format: 'exact' })
      expectEqual(stored.verb, s.verb, 'verb')
    },
  ),
  check(
    'Data 2.2',
    'The LRS MUST NOT change the serialisation of stored properties',
    async ({ lrs }) => {
      const s = statement({
        result: {
          score: { scaled: 0.5, raw: 50, min: 0, max: 100 },
          success: true,
          duration: 'PT1M30S',
          response: 'ünïcödé ✓',
        },
      })
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id), { format: 'exact' })
      expectEqual(stored.result, s.result, 'stored result')
      expectEqual(stored.actor, s.actor, 'stored actor')
    },
  ),
  check(
    'Data 2.2',
    'The LRS MUST keep numbers with at least IEEE 754 single precision',
    async ({ lrs }) => {
      const s = statement({ result: { score: { scaled: 0.1234567, raw: 12345.67 } } })
      await store(lrs, s)
      const stored = await fetchStatement(lrs, String(s.id))
      const score = ((stored.result as Json).score ?? {}) as Json
      expectTrue(
        Math.abs(Number(score.scaled) - 0.1234567) < 1e-7,
        `scaled came back as ${String(score.scaled)}`,
      )
      expectTrue(
        Math.abs(Number(score.raw) - 12345.67) < 1e-3,
        `raw came back as ${String(score.raw)}`,
      )
    },
  ),
  check('Comm 1.4', 'All strings MUST be encoded and interpreted as UTF-8', async ({ lrs }) => {
    const s = statement({
      verb: {
        id: 'http://adlnet.gov/expapi/verbs/experienced',
        display: { 'ja-JP': '体験した', ar: 'جرب' },
      },
    })
    await store(lrs, s)
    const stored = await fetchStatement(lrs, String(s.id), { format: 'exact' })
    expectEqual((stored.verb as Json).display, (s.verb as Json).display, 'verb display')
  }),
  // Voiding (Data 2.3.2, Comm 2.1.4)
  check(
    'Data 2.3.2',
    'A voided Statement MUST NOT be returned by statementId (404)',
    async ({ lrs }) => {
      const target = statement()
      await store(lrs, target)
      await store(lrs, voiding(String(target.id)))
      const response = await lrs.request({
        path: 'statements',
        query: { statementId: String(target.id) },
      })
      expectStatus(response, 404, 'GET of a voided Statement by statementId')
    },
  ),
  check('Comm 2.1.4', 'A voided Statement is returned by voidedStatementId', async ({ lrs }) => {
    const target = statement()
    await store(lrs, target)
    await store(lrs, voiding(String(target.id)))
    const response = await lrs.request({
      path: 'statements',
      query: { voidedStatementId: String(target.id) },
    })
    expectStatus(response, 200, 'GET by voidedStatementId')
    expectEqual(jsonBody<Json>(response, 'GET voided').id, target.id, 'voided Statement id')
  }),
  check(
    'Comm 2.1.4',
    'voidedStatementId of a Statement that is not voided answers 404',
    async ({ lrs }) => {
      const target = statement()
      await store(lrs, target)
      const response = await lrs.request({
        path: 'statements',
        query: { voidedStatementId: String(target.id) },
      })
      expectStatus(response, 404, 'GET by voidedStatementId of a live Statement')
    },
  ),
  check(
    'Data 2.3.2',
    'Voided Statements are left out of Statement queries, the voiding Statement is not',
    async ({ lrs }) => {
      const learner = agent()
      const target = statement({ actor: learner })
      await store(lrs, target)
      const voider = voiding(String(target.id), learner)
      await store(lrs, voider)
      expectSameIds(await queryIds(lrs, { agent: learner }), [String(voider.id)], 'query by agent')
    },
  ),
  check(
    'Data 2.3.2',
    'A voiding Statement that targets a voiding Statement does not void it',
    async ({ lrs }) => {
      const target = statement()
      await store(lrs, target)
      const first = voiding(String(target.id))
      await store(lrs, first)
      const second = voiding(String(first.id))
      const response = await postStatements(lrs, second)
      if (response.status === 200) {
        // Accepting it is allowed; the first voiding Statement must stay live.
        await fetchStatement(lrs, String(first.id))
      } else
        expectStatus(response, 400, 'POST of a voiding Statement targeting a voiding Statement')
    },
  ),
  check(
    'Data 2.3.2',
    'The Object of a voiding Statement MUST be a StatementRef',
    async ({ lrs }) => {
      const s = statement({
        verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
      })
      expectStatus(
        await postStatements(lrs, s),
        400,
        'POST of a voiding Statement with an Activity as Object',
      )
    },
  ),
  check(
    'Data 2.3.2',
    'A voiding Statement that targets an unknown Statement is accepted',
    async ({ lrs }) => {
      const voider = voiding(uuid())
      await store(lrs, voider)
      await fetchStatement(lrs, String(voider.id))
    },
  ),
]
