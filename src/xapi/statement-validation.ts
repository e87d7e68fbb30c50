import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { badRequest } from '../errors.js'
import { SCHEMAS_DIR } from '../paths.js'
import { isObject, type Json, type JsonObject } from './agent-key.js'
import type { XapiVersion } from './version.js'

/**
 * Statement validation for xAPI 1.0.3 and 2.0.0 (IEEE 9274.1.1). Two steps per statement:
 *
 * 1. the published JSON Schema of the request's version (`schemas/xapi-<version>/statement.json`),
 *    compiled once when this module loads: structure, allowed properties, types, formats, enums;
 * 2. the rules a JSON Schema cannot express (listed in `schemas/README.md`), checked by a walk
 *    over the few places they concern: one IFI per Agent, anonymous Group members, authority,
 *    score ranges, calendar-valid timestamps, distinct interaction component ids.
 *
 * Every failure is a 400 naming the field (`statements[3].actor.mbox`) and the rule.
 */

/** The request body of POST/PUT /statements: one statement or a non-empty array of them. */
export function validateStatements(body: unknown, version: XapiVersion): JsonObject[] {
  if (isObject(body)) return [validateStatement(body, version, 'statement')]
  if (!Array.isArray(body)) {
    return badRequest(
      'statements',
      'must be a Statement object or an array of Statements (Communication §2.1.2)',
    )
  }
  if (body.length === 0) badRequest('statements', 'must contain at least one Statement')

  const seen = new Map<string, number>()
  for (let i = 0; i < body.length; i++) {
    const statement = validateStatement(body[i], version, `statements[${i}]`)
    if (typeof statement.id !== 'string') continue
    // UUIDs are case-insensitive (Data §2.3.1.b7), so two spellings of one id are one id.
    const id = statement.id.toLowerCase()
    const first = seen.get(id)
    if (first !== undefined) {
      badRequest(
        `statements[${i}].id`,
        `repeats the id of statements[${first}]; ids in one batch must be distinct`,
      )
    }
    seen.set(id, i)
  }
  return body as JsonObject[]
}

/** Validates one statement; `field` is its place in the request (`statement`, `statements[2]`). */
export function validateStatement(
  statement: unknown,
  version: XapiVersion,
  field: string,
): JsonObject {
  const validate = VALIDATORS[version]
  if (!validate(statement)) reportSchemaError(validate.errors?.[0], field)
  const valid = statement as JsonObject

  checkStatementRules(valid, field, false)
  return valid
}

const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: false, verbose: true })

function compile(version: XapiVersion): ValidateFunction {
  const file = join(SCHEMAS_DIR, `xapi-${version}`, 'statement.json')
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object)
}

const VALIDATORS: Record<XapiVersion, ValidateFunction> = {
  '1.0.3': compile('1.0.3'),
  '2.0.0': compile('2.0.0'),
}

// ---- schema errors -------------------------------------------------------------------------

/** Turns ajv's first error into the field it concerns and the rule it breaks. */
function reportSchemaError(error: ErrorObject | undefined, field: string): never {
  if (error === undefined) return badRequest(field, 'must be a valid Statement')
  const path = field + pointerToPath(error.instancePath)
  const description = schemaDescription(error.parentSchema)
  const params = error.params as Record<string, unknown>

  // Inside propertyNames the error concerns a key of the object rather than a value.
  const key = (error as { propertyName?: string }).propertyName
  if (key !== undefined) {
    return badRequest(
      path + propertySuffix(key),
      `is not a valid key: must be ${description ?? 'valid'}`,
    )
  }
  switch (error.keyword) {
    case 'required':
      return badRequest(
        path + propertySuffix(String(params.missingProperty)),
        requiredRule(description),
      )
    case 'additionalProperties':
      return badRequest(
        path + propertySuffix(String(params.additionalProperty)),
        `is not allowed in ${description ?? 'this object'}; xAPI rejects unknown properties (Data §2.2)`,
      )
    case 'not':
      return badRequest(path, description ?? 'is not allowed here')
    case 'type':
      if (error.data === null) return badRequest(path, 'must not be null (Data §2.2)')
      return badRequest(path, `must be ${description ?? `of type ${String(params.type)}`}`)
    case 'const':
      return badRequest(
        path,
        `must be "${String(params.allowedValue)}"${description ? `: ${description}` : ''}`,
      )
    default:
      return badRequest(
        path,
        description ? `must be ${description}` : `must satisfy: ${error.message ?? 'schema'}`,
      )
  }
}

function requiredRule(description: string | undefined): string {
  return description === undefined ? 'is required' : `is required in ${description}`
}

function schemaDescription(schema: unknown): string | undefined {
  return isObject(schema) && typeof schema.description === 'string' ? schema.description : undefined
}

/** `/context/contextActivities/parent/0/id` → `.context.contextActivities.parent[0].id`. */
function pointerToPath(pointer: string): string {
  if (pointer === '') return ''
  let path = ''
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    path += /^\d+$/.test(token) ? `[${token}]` : propertySuffix(token)
  }
  return path
}

/** `.name` for identifier-like keys, `["http://…"]` for IRIs and other keys. */
function propertySuffix(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

// ---- rules JSON Schema cannot express ------------------------------------------------------

const IFI_NAMES = ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const

function checkStatementRules(statement: JsonObject, field: string, sub: boolean): void {
  checkActor(statement.actor as JsonObject, `${field}.actor`)
  checkObject(statement.object as JsonObject, `${field}.object`)

  const result = statement.result
  if (isObject(result) && isObject(result.score)) checkScore(result.score, `${field}.result.score`)
  if (isObject(statement.context)) checkContext(statement.context, `${field}.context`)

  if (typeof statement.timestamp === 'string')
    checkTimestamp(statement.timestamp, `${field}.timestamp`)
  if (sub) return
  if (typeof statement.stored === 'string') checkTimestamp(statement.stored, `${field}.stored`)
  if (isObject(statement.authority)) checkAuthority(statement.authority, `${field}.authority`)
}

/** The IFI properties an Agent or Group carries. */
function ifiCount(actor: JsonObject): { count: number; second: string | undefined } {
  let count = 0
  let second: string | undefined
  for (const name of IFI_NAMES) {
    if (actor[name] === undefined) continue
    count++
    if (count === 2) second = name
  }
  return { count, second }
}

/** An Agent has exactly one IFI (Data §2.4.2.1). */
function checkAgent(agent: JsonObject, field: string): void {
  const { count, second } = ifiCount(agent)
  if (count === 0) {
    badRequest(
      field,
      'an Agent must have exactly one IFI: mbox, mbox_sha1sum, openid or account (Data §2.4.2.1)',
    )
  }
  if (count > 1) {
    badRequest(`${field}.${second}`, 'an Agent must not have more than one IFI (Data §2.4.2.1)')
  }
}

/**
 * An identified Group has exactly one IFI, an anonymous one lists its members; members are
 * Agents (the schema rejects Groups there) and follow the Agent rules (Data §2.4.2.2).
 */
function checkActor(actor: JsonObject, field: string): void {
  if (actor.objectType !== 'Group') return checkAgent(actor, field)

  const { count, second } = ifiCount(actor)
  if (count > 1)
    badRequest(
      `${field}.${second}`,
      'an identified Group must have exactly one IFI (Data §2.4.2.2)',
    )
  const members = actor.member
  if (count === 0 && (!Array.isArray(members) || members.length === 0)) {
    badRequest(
      `${field}.member`,
      'an anonymous Group must list at least one member (Data §2.4.2.2)',
    )
  }
  if (!Array.isArray(members)) return
  for (let i = 0; i < members.length; i++)
    checkAgent(members[i] as JsonObject, `${field}.member[${i}]`)
}

function checkObject(object: JsonObject, field: string): void {
  switch (object.objectType) {
    case 'Agent':
    case 'Group':
      return checkActor(object, field)
    case 'SubStatement':
      return checkStatementRules(object, field, true)
    case 'StatementRef':
      return
    default:
      if (isObject(object.definition)) checkDefinition(object.definition, `${field}.definition`)
  }
}

const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const

/** Within an array of interaction components, all ids are distinct (Data §2.4.4.1). */
function checkDefinition(definition: JsonObject, field: string): void {
  for (const list of COMPONENT_LISTS) {
    const components = definition[list]
    if (!Array.isArray(components)) continue
    const ids = new Set<Json>()
    for (let i = 0; i < components.length; i++) {
      const id = (components[i] as JsonObject).id as Json
      if (ids.has(id)) {
        badRequest(
          `${field}.${list}[${i}].id`,
          'interaction component ids must be distinct within a list (Data §2.4.4.1)',
        )
      }
      ids.add(id)
    }
  }
}

/** min < max, and raw between them when they are given (Data §2.4.5.1). */
function checkScore(score: JsonObject, field: string): void {
  const { raw, min, max } = score as { raw?: number; min?: number; max?: number }
  if (min !== undefined && max !== undefined && !(min < max)) {
    badRequest(`${field}.min`, 'must be less than max (Data §2.4.5.1)')
  }
  if (raw === undefined) return
  if (min !== undefined && raw < min)
    badRequest(`${field}.raw`, 'must not be less than min (Data §2.4.5.1)')
  if (max !== undefined && raw > max)
    badRequest(`${field}.raw`, 'must not be greater than max (Data §2.4.5.1)')
}

function checkContext(context: JsonObject, field: string): void {
  if (isObject(context.instructor)) checkActor(context.instructor, `${field}.instructor`)
  if (isObject(context.team)) checkActor(context.team, `${field}.team`)
  const agents = context.contextAgents
  if (Array.isArray(agents)) {
    for (let i = 0; i < agents.length; i++) {
      checkActor(
        (agents[i] as JsonObject).agent as JsonObject,
        `${field}.contextAgents[${i}].agent`,
      )
    }
  }
  const groups = context.contextGroups
  if (Array.isArray(groups)) {
    for (let i = 0; i < groups.length; i++) {
      checkActor(
        (groups[i] as JsonObject).group as JsonObject,
        `${field}.contextGroups[${i}].group`,
      )
    }
  }
}

/**
 * The authority is an Agent, or for 3-legged OAuth a Group of exactly two Agents, the application
 * and the user (Data §2.4.9). That Group stands for the pair, so it is anonymous: an identified
 * Group would name some other party as the authority.
 */
function checkAuthority(authority: JsonObject, field: string): void {
  checkActor(authority, field)
  if (authority.objectType !== 'Group') return
  const ifi = IFI_NAMES.find((name) => authority[name] !== undefined)
  if (ifi !== undefined) {
    badRequest(
      `${field}.${ifi}`,
      'an authority Group is anonymous, the OAuth application and user together (Data §2.4.9)',
    )
  }
  const members = authority.member
  if (!Array.isArray(members) || members.length !== 2) {
    badRequest(
      `${field}.member`,
      'an authority Group must have exactly two Agents, the OAuth application and user (Data §2.4.9)',
    )
  }
}

// The schemas decide the separator ("T" under 1.0.3's ISO 8601, "T" or a space under 2.0's RFC
// 3339 §5.6 note); this only reads the parts.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?$/

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * The schema checks the shape of a timestamp; this checks that it names a real instant: a real
 * calendar date and time, and an offset that is not the "unknown offset" `-00:00`, which ISO 8601
 * forbids and RFC 3339 reserves (Data §4.5).
 */
function checkTimestamp(value: string, field: string): void {
  const match = TIMESTAMP.exec(value)
  if (match === null) return badRequest(field, 'must be an ISO 8601 timestamp (Data §4.5)')
  const [, year, month, day, hour, minute, second, sign, offsetHour, offsetMinute] = match
  const y = Number(year)
  const m = Number(month)
  const d = Number(day)
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  const days = m === 2 && !leap ? 28 : (DAYS_IN_MONTH[m - 1] ?? 0)
  if (m < 1 || m > 12 || d < 1 || d > days)
    badRequest(field, 'must name a real calendar date (Data §4.5)')
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) {
    badRequest(field, 'must name a real time of day (Data §4.5)')
  }
  if (sign === undefined) return
  const oh = Number(offsetHour)
  const om = Number(offsetMinute ?? 0)
  if (oh > 23 || om > 59) badRequest(field, 'must have a valid time zone offset (Data §4.5)')
  if (sign === '-' && oh === 0 && om === 0) {
    badRequest(field, 'must not use the offset -00:00; use Z or +00:00 (Data §4.5, RFC 3339 §4.3)')
  }
}
