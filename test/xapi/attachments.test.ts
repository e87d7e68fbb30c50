import { createHash } from 'node:crypto'
import t, { type Test } from 'tap'
import { isHubError } from '../../src/errors.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { matchAttachments, requiresMultipart } from '../../src/xapi/attachments.js'
import type { AttachmentPart } from '../../src/xapi/multipart.js'

const hash = (algorithm: string, data: Buffer): string =>
  createHash(algorithm).update(data).digest('hex')

const essay = Buffer.from('An essay\r\n--with dashes\r\n', 'utf8')
const photo = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x0d, 0x0a])

function part(content: Buffer, contentType = 'text/plain', algorithm = 'sha256'): AttachmentPart {
  return { contentType, sha2: hash(algorithm, content), content }
}

const attachment = (p: AttachmentPart, extra: JsonObject = {}): JsonObject => ({
  usageType: 'http://example.org/attachment-usage/essay',
  display: { en: 'Essay' },
  contentType: p.contentType || 'application/octet-stream',
  length: p.content.length,
  sha2: p.sha2,
  ...extra,
})

const statement = (attachments: JsonObject[], extra: JsonObject = {}): JsonObject => ({
  actor: { mbox: 'mailto:ana@example.org' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
  object: { id: 'http://example.org/activities/essay' },
  attachments,
  ...extra,
})

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

t.test('matches parts to attachments by SHA-256, SHA-384 and SHA-512', async (t) => {
  for (const algorithm of ['sha224', 'sha256', 'sha384', 'sha512']) {
    const p = part(essay, 'text/plain', algorithm)
    const matched = matchAttachments([statement([attachment(p)])], [p])
    t.equal(matched.get(p.sha2), p, algorithm)
  }
})

t.test('lets several attachments and statements share one part', async (t) => {
  const p = part(photo, 'image/jpeg')
  const statements = [statement([attachment(p), attachment(p)]), statement([attachment(p)])]
  t.equal(matchAttachments(statements, [p]).size, 1)
})

t.test('matches a part declared in uppercase hex to an attachment in lowercase', async (t) => {
  const p = part(essay)
  const upper = { ...p, sha2: p.sha2.toUpperCase() }
  t.equal(matchAttachments([statement([attachment(p)])], [upper]).get(p.sha2), upper)
})

t.test('rejects a part whose content does not hash to its declared SHA-2', async (t) => {
  const p = part(essay)
  const tampered = { ...p, content: Buffer.from('An essay, edited') }
  const rule = expectBadRequest(
    t,
    () => matchAttachments([statement([attachment(p)])], [tampered]),
    'multipart.part[2].header.X-Experience-API-Hash',
  )
  t.match(rule, /SHA256/)
})

t.test('rejects a hash of a length no SHA-2 function has', async (t) => {
  const odd = { ...part(essay), sha2: 'ab'.repeat(20) } // 160 bits: SHA-1
  expectBadRequest(
    t,
    () => matchAttachments([statement([attachment(odd)])], [odd]),
    'multipart.part[2].header.X-Experience-API-Hash',
  )
})

t.test('rejects an attachment without fileUrl that no part carries', async (t) => {
  const p = part(essay)
  const q = part(photo, 'image/jpeg')
  expectBadRequest(
    t,
    () => matchAttachments([statement([attachment(p)]), statement([attachment(q)])], [p]),
    'statements[1].attachments[0].sha2',
  )
})

t.test('rejects a part that no attachment refers to', async (t) => {
  const p = part(essay)
  const extra = part(photo, 'image/jpeg')
  expectBadRequest(
    t,
    () => matchAttachments([statement([attachment(p)])], [p, extra]),
    'multipart.part[3]',
  )
  expectBadRequest(t, () => matchAttachments([statement([])], [extra]), 'multipart.part[2]')
})

t.test('accepts fileUrl-only attachments with no parts at all', async (t) => {
  const p = part(essay)
  const remote = attachment(p, { fileUrl: 'https://files.example.org/essay.txt' })
  t.equal(matchAttachments([statement([remote])], []).size, 0)
})

t.test('accepts a part for an attachment that also has a fileUrl', async (t) => {
  const p = part(essay)
  const both = attachment(p, { fileUrl: 'https://files.example.org/essay.txt' })
  t.equal(matchAttachments([statement([both])], [p]).get(p.sha2), p)
})

t.test('matches parts by SHA-2 only: a declared length that differs is not refused', async (t) => {
  // §1.5.2.s1.b4: parts are matched by SHA-2 "and not any other way"; the hash already proves
  // the data. ADL's conformance suite declares a file's length and sends its hex rendering.
  const p = part(essay)
  const matched = matchAttachments(
    [statement([attachment(p, { length: p.content.length * 2 })])],
    [p],
  )
  t.equal(matched.size, 1)
  t.equal(matched.get(p.sha2)?.content.length, p.content.length, 'the data as received')
})

t.test('compares contentType with the part Content-Type by media type', async (t) => {
  const p = part(essay, 'text/plain')
  // The specification's own example: text/plain; charset=ascii against a text/plain part.
  const withCharset = attachment(p, { contentType: 'text/plain; charset=ascii' })
  t.equal(matchAttachments([statement([withCharset])], [p]).size, 1)
  const untyped = { ...p, contentType: '' }
  t.equal(matchAttachments([statement([attachment(p)])], [untyped]).size, 1, 'no header, no check')
  expectBadRequest(
    t,
    () => matchAttachments([statement([attachment(p, { contentType: 'image/png' })])], [p]),
    'statements[0].attachments[0].contentType',
  )
})

t.test('applies the same rules to the attachments of a SubStatement', async (t) => {
  const p = part(photo, 'image/jpeg')
  const sub = {
    objectType: 'SubStatement',
    actor: { mbox: 'mailto:ana@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
    object: { id: 'http://example.org/activities/photo' },
    attachments: [attachment(p)],
  }
  const s = statement([], { object: sub })
  t.equal(matchAttachments([s], [p]).size, 1)
  t.ok(requiresMultipart([s]))
  expectBadRequest(t, () => matchAttachments([s], []), 'statements[0].object.attachments[0].sha2')
})

t.test('requiresMultipart is true only when some attachment has no fileUrl', async (t) => {
  const p = part(essay)
  const remote = attachment(p, { fileUrl: 'https://files.example.org/essay.txt' })
  t.notOk(requiresMultipart([statement([])]))
  t.notOk(requiresMultipart([{ actor: {}, verb: {}, object: {} }]))
  t.notOk(requiresMultipart([statement([remote])]))
  t.ok(requiresMultipart([statement([remote]), statement([attachment(p)])]))
})
