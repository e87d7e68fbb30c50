import { isDeepStrictEqual } from 'node:util'
import type { LrsResponse } from './lrs-client.js'

/** A broken requirement: the message says what the LRS did and what the specification asks. */
export class CheckFailure extends Error {
  override name = 'CheckFailure'
}

export function fail(message: string): never {
  throw new CheckFailure(message)
}

/** The response body, shortened for messages. */
function excerpt(response: LrsResponse): string {
  const text = response.text.replace(/\s+/g, ' ').trim()
  return text === '' ? '' : ` (body: ${text.length > 200 ? `${text.slice(0, 200)}…` : text})`
}

/** Fails unless the status is one of `expected`. */
export function expectStatus(
  response: LrsResponse,
  expected: number | readonly number[],
  what: string,
): void {
  const allowed = typeof expected === 'number' ? [expected] : expected
  if (!allowed.includes(response.status)) {
    fail(
      `${what}: expected HTTP ${allowed.join(' or ')}, got ${response.status}${excerpt(response)}`,
    )
  }
}

export function expectTrue(condition: boolean, message: string): void {
  if (!condition) fail(message)
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

/** Parses a JSON body or fails naming the request. */
export function jsonBody<T>(response: LrsResponse, what: string): T {
  try {
    return JSON.parse(response.text) as T
  } catch {
    return fail(`${what}: the body is not JSON${excerpt(response)}`)
  }
}

export function expectHeader(response: LrsResponse, name: string, what: string): string {
  const value = response.headers.get(name)
  if (value === null) fail(`${what}: the ${name} header is missing`)
  return value
}
