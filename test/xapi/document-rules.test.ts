import t from 'tap'
import {
  decideWrite,
  documentEtag,
  mergeJsonDocuments,
  parseSince,
  preconditionsHold,
  type WriteRequest,
} from '../../src/xapi/document-rules.js'

const json = (value: unknown) => ({
  contentType: 'application/json',
  content: Buffer.from(JSON.stringify(value)),
})

t.test('ETags are the quoted lower-case hex SHA-1 of the bytes', async (t) => {
  t.equal(documentEtag(Buffer.from('')), '"da39a3ee5e6b4b0d3255bfef95601890afd80709"')
})

t.test('evaluates If-Match strongly and If-None-Match weakly', async (t) => {
  const tag = '"abc"'
  t.ok(preconditionsHold({ ifMatch: [tag], ifNoneMatch: undefined }, tag))
  t.notOk(preconditionsHold({ ifMatch: ['W/"abc"'], ifNoneMatch: undefined }, tag))
  t.notOk(preconditionsHold({ ifMatch: '*', ifNoneMatch: undefined }, undefined))
  t.notOk(preconditionsHold({ ifMatch: undefined, ifNoneMatch: ['W/"abc"'] }, tag))
  t.ok(preconditionsHold({ ifMatch: undefined, ifNoneMatch: '*' }, undefined))
})

t.test('merges only top-level properties', async (t) => {
  const merged = mergeJsonDocuments(
    json({ x: 'foo', y: 'bar', n: { a: 1 } }),
    json({ x: 'bash', z: 'faz', n: { b: 2 } }),
  )
  t.same(JSON.parse(merged.content.toString()), { x: 'bash', y: 'bar', z: 'faz', n: { b: 2 } })
})

t.test('a JSON content type with parameters still merges', async (t) => {
  const posted = { contentType: 'Application/JSON; charset=utf-8', content: Buffer.from('{"b":2}') }
  t.same(JSON.parse(mergeJsonDocuments(json({ a: 1 }), posted).content.toString()), { a: 1, b: 2 })
})

t.test('the State bare-PUT exemption belongs to 1.0.3 only', async (t) => {
  const current = { ...json({ v: 1 }), etag: documentEtag(json({ v: 1 }).content) }
  const request = (version: '1.0.3' | '2.0.0'): WriteRequest => ({
    method: 'PUT',
    kind: 'state',
    version,
    ...json({ v: 2 }),
    preconditions: { ifMatch: undefined, ifNoneMatch: undefined },
    limit: 1000,
  })
  t.same(JSON.parse(decideWrite(current, request('1.0.3')).content.toString()), { v: 2 })
  t.throws(() => decideWrite(current, request('2.0.0')), { code: 'conflict', status: 409 })
})

t.test('reads since as ISO 8601, as sent', async (t) => {
  t.equal(parseSince({ since: '2024-02-29T10:00:00.5+07:00' }), '2024-02-29T10:00:00.5+07:00')
  t.equal(parseSince({ since: '2024-02-29T10:00:00' }), '2024-02-29T10:00:00')
  t.equal(parseSince({ since: '0050-01-01T00:00Z' }), '0050-01-01T00:00Z')
  const bad = [
    '2023-02-29T10:00:00Z',
    '2024-13-01T00:00:00Z',
    'now',
    '2024-01-01',
    '0000-01-01T00:00Z',
  ]
  for (const since of [...bad, '2024-01-01T24:00:00Z', '2024-01-01T00:00:00+25:00']) {
    t.throws(() => parseSince({ since }), { name: 'HubError', message: /^query\.since/ }, since)
  }
})
