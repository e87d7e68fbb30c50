import { createHash, randomUUID } from 'node:crypto'

/** One attachment's raw data and its declared content type. */
export interface AttachmentPart {
  contentType: string
  data: Buffer
  /** The hash to declare; defaults to the real SHA-256 of `data`. */
  hash?: string
  /** Leaves the X-Experience-API-Hash header out of the part. */
  omitHash?: boolean
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * Builds a multipart/mixed request body as Comm 1.5.2 lays it out: the statements first as
 * application/json, then one part per attachment with its hash and a binary transfer encoding.
 */
export function multipartBody(
  statements: unknown,
  parts: readonly AttachmentPart[],
): { body: Buffer; contentType: string } {
  const boundary = `conformance-${randomUUID()}`
  const chunks: Buffer[] = []
  const push = (text: string): void => {
    chunks.push(Buffer.from(text, 'utf8'))
  }
  push(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(statements)}\r\n`)
  for (const part of parts) {
    push(
      `--${boundary}\r\nContent-Type: ${part.contentType}\r\nContent-Transfer-Encoding: binary\r\n`,
    )
    if (part.omitHash !== true) push(`X-Experience-API-Hash: ${part.hash ?? sha256(part.data)}\r\n`)
    push('\r\n')
    chunks.push(part.data)
    push('\r\n')
  }
  push(`--${boundary}--\r\n`)
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` }
}

export interface ParsedPart {
  headers: Record<string, string>
  body: Buffer
}

/** Splits a multipart body into parts with lower-cased header names. */
export function parseMultipart(body: Buffer, contentType: string): ParsedPart[] {
  const match = /boundary="?([^";]+)"?/i.exec(contentType)
  if (match === null || match[1] === undefined) return []
  const delimiter = Buffer.from(`--${match[1]}`)
  const parts: ParsedPart[] = []
  let start = body.indexOf(delimiter)
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break
    const next = body.indexOf(delimiter, afterDelimiter)
    if (next === -1) break
    const raw = body.subarray(afterDelimiter, next)
    const headerEnd = raw.indexOf('\r\n\r\n')
    if (headerEnd !== -1) {
      const headers: Record<string, string> = {}
      for (const line of raw.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':')
        if (colon > 0)
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      let content = raw.subarray(headerEnd + 4)
      if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2)
      parts.push({ headers, body: content })
    }
    start = next
  }
  return parts
}
