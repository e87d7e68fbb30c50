import { createHash, createPrivateKey, sign as rsaSign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { base64url, CompactSign, generateKeyPair, importPKCS8, type CryptoKey } from 'jose'
import t, { type Test } from 'tap'
import { isHubError } from '../../src/errors.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { matchAttachments, SIGNATURE_USAGE_TYPE } from '../../src/xapi/attachments.js'
import {
  buildMultipartMixed,
  parseMultipartMixed,
  type AttachmentPart,
} from '../../src/xapi/multipart.js'
import { verifySignedStatements } from '../../src/xapi/signature.js'

// Test-only keys and self-signed certificates (see test/fixtures/signing/README.md).
const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/signing/${name}`, import.meta.url), 'utf8')
const signerKeyPem = fixture('test-only-signer.key.pem')
const signerCert = derBase64(fixture('test-only-signer.cert.pem'))
const weakKeyPem = fixture('test-only-weak1024.key.pem')
const weakCert = derBase64(fixture('test-only-weak1024.cert.pem'))

/** The base64 DER of a PEM certificate, as x5c carries it (RFC 7515 §4.1.6). */
function derBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '')
}

const original: JsonObject = {
  id: '33cff416-e331-4c9d-969e-5373a1756120',
  actor: { mbox: 'mailto:ana@example.org', name: 'Ana', objectType: 'Agent' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
  object: { id: 'http://example.org/activities/tax-return', objectType: 'Activity' },
  timestamp: '2026-04-01T12:00:00Z',
}

async function signerKey(alg: string): Promise<CryptoKey> {
  return importPKCS8(signerKeyPem, alg)
}

/** A JWS over `payload` (a statement, or any string), signed with `key`. */
async function jwsOf(
  payload: JsonObject | string,
  header: Record<string, unknown>,
  key: CryptoKey,
): Promise<string> {
  const bytes = typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2)
  return new CompactSign(new TextEncoder().encode(bytes))
    .setProtectedHeader({ alg: 'RS256', ...header })
    .sign(key)
}

/** The received statement: `statement` plus a signature attachment carrying `jws`. */
function signed(statement: JsonObject, jws: string, extra: JsonObject = {}) {
  const content = Buffer.from(jws, 'utf8')
  const part: AttachmentPart = {
    contentType: 'application/octet-stream',
    sha2: createHash('sha256').update(content).digest('hex'),
    content,
  }
  const attachments = Array.isArray(statement.attachments) ? statement.attachments : []
  const signature: JsonObject = {
    usageType: SIGNATURE_USAGE_TYPE,
    display: { en: 'Signature' },
    contentType: 'application/octet-stream',
    length: content.length,
    sha2: part.sha2,
    ...extra,
  }
  return {
    statement: { ...statement, attachments: [...attachments, signature] },
    parts: new Map([[part.sha2, part]]),
  }
}

async function expectBadRequest(
  t: Test,
  promise: Promise<unknown>,
  field: string,
): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (!isHubError(error)) throw error
    t.equal(error.status, 400)
    t.equal(error.field, field)
    return error.rule ?? ''
  }
  t.fail(`expected a 400 on ${field}`)
  return ''
}

t.test('accepts statements signed with RS256, RS384 or RS512 and an x5c certificate', async (t) => {
  for (const alg of ['RS256', 'RS384', 'RS512']) {
    const jws = await jwsOf(original, { alg, x5c: [signerCert] }, await signerKey(alg))
    const { statement, parts } = signed(original, jws)
    await t.resolves(verifySignedStatements([statement], parts), alg)
  }
})

t.test('accepts a signature without x5c once its form, alg and payload pass', async (t) => {
  const { privateKey } = await generateKeyPair('RS256')
  const { statement, parts } = signed(original, await jwsOf(original, {}, privateKey))
  await t.resolves(verifySignedStatements([statement], parts))
})

t.test('compares the payload as a statement, not as bytes', async (t) => {
  // The LRS serialization of the received statement differs (key order, verb display, an id
  // and stored added), which the comparison rules of Data §2.3.1 ignore.
  const jws = await jwsOf(original, { x5c: [signerCert] }, await signerKey('RS256'))
  const received: JsonObject = {
    timestamp: '2026-04-01T12:00:00.000Z',
    object: { id: 'http://example.org/activities/tax-return' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    actor: { objectType: 'Agent', name: 'Ana', mbox: 'mailto:ana@example.org' },
    id: '33CFF416-E331-4C9D-969E-5373A1756120',
  }
  const { statement, parts } = signed(received, jws)
  await t.resolves(verifySignedStatements([statement], parts))
})

t.test('keeps the attachments present before signing in the comparison input', async (t) => {
  const essay = {
    usageType: 'http://example.org/attachment-usage/essay',
    display: { en: 'Essay' },
    contentType: 'text/plain',
    length: 5,
    sha2: createHash('sha256').update('essay').digest('hex'),
    fileUrl: 'https://files.example.org/essay.txt',
  }
  const withEssay = { ...original, attachments: [essay] }
  const jws = await jwsOf(withEssay, { x5c: [signerCert] }, await signerKey('RS256'))
  const { statement, parts } = signed(withEssay, jws)
  await t.resolves(verifySignedStatements([statement], parts))
})

t.test('rejects a payload that is not the received statement', async (t) => {
  const jws = await jwsOf(original, { x5c: [signerCert] }, await signerKey('RS256'))
  const changed = { ...original, verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } }
  const { statement, parts } = signed(changed, jws)
  const rule = await expectBadRequest(
    t,
    verifySignedStatements([statement], parts),
    'statements[0].attachments[0]',
  )
  t.match(rule, /§2\.6\.s5\.b3\.b2/)
})

t.test('names the statement of a batch whose signature fails', async (t) => {
  const key = await signerKey('RS256')
  const good = signed(original, await jwsOf(original, { x5c: [signerCert] }, key))
  const other = { ...original, id: 'b6a9ae8c-3c4e-4d5a-9d0e-0f4a6b8f2a11' }
  const bad = signed(other, await jwsOf(original, { x5c: [signerCert] }, key))
  const parts = new Map([...good.parts, ...bad.parts])
  await expectBadRequest(
    t,
    verifySignedStatements([good.statement, bad.statement], parts),
    'statements[1].attachments[0]',
  )
})

t.test('rejects a tampered signature or payload when x5c is given', async (t) => {
  const jws = await jwsOf(original, { x5c: [signerCert] }, await signerKey('RS256'))
  const [header = '', payload = '', signature = ''] = jws.split('.')

  const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`
  const badSignature = signed(original, `${header}.${payload}.${flipped}`)
  const rule = await expectBadRequest(
    t,
    verifySignedStatements([badSignature.statement], badSignature.parts),
    'statements[0].attachments[0]',
  )
  t.match(rule, /does not verify/)

  // A payload edited to match an edited statement: the signature no longer covers it.
  const edited = { ...original, verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } }
  const forged = `${header}.${base64url.encode(JSON.stringify(edited))}.${signature}`
  const badPayload = signed(edited, forged)
  await expectBadRequest(
    t,
    verifySignedStatements([badPayload.statement], badPayload.parts),
    'statements[0].attachments[0]',
  )
})

t.test('rejects a signature made with a key other than the x5c certificate', async (t) => {
  const { privateKey } = await generateKeyPair('RS256')
  const jws = await jwsOf(original, { x5c: [signerCert] }, privateKey)
  const { statement, parts } = signed(original, jws)
  const field = 'statements[0].attachments[0]'
  await expectBadRequest(t, verifySignedStatements([statement], parts), field)
})

t.test('rejects an x5c that is not a certificate', async (t) => {
  const { privateKey } = await generateKeyPair('RS256')
  for (const x5c of [['bm90IGEgY2VydGlmaWNhdGU='], 'MIIB', [], [42]]) {
    const { statement, parts } = signed(original, await jwsOf(original, { x5c }, privateKey))
    await expectBadRequest(
      t,
      verifySignedStatements([statement], parts),
      'statements[0].attachments[0].x5c',
    )
  }
})

t.test("accepts a 1024-bit certificate, as in the specification's own example", async (t) => {
  // jose will not sign with such a key, so the JWS is made by hand (RFC 7515 §5.1).
  const header = base64url.encode(JSON.stringify({ alg: 'RS256', x5c: [weakCert] }))
  const payload = base64url.encode(JSON.stringify(original))
  const input = `${header}.${payload}`
  const signature = rsaSign('sha256', Buffer.from(input), createPrivateKey(weakKeyPem))
  const { statement, parts } = signed(original, `${input}.${base64url.encode(signature)}`)
  await verifySignedStatements([statement], parts)
  t.pass('verified')

  const forged = `${input}.${base64url.encode(Buffer.from(signature).reverse())}`
  const tampered = signed(original, forged)
  await expectBadRequest(
    t,
    verifySignedStatements([tampered.statement], tampered.parts),
    'statements[0].attachments[0]',
  )
})

t.test('rejects algorithms other than RS256, RS384 and RS512, including none', async (t) => {
  const payload = base64url.encode(JSON.stringify(original))
  const none = `${base64url.encode('{"alg":"none"}')}.${payload}.`
  const noAlg = `${base64url.encode('{"typ":"JWT"}')}.${payload}.c2ln`
  const hs256 = await new CompactSign(new TextEncoder().encode(JSON.stringify(original)))
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new Uint8Array(32).fill(7))
  const { privateKey: psKey } = await generateKeyPair('PS256')
  const ps256 = await jwsOf(original, { alg: 'PS256' }, psKey)
  for (const jws of [none, noAlg, hs256, ps256]) {
    const { statement, parts } = signed(original, jws)
    const rule = await expectBadRequest(
      t,
      verifySignedStatements([statement], parts),
      'statements[0].attachments[0].alg',
    )
    t.match(rule, /RS256, RS384 or RS512/)
  }
})

t.test('rejects a JWS that is not in compact form or has no signature', async (t) => {
  const { privateKey } = await generateKeyPair('RS256')
  const compact = await jwsOf(original, {}, privateKey)
  const [header = '', payload = '', signature = ''] = compact.split('.')
  const json = JSON.stringify({ protected: header, payload, signature })
  const cases = [json, `${header}.${payload}`, `${header}.${payload}.`, 'not a jws at all']
  for (const jws of cases) {
    const { statement, parts } = signed(original, jws)
    const field = 'statements[0].attachments[0]'
    await expectBadRequest(t, verifySignedStatements([statement], parts), field)
  }
})

t.test('rejects a payload that is not a JSON statement', async (t) => {
  const key = await signerKey('RS256')
  for (const payload of ['not json', '[1, 2]', '"a string"']) {
    const { statement, parts } = signed(original, await jwsOf(payload, { x5c: [signerCert] }, key))
    const rule = await expectBadRequest(
      t,
      verifySignedStatements([statement], parts),
      'statements[0].attachments[0]',
    )
    t.match(rule, /§2\.6\.s4\.b3/)
  }
})

t.test('rejects a JWS that declares critical extensions', async (t) => {
  // RFC 7797's unencoded payload, which jose only produces in the flattened form: built by hand.
  const header = base64url.encode(JSON.stringify({ alg: 'RS256', b64: false, crit: ['b64'] }))
  const payload = base64url.encode(JSON.stringify(original))
  const jws = `${header}.${payload}.c2lnbmF0dXJl`
  const { statement, parts } = signed(original, jws)
  const field = 'statements[0].attachments[0].crit'
  await expectBadRequest(t, verifySignedStatements([statement], parts), field)
})

t.test('requires the signature attachment to be application/octet-stream', async (t) => {
  const { privateKey } = await generateKeyPair('RS256')
  const jws = await jwsOf(original, {}, privateKey)
  const { statement, parts } = signed(original, jws, { contentType: 'application/jose' })
  await expectBadRequest(
    t,
    verifySignedStatements([statement], parts),
    'statements[0].attachments[0].contentType',
  )
})

t.test('requires the signature data in the request, not only at a fileUrl', async (t) => {
  const { privateKey } = await generateKeyPair('RS256')
  const jws = await jwsOf(original, {}, privateKey)
  const { statement } = signed(original, jws, { fileUrl: 'https://files.example.org/sig.jws' })
  const field = 'statements[0].attachments[0]'
  await expectBadRequest(t, verifySignedStatements([statement], new Map()), field)
})

t.test('leaves statements without signature attachments alone', async (t) => {
  await t.resolves(verifySignedStatements([original, { ...original, attachments: [] }], new Map()))
})

t.test('verifies a signed statement end to end through multipart/mixed', async (t) => {
  const jws = await jwsOf(original, { alg: 'RS512', x5c: [signerCert] }, await signerKey('RS512'))
  const { statement, parts } = signed(original, jws)
  const built = buildMultipartMixed(JSON.stringify([statement]), [...parts.values()])

  const parsed = parseMultipartMixed(built.body, built.contentType)
  const statements = parsed.statementBody as JsonObject[]
  const matched = matchAttachments(statements, parsed.parts)
  await t.resolves(verifySignedStatements(statements, matched))
})
