import { agentKey, isObject, type JsonObject } from './agent-key.js'

/**
 * The filter keys a stored statement is found by (see the `statement_index` table). The rules
 * follow the Statement Resource's GET parameters (xAPI Communication §2.1.3):
 *
 * - agent: the Actor or Object of the statement, including members of a Group there. With
 *   related_agents, also the authority, instructor, team, 2.0's contextAgents and contextGroups,
 *   and the same places inside a SubStatement.
 * - activity: the Object of the statement. With related_activities, also every context activity,
 *   and the Object and context activities of a SubStatement.
 * - verb and registration: the statement's own.
 */
export interface IndexKey {
  key: string
  /** True where the plain (not `related_*`) filter matches. */
  direct: boolean
}

export const indexKey = {
  agent: (key: string) => `agent:${key}`,
  activity: (iri: string) => `activity:${iri}`,
  verb: (iri: string) => `verb:${iri}`,
  registration: (uuid: string) => `registration:${uuid.toLowerCase()}`,
} as const

class KeySet {
  private readonly keys = new Map<string, boolean>()

  add(key: string, direct: boolean): void {
    this.keys.set(key, direct || this.keys.get(key) === true)
  }

  list(): IndexKey[] {
    return [...this.keys].map(([key, direct]) => ({ key, direct }))
  }
}

/** Adds an agent or group, and the members of a group, as agent keys. */
function addActor(keys: KeySet, actor: unknown, direct: boolean): void {
  if (!isObject(actor)) return
  const own = agentKey(actor)
  if (own !== undefined) keys.add(indexKey.agent(own), direct)
  if (Array.isArray(actor.member)) for (const member of actor.member) addActor(keys, member, direct)
}

function addContext(keys: KeySet, context: unknown, own: boolean): void {
  if (!isObject(context)) return
  addActor(keys, context.instructor, false)
  addActor(keys, context.team, false)
  if (Array.isArray(context.contextAgents)) {
    for (const entry of context.contextAgents)
      if (isObject(entry)) addActor(keys, entry.agent, false)
  }
  if (Array.isArray(context.contextGroups)) {
    for (const entry of context.contextGroups)
      if (isObject(entry)) addActor(keys, entry.group, false)
  }
  const activities = context.contextActivities
  if (isObject(activities)) {
    for (const kind of ['parent', 'grouping', 'category', 'other']) {
      const list = activities[kind]
      // 1.0.3 allows a single Activity object here as well as an array.
      for (const activity of Array.isArray(list) ? list : [list]) {
        if (isObject(activity) && typeof activity.id === 'string')
          keys.add(indexKey.activity(activity.id), false)
      }
    }
  }
  // The registration filter has no related form: only the statement's own registration counts.
  if (own && typeof context.registration === 'string') {
    keys.add(indexKey.registration(context.registration), true)
  }
}

function addObject(keys: KeySet, object: unknown, direct: boolean): void {
  if (!isObject(object)) return
  const type = object.objectType ?? 'Activity'
  if (type === 'Activity' && typeof object.id === 'string')
    keys.add(indexKey.activity(object.id), direct)
  else if (type === 'Agent' || type === 'Group') addActor(keys, object, direct)
  else if (type === 'SubStatement') {
    addActor(keys, object.actor, false)
    addObject(keys, object.object, false)
    addContext(keys, object.context, false)
  }
}

/** Every index key of a (validated) statement, its own only: StatementRef targets add theirs. */
export function statementIndexKeys(statement: JsonObject): IndexKey[] {
  const keys = new KeySet()
  addActor(keys, statement.actor, true)
  addObject(keys, statement.object, true)
  addActor(keys, statement.authority, false)
  addContext(keys, statement.context, true)
  const verb = statement.verb
  if (isObject(verb) && typeof verb.id === 'string') keys.add(indexKey.verb(verb.id), true)
  return keys.list()
}
