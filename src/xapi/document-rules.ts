import { createHash } from 'node:crypto'
import { badRequest, HubError } from '../errors.js'
import { agentKey, isObject, type JsonObject } from './agent-key.js'
import { parseTimestampParam } from './timestamp.js'
import type { XapiVersion } from './version.js'

/**
 * Rules shared by the three document resources, State, Activity Profile and Agent Profile
 * (xAPI 1.0.3 Communication §2.2-2.7 and §3.1; xAPI 2.0.0 / IEEE 9274.1.1 §4.1.4 and §4.1.6.2,
 * 4.1.6.5, 4.1.6.6): request parameters, the JSON merge of POST, ETags and the concurrency
 * preconditions. Pure functions; the HTTP layer supplies the request, storage the stored document.
 */

export type DocumentKind = 'state' | 'activity_profile' | 'agent_profile'

/** A document as stored: the bytes exactly as received, with the Content-Type they came with. */
export interface DocumentContent {
  contentType: string
  content: Buffer
}

export interface StoredDocument extends DocumentContent {
  etag: string
}

/**
 * Upper bounds on the parts of a document's key, in UTF-8 bytes. The specification sets none;
 * the hub needs them so that a key always fits one PostgreSQL b-tree index entry (about 2.7 kB).
 */
export const KEY_LIMITS = { activityId: 1024, docId: 512, agentKey: 512 } as const

/** Query parameters as Fastify hands them over: a repeated parameter arrives as an array. */
export type QueryParams = Readonly<Record<string, unknown>>

/**
 * Refuses parameters the resource does not define, in any case but the exact one, and repeated
 * parameters (1.0.3 Communication §3.2.s3.b7; 2.0.0 §4.1.5 "parameters ... in all but case").
 */
export function checkParameterNames(query: QueryParams, allowed: readonly string[]): void {
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) {
      badRequest(
        `query.${name}`,
        `not a parameter of this resource; allowed: ${allowed.join(', ')}`,
      )
    }
    if (typeof value !== 'string') badRequest(`query.${name}`, 'must appear once')
  }
}

function required(query: QueryParams, name: string): string {
  const value = query[name]
  if (typeof value !== 'string' || value === '') badRequest(`query.${name}`, 'is required')
  return value
}

function optional(query: QueryParams, name: string): string | undefined {
  const value = query[name]
  return typeof value === 'string' ? value : undefined
}

function withinBytes(field: string, value: string, limit: number): void {
  if (Buffer.byteLength(value, 'utf8') > limit)
    badRequest(field, `must be at most ${limit} bytes (hub limit)`)
}

/** An absolute IRI: a scheme, a colon, and no white space or control characters (RFC 3987). */
const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\u0000-\u001f\u007f]+$/

export function isIri(value: unknown): value is string {
  return typeof value === 'string' && IRI.test(value)
}

/** `activityId`: the Activity id, an IRI (Communication §2.3 and §2.7 parameter tables). */
export function parseActivityId(query: QueryParams, name = 'activityId'): string {
  const value = required(query, name)
  if (!isIri(value)) badRequest(`query.${name}`, 'must be an absolute IRI')
  withinBytes(`query.${name}`, value, KEY_LIMITS.activityId)
  return value
}

const AGENT_PROPERTIES = ['objectType', 'name', 'mbox', 'mbox_sha1sum', 'openid', 'account']
const IFI_PROPERTIES = ['mbox', 'mbox_sha1sum', 'openid', 'account']

function checkIfi(field: string, name: string, value: unknown): void {
  const at = `${field}.${name}`
  switch (name) {
    case 'mbox':
      if (typeof value !== 'string' || !/^mailto:[^@\s]+@[^@\s]+$/.test(value)) {
        badRequest(at, 'must be a mailto IRI (xAPI Data §2.4.2.3)')
      }
      return
    case 'mbox_sha1sum':
      if (typeof value !== 'string' || !/^[0-9a-fA-F]{40}$/.test(value)) {
        badRequest(at, 'must be the hex SHA-1 of a mailto IRI')
      }
      return
    case 'openid':
      if (!isIri(value)) badRequest(at, 'must be an absolute IRI')
      return
    default: {
      if (!isObject(value)) badRequest(at, 'must be an object with homePage and name')
      for (const key of Object.keys(value)) {
        if (key !== 'homePage' && key !== 'name')
          badRequest(`${at}.${key}`, 'not an Account property')
      }
      if (!isIri(value.homePage)) badRequest(`${at}.homePage`, 'must be an absolute IRL')
      if (typeof value.name !== 'string' || value.name === '')
        badRequest(`${at}.name`, 'must be a non-empty string')
    }
  }
}

/**
 * An Agent given as JSON in a query parameter (`agent`): an Agent, not a Group, with exactly one
 * Inverse Functional Identifier (Data §2.4.2.1; Communication §2.4 and §2.6 note). Returns the
 * agent and its IFI key.
 */
export function parseAgent(query: QueryParams, name = 'agent'): { agent: JsonObject; key: string } {
  const field = `query.${name}`
  const raw = required(query, name)
  let agent: unknown
  try {
    agent = JSON.parse(raw)
  } catch {
    return badRequest(field, 'must be an Agent object in JSON')
  }
  if (!isObject(agent)) badRequest(field, 'must be an Agent object in JSON')
  for (const key of Object.keys(agent)) {
    if (!AGENT_PROPERTIES.includes(key)) badRequest(`${field}.${key}`, 'not an Agent property')
  }
  if (agent.objectType !== undefined && agent.objectType !== 'Agent') {
    badRequest(`${field}.objectType`, 'must be "Agent": this parameter takes an Agent, not a Group')
  }
  if (agent.name !== undefined && typeof agent.name !== 'string')
    badRequest(`${field}.name`, 'must be a string')
  const ifis = IFI_PROPERTIES.filter((property) => agent[property] !== undefined)
  if (ifis.length !== 1)
    badRequest(field, 'must have exactly one of mbox, mbox_sha1sum, openid, account')
  checkIfi(field, ifis[0] as string, agent[ifis[0] as string])
  const key = agentKey(agent) as string
  withinBytes(field, key, KEY_LIMITS.agentKey)
  return { agent, key }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `registration`: a UUID (Data §4.4), compared in lower case. */
export function parseRegistration(query: QueryParams): string | undefined {
  const value = optional(query, 'registration')
  if (value === undefined) return undefined
  if (!UUID.test(value)) badRequest('query.registration', 'must be a UUID')
  return value.toLowerCase()
}

/** `since`: an ISO 8601 timestamp (Data §4.5), exclusive lower bound on the last change. */
export function parseSince(query: QueryParams): string | undefined {
  const value = optional(query, 'since')
  return value === undefined ? undefined : parseTimestampParam(value, 'query.since')
}

/** `stateId` / `profileId`: a non-empty string, unique within its context (Communication §2.2). */
export function parseDocumentId(
  query: QueryParams,
  name: 'stateId' | 'profileId',
): string | undefined {
  const value = optional(query, name)
  if (value === undefined) return undefined
  if (value === '') badRequest(`query.${name}`, 'must not be empty')
  withinBytes(`query.${name}`, value, KEY_LIMITS.docId)
  return value
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase()
}

const isJsonType = (contentType: string): boolean => mediaType(contentType) === 'application/json'

/** ETag of a document: the quoted lower-case hex SHA-1 of its bytes (Communication §3.1.s4.b2). */
export function documentEtag(content: Buffer): string {
  return `"${createHash('sha1').update(content).digest('hex')}"`
}

function parseJson(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'))
  } catch {
    return undefined
  }
}

/**
 * A body sent as application/json must be JSON (Communication §3.2.s3.b6); the bytes are still
 * stored exactly as sent. Other content types are opaque to the hub.
 */
export function checkContent(document: DocumentContent): void {
  if (isJsonType(document.contentType) && parseJson(document.content) === undefined) {
    badRequest('body', 'Content-Type is application/json but the body is not JSON')
  }
}

const MERGE_RULE = 'POST merges JSON objects only (xAPI Communication §2.2)'

/**
 * POST to an existing document (Communication §2.2.s7-s8; 2.0.0 §4.1.6.2): both documents must be
 * application/json JSON objects, or the request is a 400 and nothing changes. Each top-level
 * property of the posted object replaces the stored one; nested objects are not merged.
 */
export function mergeJsonDocuments(
  stored: DocumentContent,
  posted: DocumentContent,
): DocumentContent {
  if (!isJsonType(posted.contentType))
    badRequest('header.Content-Type', `must be application/json: ${MERGE_RULE}`)
  if (!isJsonType(stored.contentType))
    badRequest('body', `the stored document is not application/json: ${MERGE_RULE}`)
  const incoming = parseJson(posted.content)
  if (!isObject(incoming)) badRequest('body', `must be a JSON object: ${MERGE_RULE}`)
  const existing = parseJson(stored.content)
  if (!isObject(existing))
    badRequest('body', `the stored document is not a JSON object: ${MERGE_RULE}`)
  const merged: JsonObject = { ...existing }
  // A plain assignment would let a posted "__proto__" property change the prototype instead.
  for (const [name, value] of Object.entries(incoming)) {
    Object.defineProperty(merged, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return { contentType: posted.contentType, content: Buffer.from(JSON.stringify(merged), 'utf8') }
}

/** An If-Match / If-None-Match header: `*` or a list of entity tags (RFC 7232 §3.1-3.2). */
export type EtagCondition = '*' | readonly string[]

export interface Preconditions {
  ifMatch: EtagCondition | undefined
  ifNoneMatch: EtagCondition | undefined
}

function parseCondition(
  field: string,
  header: string | string[] | undefined,
): EtagCondition | undefined {
  if (header === undefined) return undefined
  const value = (Array.isArray(header) ? header.join(',') : header).trim()
  if (value === '*') return '*'
  const tags = value.match(/(W\/)?"[^"]*"/g) ?? []
  if (tags.length > 0) return tags
  // An unquoted tag (`If-Match: 1234`) breaks RFC 9110's syntax, but its meaning is plain, and
  // clients (older revisions of ADL's conformance suite among them) send them: compared as the
  // quoted tag it stands for, so a wrong one is a 412 rather than a 400.
  if (/^[\x21\x23-\x7e]+$/.test(value)) return [`"${value}"`]
  badRequest(`header.${field}`, 'must be * or a list of quoted entity tags')
}

export function parsePreconditions(
  headers: Record<string, string | string[] | undefined>,
): Preconditions {
  return {
    ifMatch: parseCondition('If-Match', headers['if-match']),
    ifNoneMatch: parseCondition('If-None-Match', headers['if-none-match']),
  }
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag)

/**
 * Evaluates the preconditions against the current ETag (undefined: no document), as RFC 7232 §3
 * describes: If-Match compares strongly, If-None-Match weakly; `*` matches any current document.
 */
export function preconditionsHold(pre: Preconditions, current: string | undefined): boolean {
  if (pre.ifMatch !== undefined) {
    if (current === undefined) return false
    if (pre.ifMatch !== '*' && !pre.ifMatch.some((tag) => !tag.startsWith('W/') && tag === current))
      return false
  }
  if (pre.ifNoneMatch !== undefined && current !== undefined) {
    if (pre.ifNoneMatch === '*' || pre.ifNoneMatch.some((tag) => opaque(tag) === opaque(current)))
      return false
  }
  return true
}

function preconditionFailed(pre: Preconditions): never {
  const field = pre.ifMatch !== undefined ? 'header.If-Match' : 'header.If-None-Match'
  throw new HubError(
    'precondition_failed',
    `${field}: the precondition does not hold for the stored document`,
    {
      field,
      rule: 'the document changed, appeared or went away since that ETag (Communication §3.1)',
    },
  )
}

/**
 * A conditional GET (RFC 7232 §3.1-3.2 and §4.1): a failed If-Match is a 412; an If-None-Match
 * matching the document means the client's copy is current, which the caller answers with 304.
 */
export function isNotModified(pre: Preconditions, etag: string): boolean {
  if (!preconditionsHold({ ...pre, ifNoneMatch: undefined }, etag)) preconditionFailed(pre)
  return !preconditionsHold({ ...pre, ifMatch: undefined }, etag)
}

export interface WriteRequest extends DocumentContent {
  method: 'PUT' | 'POST'
  kind: DocumentKind
  version: XapiVersion
  preconditions: Preconditions
  /** Largest document the hub stores, in bytes (a merge can outgrow the posted body). */
  limit: number
}

/**
 * Decides what a PUT or POST stores given the current document, or throws the error the
 * specification requires:
 *
 * - a failed If-Match / If-None-Match is a 412 and changes nothing (1.0.3 §3.1.s4: MUST for PUT,
 *   SHOULD* for POST and DELETE; 2.0.0 §4.1.4: shall for PUT, POST and DELETE);
 * - a PUT without either header over an existing document is a 409 that tells the client to fetch
 *   the document and retry with If-Match. 1.0.3 (§3.1.s3) lets the State Resource skip
 *   concurrency headers, so there a bare PUT replaces the state; 2.0.0 lists the State Resource
 *   with the profiles under the same rule and answers 409 for all three.
 */
export function decideWrite(
  current: StoredDocument | undefined,
  request: WriteRequest,
): StoredDocument {
  const pre = request.preconditions
  if (!preconditionsHold(pre, current?.etag)) preconditionFailed(pre)

  const unconditional = pre.ifMatch === undefined && pre.ifNoneMatch === undefined
  const stateExempt = request.kind === 'state' && request.version === '1.0.3'
  if (request.method === 'PUT' && unconditional && current !== undefined && !stateExempt) {
    throw new HubError(
      'conflict',
      'the document already exists: GET it to check its current state, then send the PUT ' +
        'again with If-Match set to its ETag',
      {
        field: 'header.If-Match',
        rule: 'a PUT over a stored document needs If-Match or If-None-Match (Communication §3.1)',
      },
    )
  }

  const posted: DocumentContent = { contentType: request.contentType, content: request.content }
  // POST manipulates "sets of variables" (Communication §2.2.s7): posted JSON must be an object
  // even when nothing is stored yet, as it could never be merged later.
  if (request.method === 'POST' && isJsonType(posted.contentType)) {
    if (!isObject(parseJson(posted.content)))
      badRequest('body', `must be a JSON object: ${MERGE_RULE}`)
  }
  const next =
    request.method === 'POST' && current !== undefined
      ? mergeJsonDocuments(current, posted)
      : posted
  if (next.content.length > request.limit) {
    throw new HubError(
      'payload_too_large',
      `body: the merged document is larger than ${request.limit} bytes`,
      {
        field: 'body',
        rule: `documents are limited to ${request.limit} bytes (DOCUMENT_LIMIT)`,
      },
    )
  }
  return { ...next, etag: documentEtag(next.content) }
}

/** DELETE of one document: only preconditions can refuse it (deleting nothing is fine). */
export function decideDelete(
  current: StoredDocument | undefined,
  preconditions: Preconditions,
): void {
  if (!preconditionsHold(preconditions, current?.etag)) preconditionFailed(preconditions)
}
