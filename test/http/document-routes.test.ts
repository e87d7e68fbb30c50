import { createHash, randomUUID } from 'node:crypto'
import t from 'tap'
import { AUTH, startHub, type TestHub } from '../helpers/hub.js'

/**
 * The State, Activity Profile and Agent Profile resources through HTTP (xAPI 1.0.3 Communication
 * §2.2-2.7 and §3.1; xAPI 2.0.0 §4.1.4, §4.1.6.2, §4.1.6.5, §4.1.6.6).
 */

const ACTIVITY = 'https://example.org/activities/course-1'
const AGENT = JSON.stringify({ objectType: 'Agent', mbox: 'mailto:ana@example.org' })

interface Resource {
  name: string
  url: string
  idName: 'stateId' | 'profileId'
  /** Parameters naming the context, without the document id. */
  context: Record<string, string>
  /** Whether 1.0.3 lets a PUT without concurrency headers replace an existing document. */
  bareReplaceIn103: boolean
}

const RESOURCES: Resource[] = [
  {
    name: 'State',
    url: '/xapi/activities/state',
    idName: 'stateId',
    context: { activityId: ACTIVITY, agent: AGENT },
    bareReplaceIn103: true,
  },
  {
    name: 'Activity Profile',
    url: '/xapi/activities/profile',
    idName: 'profileId',
    context: { activityId: ACTIVITY },
    bareReplaceIn103: false,
  },
  {
    name: 'Agent Profile',
    url: '/xapi/agents/profile',
    idName: 'profileId',
    context: { agent: AGENT },
    bareReplaceIn103: false,
  },
]

const sha1Tag = (bytes: Buffer | string): string =>
  `"${createHash('sha1').update(bytes).digest('hex')}"`

function one(
  resource: Resource,
  id: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...resource.context, [resource.idName]: id, ...extra }
}

async function put(
  hub: TestHub,
  r: Resource,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return hub.xapi({ method: 'PUT', url: r.url, query: one(r, id), body, headers })
}

for (const r of RESOURCES) {
  t.test(`${r.name} Resource`, async (t) => {
    const hub = await startHub(t)

    t.test(
      'stores any content type byte for byte and returns it with ETag and Last-Modified',
      async (t) => {
        const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13])
        const json = '{ "b" : 1,\n  "a":[1, 2] }'
        const cases: Array<[string, string, Buffer | string]> = [
          ['bin', 'application/octet-stream', binary],
          ['text', 'text/plain; charset=utf-8', 'héllo\r\nwörld'],
          ['json', 'application/json', json],
        ]
        for (const [id, contentType, body] of cases) {
          const res = await hub.xapi({
            method: 'PUT',
            url: r.url,
            query: one(r, id),
            body,
            headers: { 'content-type': contentType, 'if-none-match': '*' },
          })
          t.equal(res.statusCode, 204, `PUT ${id}`)
          t.equal(res.headers.etag, sha1Tag(body), 'the write answers with the new ETag')
          const got = await hub.xapi({ url: r.url, query: one(r, id) })
          t.equal(got.statusCode, 200)
          t.same(got.rawPayload, Buffer.from(body), `${id} comes back byte for byte`)
          t.equal(got.headers['content-type'], contentType)
          t.equal(got.headers.etag, sha1Tag(body), 'ETag is the quoted SHA-1 of the content')
          t.match(got.headers['last-modified'], /GMT$/)
          t.equal(got.headers['x-experience-api-version'], '2.0.0')
        }
      },
    )

    t.test('answers HEAD like GET without a body', async (t) => {
      await put(hub, r, 'head', { a: 1 }, { 'if-none-match': '*' })
      const res = await hub.xapi({ method: 'HEAD', url: r.url, query: one(r, 'head') })
      t.equal(res.statusCode, 200)
      t.equal(res.payload, '')
      t.equal(res.headers.etag, sha1Tag('{"a":1}'))
      t.ok(res.headers['last-modified'])
      const list = await hub.xapi({ method: 'HEAD', url: r.url, query: r.context })
      t.equal(list.statusCode, 200)
      t.equal(list.payload, '')
      t.ok(list.headers.etag)
    })

    t.test('merges top-level properties of JSON objects on POST', async (t) => {
      t.equal(
        (
          await hub.xapi({
            method: 'POST',
            url: r.url,
            query: one(r, 'merge'),
            body: { x: 'foo', y: 'bar' },
          })
        ).statusCode,
        204,
      )
      const res = await hub.xapi({
        method: 'POST',
        url: r.url,
        query: one(r, 'merge'),
        body: { x: 'bash', z: { deep: 1 } },
      })
      t.equal(res.statusCode, 204)
      const got = await hub.xapi({ url: r.url, query: one(r, 'merge') })
      t.same(got.json(), { x: 'bash', y: 'bar', z: { deep: 1 } })
      t.equal(got.headers.etag, sha1Tag(got.rawPayload))

      const replaced = await hub.xapi({
        method: 'POST',
        url: r.url,
        query: one(r, 'merge'),
        body: { z: { other: 2 } },
      })
      t.equal(replaced.statusCode, 204)
      t.same(
        (await hub.xapi({ url: r.url, query: one(r, 'merge') })).json().z,
        { other: 2 },
        'nested objects are replaced',
      )
    })

    t.test(
      'refuses to merge when either side is not a JSON object, changing nothing',
      async (t) => {
        await put(hub, r, 'plain', 'just text', {
          'content-type': 'text/plain',
          'if-none-match': '*',
        })
        const onText = await hub.xapi({
          method: 'POST',
          url: r.url,
          query: one(r, 'plain'),
          body: { a: 1 },
        })
        t.equal(onText.statusCode, 400)
        t.equal(onText.json().error.code, 'bad_request')
        t.equal((await hub.xapi({ url: r.url, query: one(r, 'plain') })).payload, 'just text')

        await put(hub, r, 'obj', { a: 1 }, { 'if-none-match': '*' })
        const before = (await hub.xapi({ url: r.url, query: one(r, 'obj') })).payload
        for (const [body, type] of [
          ['[1,2]', 'application/json'],
          ['"text"', 'application/json'],
          ['{"a":2}', 'text/plain'],
        ] as const) {
          const res = await hub.xapi({
            method: 'POST',
            url: r.url,
            query: one(r, 'obj'),
            body,
            headers: { 'content-type': type },
          })
          t.equal(res.statusCode, 400, `POST ${body} as ${type}`)
          t.ok(res.json().error.field)
        }
        t.equal((await hub.xapi({ url: r.url, query: one(r, 'obj') })).payload, before)

        const array = await hub.xapi({
          method: 'PUT',
          url: r.url,
          query: one(r, 'arr'),
          body: '[1]',
          headers: { 'if-none-match': '*' },
        })
        t.equal(array.statusCode, 204, 'a JSON array is a fine document on its own')
        t.equal(
          (await hub.xapi({ method: 'POST', url: r.url, query: one(r, 'arr'), body: { a: 1 } }))
            .statusCode,
          400,
        )

        const broken = await hub.xapi({
          method: 'PUT',
          url: r.url,
          query: one(r, 'broken'),
          body: '{oops',
          headers: { 'if-none-match': '*' },
        })
        t.equal(broken.statusCode, 400, 'application/json content must be JSON')
      },
    )

    t.test('POST of JSON that is not an object is a 400 even when nothing is stored', async (t) => {
      for (const body of ['[1,2,3]', '42', '"text"']) {
        const res = await hub.xapi({ method: 'POST', url: r.url, query: one(r, 'never'), body })
        t.equal(res.statusCode, 400, body)
        t.equal(res.json().error.field, 'body')
      }
      t.equal((await hub.xapi({ url: r.url, query: one(r, 'never') })).statusCode, 404)
    })

    t.test('POST creates a document of any type when none exists', async (t) => {
      const res = await hub.xapi({
        method: 'POST',
        url: r.url,
        query: one(r, 'new-post'),
        body: 'abc',
        headers: { 'content-type': 'text/csv' },
      })
      t.equal(res.statusCode, 204)
      const got = await hub.xapi({ url: r.url, query: one(r, 'new-post') })
      t.equal(got.payload, 'abc')
      t.equal(got.headers['content-type'], 'text/csv')
    })

    t.test('honours If-Match and If-None-Match on PUT, POST and DELETE', async (t) => {
      await put(hub, r, 'cc', { v: 1 }, { 'if-none-match': '*' })
      const etag = (await hub.xapi({ url: r.url, query: one(r, 'cc') })).headers.etag as string
      const wrong = '"1111111111111111111111111111111111111111"'

      const stale = await put(hub, r, 'cc', { v: 2 }, { 'if-match': wrong })
      t.equal(stale.statusCode, 412)
      t.equal(stale.json().error.code, 'precondition_failed')
      t.equal((await put(hub, r, 'cc', { v: 2 }, { 'if-none-match': '*' })).statusCode, 412)
      t.equal(
        (
          await hub.xapi({
            method: 'POST',
            url: r.url,
            query: one(r, 'cc'),
            body: { w: 1 },
            headers: { 'if-match': wrong },
          })
        ).statusCode,
        412,
      )
      t.equal(
        (
          await hub.xapi({
            method: 'POST',
            url: r.url,
            query: one(r, 'cc'),
            body: { w: 1 },
            headers: { 'if-none-match': '*' },
          })
        ).statusCode,
        412,
      )
      t.equal(
        (
          await hub.xapi({
            method: 'DELETE',
            url: r.url,
            query: one(r, 'cc'),
            headers: { 'if-match': wrong },
          })
        ).statusCode,
        412,
      )
      t.same(
        (await hub.xapi({ url: r.url, query: one(r, 'cc') })).json(),
        { v: 1 },
        'nothing changed',
      )

      t.equal((await put(hub, r, 'cc', { v: 2 }, { 'if-match': etag })).statusCode, 204)
      t.equal((await put(hub, r, 'cc', { v: 3 }, { 'if-match': '*' })).statusCode, 204)
      const etag3 = sha1Tag('{"v":3}')
      t.equal(
        (
          await hub.xapi({
            method: 'POST',
            url: r.url,
            query: one(r, 'cc'),
            body: { w: 1 },
            headers: { 'if-match': etag3 },
          })
        ).statusCode,
        204,
      )
      const etag4 = (await hub.xapi({ url: r.url, query: one(r, 'cc') })).headers.etag as string
      t.equal(
        (
          await hub.xapi({
            method: 'DELETE',
            url: r.url,
            query: one(r, 'cc'),
            headers: { 'if-match': etag4 },
          })
        ).statusCode,
        204,
      )
      t.equal((await hub.xapi({ url: r.url, query: one(r, 'cc') })).statusCode, 404)

      t.equal(
        (await put(hub, r, 'absent', { v: 1 }, { 'if-match': '*' })).statusCode,
        412,
        'If-Match needs a document',
      )
      t.equal((await hub.xapi({ url: r.url, query: one(r, 'absent') })).statusCode, 404)
    })

    t.test('answers a conditional GET with 304 or 412', async (t) => {
      await put(hub, r, 'cond', { v: 1 }, { 'if-none-match': '*' })
      const etag = sha1Tag('{"v":1}')
      const notModified = await hub.xapi({
        url: r.url,
        query: one(r, 'cond'),
        headers: { 'if-none-match': etag },
      })
      t.equal(notModified.statusCode, 304)
      t.equal(notModified.headers.etag, etag)
      const changed = await hub.xapi({
        url: r.url,
        query: one(r, 'cond'),
        headers: { 'if-match': '"other"' },
      })
      t.equal(changed.statusCode, 412)
    })

    t.test(
      'a PUT without concurrency headers over an existing document: 409 where the version requires it',
      async (t) => {
        for (const version of ['1.0.3', '2.0.0']) {
          const id = `bare-${version}`
          t.equal(
            (
              await hub.xapi({
                method: 'PUT',
                url: r.url,
                query: one(r, id),
                body: { v: 1 },
                version,
              })
            ).statusCode,
            204,
            'creating needs no header',
          )
          const res = await hub.xapi({
            method: 'PUT',
            url: r.url,
            query: one(r, id),
            body: { v: 2 },
            version,
          })
          const got = (await hub.xapi({ url: r.url, query: one(r, id), version })).json()
          if (version === '1.0.3' && r.bareReplaceIn103) {
            t.equal(res.statusCode, 204, '1.0.3 State permits requests without concurrency headers')
            t.same(got, { v: 2 })
          } else {
            t.equal(res.statusCode, 409, `${version}: 409 Conflict`)
            t.match(
              res.json().error.message,
              /If-Match/,
              'explains to check the state and send If-Match',
            )
            t.equal(res.headers['x-experience-api-version'], version)
            t.same(got, { v: 1 }, 'nothing changed')
          }
        }
      },
    )

    t.test('lists ids, filters by since (exclusive) and reports the newest change', async (t) => {
      const listHub = await startHub(t)
      t.same((await listHub.xapi({ url: r.url, query: r.context })).json(), [])
      await put(listHub, r, 'a', { v: 1 }, { 'if-none-match': '*' })
      await put(listHub, r, 'b', { v: 1 }, { 'if-none-match': '*' })
      const all = await listHub.xapi({ url: r.url, query: r.context })
      t.equal(all.statusCode, 200)
      t.same(all.json(), ['a', 'b'])
      t.match(all.headers['content-type'], /^application\/json/)
      t.ok(all.headers['last-modified'])
      t.ok(all.headers.etag)

      const { rows } = await listHub.db.query<{ updated: string }>(
        `SELECT to_char(updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated FROM documents WHERE doc_id = 'b'`,
      )
      const bUpdated = rows[0]?.updated as string
      t.same(
        (await listHub.xapi({ url: r.url, query: { ...r.context, since: bUpdated } })).json(),
        [],
        'exclusive',
      )
      await put(listHub, r, 'a', { v: 2 }, { 'if-match': '*' })
      t.same(
        (await listHub.xapi({ url: r.url, query: { ...r.context, since: bUpdated } })).json(),
        ['a'],
      )
      t.same(
        (
          await listHub.xapi({
            url: r.url,
            query: { ...r.context, since: '2000-01-01T00:00:00+07:00' },
          })
        ).json(),
        ['a', 'b'],
      )
    })

    t.test('deletes one document', async (t) => {
      await put(hub, r, 'gone', { v: 1 }, { 'if-none-match': '*' })
      t.equal(
        (await hub.xapi({ method: 'DELETE', url: r.url, query: one(r, 'gone') })).statusCode,
        204,
      )
      t.equal((await hub.xapi({ url: r.url, query: one(r, 'gone') })).statusCode, 404)
      t.equal(
        (await hub.xapi({ method: 'DELETE', url: r.url, query: one(r, 'gone') })).statusCode,
        204,
        'deleting nothing is fine',
      )
    })

    t.test('rejects malformed and unknown parameters with the field named', async (t) => {
      const bad: Array<[Record<string, string>, string]> = [
        [{ ...one(r, 'x'), extra: '1' }, 'query.extra'],
        [{ ...one(r, 'x'), since: '2020-01-01T00:00:00Z' }, 'query.since'],
        [{ ...one(r, 'x', { [r.idName]: '' }) }, `query.${r.idName}`],
      ]
      if ('activityId' in r.context) {
        bad.push([{ ...one(r, 'x'), activityId: 'not an iri' }, 'query.activityId'])
        const { activityId, ...rest } = one(r, 'x')
        void activityId
        bad.push([rest, 'query.activityId'])
        bad.push([{ ...rest, ActivityId: ACTIVITY }, 'query.ActivityId'])
      }
      if ('agent' in r.context) {
        bad.push([
          { ...one(r, 'x'), agent: '{"mbox":"mailto:a@b.c","openid":"https://id.example/a"}' },
          'query.agent',
        ])
        bad.push([
          { ...one(r, 'x'), agent: '{"objectType":"Group","mbox":"mailto:g@b.c"}' },
          'query.agent.objectType',
        ])
        bad.push([{ ...one(r, 'x'), agent: '{"mbox":"ana@example.org"}' }, 'query.agent.mbox'])
        bad.push([{ ...one(r, 'x'), agent: 'nope' }, 'query.agent'])
      }
      for (const [query, field] of bad) {
        const res = await hub.xapi({ url: r.url, query })
        t.equal(res.statusCode, 400, JSON.stringify(query))
        t.equal(res.json().error.field, field)
        t.equal(res.headers['x-experience-api-version'], '2.0.0')
      }
      const since = await hub.xapi({ url: r.url, query: { ...r.context, since: 'yesterday' } })
      t.equal(since.json().error.field, 'query.since')
      const missing = await hub.xapi({
        method: 'PUT',
        url: r.url,
        query: r.context,
        body: { a: 1 },
      })
      t.equal(missing.statusCode, 400)
      t.equal(missing.json().error.field, `query.${r.idName}`)
    })

    t.test('requires the version header and a credential', async (t) => {
      const noVersion = await hub.xapi({
        url: r.url,
        query: one(r, 'x'),
        headers: { 'x-experience-api-version': undefined },
      })
      t.equal(noVersion.statusCode, 400)
      t.equal(noVersion.json().error.field, 'header.X-Experience-API-Version')
      const noAuth = await hub.xapi({
        url: r.url,
        query: one(r, 'x'),
        headers: { authorization: undefined },
      })
      t.equal(noAuth.statusCode, 401)
      const old = await hub.xapi({ url: r.url, query: r.context, version: '1.0' })
      t.equal(old.statusCode, 200)
      t.equal(old.headers['x-experience-api-version'], '1.0.3')
    })

    t.test('allows cross-origin use with the concurrency headers exposed', async (t) => {
      const res = await hub.app.inject({
        method: 'OPTIONS',
        url: r.url,
        headers: {
          origin: 'https://lms.example.org',
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'if-match,content-type,x-experience-api-version',
        },
      })
      t.equal(res.statusCode, 204)
      t.equal(res.headers['access-control-allow-origin'], 'https://lms.example.org')
      t.match(String(res.headers['access-control-allow-headers']), /If-Match/)
      const got = await hub.xapi({
        url: r.url,
        query: r.context,
        headers: { origin: 'https://lms.example.org' },
      })
      t.match(String(got.headers['access-control-expose-headers']), /ETag/)
    })

    t.test('accepts the 1.0.3 Alternate Request Syntax and refuses it under 2.0.0', async (t) => {
      const form = new URLSearchParams({
        ...one(r, 'alt'),
        content: '{"via":"form"}',
        'Content-Type': 'application/json',
        'If-None-Match': '*',
      })
      const res = await hub.xapi({
        method: 'POST',
        url: `${r.url}?method=PUT`,
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        version: '1.0.3',
      })
      t.equal(res.statusCode, 204)
      t.same((await hub.xapi({ url: r.url, query: one(r, 'alt') })).json(), { via: 'form' })
      const refused = await hub.xapi({
        method: 'POST',
        url: `${r.url}?method=PUT`,
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      t.equal(refused.statusCode, 400)
    })

    t.test('keeps each platform to its own documents', async (t) => {
      const id = `secret-${randomUUID()}`
      await hub.db.query(
        `INSERT INTO documents (client_id, kind, activity_id, agent_key, registration, doc_id, content_type, content, etag, updated)
         SELECT 'other-platform', kind, activity_id, agent_key, registration, $1, content_type, content, etag, updated
         FROM documents WHERE doc_id = 'a' OR doc_id = 'obj' LIMIT 1`,
        [id],
      )
      const { rows } = await hub.db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM documents WHERE client_id = 'other-platform'",
      )
      t.equal(rows[0]?.n, '1', 'another platform has a document in the same context')
      t.equal((await hub.xapi({ url: r.url, query: one(r, id) })).statusCode, 404)
      t.notOk((await hub.xapi({ url: r.url, query: r.context })).json().includes(id))
      if (r.idName === 'stateId') await hub.xapi({ method: 'DELETE', url: r.url, query: r.context })
      const after = await hub.db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM documents WHERE client_id = 'other-platform'",
      )
      t.equal(after.rows[0]?.n, '1', 'a delete-all leaves the other platform alone')
    })
  })
}

t.test(
  'State registrations separate documents; multiple DELETE honours the registration',
  async (t) => {
    const hub = await startHub(t)
    const url = '/xapi/activities/state'
    const ctx = { activityId: ACTIVITY, agent: AGENT }
    const reg1 = randomUUID()
    const reg2 = randomUUID().toUpperCase()
    for (const [registration, id] of [
      [undefined, 'none'],
      [reg1, 'r1'],
      [reg2, 'r2'],
      [reg2, 'shared'],
      [reg1, 'shared'],
    ]) {
      const query = {
        ...ctx,
        stateId: id as string,
        ...(registration === undefined ? {} : { registration }),
      }
      t.equal((await hub.xapi({ method: 'PUT', url, query, body: { id } })).statusCode, 204)
    }
    t.same((await hub.xapi({ url, query: { ...ctx, registration: reg1 } })).json(), [
      'r1',
      'shared',
    ])
    t.same(
      (await hub.xapi({ url, query: { ...ctx, registration: reg2.toLowerCase() } })).json(),
      ['r2', 'shared'],
      'registrations compare case-insensitively',
    )
    t.equal(
      (await hub.xapi({ url, query: { ...ctx, stateId: 'r1' } })).statusCode,
      404,
      'no registration is its own context',
    )
    t.same(
      (await hub.xapi({ url, query: ctx })).json(),
      ['none', 'r1', 'r2', 'shared'],
      'without registration: every registration',
    )
    const badRegistration = await hub.xapi({ url, query: { ...ctx, registration: 'not-a-uuid' } })
    t.equal(badRegistration.json().error.field, 'query.registration')

    t.equal(
      (await hub.xapi({ method: 'DELETE', url, query: { ...ctx, registration: reg1 } })).statusCode,
      204,
    )
    t.same((await hub.xapi({ url, query: ctx })).json(), ['none', 'r2', 'shared'])
    t.equal((await hub.xapi({ method: 'DELETE', url, query: ctx })).statusCode, 204)
    t.same((await hub.xapi({ url, query: ctx })).json(), [])
  },
)

t.test('Profiles need a profileId to delete', async (t) => {
  const hub = await startHub(t)
  const res = await hub.xapi({
    method: 'DELETE',
    url: '/xapi/activities/profile',
    query: { activityId: ACTIVITY },
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.field, 'query.profileId')
})

t.test('a chunked body without Content-Length is cut off at the limit with 413', async (t) => {
  const hub = await startHub(t, { documentLimit: 1000 })
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const query = new URLSearchParams({ activityId: ACTIVITY, agent: AGENT, stateId: 'chunked' })
  const chunk = new TextEncoder().encode('x'.repeat(400))
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 5) controller.enqueue(chunk)
      else controller.close()
    },
  })
  const res = await fetch(`${address}/xapi/activities/state?${query}`, {
    method: 'PUT',
    body,
    duplex: 'half',
    headers: {
      authorization: AUTH,
      'x-experience-api-version': '2.0.0',
      'content-type': 'text/plain',
    },
  } as RequestInit)
  t.equal(res.status, 413)
  t.match(((await res.json()) as { error: { rule: string } }).error.rule, /1000 bytes/)
  const after = await hub.xapi({ url: '/xapi/activities/state', query: Object.fromEntries(query) })
  t.equal(after.statusCode, 404, 'nothing was stored')
})

t.test(
  'documents larger than the configured limit are refused with 413 naming the limit',
  async (t) => {
    const hub = await startHub(t, { documentLimit: 64 })
    const url = '/xapi/activities/state'
    const query = { activityId: ACTIVITY, agent: AGENT, stateId: 'big' }
    const res = await hub.xapi({
      method: 'PUT',
      url,
      query,
      body: 'x'.repeat(65),
      headers: { 'content-type': 'text/plain' },
    })
    t.equal(res.statusCode, 413)
    t.equal(res.json().error.code, 'payload_too_large')
    t.match(res.json().error.rule, /64 bytes/)
    t.equal(
      (
        await hub.xapi({
          method: 'PUT',
          url,
          query,
          body: 'x'.repeat(64),
          headers: { 'content-type': 'text/plain' },
        })
      ).statusCode,
      204,
    )

    const merge = { ...query, stateId: 'grows' }
    t.equal(
      (await hub.xapi({ method: 'POST', url, query: merge, body: { a: 'x'.repeat(40) } }))
        .statusCode,
      204,
    )
    const grown = await hub.xapi({ method: 'POST', url, query: merge, body: { b: 'y'.repeat(40) } })
    t.equal(grown.statusCode, 413, 'a merge that outgrows the limit')
    t.match(grown.json().error.rule, /64 bytes/)
    t.same(Object.keys((await hub.xapi({ url, query: merge })).json()), ['a'])
  },
)
