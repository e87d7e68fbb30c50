/**
 * Inverse Functional Identifiers (xAPI Data §2.4.2.1): an Agent or Identified Group is known by
 * exactly one of mbox, mbox_sha1sum, openid or account. The hub reduces that IFI to one string
 * key so that agents are compared, indexed and looked up the same way everywhere.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The IFI key of an agent or identified group, or undefined when it has no IFI (an anonymous
 * group). Assumes the agent has passed validation (at most one IFI, well-formed values).
 *
 *   mbox:mailto:ana@example.org
 *   mbox_sha1sum:<40 lowercase hex>
 *   openid:https://id.example.org/ana
 *   account:["https://sso.example.gov.vn","012345678901"]
 */
export function agentKey(agent: unknown): string | undefined {
  if (!isObject(agent)) return undefined
  if (typeof agent.mbox === 'string') return `mbox:${agent.mbox}`
  if (typeof agent.mbox_sha1sum === 'string')
    return `mbox_sha1sum:${agent.mbox_sha1sum.toLowerCase()}`
  if (typeof agent.openid === 'string') return `openid:${agent.openid}`
  const account = agent.account
  if (
    isObject(account) &&
    typeof account.homePage === 'string' &&
    typeof account.name === 'string'
  ) {
    return `account:${JSON.stringify([account.homePage, account.name])}`
  }
  return undefined
}

/** The IFI part of an agent alone (for Person objects and agent-scoped documents). */
export function agentIfi(agent: JsonObject): JsonObject {
  for (const name of ['mbox', 'mbox_sha1sum', 'openid', 'account']) {
    const value = agent[name]
    if (value !== undefined) return { [name]: value }
  }
  return {}
}
