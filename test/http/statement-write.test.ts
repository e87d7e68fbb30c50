import { createHash, randomUUID } from 'node:crypto'
import t from 'tap'
import { startHub, type TestHub } from '../helpers/hub.js'
import { makeStatement, voiding } from '../helpers/statements.js'
import { keyHash } from '../../src/storage/key-hash.js'

async function storedRow(hub: TestHub, id: string) {
  const { rows } = await hub.db.query<{
    body: string
    voided: boolean
    client_id: string
    version: string
  }>('SELECT body, voided, client_id, version FROM statements WHERE id = $1', [id])
  return rows[0]
}

async function count(hub: TestHub): Promise<number> {
  const { rows } = await hub.db.query<{ n: string }>('SELECT count(*)::text AS n FROM statements')
  return Number(rows[0]?.n)
}

t.test('POST stores one statement and answers its assigned id', async (t) => {
  const hub = await startHub(t)
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: makeStatement() })
  t.equal(res.statusCode, 200)
  const ids = res.json() as string[]
  t.equal(ids.length, 1)
  t.match(ids[0], /^[0-9a-f-]{36}$/)
  const row = await storedRow(hub, ids[0]!)
  t.ok(row)
  const body = JSON.parse(row!.body)
  t.equal(body.id, ids[0])
  t.ok(body.stored, 'stored is set')
  t.ok(body.timestamp, 'timestamp defaults to stored')
  t.ok(body.authority, 'authority is set by the LRS')
  t.equal(row!.version, '2.0.0')
})

t.test('POST of a batch answers ids in request order', async (t) => {
  const hub = await startHub(t)
  const given = randomUUID()
  const batch = [makeStatement(), makeStatement({ id: given }), makeStatement()]
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: batch })
  t.equal(res.statusCode, 200)
  const ids = res.json() as string[]
  t.equal(ids.length, 3)
  t.equal(ids[1], given)
  t.equal(new Set(ids).size, 3)
  t.equal(await count(hub), 3)
})

t.test('PUT stores under the given id and answers 204', async (t) => {
  const hub = await startHub(t)
  const id = randomUUID()
  const res = await hub.xapi({
    method: 'PUT',
    url: '/xapi/statements',
    query: { statementId: id },
    body: makeStatement(),
  })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.ok(await storedRow(hub, id))
})

t.test(
  'the same id with the same statement is a no-op; a different statement is a 409',
  async (t) => {
    const hub = await startHub(t)
    const id = randomUUID()
    const statement = makeStatement({ id })
    const first = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: statement })
    t.equal(first.statusCode, 200)
    const again = await hub.xapi({
      method: 'PUT',
      url: '/xapi/statements',
      query: { statementId: id },
      body: statement,
    })
    t.equal(again.statusCode, 204)
    // A POST that stores nothing new: 204, as xAPI names for a repeated id (Comm. §2.1.2).
    const repost = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: [statement] })
    t.equal(repost.statusCode, 204)
    t.equal(repost.body, '')
    t.ok(repost.headers['x-experience-api-consistent-through'])
    // With one new statement beside the repeated one: 200 and every id, in order.
    const fresh = makeStatement({ id: randomUUID() })
    const mixed = await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: [statement, fresh],
    })
    t.equal(mixed.statusCode, 200)
    t.same(mixed.json(), [id, fresh.id])
    t.equal(await count(hub), 2)

    const other = makeStatement({ id })
    const clash = await hub.xapi({
      method: 'PUT',
      url: '/xapi/statements',
      query: { statementId: id },
      body: other,
    })
    t.equal(clash.statusCode, 409)
    t.equal(clash.json().error.code, 'conflict')
    t.equal(await count(hub), 2)
    const row = await storedRow(hub, id)
    t.same(JSON.parse(row!.body).actor, statement.actor, 'the first statement is untouched')
  },
)

t.test('a batch with one conflicting id stores nothing', async (t) => {
  const hub = await startHub(t)
  const id = randomUUID()
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: makeStatement({ id }) })
  const batch = [makeStatement(), makeStatement(), makeStatement({ id })]
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: batch })
  t.equal(res.statusCode, 409)
  t.equal(await count(hub), 1)
})

t.test(
  'a batch with one invalid statement is a 400 naming its index and stores nothing',
  async (t) => {
    const hub = await startHub(t)
    const bad = makeStatement({ actor: { mbox: 'not-an-email' } })
    const res = await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: [makeStatement(), bad],
    })
    t.equal(res.statusCode, 400)
    t.match(res.json().error.field, /statements\[1\]\.actor/)
    t.equal(await count(hub), 0)
  },
)

t.test(
  'concurrent requests are all stored, and one id raced with two bodies has one winner',
  async (t) => {
    const hub = await startHub(t)
    const many = Array.from({ length: 150 }, () =>
      hub.xapi({ method: 'POST', url: '/xapi/statements', body: makeStatement() }),
    )
    const id = randomUUID()
    const racers = [makeStatement({ id }), makeStatement({ id }), makeStatement({ id })].map(
      (body) => hub.xapi({ method: 'POST', url: '/xapi/statements', body }),
    )
    const results = await Promise.all([...many, ...racers])
    t.ok(
      results.slice(0, 150).every((r) => r.statusCode === 200),
      'every plain post succeeded',
    )
    const codes = results
      .slice(150)
      .map((r) => r.statusCode)
      .sort()
    t.same(codes, [200, 409, 409])
    t.equal(await count(hub), 151)
  },
)

t.test('PUT parameter and body rules', async (t) => {
  const hub = await startHub(t)
  const missing = await hub.xapi({ method: 'PUT', url: '/xapi/statements', body: makeStatement() })
  t.equal(missing.statusCode, 400)
  t.equal(missing.json().error.field, 'query.statementId')

  const notUuid = await hub.xapi({
    method: 'PUT',
    url: '/xapi/statements',
    query: { statementId: 'abc' },
    body: makeStatement(),
  })
  t.equal(notUuid.statusCode, 400)

  const mismatch = await hub.xapi({
    method: 'PUT',
    url: '/xapi/statements',
    query: { statementId: randomUUID() },
    body: makeStatement({ id: randomUUID() }),
  })
  t.equal(mismatch.statusCode, 400)
  t.equal(mismatch.json().error.field, 'statement.id')

  const array = await hub.xapi({
    method: 'PUT',
    url: '/xapi/statements',
    query: { statementId: randomUUID() },
    body: [makeStatement()],
  })
  t.equal(array.statusCode, 400)
  t.equal(await count(hub), 0)
})

t.test('POST takes no query parameters and only JSON or multipart bodies', async (t) => {
  const hub = await startHub(t)
  const withParam = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    query: { statementId: randomUUID() },
    body: makeStatement(),
  })
  t.equal(withParam.statusCode, 400)
  const text = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: 'hello',
    headers: { 'content-type': 'text/plain' },
  })
  t.equal(text.statusCode, 400)
  const broken = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: '{"actor":' })
  t.equal(broken.statusCode, 400)
  t.equal(await count(hub), 0)
})

t.test('voiding marks the target voided, in either arrival order', async (t) => {
  const hub = await startHub(t)
  const target = randomUUID()
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: makeStatement({ id: target }) })
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: voiding(target) })
  t.equal(res.statusCode, 200)
  t.equal((await storedRow(hub, target))!.voided, true)

  const late = randomUUID()
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: voiding(late) })
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: makeStatement({ id: late }) })
  t.equal(
    (await storedRow(hub, late))!.voided,
    true,
    'a statement arriving after its voiding one is voided',
  )
})

t.test('a voiding statement aimed at another voiding statement voids nothing', async (t) => {
  const hub = await startHub(t)
  const target = randomUUID()
  const voider = randomUUID()
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: makeStatement({ id: target }) })
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: voiding(target, { id: voider }) })
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: voiding(voider) })
  t.equal(res.statusCode, 200)
  t.equal((await storedRow(hub, voider))!.voided, false, 'the voiding statement stays in force')
  t.equal((await storedRow(hub, target))!.voided, true)
  t.equal(await count(hub), 3)
})

t.test(
  'a StatementRef statement is found by the filters of the statement it targets',
  async (t) => {
    const hub = await startHub(t)
    const target = randomUUID()
    const activity = `https://courses.example.org/${randomUUID()}`
    await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: makeStatement({ id: target, object: { objectType: 'Activity', id: activity } }),
    })
    const ref = randomUUID()
    await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: makeStatement({ id: ref, object: { objectType: 'StatementRef', id: target } }),
    })
    const { rows } = await hub.db.query<{ id: string }>(
      `SELECT s.id FROM statement_index i JOIN statements s ON s.seq = i.seq
       WHERE i.key_hash = $1::uuid ORDER BY s.seq`,
      [keyHash(`activity:${activity}`, true)],
    )
    t.same(
      rows.map((r) => r.id),
      [target, ref],
    )
  },
)

t.test('activity definitions are learned from statements', async (t) => {
  const hub = await startHub(t)
  const id = `https://courses.example.org/${randomUUID()}`
  const object = { objectType: 'Activity', id, definition: { name: { en: 'Safe passwords' } } }
  await hub.xapi({ method: 'POST', url: '/xapi/statements', body: makeStatement({ object }) })
  const { rows } = await hub.db.query<{ definition: string }>(
    'SELECT definition FROM activities WHERE iri = $1',
    [id],
  )
  t.same(JSON.parse(rows[0]!.definition).name, { en: 'Safe passwords' })
})

t.test('1.0.3 requests are stored under 1.0.3 rules', async (t) => {
  const hub = await startHub(t)
  const res = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: makeStatement(),
    version: '1.0.3',
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-experience-api-version'], '1.0.3')
  t.equal((await storedRow(hub, res.json()[0]))!.version, '1.0.3')
})

function multipart(statement: unknown, parts: { type: string; content: Buffer; hash?: string }[]) {
  const boundary = `b-${randomUUID()}`
  const chunks: Buffer[] = [
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(statement)}\r\n`,
    ),
  ]
  for (const part of parts) {
    const hash = part.hash ?? createHash('sha256').update(part.content).digest('hex')
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Type: ${part.type}\r\nContent-Transfer-Encoding: binary\r\n` +
          `X-Experience-API-Hash: ${hash}\r\n\r\n`,
      ),
      part.content,
      Buffer.from('\r\n'),
    )
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` }
}

t.test('attachments travel in multipart/mixed and are stored by hash', async (t) => {
  const hub = await startHub(t)
  const content = Buffer.from('certificate of completion\r\n--not-a-boundary\r\n')
  const sha2 = createHash('sha256').update(content).digest('hex')
  const statement = makeStatement({
    attachments: [
      {
        usageType: 'http://id.tincanapi.com/attachment/certificate-of-completion',
        display: { en: 'Certificate' },
        contentType: 'text/plain',
        length: content.length,
        sha2,
      },
    ],
  })
  const json = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: statement })
  t.equal(json.statusCode, 400, 'an attachment without fileUrl needs its content')

  const { body, contentType } = multipart(statement, [{ type: 'text/plain', content }])
  const res = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body,
    headers: { 'content-type': contentType },
  })
  t.equal(res.statusCode, 200)
  const { rows } = await hub.db.query<{ length: string }>(
    'SELECT length::text FROM attachments WHERE sha2 = $1',
    [sha2],
  )
  t.equal(Number(rows[0]?.length), content.length)

  const wrong = multipart(
    makeStatement({ attachments: (statement as { attachments: unknown }).attachments }),
    [{ type: 'text/plain', content: Buffer.from('other bytes'), hash: sha2 }],
  )
  const mismatch = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: wrong.body,
    headers: { 'content-type': wrong.contentType },
  })
  t.equal(mismatch.statusCode, 400, 'content that does not match its hash is refused')
})

t.test('the 1.0.3 Alternate Request Syntax stores a statement; 2.0.0 refuses it', async (t) => {
  const hub = await startHub(t)
  const id = randomUUID()
  const form = new URLSearchParams({
    statementId: id,
    'X-Experience-API-Version': '1.0.3',
    Authorization: String((await import('../helpers/hub.js')).AUTH),
    'Content-Type': 'application/json',
    content: JSON.stringify(makeStatement()),
  })
  const res = await hub.app.inject({
    method: 'POST',
    url: '/xapi/statements?method=PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  })
  t.equal(res.statusCode, 204)
  t.ok(await storedRow(hub, id))

  form.set('X-Experience-API-Version', '2.0.0')
  form.set('statementId', randomUUID())
  const refused = await hub.app.inject({
    method: 'POST',
    url: '/xapi/statements?method=PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  })
  t.equal(refused.statusCode, 400)
})

t.test(
  'requests without the version header or credential are refused before anything is stored',
  async (t) => {
    const hub = await startHub(t)
    const noVersion = await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: makeStatement(),
      headers: { 'x-experience-api-version': undefined },
    })
    t.equal(noVersion.statusCode, 400)
    t.match(noVersion.json().error.field, /X-Experience-API-Version/)
    const badVersion = await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: makeStatement(),
      version: '0.95',
    })
    t.equal(badVersion.statusCode, 400)
    const noAuth = await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: makeStatement(),
      headers: { authorization: undefined },
    })
    t.equal(noAuth.statusCode, 401)
    t.equal(await count(hub), 0)
  },
)

t.test(
  'a 1.0.3 reader sees a 2.0.0 statement as a 1.0.3 statement; a 2.0.0 reader sees it as stored',
  async (t) => {
    const hub = await startHub(t)
    const id = randomUUID()
    const statement = makeStatement({
      id,
      context: {
        contextAgents: [
          { objectType: 'contextAgent', agent: { mbox: 'mailto:mentor@example.org' } },
        ],
        contextGroups: [
          {
            objectType: 'contextGroup',
            group: { objectType: 'Group', member: [{ mbox: 'mailto:peer@example.org' }] },
          },
        ],
      },
    })
    const stored = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: statement })
    t.equal(stored.statusCode, 200)

    const old = await hub.xapi({
      url: '/xapi/statements',
      query: { statementId: id },
      version: '1.0.3',
    })
    t.equal(old.statusCode, 200)
    t.equal(old.json().version, '1.0.0')
    t.notOk('contextAgents' in (old.json().context ?? {}), 'no 2.0-only context property')
    t.notOk('contextGroups' in (old.json().context ?? {}))
    const page = await hub.xapi({
      url: '/xapi/statements',
      query: { verb: String((statement.verb as { id: string }).id) },
      version: '1.0.3',
    })
    t.equal(page.json().statements[0].version, '1.0.0')

    const current = await hub.xapi({ url: '/xapi/statements', query: { statementId: id } })
    t.equal(current.json().version, '2.0.0')
    t.equal(current.json().context.contextAgents.length, 1)
  },
)
