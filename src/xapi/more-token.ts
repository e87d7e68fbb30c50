import { badRequest } from '../errors.js'
import { isObject } from './agent-key.js'
import { parseStatementQuery, type StatementQuery } from './statement-query-params.js'

/**
 * The opaque token of a StatementResult's `more` IRL (xAPI Data §2.5.1, Communication §2.1.3).
 * It carries everything the following page needs, so the hub keeps no per-query state:
 *
 * - the original query parameters, replayed through the same validation as a first request;
 * - `after`: the storage sequence number (`seq`) of the last statement already returned;
 * - `bound`: the highest committed `seq` when the first page was read. Every page stays at or
 *   below it, so statements stored while a client pages through never slip into a later page
 *   and nothing shifts: keyset paging on `seq` neither skips nor repeats a statement.
 *
 * The token is base64url JSON, not signed: altering it can only ask for another query the same
 * credential could have sent directly (scopes are checked on every request), and every field is
 * validated again, so a damaged or forged token is a 400, never a 500.
 */

export interface MoreCursor {
  query: StatementQuery
  /** `seq` of the last statement returned so far (decimal text). */
  after: string
  /** Highest `seq` any page of this query may return (decimal text). */
  bound: string
}

const VERSION = 1
/** A bigint `seq` as decimal text: positive, at most 19 digits (fits PostgreSQL's bigint). */
const SEQ = /^(0|[1-9]\d{0,17})$/
/** Tokens far larger than any real query are refused before decoding. */
const MAX_TOKEN_LENGTH = 8192

export function encodeMoreToken(cursor: MoreCursor): string {
  const payload = { v: VERSION, p: cursor.query.params, a: cursor.after, b: cursor.bound }
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')
}

/** Decodes and re-validates a token; anything malformed is a 400 naming `query.more`. */
export function decodeMoreToken(token: string, pageLimit: number): MoreCursor {
  const field = 'query.more'
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) {
    badRequest(field, 'is not a token this hub issued')
  }
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {
    badRequest(field, 'is not a token this hub issued')
  }
  if (!isObject(payload) || payload.v !== VERSION || !isObject(payload.p)) {
    badRequest(field, 'is not a token this hub issued')
  }
  const { a: after, b: bound } = payload
  if (
    typeof after !== 'string' ||
    !SEQ.test(after) ||
    typeof bound !== 'string' ||
    !SEQ.test(bound)
  ) {
    badRequest(field, 'is not a token this hub issued')
  }

  const params: Record<string, string> = {}
  for (const [name, value] of Object.entries(payload.p)) {
    if (typeof value !== 'string') badRequest(field, 'is not a token this hub issued')
    params[name] = value
  }
  return { query: parseStatementQuery(params, pageLimit), after, bound }
}
