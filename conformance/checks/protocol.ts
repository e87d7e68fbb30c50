import { expectEqual, expectHeader, expectStatus, expectTrue, jsonBody } from '../lib/expect.js'
import { agent, statement, type Json } from '../lib/fixtures.js'
import { basicAuth } from '../lib/lrs-client.js'
import { fetchStatement, postStatements, queryIds, store } from '../lib/steps.js'
import { ALL_VERSIONS, type Check, type XapiVersion } from '../lib/types.js'

/** Versioning, authentication, the About resource and the 1.0.3 Alternate Request Syntax (Comm 1.3, 2.8, 3.3, 4). */

function check(
  section: string,
  requirement: string,
  run: Check['run'],
  versions: readonly XapiVersion[] = ALL_VERSIONS,
): Check {
  return { section, requirement, versions, run }
}

const FORM = 'application/x-www-form-urlencoded'

export const protocolChecks: readonly Check[] = [
  check(
    'Comm 3.2',
    'A content type that does not fit the request is rejected with 400 Bad Request',
    async ({ lrs }) => {
      // §3.2.s3.b6 (SHOULD*, 400), and §3.2.s3.b1: the code comes from the specification's list,
      // which has no 415.
      const response = await lrs.request({
        method: 'POST',
        path: 'statements',
        headers: { 'Content-Type': 'multipart/form-data; boundary=xapi' },
        body: '--xapi\r\nContent-Disposition: form-data; name="statement"\r\n\r\n{}\r\n--xapi--\r\n',
      })
      expectStatus(response, 400, 'POST statements as multipart/form-data')
    },
  ),
  check(
    'Comm 3.3',
    'The LRS MUST include X-Experience-API-Version in every response (success)',
    async ({ lrs }) => {
      const response = await lrs.request({ path: 'statements', query: { agent: agent() } })
      expectHeader(response, 'X-Experience-API-Version', 'GET statements')
    },
  ),
  check(
    'Comm 3.3',
    'The LRS MUST include X-Experience-API-Version in every response (error)',
    async ({ lrs }) => {
      const response = await postStatements(lrs, { actor: agent() })
      expectStatus(response, 400, 'POST of an incomplete Statement')
      expectHeader(response, 'X-Experience-API-Version', 'an error response')
    },
  ),
  check(
    'Comm 3.3',
    'The LRS MUST include X-Experience-API-Version in every response (POST)',
    async ({ lrs }) => {
      const response = await postStatements(lrs, statement())
      expectHeader(response, 'X-Experience-API-Version', 'POST statements')
    },
  ),
  check(
    'Comm 3.3',
    'The version header MUST be the latest patch version of the version requested',
    async ({ lrs, version }) => {
      const response = await lrs.request({ path: 'statements', query: { agent: agent() } })
      const value = expectHeader(response, 'X-Experience-API-Version', 'GET statements')
      const expected = version === '1.0.3' ? /^1\.0\.\d+$/ : /^2\.0\.\d+$/
      expectTrue(expected.test(value), `a ${version} request was answered with version ${value}`)
    },
  ),
  check(
    'Comm 3.3',
    'The LRS MUST reject requests without a version header with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { agent: agent() }, version: null }),
        400,
        'GET without the version header',
      )
    },
  ),
  check(
    'Comm 3.3',
    'The LRS MUST reject requests with a version header prior to 1.0.0',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { agent: agent() }, version: '0.95' }),
        400,
        'GET with version 0.95',
      )
    },
  ),
  check(
    'Comm 3.3',
    'The LRS MUST reject requests with a version it does not implement',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { agent: agent() }, version: '3.0.0' }),
        400,
        'GET with version 3.0.0',
      )
    },
  ),
  check(
    'Comm 3.3',
    'The LRS MUST accept a version header of "1.0" as "1.0.0"',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { agent: agent() }, version: '1.0' }),
        200,
        'GET with version 1.0',
      )
    },
    ['1.0.3'],
  ),
  check(
    'Comm 3.3',
    'The LRS MUST accept any version header starting with "1.0."',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'statements', query: { agent: agent() }, version: '1.0.1' }),
        200,
        'GET with version 1.0.1',
      )
    },
    ['1.0.3'],
  ),
  check('Comm 4.0', 'A request without credentials MUST be refused with 401', async ({ lrs }) => {
    expectStatus(
      await lrs.request({ path: 'statements', query: { agent: agent() }, authorization: null }),
      401,
      'GET without credentials',
    )
  }),
  check(
    'Comm 4.0',
    'A request with wrong credentials MUST be refused with 401',
    async ({ lrs }) => {
      const authorization = basicAuth('conformance-unknown-key', 'conformance-wrong-secret')
      expectStatus(
        await lrs.request({ path: 'statements', query: { agent: agent() }, authorization }),
        401,
        'GET with wrong credentials',
      )
    },
  ),
  check(
    'Comm 4.0',
    'A Statement posted without credentials MUST NOT be stored',
    async ({ lrs }) => {
      const s = statement()
      const response = await lrs.request({
        method: 'POST',
        path: 'statements',
        body: s,
        authorization: null,
      })
      expectStatus(response, 401, 'POST without credentials')
      expectStatus(
        await lrs.request({ path: 'statements', query: { statementId: String(s.id) } }),
        404,
        'GET of the refused Statement',
      )
    },
  ),
  check('Comm 2.8', 'The About resource answers 200 with a "version" array', async ({ lrs }) => {
    const response = await lrs.request({ path: 'about' })
    expectStatus(response, 200, 'GET about')
    const about = jsonBody<Json>(response, 'GET about')
    expectTrue(Array.isArray(about.version), '"version" is not an array')
  }),
  check('Comm 2.8', 'The About resource lists the version under test', async ({ lrs, version }) => {
    const about = jsonBody<Json>(await lrs.request({ path: 'about' }), 'GET about')
    const versions = (about.version ?? []) as string[]
    const prefix = version === '1.0.3' ? '1.0.' : '2.0.'
    expectTrue(
      versions.some((v) => v.startsWith(prefix)),
      `"version" is ${JSON.stringify(versions)}`,
    )
  }),
  check('Comm 2.8', 'The About resource SHOULD allow unauthenticated access', async ({ lrs }) => {
    expectStatus(
      await lrs.request({ path: 'about', authorization: null, version: null }),
      200,
      'GET about without credentials',
    )
  }),
  check('Comm 2.8', 'About "extensions", when present, is an Object', async ({ lrs }) => {
    const about = jsonBody<Json>(await lrs.request({ path: 'about' }), 'GET about')
    const extensions = about.extensions
    expectTrue(
      extensions === undefined ||
        (typeof extensions === 'object' && extensions !== null && !Array.isArray(extensions)),
      '"extensions" is not an Object',
    )
  }),
  check(
    'Comm 2.8',
    'The About resource MUST NOT reject requests based on their version header',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'about', version: '0.9' }),
        200,
        'GET about with version 0.9',
      )
    },
  ),
  check(
    'Comm 2.8',
    'The About resource MUST NOT have properties outside "version" and "extensions"',
    async ({ lrs }) => {
      const about = jsonBody<Json>(await lrs.request({ path: 'about' }), 'GET about')
      const extra = Object.keys(about).filter((key) => key !== 'version' && key !== 'extensions')
      expectEqual(extra, [], 'properties outside version and extensions')
    },
  ),
  check('Comm 1.1', 'HEAD on about answers like GET without a body', async ({ lrs }) => {
    const response = await lrs.request({ method: 'HEAD', path: 'about' })
    expectStatus(response, 200, 'HEAD about')
    expectEqual(response.bytes.length, 0, 'HEAD body length')
  }),
  // Alternate Request Syntax (1.0.3 only: IEEE 9274.1.1 removed it)
  check(
    'Comm 1.3',
    'The LRS MUST support the Alternate Request Syntax for PUT',
    async ({ lrs }) => {
      const s = statement()
      const form = new URLSearchParams({
        statementId: String(s.id),
        content: JSON.stringify(s),
        'Content-Type': 'application/json',
        Authorization: lrs.authorization,
        'X-Experience-API-Version': lrs.version,
      })
      const response = await lrs.request({
        method: 'POST',
        path: 'statements',
        query: { method: 'PUT' },
        headers: { 'Content-Type': FORM },
        body: form.toString(),
        authorization: null,
        version: null,
      })
      expectStatus(response, 204, 'alternate-syntax PUT')
      await fetchStatement(lrs, String(s.id))
    },
    ['1.0.3'],
  ),
  check(
    'Comm 1.3',
    'The LRS MUST treat form parameters as query parameters in the Alternate Request Syntax',
    async ({ lrs }) => {
      const learner = agent()
      const s = statement({ actor: learner })
      await store(lrs, s)
      const form = new URLSearchParams({
        agent: JSON.stringify(learner),
        Authorization: lrs.authorization,
        'X-Experience-API-Version': lrs.version,
      })
      const response = await lrs.request({
        method: 'POST',
        path: 'statements',
        query: { method: 'GET' },
        headers: { 'Content-Type': FORM },
        body: form.toString(),
        authorization: null,
        version: null,
      })
      expectStatus(response, 200, 'alternate-syntax GET')
      const ids = (
        jsonBody<{ statements: Json[] }>(response, 'alternate-syntax GET').statements ?? []
      ).map((x) => x.id)
      expectEqual(ids, [s.id], 'Statements returned')
    },
    ['1.0.3'],
  ),
  check(
    'Comm 1.3',
    'The Alternate Request Syntax MUST NOT carry query parameters other than method',
    async ({ lrs }) => {
      const form = new URLSearchParams({
        Authorization: lrs.authorization,
        'X-Experience-API-Version': lrs.version,
      })
      const response = await lrs.request({
        method: 'POST',
        path: 'statements',
        query: { method: 'GET', limit: 1 },
        headers: { 'Content-Type': FORM },
        body: form.toString(),
        authorization: null,
        version: null,
      })
      expectStatus(response, 400, 'alternate-syntax GET with an extra query parameter')
    },
    ['1.0.3'],
  ),
  check(
    'Comm 1.3',
    'The Alternate Request Syntax takes headers from form fields',
    async ({ lrs }) => {
      const learner = agent()
      await store(lrs, statement({ actor: learner }))
      const form = new URLSearchParams({
        agent: JSON.stringify(learner),
        Authorization: 'Basic bm9ib2R5Om5vdGhpbmc=',
        'X-Experience-API-Version': lrs.version,
      })
      const response = await lrs.request({
        method: 'POST',
        path: 'statements',
        query: { method: 'GET' },
        headers: { 'Content-Type': FORM },
        body: form.toString(),
        authorization: null,
        version: null,
      })
      expectStatus(response, 401, 'alternate-syntax GET with wrong credentials in the form')
      expectTrue(
        (await queryIds(lrs, { agent: learner })).length === 1,
        'the Statement must still be readable normally',
      )
    },
    ['1.0.3'],
  ),
]
