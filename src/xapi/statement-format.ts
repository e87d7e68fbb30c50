import { agentIfi, isObject, type Json, type JsonObject } from './agent-key.js'

/**
 * The `format` parameter of GET /statements (xAPI Communication §2.1.3):
 *
 * - `exact`: the statement as stored;
 * - `ids`: Agents, Groups, Activities and Verbs reduced to what identifies them; an anonymous
 *   Group keeps its members, each reduced to its IFI;
 * - `canonical`: every language map of Verbs and Activity Definitions reduced to the one language
 *   that best fits the Accept-Language header, chosen per map.
 *
 * Only the parts that change are copied; the stored statement is never mutated.
 */
export type StatementFormat = 'exact' | 'ids' | 'canonical'

/** The statement as returned in the given format. `languages` come from {@link parseAcceptLanguage}. */
export function formatStatement(
  statement: JsonObject,
  format: StatementFormat,
  languages: readonly string[],
): JsonObject {
  if (format === 'exact') return statement
  const rewrite: Rewrite =
    format === 'ids'
      ? { actor: idsActor, verb: idsVerb, activity: idsActivity }
      : {
          actor: (actor) => actor,
          verb: (verb) => canonicalVerb(verb, languages),
          activity: (activity) => canonicalActivity(activity, languages),
        }
  return rewriteStatement(statement, rewrite, true)
}

/**
 * The language ranges of an Accept-Language header (RFC 9110 §12.5.4), most preferred first:
 * ordered by quality, ties kept in header order; `q=0` and `*` are dropped.
 */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (header === undefined || header.trim() === '') return []
  const ranges: { tag: string; q: number; order: number }[] = []
  const parts = header.split(',')
  for (let order = 0; order < parts.length; order++) {
    const [rawTag = '', ...params] = (parts[order] ?? '').split(';')
    const tag = rawTag.trim()
    if (!/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(tag)) continue
    let q = 1
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param)
      if (match) q = Number(match[1])
    }
    if (q > 0) ranges.push({ tag, q, order })
  }
  ranges.sort((a, b) => b.q - a.q || a.order - b.order)
  return ranges.map((range) => range.tag)
}

interface Rewrite {
  actor(actor: JsonObject): JsonObject
  verb(verb: JsonObject): JsonObject
  activity(activity: JsonObject): JsonObject
}

function rewriteStatement(statement: JsonObject, rewrite: Rewrite, top: boolean): JsonObject {
  const out: JsonObject = { ...statement }
  if (isObject(statement.actor)) out.actor = rewrite.actor(statement.actor)
  if (isObject(statement.verb)) out.verb = rewrite.verb(statement.verb)
  if (isObject(statement.object)) out.object = rewriteObject(statement.object, rewrite)
  if (isObject(statement.context)) out.context = rewriteContext(statement.context, rewrite)
  if (top && isObject(statement.authority)) out.authority = rewrite.actor(statement.authority)
  return out
}

function rewriteObject(object: JsonObject, rewrite: Rewrite): JsonObject {
  switch (object.objectType) {
    case 'Agent':
    case 'Group':
      return rewrite.actor(object)
    case 'SubStatement':
      return rewriteStatement(object, rewrite, false)
    case 'StatementRef':
      return object
    default:
      return rewrite.activity(object)
  }
}

function rewriteContext(context: JsonObject, rewrite: Rewrite): JsonObject {
  const out: JsonObject = { ...context }
  if (isObject(context.instructor)) out.instructor = rewrite.actor(context.instructor)
  if (isObject(context.team)) out.team = rewrite.actor(context.team)
  const activities = context.contextActivities
  if (isObject(activities)) {
    const lists: JsonObject = {}
    for (const key in activities) {
      const list = activities[key]
      // Stored statements hold arrays (Data §2.4.6.2); a lone object is tolerated the same way.
      lists[key] = (Array.isArray(list) ? list : [list ?? null]).map((activity) =>
        isObject(activity) ? rewrite.activity(activity) : activity,
      )
    }
    out.contextActivities = lists
  }
  if (Array.isArray(context.contextAgents)) {
    out.contextAgents = context.contextAgents.map((entry) =>
      isObject(entry) && isObject(entry.agent)
        ? { ...entry, agent: rewrite.actor(entry.agent) }
        : entry,
    )
  }
  if (Array.isArray(context.contextGroups)) {
    out.contextGroups = context.contextGroups.map((entry) =>
      isObject(entry) && isObject(entry.group)
        ? { ...entry, group: rewrite.actor(entry.group) }
        : entry,
    )
  }
  return out
}

// ---- ids -----------------------------------------------------------------------------------

/** An Agent or identified Group by its IFI; an anonymous Group by its members' IFIs. */
function idsActor(actor: JsonObject): JsonObject {
  const group = actor.objectType === 'Group'
  const ifi = agentIfi(actor)
  if (!group) return { objectType: 'Agent', ...ifi }
  if (Object.keys(ifi).length > 0) return { objectType: 'Group', ...ifi }
  const members = Array.isArray(actor.member) ? actor.member : []
  return {
    objectType: 'Group',
    member: members.map((member) => (isObject(member) ? idsActor(member) : member)),
  }
}

function idsVerb(verb: JsonObject): JsonObject {
  return { id: verb.id ?? null }
}

/** An Activity's id is all that identifies it; `objectType` defaults to Activity wherever it may stand. */
function idsActivity(activity: JsonObject): JsonObject {
  return { id: activity.id ?? null }
}

// ---- canonical -----------------------------------------------------------------------------

function canonicalVerb(verb: JsonObject, languages: readonly string[]): JsonObject {
  if (!isObject(verb.display)) return verb
  return { ...verb, display: bestLanguage(verb.display, languages) }
}

const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const

/** The Activity with one language in the name, description and each interaction component. */
function canonicalActivity(activity: JsonObject, languages: readonly string[]): JsonObject {
  const definition = activity.definition
  if (!isObject(definition)) return activity
  const out: JsonObject = { ...definition }
  if (isObject(definition.name)) out.name = bestLanguage(definition.name, languages)
  if (isObject(definition.description)) {
    out.description = bestLanguage(definition.description, languages)
  }
  for (const list of COMPONENT_LISTS) {
    const components = definition[list]
    if (!Array.isArray(components)) continue
    out[list] = components.map((component): Json => {
      if (!isObject(component) || !isObject(component.description)) return component
      return { ...component, description: bestLanguage(component.description, languages) }
    })
  }
  return { ...activity, definition: out }
}

/**
 * The one entry of a language map that best matches the preferred languages, applied to each map
 * on its own (Communication §2.1.3, canonical format): for each range in order, an exact tag
 * (case-insensitive), then the range shortened tag by tag (`en-GB` → `en`, RFC 4647 §3.4), then a
 * more specific tag (`en` → `en-US`). Without a match, the map's first entry.
 */
export function bestLanguage(map: JsonObject, languages: readonly string[]): JsonObject {
  const keys = Object.keys(map)
  if (keys.length <= 1) return map
  const lower = keys.map((key) => key.toLowerCase())
  for (const language of languages) {
    let range = language.toLowerCase()
    const exact = lower.indexOf(range)
    if (exact >= 0) return pick(map, keys, exact)
    for (let cut = range.lastIndexOf('-'); cut > 0; cut = range.lastIndexOf('-')) {
      range = range.slice(0, cut)
      const shorter = lower.indexOf(range)
      if (shorter >= 0) return pick(map, keys, shorter)
    }
    const prefix = language.toLowerCase() + '-'
    const longer = lower.findIndex((key) => key.startsWith(prefix))
    if (longer >= 0) return pick(map, keys, longer)
  }
  return pick(map, keys, 0)
}

function pick(map: JsonObject, keys: string[], index: number): JsonObject {
  const key = keys[index] as string
  return { [key]: map[key] ?? null }
}
