import { createHash } from 'node:crypto'
import t, { type Test } from 'tap'
import { isHubError } from '../../src/errors.js'
import { buildMultipartMixed, parseMultipartMixed } from '../../src/xapi/multipart.js'

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

const statement = {
  actor: { mbox: 'mailto:ana@example.org' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
  object: { id: 'http://example.org/activities/essay' },
}

/** Joins header lines and raw bytes exactly as given: every CRLF is written out by the caller. */
const bytes = (...chunks: (string | Buffer)[]): Buffer =>
  Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c)))

/** Expects a 400 HubError on `field`; returns its rule for further checks. */
function expectBadRequest(t: Test, fn: () => unknown, field: string): string {
  try {
    fn()
  } catch (error) {
    if (!isHubError(error)) throw error
    t.equal(error.status, 400)
    t.equal(error.field, field)
    return error.rule ?? ''
  }
  t.fail(`expected a 400 on ${field}`)
  return ''
}

t.test('parses the example of Communication §1.5.2.s6 with a quoted boundary', async (t) => {
  const boundary = "abcABC0123'()+_,-./:=?"
  const text = 'here is a simple attachment'
  const body = bytes(
    `\r\n--${boundary}\r\nContent-Type:application/json\r\n\r\n`,
    JSON.stringify(statement),
    `\r\n--${boundary}\r\nContent-Type:text/plain\r\nContent-Transfer-Encoding:binary\r\n`,
    `X-Experience-API-Hash:${sha256(text)}\r\n\r\n`,
    text,
    `\r\n--${boundary}--`,
  )
  const parsed = parseMultipartMixed(body, `multipart/mixed; boundary="${boundary}"`)
  t.same(parsed.statementBody, statement)
  t.equal(parsed.parts.length, 1)
  t.equal(parsed.parts[0]?.contentType, 'text/plain')
  t.equal(parsed.parts[0]?.sha2, sha256(text))
  t.equal(parsed.parts[0]?.content.toString('latin1'), text)
})

t.test('keeps binary content with CRLF, dashes and near-boundaries byte for byte', async (t) => {
  const boundary = 'b0undary'
  const tricky = bytes(
    '\r\n--b0undar\r\n', // one character short
    'X--b0undary', // the boundary without the leading CRLF
    '\r\n-- b0undary\r\n',
    '\n--b0undary\n', // bare LF is not a delimiter
    Buffer.from([0, 255, 13, 10, 13, 10, 45, 45, 13]),
    '\r\n\r\n',
  )
  const body = bytes(
    'preamble to be ignored\r\n',
    `--${boundary}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n`,
    JSON.stringify([statement]),
    `\r\n--${boundary}  \t\r\n`, // transport padding after the delimiter
    `Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: BINARY\r\n`,
    `X-Experience-API-Hash: ${sha256(tricky).toUpperCase()}\r\n\r\n`,
    tricky,
    `\r\n--${boundary}--\r\nepilogue --${boundary}\r\n junk`,
  )
  const parsed = parseMultipartMixed(body, `multipart/mixed;boundary=${boundary}`)
  t.same(parsed.statementBody, [statement])
  t.equal(parsed.parts.length, 1)
  t.ok(parsed.parts[0]?.content.equals(tricky), 'content is exactly the bytes sent')
  t.equal(parsed.parts[0]?.sha2, sha256(tricky), 'the hash is kept in lowercase')
})

t.test('reads names without regard to case, quoted boundaries and folded headers', async (t) => {
  const body = bytes(
    '--A b.c\r\nContent-Type:\r\n application/json\r\n\r\n{"ok":true}',
    `\r\n--A b.c\r\nx-experience-api-hash: ${sha256('z')}\r\n`,
    'content-transfer-encoding: binary\r\n\r\nz',
    '\r\n--A b.c--',
  )
  const parsed = parseMultipartMixed(body, 'Multipart/Mixed; charset=utf-8; BOUNDARY="A b.c"')
  t.same(parsed.statementBody, { ok: true })
  t.equal(parsed.parts[0]?.content.toString(), 'z')
})

t.test('reads a part whose content is empty and one without a Content-Type', async (t) => {
  const body = bytes(
    '--x\r\nContent-Type: application/json\r\n\r\n{}',
    `\r\n--x\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${sha256('')}\r\n\r\n`,
    '\r\n--x--',
  )
  const parsed = parseMultipartMixed(body, 'multipart/mixed; boundary=x')
  t.equal(parsed.parts[0]?.content.length, 0)
  t.equal(parsed.parts[0]?.contentType, '')
})

t.test('rejects a Content-Type that is not multipart/mixed with a good boundary', async (t) => {
  const body = bytes('--x\r\nContent-Type: application/json\r\n\r\n{}\r\n--x--')
  const field = 'header.Content-Type'
  expectBadRequest(t, () => parseMultipartMixed(body, 'multipart/form-data; boundary=x'), field)
  expectBadRequest(t, () => parseMultipartMixed(body, 'multipart/mixed'), field)
  expectBadRequest(t, () => parseMultipartMixed(body, 'multipart/mixed; boundary=""'), field)
  expectBadRequest(
    t,
    () => parseMultipartMixed(body, `multipart/mixed; boundary=${'a'.repeat(71)}`),
    field,
  )
})

t.test('rejects a body without the boundary or without its closing delimiter', async (t) => {
  const type = 'multipart/mixed; boundary=x'
  expectBadRequest(t, () => parseMultipartMixed(bytes('{}'), type), 'multipart')
  const truncated = bytes('--x\r\nContent-Type: application/json\r\n\r\n{}')
  expectBadRequest(t, () => parseMultipartMixed(truncated, type), 'multipart.part[1]')
  const lfOnly = bytes('--x\nContent-Type: application/json\n\n{}\n--x--')
  expectBadRequest(t, () => parseMultipartMixed(lfOnly, type), 'multipart.part[1]')
  expectBadRequest(t, () => parseMultipartMixed(bytes('--x--\r\n'), type), 'multipart')
})

t.test('requires the first part to be application/json and valid JSON', async (t) => {
  const type = 'multipart/mixed; boundary=x'
  const textFirst = bytes('--x\r\nContent-Type: text/plain\r\n\r\n{}\r\n--x--')
  expectBadRequest(
    t,
    () => parseMultipartMixed(textFirst, type),
    'multipart.part[1].header.Content-Type',
  )
  const noType = bytes('--x\r\n\r\n{}\r\n--x--')
  expectBadRequest(
    t,
    () => parseMultipartMixed(noType, type),
    'multipart.part[1].header.Content-Type',
  )
  const broken = bytes('--x\r\nContent-Type: application/json\r\n\r\n{"actor":\r\n--x--')
  const rule = expectBadRequest(t, () => parseMultipartMixed(broken, type), 'multipart.part[1]')
  t.match(rule, /not valid JSON/)
})

t.test('requires a hash and Content-Transfer-Encoding: binary on attachment parts', async (t) => {
  const type = 'multipart/mixed; boundary=x'
  const withPart = (headers: string): Buffer =>
    bytes('--x\r\nContent-Type: application/json\r\n\r\n{}\r\n--x\r\n', headers, '\r\nabc\r\n--x--')
  const hash = `X-Experience-API-Hash: ${sha256('abc')}\r\n`
  const cte = 'Content-Transfer-Encoding: binary\r\n'
  expectBadRequest(
    t,
    () => parseMultipartMixed(withPart(cte), type),
    'multipart.part[2].header.X-Experience-API-Hash',
  )
  expectBadRequest(
    t,
    () => parseMultipartMixed(withPart(`${cte}X-Experience-API-Hash: not-hex\r\n`), type),
    'multipart.part[2].header.X-Experience-API-Hash',
  )
  expectBadRequest(
    t,
    () => parseMultipartMixed(withPart(hash), type),
    'multipart.part[2].header.Content-Transfer-Encoding',
  )
  expectBadRequest(
    t,
    () => parseMultipartMixed(withPart(`${hash}Content-Transfer-Encoding: base64\r\n`), type),
    'multipart.part[2].header.Content-Transfer-Encoding',
  )
  expectBadRequest(
    t,
    () => parseMultipartMixed(withPart(`${hash}${cte}Content-Length: 4\r\n`), type),
    'multipart.part[2].header.Content-Length',
  )
  t.equal(parseMultipartMixed(withPart(`${hash}${cte}Content-Length: 3\r\n`), type).parts.length, 1)
})

t.test('rejects malformed part headers', async (t) => {
  const type = 'multipart/mixed; boundary=x'
  const noColon = bytes('--x\r\nContent-Type application/json\r\n\r\n{}\r\n--x--')
  expectBadRequest(t, () => parseMultipartMixed(noColon, type), 'multipart.part[1].header')
  const noBlankLine = bytes('--x\r\nContent-Type: application/json\r\n--x--')
  expectBadRequest(t, () => parseMultipartMixed(noBlankLine, type), 'multipart.part[1]')
})

t.test('builds a response that parses back to the same statements and attachments', async (t) => {
  const content = bytes('\r\n--xapi-', Buffer.from([0, 1, 2, 13, 10]), '--\r\n')
  const attachment = { contentType: 'image/png', sha2: sha256(content), content }
  const json = JSON.stringify({ statements: [statement], more: '' })
  const untyped = { contentType: '', sha2: sha256('plain'), content: Buffer.from('plain') }
  const built = buildMultipartMixed(json, [attachment, untyped])
  t.match(built.contentType, /^multipart\/mixed; boundary=xapi-[0-9a-f]{48}$/)

  const parsed = parseMultipartMixed(built.body, built.contentType)
  t.same(parsed.statementBody, JSON.parse(json))
  t.equal(parsed.parts.length, 2)
  t.ok(parsed.parts[0]?.content.equals(content))
  t.equal(parsed.parts[0]?.contentType, 'image/png')
  t.equal(parsed.parts[1]?.contentType, 'application/octet-stream')
  t.equal(parsed.parts[0]?.sha2, attachment.sha2)
})

t.test('builds one part per distinct SHA-2', async (t) => {
  const content = Buffer.from('shared by two statements')
  const attachment = { contentType: 'text/plain', sha2: sha256(content), content }
  const upper = { ...attachment, sha2: attachment.sha2.toUpperCase() }
  const built = buildMultipartMixed('[]', [attachment, upper, attachment])
  t.equal(parseMultipartMixed(built.body, built.contentType).parts.length, 1)
})

t.test('builds two responses with different boundaries', async (t) => {
  const a = buildMultipartMixed('{}', [])
  const b = buildMultipartMixed('{}', [])
  t.not(a.contentType, b.contentType)
})

t.test('parses a 64 MiB attachment quickly', async (t) => {
  const big = Buffer.alloc(64 * 1024 * 1024, 0x2d) // all dashes
  const body = bytes(
    '--x1\r\nContent-Type: application/json\r\n\r\n{}\r\n--x1\r\n',
    `Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${'0'.repeat(64)}\r\n\r\n`,
    big,
    '\r\n--x1--',
  )
  const started = process.hrtime.bigint()
  const parsed = parseMultipartMixed(body, 'multipart/mixed; boundary=x1')
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  t.equal(parsed.parts[0]?.content.length, big.length)
  t.ok(ms < 1000, `parsed in ${ms.toFixed(0)} ms`)
})
