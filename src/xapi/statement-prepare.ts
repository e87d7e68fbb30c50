import { randomUUID } from 'node:crypto'
import { isObject, type Json, type JsonObject } from './agent-key.js'
import type { XapiVersion } from './version.js'

export interface PrepareContext {
  /** The stored time the LRS assigns, an RFC 3339 UTC timestamp. */
  stored: string
  /** The authority derived from the request's credentials. */
  authority: JsonObject
  version: XapiVersion
}

/**
 * The statement as the LRS stores it, from a validated statement. The input is not mutated; the
 * top level, and the context objects it normalizes, are copied shallowly.
 *
 * - `id`: kept, or a new UUID (Data §2.4.1: the LRS generates ids a statement lacks);
 * - `stored`: always the LRS's time, overwriting any sent value (Data §2.4.8);
 * - `timestamp`: kept, or the stored time (Data §2.4.7); on 2.0 requests converted to UTC, which
 *   9274.1.1 makes the form timestamps are returned in (1.0.3 only recommends it, §4.5, and the
 *   original serialization is kept there);
 * - `authority`: always the credentials' authority. Data §2.4.9 lets an LRS keep a sent authority
 *   only under a strong trust relationship; the hub establishes none, so it overwrites;
 * - `version`: kept when sent (Data §2.4.10: "MUST retain the version they are accepted with"),
 *   otherwise `1.0.0` for 1.0.3 requests (ibid.: "If they lack a version, the version MUST be set
 *   to 1.0.0") and `2.0.0` for 2.0 requests (9274.1.1, same clause);
 * - contextActivities given as a single Activity become arrays of one (Data §2.4.6.2: the LRS
 *   MUST return every value as an array), in the statement and in a SubStatement.
 */
export function prepareStatement(statement: JsonObject, ctx: PrepareContext): JsonObject {
  const prepared: JsonObject = { ...statement }
  const v2 = ctx.version === '2.0.0'

  prepared.id = typeof statement.id === 'string' ? statement.id : randomUUID()
  const timestamp = typeof statement.timestamp === 'string' ? statement.timestamp : ctx.stored
  prepared.timestamp = v2 ? toUtc(timestamp) : timestamp
  prepared.stored = ctx.stored
  prepared.authority = ctx.authority
  if (typeof statement.version !== 'string') prepared.version = v2 ? '2.0.0' : '1.0.0'

  normalizeContext(prepared)
  const object = statement.object
  if (isObject(object) && object.objectType === 'SubStatement') {
    const sub: JsonObject = { ...object }
    if (v2 && typeof object.timestamp === 'string') sub.timestamp = toUtc(object.timestamp)
    normalizeContext(sub)
    prepared.object = sub
  }
  return prepared
}

/** Replaces a context whose contextActivities hold single Activities with one holding arrays. */
function normalizeContext(holder: JsonObject): void {
  const context = holder.context
  if (!isObject(context) || !isObject(context.contextActivities)) return
  const activities = context.contextActivities
  let lists: JsonObject | undefined
  for (const key in activities) {
    const value = activities[key] as Json
    if (Array.isArray(value)) continue
    lists ??= { ...activities }
    lists[key] = [value]
  }
  if (lists !== undefined) holder.context = { ...context, contextActivities: lists }
}

/**
 * A timestamp as the same instant in UTC (`Z`), keeping any precision beyond milliseconds that
 * Date cannot hold. Assumes a validated timestamp with an offset.
 */
export function toUtc(timestamp: string): string {
  // Already UTC with millisecond precision, the form the hub itself writes: nothing to do.
  if (UTC_MILLIS.test(timestamp)) return timestamp
  const match =
    /^(.*?[Tt ]\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/.exec(timestamp)
  if (match === null) return timestamp
  const [, whole = '', fraction = '', offset] = match
  if (offset === undefined) return timestamp
  // RFC 3339's readable form separates date and time with a space; the UTC form uses "T".
  const millis = Date.parse(
    `${whole.toUpperCase().replace(' ', 'T')}.${(fraction + '000').slice(0, 3)}${normalizeOffset(offset)}`,
  )
  if (Number.isNaN(millis)) return timestamp
  const iso = new Date(millis).toISOString()
  return fraction.length > 3 ? `${iso.slice(0, -1)}${fraction.slice(3)}Z` : iso
}

const UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function normalizeOffset(offset: string): string {
  if (offset === 'Z' || offset === 'z') return 'Z'
  const digits = offset.slice(1).replace(':', '')
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`
}
