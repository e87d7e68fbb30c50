import { isObject, type Json, type JsonObject } from './agent-key.js'

/**
 * Statement comparison (xAPI Data §2.3.1, "Statement Comparison Requirements"; the same text in
 * IEEE 9274.1.1). Two statements match when they differ only in ways the immutability exceptions
 * allow:
 *
 * - properties the LRS assigns: `id`, `authority`, `stored`, `timestamp`, `version` (§2.3.1.b1).
 *   `authority`, `stored` and `version` are ignored; `id` and `timestamp` are ignored when only
 *   one side carries them (the LRS may have assigned them) and compared otherwise (a UUID without
 *   regard to case, a timestamp as the instant it names);
 * - Activity Definitions (§2.3.1.b2): an Activity is compared by its `id` only;
 * - a Verb's `display` (§2.3.1.b3): a Verb is compared by its `id` only;
 * - timestamp serialization (§2.3.1.b4): `timestamp` is compared as a point in time;
 * - the order of a Group's members (§2.3.1.b5);
 * - Attachments (§2.3.1.b6): they are not part of the statement, so `attachments` is ignored
 *   (this also lets a signed statement match the JWS payload signed before the signature's own
 *   attachment was added, Data §2.6);
 * - case-insensitive values (§2.3.1.b7): UUIDs, the `mailto:` scheme and the domain of an mbox,
 *   the hex digits of an mbox_sha1sum.
 *
 * A missing `objectType` is read as its documented default (Agent for an actor, Activity for an
 * object), since the LRS's own serialization may add it. Result `duration` is compared as a string
 * (§2.3.1.b8) except for precision beyond 0.01 second (Data §4.6: "SHOULD* NOT be included in the
 * comparison"), and everything else is compared as JSON (key order never matters).
 */
export function sameStatement(a: JsonObject, b: JsonObject): boolean {
  if (!optionalUuidEqual(a.id, b.id)) return false
  if (!optionalInstantEqual(a.timestamp, b.timestamp)) return false
  return sameStatementBody(a, b)
}

/** Properties compared with their own rules, or ignored, by {@link sameStatementBody}. */
const SPECIAL = new Set([
  'id',
  'timestamp',
  'stored',
  'authority',
  'version',
  'attachments',
  'actor',
  'verb',
  'object',
  'context',
  'result',
])

/** The part of a Statement or SubStatement that its author chose (§2.3.1). */
function sameStatementBody(a: JsonObject, b: JsonObject): boolean {
  if (!sameActor(a.actor, b.actor)) return false
  if (!sameVerb(a.verb, b.verb)) return false
  if (!sameObject(a.object, b.object)) return false
  if (!sameContext(a.context, b.context)) return false
  if (!sameResult(a.result, b.result)) return false
  return sameOtherProperties(a, b, SPECIAL)
}

const RESULT_SPECIAL = new Set(['duration'])

function sameResult(a: Json | undefined, b: Json | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  if (!sameDuration(a.duration, b.duration)) return false
  return sameOtherProperties(a, b, RESULT_SPECIAL)
}

/** Durations as strings, the seconds' fraction cut to two digits (Data §2.3.1.b8, §4.6). */
function sameDuration(a: Json | undefined, b: Json | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return a === b
  return a === b || centiseconds(a) === centiseconds(b)
}

function centiseconds(duration: string): string {
  return duration.replace(
    /(\d+)(?:[.,](\d+))?S$/,
    (_match, whole: string, fraction = '') => `${whole}.${(fraction + '00').slice(0, 2)}S`,
  )
}

/** Compares every property not in `skip` as plain JSON; both sides must have the same ones. */
function sameOtherProperties(a: JsonObject, b: JsonObject, skip: ReadonlySet<string>): boolean {
  for (const key in a) {
    if (skip.has(key)) continue
    if (!Object.hasOwn(b, key) || !jsonEqual(a[key], b[key])) return false
  }
  for (const key in b) {
    if (!skip.has(key) && !Object.hasOwn(a, key)) return false
  }
  return true
}

function sameVerb(a: Json | undefined, b: Json | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  return a.id === b.id
}

const ACTOR_SPECIAL = new Set(['objectType', 'mbox', 'mbox_sha1sum', 'member'])

/** Agents and Groups: IFIs without regard to the parts that are case-insensitive, members as a set. */
function sameActor(a: Json | undefined, b: Json | undefined, defaultType = 'Agent'): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  if ((a.objectType ?? defaultType) !== (b.objectType ?? defaultType)) return false
  if (!sameMbox(a.mbox, b.mbox)) return false
  if (!sameLowercase(a.mbox_sha1sum, b.mbox_sha1sum)) return false
  if (!sameMembers(a.member, b.member)) return false
  return sameOtherProperties(a, b, ACTOR_SPECIAL)
}

/** Group members are an unordered list (§2.3.1.b5): each member of one matches one of the other. */
function sameMembers(a: Json | undefined, b: Json | undefined): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === b
  if (a.length !== b.length) return false
  const unmatched = [...b]
  for (const member of a) {
    const index = unmatched.findIndex((other) => sameActor(member, other))
    if (index < 0) return false
    unmatched.splice(index, 1)
  }
  return true
}

const OBJECT_SPECIAL = new Set(['objectType', 'id', 'definition'])

/** The statement's object: Activity by id, Agent/Group as actors, StatementRef by UUID. */
function sameObject(a: Json | undefined, b: Json | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  const type = a.objectType ?? 'Activity'
  if (type !== (b.objectType ?? 'Activity')) return false
  switch (type) {
    case 'Agent':
    case 'Group':
      return sameActor(a, b)
    case 'SubStatement':
      // The LRS never assigns a SubStatement's timestamp, so one present on one side only differs.
      return (
        (a.timestamp === undefined) === (b.timestamp === undefined) &&
        optionalInstantEqual(a.timestamp, b.timestamp) &&
        sameStatementBody(a, b)
      )
    case 'StatementRef':
      return uuidEqual(a.id, b.id) && sameOtherProperties(a, b, OBJECT_SPECIAL)
    default:
      return sameActivity(a, b)
  }
}

/** An Activity is its id; its definition is not part of the statement (§2.3.1.b2). */
function sameActivity(a: Json | undefined, b: Json | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  return a.id === b.id && (a.objectType ?? 'Activity') === (b.objectType ?? 'Activity')
}

const CONTEXT_SPECIAL = new Set([
  'registration',
  'instructor',
  'team',
  'contextActivities',
  'statement',
  'contextAgents',
  'contextGroups',
])

function sameContext(a: Json | undefined, b: Json | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  if (!optionalPresentEqual(a.registration, b.registration, uuidEqual)) return false
  if (!sameActor(a.instructor, b.instructor)) return false
  if (!sameActor(a.team, b.team, 'Group')) return false
  if (!sameContextActivities(a.contextActivities, b.contextActivities)) return false
  if (!sameStatementRef(a.statement, b.statement)) return false
  if (!sameList(a.contextAgents, b.contextAgents, (x, y) => sameContextEntry(x, y, 'agent'))) {
    return false
  }
  if (!sameList(a.contextGroups, b.contextGroups, (x, y) => sameContextEntry(x, y, 'group'))) {
    return false
  }
  return sameOtherProperties(a, b, CONTEXT_SPECIAL)
}

/** 2.0 contextAgents / contextGroups entries: the agent or group, then relevantTypes as JSON. */
function sameContextEntry(a: Json, b: Json, key: 'agent' | 'group'): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  const defaultType = key === 'agent' ? 'Agent' : 'Group'
  return (
    sameActor(a[key], b[key], defaultType) &&
    sameOtherProperties(a, b, key === 'agent' ? AGENT_ENTRY_SPECIAL : GROUP_ENTRY_SPECIAL)
  )
}

const AGENT_ENTRY_SPECIAL = new Set(['agent'])
const GROUP_ENTRY_SPECIAL = new Set(['group'])

function sameStatementRef(a: Json | undefined, b: Json | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  return uuidEqual(a.id, b.id) && sameOtherProperties(a, b, OBJECT_SPECIAL)
}

/**
 * contextActivities: 1.0.3 lets a client send a single Activity where the LRS stores an array of
 * one (Data §2.4.6.2), so both forms compare equal.
 */
function sameContextActivities(a: Json | undefined, b: Json | undefined): boolean {
  if (!isObject(a) || !isObject(b)) return a === b
  for (const key in a) if (!Object.hasOwn(b, key)) return false
  for (const key in b) {
    if (!Object.hasOwn(a, key)) return false
    const left = a[key]
    const right = b[key]
    const listA = Array.isArray(left) ? left : [left ?? null]
    const listB = Array.isArray(right) ? right : [right ?? null]
    if (!sameList(listA, listB, sameActivity)) return false
  }
  return true
}

function sameList(
  a: Json | undefined,
  b: Json | undefined,
  same: (x: Json, y: Json) => boolean,
): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === b
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!same(a[i] as Json, b[i] as Json)) return false
  return true
}

/** An mbox is `mailto:` + address; the scheme and the domain are case-insensitive. */
function sameMbox(a: Json | undefined, b: Json | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return a === b
  return normalizeMbox(a) === normalizeMbox(b)
}

function normalizeMbox(mbox: string): string {
  const at = mbox.lastIndexOf('@')
  const local = mbox.slice(0, at < 0 ? mbox.length : at)
  const scheme = local.slice(0, 7).toLowerCase()
  return at < 0 ? scheme + local.slice(7) : scheme + local.slice(7) + mbox.slice(at).toLowerCase()
}

function sameLowercase(a: Json | undefined, b: Json | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return a === b
  return a.toLowerCase() === b.toLowerCase()
}

function uuidEqual(a: Json | undefined, b: Json | undefined): boolean {
  return sameLowercase(a, b)
}

/** Equal when both are present and match, or when at least one side is absent. */
function optionalPresentEqual(
  a: Json | undefined,
  b: Json | undefined,
  same: (x: Json, y: Json) => boolean,
): boolean {
  if (a === undefined || b === undefined) return a === b
  return same(a, b)
}

function optionalUuidEqual(a: Json | undefined, b: Json | undefined): boolean {
  return a === undefined || b === undefined || uuidEqual(a, b)
}

/** Timestamps name instants; their serialization (offset, precision) is not compared (§2.3.1.b4). */
function optionalInstantEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return true
  if (typeof a !== 'string' || typeof b !== 'string') return a === b
  if (a === b) return true
  const left = instant(a)
  const right = instant(b)
  return left !== undefined && left === right
}

/**
 * The instant of an ISO 8601 timestamp as a comparable string: milliseconds since the epoch, then
 * any sub-millisecond digits (Date keeps only milliseconds; xAPI allows more precision).
 */
function instant(timestamp: string): string | undefined {
  const millis = Date.parse(timestamp)
  if (Number.isNaN(millis)) return undefined
  const fraction = /\.(\d+)/.exec(timestamp)?.[1] ?? ''
  return `${millis}:${fraction.slice(3).replace(/0+$/, '')}`
}

/** JSON equality where the order of object keys does not matter and array order does. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  let count = 0
  for (const key in a) {
    if (!Object.hasOwn(b, key) || !jsonEqual(a[key], b[key])) return false
    count++
  }
  return count === Object.keys(b).length
}
