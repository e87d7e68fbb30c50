import { createHash } from 'node:crypto'
import { expectEqual, expectHeader, expectStatus, expectTrue, jsonBody } from '../lib/expect.js'
import { activityId, agent, pause, uuid, type Json } from '../lib/fixtures.js'
import type { LrsClient, LrsResponse } from '../lib/lrs-client.js'
import { ALL_VERSIONS, type Check, type XapiVersion } from '../lib/types.js'

/**
 * The three document resources share one contract (Comm 2.2) and its concurrency rules (Comm 3.1);
 * each resource gets the full set of checks, named after the resource and its own section.
 */

interface DocumentResource {
  readonly name: string
  readonly section: string
  readonly path: string
  readonly idParam: 'stateId' | 'profileId'
  /** Fresh parameters naming a set of documents (activity and/or agent). */
  scope(): Json
  /** The parameter whose absence must be a 400. */
  readonly required: string
}

const RESOURCES: readonly DocumentResource[] = [
  {
    name: 'State',
    section: 'Comm 2.3',
    path: 'activities/state',
    idParam: 'stateId',
    required: 'activityId',
    scope: () => ({ activityId: activityId(), agent: agent() }),
  },
  {
    name: 'Agent Profile',
    section: 'Comm 2.6',
    path: 'agents/profile',
    idParam: 'profileId',
    required: 'agent',
    scope: () => ({ agent: agent() }),
  },
  {
    name: 'Activity Profile',
    section: 'Comm 2.7',
    path: 'activities/profile',
    idParam: 'profileId',
    required: 'activityId',
    scope: () => ({ activityId: activityId() }),
  },
]

type Query = Record<string, string | object>

function doc(resource: DocumentResource): Query {
  return { ...(resource.scope() as Query), [resource.idParam]: `conformance-${uuid()}` }
}

function send(
  lrs: LrsClient,
  resource: DocumentResource,
  method: 'PUT' | 'POST' | 'DELETE' | 'GET' | 'HEAD',
  query: Query,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LrsResponse> {
  return lrs.request({
    method,
    path: resource.path,
    query,
    ...(body === undefined ? {} : { body }),
    headers,
  })
}

async function put(
  lrs: LrsClient,
  resource: DocumentResource,
  query: Query,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  expectStatus(await send(lrs, resource, 'PUT', query, body, headers), 204, `PUT ${resource.path}`)
}

async function etagOf(lrs: LrsClient, resource: DocumentResource, query: Query): Promise<string> {
  const response = await send(lrs, resource, 'GET', query)
  expectStatus(response, 200, `GET ${resource.path}`)
  return expectHeader(response, 'ETag', `GET ${resource.path}`)
}

function checksFor(r: DocumentResource): Check[] {
  const make = (
    section: string,
    requirement: string,
    run: Check['run'],
    versions: readonly XapiVersion[] = ALL_VERSIONS,
  ): Check => ({
    section,
    requirement: `${r.name}: ${requirement}`,
    versions,
    run,
  })
  const withoutId = (q: Query): Query => {
    const copy = { ...q }
    delete copy[r.idParam]
    return copy
  }

  return [
    make(r.section, 'PUT stores a JSON document and GET returns it', async ({ lrs }) => {
      const q = doc(r)
      await put(lrs, r, q, { colour: 'blue', count: 3 })
      const response = await send(lrs, r, 'GET', q)
      expectStatus(response, 200, `GET ${r.path}`)
      expectEqual(jsonBody(response, `GET ${r.path}`), { colour: 'blue', count: 3 }, 'document')
    }),
    make(
      r.section,
      'A non-JSON document is returned byte for byte with its Content-Type',
      async ({ lrs }) => {
        const q = doc(r)
        const text = `plain text ${uuid()} ✓`
        await put(lrs, r, q, text, { 'Content-Type': 'text/plain' })
        const response = await send(lrs, r, 'GET', q)
        expectStatus(response, 200, `GET ${r.path}`)
        expectEqual(response.text, text, 'document')
        expectTrue(
          (response.headers.get('Content-Type') ?? '').startsWith('text/plain'),
          `Content-Type is ${response.headers.get('Content-Type')}`,
        )
      },
    ),
    make(r.section, 'GET of a document that does not exist answers 404', async ({ lrs }) => {
      expectStatus(await send(lrs, r, 'GET', doc(r)), 404, `GET ${r.path} of a missing document`)
    }),
    make('Comm 3.1', 'GET MUST return an ETag header enclosed in quotes', async ({ lrs }) => {
      const q = doc(r)
      await put(lrs, r, q, { a: 1 })
      const etag = await etagOf(lrs, r, q)
      expectTrue(/^(W\/)?".*"$/.test(etag), `ETag ${etag} is not quoted`)
    }),
    make('Comm 3.1', 'The ETag changes when the document changes', async ({ lrs }) => {
      const q = doc(r)
      await put(lrs, r, q, { a: 1 })
      const before = await etagOf(lrs, r, q)
      await put(lrs, r, q, { a: 2 }, { 'If-Match': before })
      expectTrue((await etagOf(lrs, r, q)) !== before, 'the ETag did not change')
    }),
    make(
      'Comm 2.2',
      'POST of JSON merges its top-level properties into the stored JSON document',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { kept: 1, replaced: 'old' })
        const etag = await etagOf(lrs, r, q)
        expectStatus(
          await send(lrs, r, 'POST', q, { replaced: 'new', added: true }, { 'If-Match': etag }),
          204,
          `POST ${r.path}`,
        )
        const response = await send(lrs, r, 'GET', q)
        expectEqual(
          jsonBody(response, `GET ${r.path}`),
          { kept: 1, replaced: 'new', added: true },
          'merged document',
        )
      },
    ),
    make('Comm 2.2', 'POST creates the document when none exists', async ({ lrs }) => {
      const q = doc(r)
      expectStatus(await send(lrs, r, 'POST', q, { created: true }), 204, `POST ${r.path}`)
      expectEqual(
        jsonBody(await send(lrs, r, 'GET', q), `GET ${r.path}`),
        { created: true },
        'document',
      )
    }),
    make(
      'Comm 2.2',
      'POST of JSON onto a non-JSON document MUST be rejected with 400',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, 'plain text', { 'Content-Type': 'text/plain' })
        const etag = await etagOf(lrs, r, q)
        expectStatus(
          await send(lrs, r, 'POST', q, { a: 1 }, { 'If-Match': etag }),
          400,
          `POST ${r.path} onto text`,
        )
      },
    ),
    make(
      'Comm 2.2',
      'POST with a non-JSON Content-Type onto a JSON document MUST be rejected with 400',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { a: 1 })
        const etag = await etagOf(lrs, r, q)
        const response = await send(lrs, r, 'POST', q, 'b=2', {
          'Content-Type': 'text/plain',
          'If-Match': etag,
        })
        expectStatus(response, 400, `POST ${r.path} of text onto JSON`)
        expectEqual(jsonBody(await send(lrs, r, 'GET', q), 'GET'), { a: 1 }, 'document')
      },
    ),
    make(
      'Comm 2.2',
      'A single document GET includes Last-Modified (SHOULD* in 1.0.3, MUST in 2.0.0)',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { a: 1 })
        const response = await send(lrs, r, 'GET', q)
        const value = expectHeader(response, 'Last-Modified', `GET ${r.path}`)
        expectTrue(!Number.isNaN(Date.parse(value)), `Last-Modified is not a date: ${value}`)
      },
    ),
    make(
      'Comm 2.2',
      'POST of a JSON array or scalar MUST be rejected with 400',
      async ({ lrs }) => {
        expectStatus(
          await send(lrs, r, 'POST', doc(r), [1, 2, 3]),
          400,
          `POST ${r.path} of an array`,
        )
      },
    ),
    make(r.section, 'DELETE removes the document', async ({ lrs }) => {
      const q = doc(r)
      await put(lrs, r, q, { a: 1 })
      const etag = await etagOf(lrs, r, q)
      expectStatus(
        await send(lrs, r, 'DELETE', q, undefined, { 'If-Match': etag }),
        204,
        `DELETE ${r.path}`,
      )
      expectStatus(await send(lrs, r, 'GET', q), 404, `GET ${r.path} after DELETE`)
    }),
    make('Comm 3.1', 'PUT with a matching If-Match replaces the document', async ({ lrs }) => {
      const q = doc(r)
      await put(lrs, r, q, { v: 1 })
      await put(lrs, r, q, { v: 2 }, { 'If-Match': await etagOf(lrs, r, q) })
      expectEqual(jsonBody(await send(lrs, r, 'GET', q), 'GET'), { v: 2 }, 'document')
    }),
    make(
      'Comm 3.1',
      'PUT with a stale If-Match MUST answer 412 and leave the document unchanged',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { v: 1 })
        const response = await send(
          lrs,
          r,
          'PUT',
          q,
          { v: 2 },
          { 'If-Match': '"0000000000000000000000000000000000000000"' },
        )
        expectStatus(response, 412, `PUT ${r.path} with a stale If-Match`)
        expectEqual(jsonBody(await send(lrs, r, 'GET', q), 'GET'), { v: 1 }, 'document')
      },
    ),
    make(
      'Comm 3.1',
      'PUT with If-None-Match: * onto an existing document MUST answer 412',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { v: 1 })
        expectStatus(
          await send(lrs, r, 'PUT', q, { v: 2 }, { 'If-None-Match': '*' }),
          412,
          `PUT ${r.path} with If-None-Match: *`,
        )
      },
    ),
    make(
      'Comm 3.1',
      'PUT with If-None-Match: * creates a document that does not exist',
      async ({ lrs }) => {
        await put(lrs, r, doc(r), { v: 1 }, { 'If-None-Match': '*' })
      },
    ),
    // xAPI 1.0.3 exempts the State resource ("will permit PUT, POST and DELETE requests without
    // concurrency headers"); IEEE 9274.1.1 clause 4.1.4 applies the 409 rule to all three.
    make(
      r.name === 'State' ? 'Comm 3.1 (2.0.0)' : 'Comm 3.1',
      'PUT without If-Match or If-None-Match onto an existing document MUST answer 409',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { v: 1 })
        expectStatus(
          await send(lrs, r, 'PUT', q, { v: 2 }),
          409,
          `PUT ${r.path} without a precondition`,
        )
        expectEqual(jsonBody(await send(lrs, r, 'GET', q), 'GET'), { v: 1 }, 'document')
      },
      r.name === 'State' ? ['2.0.0'] : ALL_VERSIONS,
    ),
    make(
      'Comm 3.1 (1.0.3)',
      'The ETag MUST be the hexadecimal SHA-1 digest of the contents',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { sha: 1 })
        const response = await send(lrs, r, 'GET', q)
        expectStatus(response, 200, `GET ${r.path}`)
        const etag = expectHeader(response, 'ETag', `GET ${r.path}`).replace(/^(W\/)?"|"$/g, '')
        expectEqual(
          etag.toLowerCase(),
          createHash('sha1').update(response.bytes).digest('hex'),
          'ETag',
        )
      },
      ['1.0.3'],
    ),
    make(
      'Comm 3.1 (2.0.0)',
      'POST with a stale If-Match MUST answer 412',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { v: 1 })
        expectStatus(
          await send(
            lrs,
            r,
            'POST',
            q,
            { v: 2 },
            { 'If-Match': '"0000000000000000000000000000000000000000"' },
          ),
          412,
          `POST ${r.path} with a stale If-Match`,
        )
      },
      ['2.0.0'],
    ),
    make(
      'Comm 3.1 (2.0.0)',
      'DELETE with a stale If-Match MUST answer 412 and keep the document',
      async ({ lrs }) => {
        const q = doc(r)
        await put(lrs, r, q, { v: 1 })
        expectStatus(
          await send(lrs, r, 'DELETE', q, undefined, {
            'If-Match': '"0000000000000000000000000000000000000000"',
          }),
          412,
          `DELETE ${r.path} with a stale If-Match`,
        )
        expectStatus(await send(lrs, r, 'GET', q), 200, `GET ${r.path}`)
      },
      ['2.0.0'],
    ),
    make(
      r.section,
      `GET without ${r.idParam} returns the array of document ids`,
      async ({ lrs }) => {
        const scope = doc(r)
        const first = String(scope[r.idParam])
        const second = `conformance-${uuid()}`
        await put(lrs, r, scope, { n: 1 })
        await put(lrs, r, { ...scope, [r.idParam]: second }, { n: 2 })
        const response = await send(lrs, r, 'GET', withoutId(scope))
        expectStatus(response, 200, `GET ${r.path} ids`)
        const ids = jsonBody<string[]>(response, `GET ${r.path} ids`)
        expectEqual([...ids].sort(), [first, second].sort(), 'document ids')
      },
    ),
    make(
      r.section,
      `GET of ids with since returns only documents updated after it`,
      async ({ lrs }) => {
        const scope = doc(r)
        await put(lrs, r, scope, { n: 1 })
        await pause(1100)
        const since = new Date().toISOString()
        await pause(1100)
        const late = `conformance-${uuid()}`
        await put(lrs, r, { ...scope, [r.idParam]: late }, { n: 2 })
        const response = await send(lrs, r, 'GET', { ...withoutId(scope), since })
        expectStatus(response, 200, `GET ${r.path} ids since`)
        expectEqual(jsonBody(response, 'GET ids'), [late], 'document ids since')
      },
    ),
    make(
      'Comm 3.2',
      `A request without ${r.required} MUST be rejected with 400`,
      async ({ lrs }) => {
        const q = doc(r)
        delete q[r.required]
        expectStatus(await send(lrs, r, 'GET', q), 400, `GET ${r.path} without ${r.required}`)
      },
    ),
    make('Comm 3.2', 'An unknown parameter MUST be rejected with 400', async ({ lrs }) => {
      expectStatus(
        await send(lrs, r, 'GET', { ...doc(r), colour: 'blue' }),
        400,
        `GET ${r.path} with an unknown parameter`,
      )
    }),
    make('Comm 1.1', 'HEAD answers like GET without a body', async ({ lrs }) => {
      const q = doc(r)
      await put(lrs, r, q, { a: 1 })
      const response = await send(lrs, r, 'HEAD', q)
      expectStatus(response, 200, `HEAD ${r.path}`)
      expectEqual(response.bytes.length, 0, 'HEAD body length')
    }),
    make(
      'Comm 2.2',
      'Documents are stored for Activities and Agents the LRS has never seen',
      async ({ lrs }) => {
        await put(lrs, r, doc(r), { fresh: true })
      },
    ),
  ]
}

const stateOnly: readonly Check[] = [
  {
    section: 'Comm 3.1 (1.0.3)',
    requirement: 'State: PUT without concurrency headers onto an existing document is permitted',
    versions: ['1.0.3'],
    async run({ lrs }) {
      const state = RESOURCES[0] as DocumentResource
      const q = doc(state)
      await put(lrs, state, q, { v: 1 })
      await put(lrs, state, q, { v: 2 })
      expectEqual(jsonBody(await send(lrs, state, 'GET', q), 'GET'), { v: 2 }, 'document')
    },
  },
  {
    section: 'Comm 2.3',
    requirement: 'State: DELETE without stateId removes every document of that Activity and Agent',
    versions: ALL_VERSIONS,
    async run({ lrs }) {
      const state = RESOURCES[0] as DocumentResource
      const scope = doc(state)
      const other = { ...scope, stateId: `conformance-${uuid()}` }
      await put(lrs, state, scope, { n: 1 })
      await put(lrs, state, other, { n: 2 })
      const base = { activityId: scope.activityId as string, agent: scope.agent as object }
      expectStatus(
        await send(lrs, state, 'DELETE', base),
        204,
        'DELETE activities/state without stateId',
      )
      expectStatus(await send(lrs, state, 'GET', scope), 404, 'GET of the first state')
      expectStatus(await send(lrs, state, 'GET', other), 404, 'GET of the second state')
    },
  },
  {
    section: 'Comm 2.3',
    requirement: 'State: documents stored under a registration are kept apart from those without',
    versions: ALL_VERSIONS,
    async run({ lrs }) {
      const state = RESOURCES[0] as DocumentResource
      const q = doc(state)
      await put(lrs, state, { ...q, registration: uuid() }, { scoped: true })
      expectStatus(
        await send(lrs, state, 'GET', q),
        404,
        'GET of the state without the registration',
      )
    },
  },
  {
    section: 'Comm 2.3 (2.0.0)',
    requirement: 'State: stateId and since together MUST be rejected with 400',
    versions: ['2.0.0'],
    async run({ lrs }) {
      const state = RESOURCES[0] as DocumentResource
      const response = await send(lrs, state, 'GET', {
        ...doc(state),
        since: new Date(Date.now() - 60_000).toISOString(),
      })
      expectStatus(response, 400, 'GET activities/state with stateId and since')
    },
  },
  {
    section: 'Comm 2.3',
    requirement: 'State: a registration that is not a UUID MUST be rejected with 400',
    versions: ALL_VERSIONS,
    async run({ lrs }) {
      const state = RESOURCES[0] as DocumentResource
      expectStatus(
        await send(lrs, state, 'GET', { ...doc(state), registration: 'not-a-uuid' }),
        400,
        'GET with a malformed registration',
      )
    },
  },
  {
    section: 'Comm 2.3',
    requirement: 'State: a malformed agent parameter MUST be rejected with 400',
    versions: ALL_VERSIONS,
    async run({ lrs }) {
      const state = RESOURCES[0] as DocumentResource
      expectStatus(
        await send(lrs, state, 'GET', { ...doc(state), agent: '{"mbox":' }),
        400,
        'GET with a malformed agent',
      )
    },
  },
  {
    section: 'Comm 2.6',
    requirement: 'Agent Profile: an agent parameter without an IFI MUST be rejected with 400',
    versions: ALL_VERSIONS,
    async run({ lrs }) {
      const profile = RESOURCES[1] as DocumentResource
      expectStatus(
        await send(lrs, profile, 'GET', { ...doc(profile), agent: { name: 'No IFI' } }),
        400,
        'GET with an agent lacking an IFI',
      )
    },
  },
]

export const documentChecks: readonly Check[] = [...RESOURCES.flatMap(checksFor), ...stateOnly]
