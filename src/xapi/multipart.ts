import { randomBytes } from 'node:crypto'
import { badRequest } from '../errors.js'

/**
 * The `multipart/mixed` transmission format of statements with attachments (xAPI Communication
 * §1.5.2; IEEE 9274.1.1 LRS §4.1.3, unchanged in substance). The body follows RFC 2046 §5.1.1:
 *
 *   preamble CRLF? "--" boundary *LWSP CRLF
 *   part-headers CRLF part-body
 *   CRLF "--" boundary *LWSP CRLF ...
 *   CRLF "--" boundary "--" epilogue
 *
 * The first part holds the statement(s) as `application/json`; every other part holds the raw
 * octets of one attachment, found by the SHA-2 in its `X-Experience-API-Hash` header.
 *
 * Attachment parts can be large and binary, so they are cut out of the body with
 * `Buffer.indexOf` and `subarray` (no copy, no string conversion); only header blocks and the
 * JSON part are decoded.
 */

/** One attachment part: its declared media type, its declared SHA-2 and its raw octets. */
export interface AttachmentPart {
  /** The part's Content-Type header, or '' when the part declared none. */
  contentType: string
  /** The part's X-Experience-API-Hash header, in lowercase hex. */
  sha2: string
  content: Buffer
}

const CRLF = Buffer.from('\r\n', 'latin1')
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1')
const DASH = 0x2d
const SPACE = 0x20
const TAB = 0x09

/**
 * Parses a `multipart/mixed` statement request.
 *
 * Throws a 400 naming the part and the rule for a missing or wrong boundary, a truncated body, a
 * first part that is not `application/json` or not valid JSON, and an attachment part without
 * `X-Experience-API-Hash` or without `Content-Transfer-Encoding: binary` (§1.5.2.s2.b2.b1-b4).
 * Whether the parts match the statements' attachments is {@link matchAttachments}' business.
 */
export function parseMultipartMixed(
  body: Buffer,
  contentTypeHeader: string,
): { statementBody: unknown; parts: AttachmentPart[] } {
  const boundary = boundaryOf(contentTypeHeader)
  const rawParts = splitParts(body, boundary)

  const [first, ...rest] = rawParts
  if (first === undefined) {
    badRequest('multipart', 'the body holds no part; the statements part is required')
  }
  const statementBody = readStatementPart(first)
  const parts = rest.map((raw, i) => readAttachmentPart(raw, i + 2))
  return { statementBody, parts }
}

/**
 * Builds the `multipart/mixed` response of `GET statements?attachments=true` (Communication
 * §2.1.3, §1.5.2.s3.b1): the statement JSON first, then one part per attachment with the headers
 * §1.5.2.s2.b2 requires. Attachments with the same SHA-2 are sent once (§1.5.2.s2.b2.b5). The
 * boundary is random and checked against every part's content, so it cannot occur inside any of
 * them (RFC 2046 §5.1.1).
 */
export function buildMultipartMixed(
  json: string,
  attachments: readonly AttachmentPart[],
): { contentType: string; body: Buffer } {
  const jsonBytes = Buffer.from(json, 'utf8')
  const unique = [...new Map(attachments.map((a) => [a.sha2.toLowerCase(), a])).values()]
  const boundary = freshBoundary([jsonBytes, ...unique.map((a) => a.content)])
  const delimiter = `--${boundary}\r\n`

  const chunks: Buffer[] = [
    Buffer.from(`${delimiter}Content-Type: application/json\r\n\r\n`, 'latin1'),
    jsonBytes,
  ]
  for (const attachment of unique) {
    const headers =
      `\r\n${delimiter}` +
      `Content-Type: ${attachment.contentType || 'application/octet-stream'}\r\n` +
      'Content-Transfer-Encoding: binary\r\n' +
      `X-Experience-API-Hash: ${attachment.sha2}\r\n\r\n`
    chunks.push(Buffer.from(headers, 'latin1'), attachment.content)
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'))

  return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(chunks) }
}

interface RawPart {
  /** 1-based position in the body, as used in error fields. */
  index: number
  headers: Map<string, string>
  content: Buffer
}

/** The boundary parameter of a `multipart/mixed` Content-Type, quoted or not (RFC 2046 §5.1.1). */
function boundaryOf(contentTypeHeader: string): string {
  const field = 'header.Content-Type'
  const [mediaType = '', ...params] = splitParams(contentTypeHeader)
  if (mediaType.toLowerCase() !== 'multipart/mixed') {
    badRequest(field, 'must be multipart/mixed (Communication §1.5.2)')
  }
  let boundary: string | undefined
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue
    boundary = unquote(param.slice(eq + 1).trim())
  }
  if (boundary === undefined) {
    badRequest(field, 'the boundary parameter is required (RFC 2046 §5.1.1)')
  }
  // bchars: 1 to 70 of digits, letters and '()+_,-./:=? and space, not ending in a space.
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) {
    badRequest(field, 'the boundary must be 1 to 70 RFC 2046 bchars, not ending in a space')
  }
  return boundary
}

/** Splits a header value at semicolons outside quoted strings. */
function splitParams(value: string): string[] {
  const out: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (c === '"') quoted = !quoted
    else if (c === '\\' && quoted && i + 1 < value.length) {
      current += c + value[i + 1]
      i++
      continue
    } else if (c === ';' && !quoted) {
      out.push(current.trim())
      current = ''
      continue
    }
    current += c
  }
  out.push(current.trim())
  return out
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value
  return value.slice(1, -1).replace(/\\(.)/g, '$1')
}

/**
 * Cuts the body into parts at the boundary delimiters. A delimiter is CRLF "--" boundary, except
 * that the first may start the body; a boundary must not occur inside a part (RFC 2046 §5.1.1),
 * so every occurrence of the delimiter is one.
 */
function splitParts(body: Buffer, boundary: string): RawPart[] {
  const dashBoundary = Buffer.from(`--${boundary}`, 'latin1')
  const delimiter = Buffer.concat([CRLF, dashBoundary])

  let at: number
  if (body.subarray(0, dashBoundary.length).equals(dashBoundary)) at = dashBoundary.length
  else {
    const found = body.indexOf(delimiter)
    if (found < 0) {
      badRequest('multipart', 'no boundary delimiter found in the body (RFC 2046 §5.1.1)')
    }
    at = found + delimiter.length
  }

  const parts: RawPart[] = []
  for (let index = 1; ; index++) {
    // The close-delimiter ends the parts; whatever follows is the epilogue, ignored.
    if (body[at] === DASH && body[at + 1] === DASH) return parts
    const start = afterDelimiterLine(body, at, index)
    const end = body.indexOf(delimiter, start)
    if (end < 0) {
      badRequest(`multipart.part[${index}]`, 'the body ends before the closing boundary delimiter')
    }
    parts.push(readRawPart(body.subarray(start, end), index))
    at = end + delimiter.length
  }
}

/** Skips the transport padding (spaces and tabs) and the CRLF that end a delimiter line. */
function afterDelimiterLine(body: Buffer, at: number, index: number): number {
  let i = at
  while (body[i] === SPACE || body[i] === TAB) i++
  if (body[i] !== 0x0d || body[i + 1] !== 0x0a) {
    badRequest(
      `multipart.part[${index}]`,
      'a boundary delimiter must be followed by CRLF (RFC 2046 §5.1.1)',
    )
  }
  return i + 2
}

/** Separates a part's header block from its content (RFC 2046 §5.1.1, RFC 5322 §2.2). */
function readRawPart(raw: Buffer, index: number): RawPart {
  // A part without header fields starts with the blank line itself.
  if (raw[0] === 0x0d && raw[1] === 0x0a) {
    return { index, headers: new Map(), content: raw.subarray(2) }
  }
  const end = raw.indexOf(HEADER_END)
  if (end < 0) {
    badRequest(
      `multipart.part[${index}]`,
      'the part headers must end with an empty line (CRLF CRLF)',
    )
  }
  return {
    index,
    headers: parseHeaders(raw.subarray(0, end).toString('latin1'), index),
    content: raw.subarray(end + HEADER_END.length),
  }
}

/** Header fields by lowercase name; folded lines are unfolded (RFC 5322 §2.2.3). */
function parseHeaders(block: string, index: number): Map<string, string> {
  const headers = new Map<string, string>()
  const lines = block.replace(/\r\n(?=[ \t])/g, '').split('\r\n')
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trim() : ''
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      badRequest(`multipart.part[${index}].header`, `malformed header line "${line.slice(0, 80)}"`)
    }
    const key = name.toLowerCase()
    if (headers.has(key)) {
      badRequest(`multipart.part[${index}].header.${name}`, 'the header must appear once')
    }
    headers.set(key, line.slice(colon + 1).trim())
  }
  return headers
}

/** The media type of a Content-Type value, lowercase, without parameters. */
export function mediaTypeOf(contentType: string): string {
  return (splitParams(contentType)[0] ?? '').toLowerCase()
}

/** The first part: the statement or statements, as application/json (§1.5.2.s2.b2.b1, b6). */
function readStatementPart(part: RawPart): unknown {
  const field = `multipart.part[${part.index}]`
  const contentType = part.headers.get('content-type')
  if (contentType === undefined || mediaTypeOf(contentType) !== 'application/json') {
    badRequest(
      `${field}.header.Content-Type`,
      'the first part must be application/json (Communication §1.5.2.s2.b2.b1)',
    )
  }
  try {
    return JSON.parse(part.content.toString('utf8'))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return badRequest(field, `the statements part is not valid JSON: ${reason}`)
  }
}

/** An attachment part: raw octets with their hash (§1.5.2.s2.b2.b2-b4). */
function readAttachmentPart(part: RawPart, index: number): AttachmentPart {
  const field = `multipart.part[${index}].header`
  const sha2 = part.headers.get('x-experience-api-hash')
  if (sha2 === undefined || sha2 === '') {
    badRequest(
      `${field}.X-Experience-API-Hash`,
      'every attachment part must declare its SHA-2 (Communication §1.5.2.s2.b2.b3)',
    )
  }
  if (!/^[0-9a-fA-F]+$/.test(sha2)) {
    badRequest(`${field}.X-Experience-API-Hash`, 'must be a SHA-2 hash in hexadecimal')
  }
  // The client MUST send the header (§1.5.2.s2.b2.b4); other encodings would need decoding that
  // the format never calls for, so only binary is taken.
  const encoding = part.headers.get('content-transfer-encoding')
  if (encoding === undefined || encoding.toLowerCase() !== 'binary') {
    badRequest(
      `${field}.Content-Transfer-Encoding`,
      'must be "binary" (Communication §1.5.2.s2.b2.b4)',
    )
  }
  const length = part.headers.get('content-length')
  if (length !== undefined && (!/^\d+$/.test(length) || Number(length) !== part.content.length)) {
    badRequest(`${field}.Content-Length`, `must equal the part's ${part.content.length} octets`)
  }
  const contentType = part.headers.get('content-type') ?? ''
  return { contentType, sha2: sha2.toLowerCase(), content: part.content }
}

/** A random boundary that occurs in none of the contents. */
function freshBoundary(contents: readonly Buffer[]): string {
  for (;;) {
    const boundary = `xapi-${randomBytes(24).toString('hex')}`
    const needle = Buffer.from(boundary, 'latin1')
    if (contents.every((content) => content.indexOf(needle) < 0)) return boundary
  }
}
