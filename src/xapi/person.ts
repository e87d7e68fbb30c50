import { agentKey, isObject, type Json, type JsonObject } from './agent-key.js'

/**
 * The Person Object of the Agents Resource (xAPI 1.0.3 Communication §2.4; 2.0.0 §4.1.6.3): every
 * property an array, combining what the LRS knows about an agent. The hub knows an agent only by
 * the one IFI it was asked about, so the Person carries that IFI and every name statements gave
 * that agent; for an agent it has never seen, just what the request said (§2.4.s3.b3).
 */
export interface Person extends JsonObject {
  objectType: 'Person'
}

/** Collects names given to the agent with `key` anywhere in a statement (actor, context...). */
function collectNames(value: Json, key: string, names: Set<string>, depth = 0): void {
  // Statements nest agents at most a few levels deep (SubStatement context team members).
  if (depth > 8) return
  if (Array.isArray(value)) {
    for (const item of value) collectNames(item, key, names, depth + 1)
    return
  }
  if (!isObject(value)) return
  if (typeof value.name === 'string' && agentKey(value) === key) names.add(value.name)
  for (const [property, child] of Object.entries(value)) {
    // Extensions and results hold arbitrary data, not agents of this statement.
    if (property === 'extensions' || property === 'result' || property === 'definition') continue
    collectNames(child, key, names, depth + 1)
  }
}

/**
 * Builds the Person for `agent` (a validated Agent with one IFI) from statements about it, newest
 * first; the requested agent's own name comes first.
 */
export function buildPerson(agent: JsonObject, statements: readonly Json[]): Person {
  const key = agentKey(agent) as string
  const names = new Set<string>()
  if (typeof agent.name === 'string') names.add(agent.name)
  for (const statement of statements) collectNames(statement, key, names)

  const person: Person = { objectType: 'Person' }
  if (names.size > 0) person.name = [...names]
  for (const ifi of ['mbox', 'mbox_sha1sum', 'openid', 'account']) {
    const value = agent[ifi]
    if (value !== undefined) person[ifi] = [value]
  }
  return person
}
