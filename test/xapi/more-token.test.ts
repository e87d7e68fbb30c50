import t, { type Test } from 'tap'
import { HubError } from '../../src/errors.js'
import { decodeMoreToken, encodeMoreToken } from '../../src/xapi/more-token.js'
import { parseStatementQuery } from '../../src/xapi/statement-query-params.js'

const LIMIT = 50

function rejects(t: Test, token: string): void {
  try {
    decodeMoreToken(token, LIMIT)
    t.fail('expected a 400')
  } catch (error) {
    t.ok(error instanceof HubError)
    t.equal((error as HubError).status, 400)
  }
}

const encode = (payload: unknown): string =>
  Buffer.from(JSON.stringify(payload)).toString('base64url')

t.test('a token round-trips the query, the cursor and the snapshot bound', async (t) => {
  const query = parseStatementQuery(
    { verb: 'http://x.org/v', limit: '2', ascending: 'true' },
    LIMIT,
  )
  const token = encodeMoreToken({ query, after: '41', bound: '99' })
  t.match(token, /^[A-Za-z0-9_-]+$/, 'URL-safe without escaping')
  t.same(decodeMoreToken(token, LIMIT), { query, after: '41', bound: '99' })
})

t.test('damaged or forged tokens are a 400, never a crash', async (t) => {
  rejects(t, '')
  rejects(t, 'not a token!')
  rejects(t, 'x'.repeat(9000))
  rejects(t, Buffer.from('not json').toString('base64url'))
  rejects(t, encode([]))
  rejects(t, encode({ v: 2, p: {}, a: '1', b: '2' }))
  rejects(t, encode({ v: 1, p: [], a: '1', b: '2' }))
  rejects(t, encode({ v: 1, p: {}, a: 1, b: '2' }))
  rejects(t, encode({ v: 1, p: {}, a: '-1', b: '2' }))
  rejects(t, encode({ v: 1, p: {}, a: '1', b: '99999999999999999999' }))
  rejects(t, encode({ v: 1, p: { verb: 7 }, a: '1', b: '2' }))
  rejects(t, encode({ v: 1, p: { verb: 'not an iri' }, a: '1', b: '2' }))
  rejects(t, encode({ v: 1, p: { statementId: 'x' }, a: '1', b: '2' }))
})
