/**
 * The one catalogue of errors the hub answers with. Every failure a client can cause is a
 * {@link HubError} carrying a code from this list; the HTTP layer turns it into the status and the
 * JSON error body. Anything else that escapes is a bug and answers 500.
 */

export const ERROR_STATUS = {
  /** The request breaks a rule of the xAPI specification or of this API. */
  bad_request: 400,
  /** No credential, or one the hub does not accept. */
  unauthorized: 401,
  /** A valid credential without the scope or right the request needs. */
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  /** The client did not send its whole request within REQUEST_TIMEOUT_SECONDS. */
  request_timeout: 408,
  /** The request conflicts with what is stored (same id, different statement; edit races). */
  conflict: 409,
  /** An If-Match or If-None-Match precondition does not hold. */
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  /** The request's headers exceed what the server reads (Node's limit, 16 KiB by default). */
  headers_too_large: 431,
  /** The store cannot take the request now; the client may retry. */
  unavailable: 503,
  internal: 500,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export interface ErrorDetails {
  /** The request part at fault, as a path: `statements[2].actor.mbox`, `query.since`. */
  field?: string
  /** The rule broken, in a few words, ideally citing the specification. */
  rule?: string
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers?: Record<string, string>
  cause?: unknown
}

export class HubError extends Error {
  override name = 'HubError'
  readonly code: ErrorCode
  readonly status: number
  readonly field: string | undefined
  readonly rule: string | undefined
  readonly headers: Record<string, string> | undefined

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.status = ERROR_STATUS[code]
    this.field = details.field
    this.rule = details.rule
    this.headers = details.headers
  }
}

/** Throws a 400 naming the field and the rule it breaks. */
export function badRequest(field: string, rule: string): never {
  throw new HubError('bad_request', `${field}: ${rule}`, { field, rule })
}

export function isHubError(error: unknown): error is HubError {
  return error instanceof HubError
}
