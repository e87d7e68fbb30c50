import { createHash } from 'node:crypto'
import { badRequest } from '../errors.js'
import { isObject, type JsonObject } from './agent-key.js'
import { mediaTypeOf, type AttachmentPart } from './multipart.js'

/**
 * Statement attachments (xAPI Data §2.4.11, Communication §1.5.2; the same rules in IEEE
 * 9274.1.1 LRS §4.2.2.6 and §4.1.3). An Attachment Object describes data sent either as a part of
 * a `multipart/mixed` request, found by its SHA-2 alone (Communication §1.5.2.s1.b4), or at its
 * `fileUrl`.
 *
 * Attachments of a SubStatement follow the same rules as the Statement's own: IEEE 9274.1.1 lists
 * `attachments` among the SubStatement's properties, Data §2.4.11 only recommends carrying them on
 * the Statement, and a part they name is part of the request all the same.
 */

/** The usageType of a statement signature (Data §2.6.s4.b1). */
export const SIGNATURE_USAGE_TYPE = 'http://adlnet.gov/expapi/attachments/signature'

/** An Attachment Object with the request path it was found at. */
export interface AttachmentAt {
  /** `statements[0].attachments[1]`, `statements[2].object.attachments[0]`. */
  field: string
  attachment: JsonObject
}

/** Every Attachment Object of the statements and of their SubStatements, in request order. */
export function attachmentsOf(statements: readonly JsonObject[]): AttachmentAt[] {
  const found: AttachmentAt[] = []
  const collect = (owner: JsonObject, path: string): void => {
    if (!Array.isArray(owner.attachments)) return
    owner.attachments.forEach((attachment, j) => {
      if (isObject(attachment)) found.push({ field: `${path}.attachments[${j}]`, attachment })
    })
  }
  statements.forEach((statement, i) => {
    collect(statement, `statements[${i}]`)
    const object = statement.object
    if (isObject(object) && object.objectType === 'SubStatement') {
      collect(object, `statements[${i}].object`)
    }
  })
  return found
}

/**
 * True when some attachment has no `fileUrl`, so its data must travel in the request. Such a
 * request must be `multipart/mixed`: an `application/json` request MUST include a fileUrl for
 * every Attachment (Communication §1.5.2.s2.b1), and the HTTP layer answers one that does not
 * with 400 Bad Request (Communication §3.2).
 */
export function requiresMultipart(statements: readonly JsonObject[]): boolean {
  return attachmentsOf(statements).some(({ attachment }) => attachment.fileUrl === undefined)
}

/**
 * Checks the parts of a `multipart/mixed` request against the statements' attachments and
 * returns the parts by SHA-2 (lowercase hex). Throws a 400 naming the field when:
 *
 * - a part's content does not hash to its `X-Experience-API-Hash`, the SHA-2 function being
 *   picked by the hash's length: 224, 256, 384 or 512 bits (Data §2.4.11 "sha2",
 *   Communication §1.5.2.s4.b4);
 * - an attachment without `fileUrl` has no part with its `sha2` (Communication §1.5.2.s3.b5);
 * - a part carries no attachment of the statements (Communication §1.5.2.s2.b2.b2: each part
 *   after the first is the data of an Attachment);
 * - a part's Content-Type, when it has one, is another media type than its Attachment Object's
 *   `contentType` (Communication §1.5.2.s2.b2.b7). Compared without parameters: the
 *   specification's own example declares `text/plain; charset=ascii` for a `text/plain` part.
 *
 * `length` is not compared with the data. §1.5.2.s2.b2.b7 asks the sender for agreement, and the
 * LRS matches parts to attachments by SHA-2 and "MUST not do so any other way" (§1.5.2.s1.b4), which
 * already proves the data intact; clients that count octets differently (ADL's conformance
 * suite sends a hex rendering of a file with the file's length) must not be refused for it.
 *
 * Several attachments, in one statement or several, may share one part (§1.5.2.s2.b2.b5).
 */
export function matchAttachments(
  statements: readonly JsonObject[],
  parts: readonly AttachmentPart[],
): Map<string, AttachmentPart> {
  const bySha2 = new Map<string, AttachmentPart>()
  const partNumber = new Map<AttachmentPart, number>()
  parts.forEach((part, i) => {
    // Part 1 holds the statements, so attachment parts are numbered from 2.
    checkPartHash(part, i + 2)
    const sha2 = part.sha2.toLowerCase()
    if (!bySha2.has(sha2)) bySha2.set(sha2, part)
    partNumber.set(part, i + 2)
  })

  const used = new Set<string>()
  for (const { field, attachment } of attachmentsOf(statements)) {
    const sha2 = declaredSha2(attachment, field)
    const part = bySha2.get(sha2)
    if (part === undefined) {
      if (attachment.fileUrl === undefined) {
        badRequest(
          `${field}.sha2`,
          'no part carries this data and there is no fileUrl (Communication §1.5.2.s3.b5)',
        )
      }
      continue
    }
    checkAgreement(attachment, part, field)
    used.add(sha2)
  }

  for (const [sha2, part] of bySha2) {
    if (!used.has(sha2)) {
      badRequest(
        `multipart.part[${partNumber.get(part)}]`,
        'the part is the data of no attachment of the statements (Communication §1.5.2.s2.b2.b2)',
      )
    }
  }
  return bySha2
}

/** The SHA-2 functions by the length of their hexadecimal digest. */
const SHA2_BY_HEX_LENGTH: ReadonlyMap<number, string> = new Map([
  [56, 'sha224'],
  [64, 'sha256'],
  [96, 'sha384'],
  [128, 'sha512'],
])

function checkPartHash(part: AttachmentPart, number: number): void {
  const field = `multipart.part[${number}].header.X-Experience-API-Hash`
  const algorithm = SHA2_BY_HEX_LENGTH.get(part.sha2.length)
  if (algorithm === undefined) {
    badRequest(field, 'must be a SHA-224, SHA-256, SHA-384 or SHA-512 hash in hexadecimal')
  }
  const actual = createHash(algorithm).update(part.content).digest('hex')
  if (actual !== part.sha2.toLowerCase()) {
    badRequest(
      field,
      `does not match the ${algorithm.toUpperCase()} of the part's content ` +
        '(Communication §1.5.2.s1.b4)',
    )
  }
}

function declaredSha2(attachment: JsonObject, field: string): string {
  const sha2 = attachment.sha2
  if (typeof sha2 !== 'string' || sha2 === '') {
    badRequest(`${field}.sha2`, 'is required (Data §2.4.11)')
  }
  return sha2.toLowerCase()
}

function checkAgreement(attachment: JsonObject, part: AttachmentPart, field: string): void {
  const declared = attachment.contentType
  if (typeof declared !== 'string') badRequest(`${field}.contentType`, 'is required (Data §2.4.11)')
  if (part.contentType !== '' && mediaTypeOf(part.contentType) !== mediaTypeOf(declared)) {
    badRequest(
      `${field}.contentType`,
      `"${declared}" does not match the part's Content-Type "${part.contentType}" ` +
        '(Communication §1.5.2.s2.b2.b7)',
    )
  }
}
