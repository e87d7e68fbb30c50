import { base64url, decodeProtectedHeader } from 'jose'
import { verify as rsaVerify, X509Certificate, type KeyObject } from 'node:crypto'
import { badRequest } from '../errors.js'
import { isObject, type JsonObject } from './agent-key.js'
import { SIGNATURE_USAGE_TYPE } from './attachments.js'
import { mediaTypeOf, type AttachmentPart } from './multipart.js'
import { sameStatement } from './statement-equivalence.js'

/**
 * Signed Statements (xAPI Data §2.6; IEEE 9274.1.1 LRS §4.2.6). A signature is a JSON Web
 * Signature (RFC 7515) over the statement as it was before the signature was added, carried as
 * an attachment with usageType `http://adlnet.gov/expapi/attachments/signature`.
 *
 * The LRS checks that signatures are well formed, not that the signer is trusted: the check
 * against an included X.509 certificate "is intended as a way to catch mistakes in the
 * signature, not as a security measure" (Data §2.6.s5 note). So:
 *
 * - with an `x5c` header, the signature is verified with the public key of its first
 *   certificate (the signer's, RFC 7515 §4.1.6). The chain, validity dates and revocation are
 *   not checked. RSA keys of 1024 bits are accepted, since the specification's own example
 *   (Data Appendix D) signs with one; shorter keys are refused. jose refuses keys under 2048
 *   bits, so this one check uses node:crypto directly;
 * - without `x5c`, the LRS has no key to verify with and the specification asks for none
 *   (Data §2.6.s5.b3.b3 applies only "if the JWS header includes an X.509 certificate"); the
 *   signature is accepted once its form, algorithm and payload pass.
 */

/** Data §2.6.s4.b4: "RS256", "RS384" or "RS512", unchanged in IEEE 9274.1.1. */
const ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512']

/**
 * Verifies every signature attachment of the statements (those of SubStatements are not
 * signatures of a Statement and are left alone). `parts` is the result of `matchAttachments`.
 * Call it with the statements as received, before the LRS assigns id, stored or authority.
 *
 * Throws a 400 whose field names the statement and attachment and whose rule names the
 * requirement broken (Data §2.6.s5.b1, b2).
 */
export async function verifySignedStatements(
  statements: readonly JsonObject[],
  parts: ReadonlyMap<string, AttachmentPart>,
): Promise<void> {
  for (const [i, statement] of statements.entries()) {
    const attachments = Array.isArray(statement.attachments) ? statement.attachments : []
    for (const [j, attachment] of attachments.entries()) {
      if (!isObject(attachment) || attachment.usageType !== SIGNATURE_USAGE_TYPE) continue
      await verifySignature(statement, attachment, parts, `statements[${i}].attachments[${j}]`)
    }
  }
}

async function verifySignature(
  statement: JsonObject,
  attachment: JsonObject,
  parts: ReadonlyMap<string, AttachmentPart>,
  field: string,
): Promise<void> {
  const jws = signaturePart(attachment, parts, field)
  const header = protectedHeader(jws, field)

  const payload =
    header.x5c === undefined
      ? decodedPayload(jws, header, field)
      : verifiedPayload(jws, header, field)

  const signed = signedStatement(payload, field)
  if (!sameStatement(signed, withoutSignatures(statement))) {
    badRequest(
      field,
      'the JWS payload is not the same statement as the one received (Data §2.6.s5.b3.b2)',
    )
  }
}

/** The JWS compact serialization carried by the signature attachment (Data §2.6.s4.b1, b2). */
function signaturePart(
  attachment: JsonObject,
  parts: ReadonlyMap<string, AttachmentPart>,
  field: string,
): string {
  const contentType = typeof attachment.contentType === 'string' ? attachment.contentType : ''
  if (mediaTypeOf(contentType) !== 'application/octet-stream') {
    badRequest(
      `${field}.contentType`,
      'a signature must be application/octet-stream (Data §2.6.s4.b1)',
    )
  }
  const sha2 = typeof attachment.sha2 === 'string' ? attachment.sha2.toLowerCase() : ''
  const part = parts.get(sha2)
  if (part === undefined) {
    badRequest(
      field,
      'the signature must be sent as a multipart part so that the LRS can decode it ' +
        '(Data §2.6.s5.b3.b1)',
    )
  }
  const jws = part.content.toString('utf8').trim()
  // JWS Compact Serialization: SHOULD* in 1.0.3, "shall" in IEEE 9274.1.1 §4.2.6; the JSON
  // serialization is refused for both versions, as 1.0.3 announces it will be.
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(jws)) {
    badRequest(field, 'the signature must be a JWS in Compact Serialization (Data §2.6.s4.b2)')
  }
  return jws
}

interface Header {
  alg: string
  x5c: unknown
  b64: unknown
  crit: unknown
}

function protectedHeader(jws: string, field: string): Header {
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(jws)
  } catch {
    return badRequest(
      field,
      'the JWS protected header is not base64url-encoded JSON (RFC 7515 §7.1)',
    )
  }
  const alg = header.alg
  if (typeof alg !== 'string' || !ALGORITHMS.includes(alg)) {
    badRequest(
      `${field}.alg`,
      `the JWS must use RS256, RS384 or RS512, not ${JSON.stringify(alg ?? null)} ` +
        '(Data §2.6.s4.b4)',
    )
  }
  return { alg, x5c: header.x5c, b64: header.b64, crit: header.crit }
}

/** Without a certificate: the payload as signed, after checking it is base64url JSON. */
function decodedPayload(jws: string, header: Header, field: string): Uint8Array {
  // The hub understands no JWS extension (RFC 7515 §4.1.11), such as RFC 7797's unencoded payload.
  if (header.crit !== undefined) {
    badRequest(`${field}.crit`, 'no JWS extension is supported (RFC 7515 §4.1.11)')
  }
  if (header.b64 !== undefined && header.b64 !== true) {
    badRequest(field, 'the JWS payload must be base64url-encoded (RFC 7515 §7.1)')
  }
  const [, payload = '', signature = ''] = jws.split('.')
  if (signature === '') badRequest(field, 'the JWS has no signature (RFC 7515 §7.1)')
  try {
    return base64url.decode(payload)
  } catch {
    return badRequest(field, 'the JWS payload is not base64url (RFC 7515 §7.1)')
  }
}

/** With a certificate: the payload once the signature verifies against it (Data §2.6.s5.b3.b3). */
function verifiedPayload(jws: string, header: Header, field: string): Uint8Array {
  const key = certificateKey(header, field)
  const [protectedHeader = '', payload = '', signature = ''] = jws.split('.')
  const digest = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }[header.alg as 'RS256']
  let valid = false
  try {
    // RFC 7515 §5.2: the signing input is the ASCII of "protected.payload".
    const input = Buffer.from(`${protectedHeader}.${payload}`, 'ascii')
    valid = rsaVerify(digest, input, key, Buffer.from(base64url.decode(signature)))
  } catch {
    valid = false
  }
  if (!valid) {
    badRequest(field, 'the signature does not verify with the x5c certificate (Data §2.6.s5.b3.b3)')
  }
  return base64url.decode(payload)
}

/** Smallest RSA key accepted: the specification's example certificate has 1024 bits. */
const MIN_RSA_BITS = 1024

function certificateKey(header: Header, field: string): KeyObject {
  const chain = header.x5c
  const first: unknown = Array.isArray(chain) ? chain[0] : undefined
  if (typeof first !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(first)) {
    badRequest(`${field}.x5c`, 'x5c must be an array of base64 DER certificates (RFC 7515 §4.1.6)')
  }
  let key: KeyObject
  try {
    key = new X509Certificate(Buffer.from(first, 'base64')).publicKey
  } catch {
    return badRequest(`${field}.x5c`, 'x5c[0] is not an X.509 certificate (RFC 7515 §4.1.6)')
  }
  if (key.asymmetricKeyType !== 'rsa') {
    badRequest(
      `${field}.x5c`,
      'x5c[0] must hold an RSA public key for RS256/RS384/RS512 (Data §2.6)',
    )
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < MIN_RSA_BITS) {
    badRequest(
      `${field}.x5c`,
      `the certificate's RSA key has ${bits} bits; ${MIN_RSA_BITS} or more are required`,
    )
  }
  return key
}

function signedStatement(payload: Uint8Array, field: string): JsonObject {
  let signed: unknown
  try {
    signed = JSON.parse(Buffer.from(payload).toString('utf8'))
  } catch {
    return badRequest(
      field,
      'the JWS payload must be a JSON serialization of the statement (Data §2.6.s4.b3)',
    )
  }
  if (!isObject(signed)) {
    badRequest(
      field,
      'the JWS payload must be a JSON serialization of the statement (Data §2.6.s4.b3)',
    )
  }
  return signed
}

/** The statement "before the signature was added" (Data §2.6.s4.b3). */
function withoutSignatures(statement: JsonObject): JsonObject {
  if (!Array.isArray(statement.attachments)) return statement
  const rest = statement.attachments.filter(
    (attachment) => !isObject(attachment) || attachment.usageType !== SIGNATURE_USAGE_TYPE,
  )
  const before: JsonObject = { ...statement, attachments: rest }
  if (rest.length === 0) delete before.attachments
  return before
}
