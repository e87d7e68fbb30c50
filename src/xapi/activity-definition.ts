import { isObject, type Json, type JsonObject } from './agent-key.js'

/**
 * How the hub learns an Activity's definition from the statements it stores.
 *
 * xAPI 1.0.3 Data §2.4.4.1 (and 2.0.0 §4.2, Activity Definition): "An LRS SHOULD update its
 * internal representation of an Activity's definition upon receiving a Statement with the same
 * Activity id, but with a different definition of the Activity from the one stored", and Data §3.2
 * asks that a loaded definition be incorporated "while preserving names or definitions not
 * included" in it. Communication §2.1.3 lets the LRS keep canonical language maps, of which a
 * statement usually carries one language. So:
 *
 * - the latest statement wins for every property it carries (type, moreInfo, interactionType,
 *   correctResponsesPattern, ...);
 * - language maps (name, description, and the description of each interaction component) are
 *   merged by language tag, the latest value winning per tag, so a French statement does not erase
 *   the English name;
 * - extensions are merged by key, the latest value winning per key;
 * - properties the latest statement leaves out are kept.
 */

const LANGUAGE_MAPS = ['name', 'description']
const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps']

function mergeMaps(stored: Json | undefined, incoming: Json): Json {
  return isObject(stored) && isObject(incoming) ? { ...stored, ...incoming } : incoming
}

/**
 * Interaction components (Data §2.4.4.1.1) are replaced as a list by the latest statement; a
 * component that keeps its id keeps the languages of its description the statement omits.
 */
function mergeComponents(stored: Json | undefined, incoming: Json): Json {
  if (!Array.isArray(incoming) || !Array.isArray(stored)) return incoming
  const known = new Map<string, JsonObject>()
  for (const component of stored) {
    if (isObject(component) && typeof component.id === 'string') known.set(component.id, component)
  }
  return incoming.map((component) => {
    if (!isObject(component) || typeof component.id !== 'string') return component
    const previous = known.get(component.id)
    if (previous === undefined || component.description === undefined) return component
    return { ...component, description: mergeMaps(previous.description, component.description) }
  })
}

/**
 * The definition to keep for an Activity, given the one stored (if any) and the one carried by a
 * newly stored statement. Pure; neither argument is modified.
 */
export function mergeActivityDefinition(
  stored: JsonObject | undefined,
  incoming: JsonObject,
): JsonObject {
  if (stored === undefined) return { ...incoming }
  const merged: JsonObject = { ...stored }
  for (const [name, value] of Object.entries(incoming)) {
    const own = Object.hasOwn(stored, name) ? stored[name] : undefined
    let next = value
    if (LANGUAGE_MAPS.includes(name) || name === 'extensions') next = mergeMaps(own, value)
    else if (COMPONENT_LISTS.includes(name)) next = mergeComponents(own, value)
    // defineProperty, not assignment: a "__proto__" key from JSON must stay a plain property.
    Object.defineProperty(merged, name, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return merged
}
