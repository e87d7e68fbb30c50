import { expectStatus, expectTrue, fail, jsonBody } from './expect.js'
import type { Json } from './fixtures.js'
import type { LrsClient, LrsResponse } from './lrs-client.js'

/**
 * Steps that many checks share. A step that prepares data fails the check when the LRS refuses
 * it: a requirement cannot be shown to hold on data the LRS would not store.
 */

export interface StatementResult {
  statements: Json[]
  more?: string
}

/** POSTs statements and returns the ids the LRS answered with (Comm 2.1.2). */
export async function store(lrs: LrsClient, statements: Json | Json[]): Promise<string[]> {
  const response = await lrs.request({ method: 'POST', path: 'statements', body: statements })
  expectStatus(response, 200, 'storing the statements this check needs')
  const ids = jsonBody<unknown>(response, 'POST statements')
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
    fail(`POST statements must answer with an array of ids, got ${response.text}`)
  }
  return ids
}

export function postStatements(lrs: LrsClient, body: unknown): Promise<LrsResponse> {
  return lrs.request({ method: 'POST', path: 'statements', body })
}

/** GETs one statement by id and returns it, failing unless the LRS answers 200. */
export async function fetchStatement(lrs: LrsClient, id: string, query: Json = {}): Promise<Json> {
  const response = await lrs.request({
    path: 'statements',
    query: { statementId: id, ...query } as never,
  })
  expectStatus(response, 200, `GET statements?statementId=${id}`)
  return jsonBody<Json>(response, 'GET statements?statementId')
}

/** Runs a statement query and returns its StatementResult (Data 2.5). */
export async function query(lrs: LrsClient, parameters: Json): Promise<StatementResult> {
  const response = await lrs.request({ path: 'statements', query: parameters as never })
  expectStatus(response, 200, `GET statements?${new URLSearchParams(stringify(parameters))}`)
  const result = jsonBody<StatementResult>(response, 'GET statements')
  expectTrue(Array.isArray(result.statements), 'a StatementResult must have a "statements" array')
  return result
}

/** The ids of the statements of a query, in the order the LRS returned them. */
export async function queryIds(lrs: LrsClient, parameters: Json): Promise<string[]> {
  const result = await query(lrs, parameters)
  return result.statements.map((s) => String(s.id))
}

function stringify(parameters: Json): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(parameters)) {
    out[name] = typeof value === 'object' ? JSON.stringify(value) : String(value)
  }
  return out
}

/** Fails unless `ids` holds exactly `expected`, in any order. */
export function expectSameIds(
  ids: readonly string[],
  expected: readonly string[],
  what: string,
): void {
  const got = [...ids].sort()
  const want = [...expected].sort()
  if (got.length !== want.length || got.some((id, i) => id !== want[i])) {
    fail(`${what}: expected statements ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
  }
}
