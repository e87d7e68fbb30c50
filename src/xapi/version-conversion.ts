import { isObject, type JsonObject } from './agent-key.js'
import type { XapiVersion } from './version.js'

/**
 * What an xAPI 1.0.3 reader receives of a statement stored under 2.0.0. One store serves both
 * versions, but a 1.0.3 client validates what it reads against 1.0.3, which knows neither 2.0's
 * `contextAgents` and `contextGroups` nor a `version` of 2.0.x, and a strict client refuses the
 * whole response. The statement is shown as the nearest 1.0.3 statement: the 2.0-only context
 * properties are left out (in a SubStatement too) and `version` reads "1.0.0". The stored statement
 * is unchanged, and 2.0 readers see it exactly as stored. 1.0.3 statements need nothing for 2.0
 * readers: 2.0 accepts statements of version 1.0.x as they are.
 */
export function needsConversion(storedVersion: string, reader: XapiVersion): boolean {
  return reader === '1.0.3' && storedVersion.startsWith('2.')
}

/** The statement as a 1.0.3 reader receives it (see above); the input is not modified. */
export function asVersion103(statement: JsonObject): JsonObject {
  const converted: JsonObject = { ...statement, version: '1.0.0' }
  stripContext(converted)
  if (isObject(statement.object) && statement.object.objectType === 'SubStatement') {
    const sub: JsonObject = { ...statement.object }
    stripContext(sub)
    converted.object = sub
  }
  return converted
}

function stripContext(holder: JsonObject): void {
  if (!isObject(holder.context)) return
  if (holder.context.contextAgents === undefined && holder.context.contextGroups === undefined)
    return
  const context: JsonObject = { ...holder.context }
  delete context.contextAgents
  delete context.contextGroups
  holder.context = context
}
