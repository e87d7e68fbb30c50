import { readFile } from 'node:fs/promises'
import { basicAuth } from '../lib/lrs-client.js'

/**
 * Where a platform's statements come from: a file the platform exported, or the statements a
 * hub holds for it, read through the Statement Resource like any xAPI client would.
 */

export type Statement = Record<string, unknown>

function isObject(value: unknown): value is Statement {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A file of statements: a JSON array, a Statement Resource page (`{"statements": [...]}`) or
 * JSON Lines (one statement per line).
 */
export async function readStatementFile(path: string): Promise<Statement[]> {
  const text = await readFile(path, 'utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        try {
          return JSON.parse(line) as unknown
        } catch {
          throw new Error(
            `${path}: line ${index + 1} is not JSON (expected a JSON array, an object with "statements", or JSON Lines)`,
          )
        }
      })
  }
  const list = Array.isArray(parsed)
    ? parsed
    : isObject(parsed) && Array.isArray(parsed.statements)
      ? parsed.statements
      : [parsed]
  return list.map((item, index) => {
    if (!isObject(item)) throw new Error(`${path}: statement ${index + 1} is not a JSON object`)
    return item
  })
}

export interface EndpointSource {
  endpoint: string
  key: string
  secret: string
  /**
   * Keep only statements whose `authority` names this platform (its account name, as the hub
   * stamps it): for an administrator's credential, which reads every platform's statements. A
   * platform's own credential with `statements/read/mine` reads only its statements anyway.
   */
  platform?: string
  /** Stop after this many statements. */
  max: number
}

/** The platform named in an authority: the account name of the Agent (or of a Group member). */
function authorityNames(authority: unknown): string[] {
  if (!isObject(authority)) return []
  const members = Array.isArray(authority.member) ? authority.member : [authority]
  return members.flatMap((agent) =>
    isObject(agent) && isObject(agent.account) && typeof agent.account.name === 'string'
      ? [agent.account.name]
      : [],
  )
}

/** Reads statements through GET statements, following `more` links, newest first. */
export async function readStatementsFromHub(source: EndpointSource): Promise<Statement[]> {
  const base = source.endpoint.endsWith('/') ? source.endpoint : `${source.endpoint}/`
  const headers = {
    authorization: basicAuth(source.key, source.secret),
    'x-experience-api-version': '2.0.0',
  }
  const statements: Statement[] = []
  let next: string | undefined = new URL('statements?limit=500', base).toString()
  while (next !== undefined && statements.length < source.max) {
    const response = await fetch(next, { headers })
    if (!response.ok)
      throw new Error(
        `GET ${next} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
      )
    const page = (await response.json()) as { statements?: unknown[]; more?: string }
    for (const item of page.statements ?? []) {
      if (!isObject(item)) continue
      if (
        source.platform !== undefined &&
        !authorityNames(item.authority).includes(source.platform)
      )
        continue
      statements.push(item)
    }
    next =
      page.more === undefined || page.more === '' ? undefined : new URL(page.more, base).toString()
  }
  return statements.slice(0, source.max)
}
