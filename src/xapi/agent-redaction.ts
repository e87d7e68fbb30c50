import { agentKey, isObject, type Json, type JsonObject } from './agent-key.js'
import { SIGNATURE_USAGE_TYPE } from './attachments.js'

/**
 * Redaction of an erased person from a statement that is kept because it is someone else's record
 * (the person was its instructor, a team member, a context agent). Every Agent or Identified
 * Group whose IFI key (src/xapi/agent-key.ts) is the person's is replaced by a pseudonymous one:
 * an `account` on the hub's home page for erased persons, named by the salted hash the audit trail
 * uses, with no `name`. An Agent keeps the shape xAPI asks (Data §2.4.2.1: one IFI), so the
 * statement still validates and still reads as "someone was the instructor".
 *
 * A signature attachment (Data §2.6) cannot survive the redaction: it no longer verifies, and its
 * JWS payload is the original statement, identifier included. It is dropped; docs/privacy.md
 * explains why that, rather than keeping a signature that fails, is the choice.
 */

export interface RedactedStatement {
  statement: JsonObject
  /** SHA-2 hashes of the signature attachments removed with the redaction. */
  droppedHashes: string[]
}

/** The Agent that stands for an erased person in the statements kept after the erasure. */
export function pseudonymousAgent(homePage: string, name: string): JsonObject {
  return { objectType: 'Agent', account: { homePage, name } }
}

/**
 * The statement with the person identified by `key` replaced by `pseudonym` wherever an Agent or
 * Identified Group names them (SubStatements, groups and extensions included), or undefined when
 * the statement does not name them.
 */
export function redactAgent(
  statement: JsonObject,
  key: string,
  pseudonym: JsonObject,
): RedactedStatement | undefined {
  let found = false
  const walk = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(walk)
    if (!isObject(value)) return value
    if (agentKey(value) === key) {
      found = true
      return replacement(value, pseudonym, walk)
    }
    return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, walk(member)]))
  }
  const redacted = walk(statement) as JsonObject
  if (!found) return undefined

  const droppedHashes = dropSignatures(redacted)
  const object = redacted.object
  if (isObject(object) && object.objectType === 'SubStatement')
    droppedHashes.push(...dropSignatures(object))
  return { statement: redacted, droppedHashes }
}

/**
 * An Agent becomes the pseudonym alone (its `name` is personal data too). A Group identified by
 * the person keeps being a Group, so its members (redacted in turn) keep their meaning.
 */
function replacement(agent: JsonObject, pseudonym: JsonObject, walk: (value: Json) => Json): Json {
  if (agent.objectType !== 'Group') return pseudonym
  const group: JsonObject = { objectType: 'Group', account: pseudonym.account ?? null }
  if (agent.member !== undefined) group.member = walk(agent.member)
  return group
}

/** Removes the signature attachments of a Statement or SubStatement; returns their hashes. */
function dropSignatures(owner: JsonObject): string[] {
  if (!Array.isArray(owner.attachments)) return []
  const dropped: string[] = []
  const kept = owner.attachments.filter((attachment) => {
    if (!isObject(attachment) || attachment.usageType !== SIGNATURE_USAGE_TYPE) return true
    if (typeof attachment.sha2 === 'string') dropped.push(attachment.sha2)
    return false
  })
  // `attachments` is optional; an empty list would say nothing and is left out, as it came in.
  if (kept.length === 0) delete owner.attachments
  else owner.attachments = kept
  return dropped
}
