import { parseTimestampParam } from './timestamp.js'
import { badRequest } from '../errors.js'
import { agentKey, isObject } from './agent-key.js'
import type { StatementFormat } from './statement-format.js'
import { indexKey } from './statement-index-keys.js'

/**
 * The parameters of GET /statements (xAPI Communication §2.1.3; IEEE 9274.1.1 §4.1.6.1), parsed
 * and checked into a typed request. Every parameter is validated here so that storage never sees
 * a value it could choke on: a client's mistake is a 400 naming the parameter and the rule.
 */

export type { StatementFormat }

/** One `statement_index` key a statement must carry; `directOnly` unless a `related_*` form. */
export interface IndexCondition {
  key: string
  directOnly: boolean
}

export interface StatementFilters {
  /** Keys every result carries (agent, verb, activity, registration), in no particular order. */
  conditions: IndexCondition[]
  /** Exclusive lower bound on `stored`, as sent (an ISO 8601 timestamp PostgreSQL parses). */
  since: string | undefined
  /** Inclusive upper bound on `stored`. */
  until: string | undefined
}

/** A request for one statement by `statementId` or `voidedStatementId`. */
export interface SingleStatementRequest {
  kind: 'single'
  id: string
  /** True for `voidedStatementId`: only a voided statement is found. */
  voided: boolean
  format: StatementFormat
  attachments: boolean
}

/** A filtered query returning a StatementResult. */
export interface StatementQuery {
  kind: 'query'
  filters: StatementFilters
  /** Page size, already capped at the server maximum (0 asks for that maximum). */
  limit: number
  format: StatementFormat
  attachments: boolean
  ascending: boolean
  /** The validated parameters as sent, replayed by `more` tokens for the following pages. */
  params: Readonly<Record<string, string>>
}

/** A following page: the opaque token of a `more` IRL. */
export interface MoreRequest {
  kind: 'more'
  token: string
}

export type StatementRequest = SingleStatementRequest | StatementQuery | MoreRequest

const QUERY_PARAMS = new Set([
  'agent',
  'verb',
  'activity',
  'registration',
  'related_activities',
  'related_agents',
  'since',
  'until',
  'limit',
  'format',
  'attachments',
  'ascending',
])
/** §2.1.3 requirements: only these may accompany statementId or voidedStatementId. */
const SINGLE_PARAMS = new Set(['statementId', 'voidedStatementId', 'attachments', 'format'])
const FORMATS: readonly StatementFormat[] = ['exact', 'ids', 'canonical']

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** An absolute IRI: a scheme, a colon and no whitespace (RFC 3987's outline, checked loosely). */
const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/
const SHA1 = /^[0-9a-f]{40}$/i

/**
 * Parses the query string of GET /statements. `query` is the parsed query string: a parameter
 * sent twice arrives as an array, which is refused (each parameter has one value).
 */
export function parseStatementRequest(
  query: Readonly<Record<string, unknown>>,
  pageLimit: number,
): StatementRequest {
  const params = singleValues(query)

  if (params.more !== undefined) return parseMore(params)
  if (params.statementId !== undefined || params.voidedStatementId !== undefined)
    return parseSingle(params)
  return parseStatementQuery(params, pageLimit)
}

/** Checks and types the parameters of a filtered query (also those a `more` token replays). */
export function parseStatementQuery(
  params: Readonly<Record<string, string>>,
  pageLimit: number,
): StatementQuery {
  for (const name of Object.keys(params)) {
    if (!QUERY_PARAMS.has(name))
      badRequest(`query.${name}`, 'is not a parameter of GET /statements')
  }

  const conditions: IndexCondition[] = []
  const relatedAgents = booleanParam(params, 'related_agents')
  const relatedActivities = booleanParam(params, 'related_activities')
  if (params.agent !== undefined) {
    conditions.push({ key: indexKey.agent(parseAgent(params.agent)), directOnly: !relatedAgents })
  }
  if (params.verb !== undefined)
    conditions.push({ key: indexKey.verb(iriParam(params, 'verb')), directOnly: true })
  if (params.activity !== undefined) {
    conditions.push({
      key: indexKey.activity(iriParam(params, 'activity')),
      directOnly: !relatedActivities,
    })
  }
  if (params.registration !== undefined) {
    conditions.push({
      key: indexKey.registration(uuidParam(params, 'registration')),
      directOnly: true,
    })
  }

  return {
    kind: 'query',
    filters: {
      conditions,
      since: timestampParam(params, 'since'),
      until: timestampParam(params, 'until'),
    },
    limit: limitParam(params, pageLimit),
    format: formatParam(params),
    attachments: booleanParam(params, 'attachments'),
    ascending: booleanParam(params, 'ascending'),
    params: { ...params },
  }
}

function parseSingle(params: Readonly<Record<string, string>>): SingleStatementRequest {
  if (params.statementId !== undefined && params.voidedStatementId !== undefined) {
    badRequest(
      'query.voidedStatementId',
      'statementId and voidedStatementId cannot be used together',
    )
  }
  for (const name of Object.keys(params)) {
    if (!SINGLE_PARAMS.has(name)) {
      badRequest(
        `query.${name}`,
        'only attachments and format may accompany statementId or voidedStatementId',
      )
    }
  }
  const voided = params.voidedStatementId !== undefined
  return {
    kind: 'single',
    id: uuidParam(params, voided ? 'voidedStatementId' : 'statementId').toLowerCase(),
    voided,
    format: formatParam(params),
    attachments: booleanParam(params, 'attachments'),
  }
}

function parseMore(params: Readonly<Record<string, string>>): MoreRequest {
  for (const name of Object.keys(params)) {
    if (name !== 'more')
      badRequest(`query.${name}`, 'a more token carries the whole query; send it alone')
  }
  return { kind: 'more', token: params.more ?? '' }
}

function singleValues(query: Readonly<Record<string, unknown>>): Record<string, string> {
  const params: Record<string, string> = {}
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') badRequest(`query.${name}`, 'must be given once')
    params[name] = value
  }
  return params
}

function booleanParam(params: Readonly<Record<string, string>>, name: string): boolean {
  const value = params[name]
  if (value === undefined) return false
  // §2.1.3: "The values of Boolean parameters are represented as true or false as in JSON."
  if (value === 'true') return true
  if (value === 'false') return false
  return badRequest(`query.${name}`, 'must be true or false')
}

function iriParam(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name] ?? ''
  if (!IRI.test(value)) badRequest(`query.${name}`, 'must be an absolute IRI')
  return value
}

function uuidParam(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name] ?? ''
  if (!UUID.test(value)) badRequest(`query.${name}`, 'must be a UUID')
  return value
}

function formatParam(params: Readonly<Record<string, string>>): StatementFormat {
  const value = params.format
  if (value === undefined) return 'exact'
  if (!(FORMATS as readonly string[]).includes(value))
    badRequest('query.format', 'must be ids, exact or canonical')
  return value as StatementFormat
}

function limitParam(params: Readonly<Record<string, string>>, pageLimit: number): number {
  const value = params.limit
  if (value === undefined) return pageLimit
  if (!/^\d{1,9}$/.test(value)) badRequest('query.limit', 'must be a nonnegative integer')
  // §2.1.3: 0 asks for the maximum the server allows; larger requests are capped at it.
  const limit = Number(value)
  return limit === 0 || limit > pageLimit ? pageLimit : limit
}

function timestampParam(
  params: Readonly<Record<string, string>>,
  name: string,
): string | undefined {
  const value = params[name]
  return value === undefined ? undefined : parseTimestampParam(value, `query.${name}`)
}

/**
 * The `agent` parameter: an Agent or Identified Group as JSON with exactly one Inverse Functional
 * Identifier (xAPI Data §2.4.2.1), reduced to its IFI key. Names and members are ignored: agents
 * are equal when their IFIs are (§2.1.3, agent parameter).
 */
function parseAgent(raw: string): string {
  const field = 'query.agent'
  let agent: unknown
  try {
    agent = JSON.parse(raw)
  } catch {
    badRequest(field, 'must be an Agent or Identified Group as JSON')
  }
  if (!isObject(agent)) badRequest(field, 'must be a JSON object')
  const type = agent.objectType
  if (type !== undefined && type !== 'Agent' && type !== 'Group')
    badRequest(field, 'objectType must be Agent or Group')

  const ifis = ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter(
    (name) => agent[name] !== undefined,
  )
  if (ifis.length !== 1) badRequest(field, 'must have exactly one inverse functional identifier')
  const { mbox, mbox_sha1sum: sha1, openid, account } = agent
  if (mbox !== undefined && (typeof mbox !== 'string' || !/^mailto:[^@\s]+@[^@\s]+$/i.test(mbox))) {
    badRequest(`${field}.mbox`, 'must be a mailto IRI')
  }
  if (sha1 !== undefined && (typeof sha1 !== 'string' || !SHA1.test(sha1))) {
    badRequest(`${field}.mbox_sha1sum`, 'must be 40 hexadecimal characters')
  }
  if (openid !== undefined && (typeof openid !== 'string' || !IRI.test(openid))) {
    badRequest(`${field}.openid`, 'must be an absolute IRI')
  }
  if (account !== undefined) {
    if (!isObject(account)) badRequest(`${field}.account`, 'must be an object')
    if (typeof account.homePage !== 'string' || !IRI.test(account.homePage)) {
      badRequest(`${field}.account.homePage`, 'must be an absolute IRL')
    }
    if (typeof account.name !== 'string') badRequest(`${field}.account.name`, 'must be a string')
  }

  const key = agentKey(agent)
  if (key === undefined) badRequest(field, 'must have exactly one inverse functional identifier')
  return key
}
