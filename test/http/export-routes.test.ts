import t from 'tap'
import { EXTENSIONS } from '../../src/profile/vocabulary.js'
import { admin, registerPlatform } from '../auth/fixtures.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { makeStatement } from '../helpers/statements.js'

function inProvince(province: string, verb = 'completed'): Record<string, unknown> {
  return makeStatement({
    verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { 'en-US': verb } },
    context: { extensions: { [EXTENSIONS.province]: province } },
  })
}

async function post(hub: TestHub, statements: unknown[], authorization: string): Promise<void> {
  const res = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: statements,
    headers: { authorization },
  })
  if (res.statusCode !== 200) throw new Error(`post: ${res.statusCode} ${res.body}`)
}

/** Reads a streamed response from a real port, keeping the chunks as they arrived. */
async function fetchChunks(
  url: string,
  authorization: string,
): Promise<{ status: number; type: string | null; chunks: string[] }> {
  const res = await fetch(url, { headers: { authorization } })
  const chunks: string[] = []
  const decoder = new TextDecoder()
  if (res.body !== null)
    for await (const chunk of res.body) chunks.push(decoder.decode(chunk as Uint8Array))
  return { status: res.status, type: res.headers.get('content-type'), chunks }
}

t.test(
  "the export streams a platform's own statements in batches, with the query filters",
  async (t) => {
    const hub = await startHub(t, { statementPageLimit: 5 })
    const lms = await registerPlatform(hub, 'lms', ['statements/write', 'export'])
    const other = await registerPlatform(hub, 'other-lms', ['statements/write'])
    await post(
      hub,
      Array.from({ length: 40 }, (_, i) => inProvince('HN', i % 4 === 0 ? 'passed' : 'completed')),
      lms.authorization,
    )
    await post(hub, [inProvince('HN')], other.authorization)
    const base = await hub.app.listen({ port: 0, host: '127.0.0.1' })

    const all = await fetchChunks(`${base}/export/statements`, lms.authorization)
    t.equal(all.status, 200)
    t.match(all.type, /^application\/x-ndjson/)
    const lines = all.chunks.join('').trimEnd().split('\n')
    t.equal(lines.length, 40, 'every statement of the platform, none of another platform')
    t.ok(all.chunks.length > 1, `the body arrived in ${all.chunks.length} chunks, not one buffer`)
    const stored = lines.map((line) => (JSON.parse(line) as { stored: string }).stored)
    t.same(stored, [...stored].sort(), 'oldest first, in storage order')

    const passed = await fetchChunks(
      `${base}/export/statements?verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/passed')}`,
      lms.authorization,
    )
    t.equal(
      passed.chunks.join('').trimEnd().split('\n').length,
      10,
      'the verb filter of GET /xapi/statements',
    )

    const refused = await fetchChunks(`${base}/export/statements`, other.authorization)
    t.equal(refused.status, 403, 'the export scope is required')
    const bad = await fetchChunks(`${base}/export/statements?limit=3`, lms.authorization)
    t.equal(bad.status, 400, 'paging parameters mean nothing to an export')
  },
)

t.test('an agency exports the statements of learners in its jurisdiction', async (t) => {
  const hub = await startHub(t, { statementPageLimit: 3 })
  const lms = await registerPlatform(hub, 'lms', ['statements/write'])
  await post(
    hub,
    [
      ...Array.from({ length: 7 }, () => inProvince('HN')),
      ...Array.from({ length: 5 }, () => inProvince('HCM')),
    ],
    lms.authorization,
  )
  await hub.agency.projector.catchUp()
  const dept = await registerPlatform(hub, 'hanoi-dept', ['export'])
  t.equal(
    (
      await admin(hub, 'PUT' as 'POST', '/agencies/hanoi-dept', {
        national: false,
        provinces: ['HN'],
      })
    ).statusCode,
    200,
  )

  const res = await hub.app.inject({
    method: 'GET',
    url: '/export/statements',
    headers: { authorization: dept.authorization },
  })
  t.equal(res.statusCode, 200)
  const lines = res.body
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { context: { extensions: Record<string, string> } })
  t.equal(lines.length, 7)
  t.ok(lines.every((s) => s.context.extensions[EXTENSIONS.province] === 'HN'))
  const audited = await hub.db.query(
    "SELECT actor FROM audit_log WHERE action = 'statements.export'",
  )
  t.same(audited.rows, [{ actor: 'hanoi-dept' }], 'the export is audited')
})
