import { randomUUID } from 'node:crypto'

/**
 * Builders for the data each check sends. Every agent, activity and registration carries a fresh
 * UUID, so a check only ever sees its own records and the suite can run against a shared LRS.
 */

export type Json = Record<string, unknown>

const BASE = 'http://conformance.example.org'

export function uuid(): string {
  return randomUUID()
}

export function agent(): Json {
  return {
    objectType: 'Agent',
    name: 'Conformance Learner',
    mbox: `mailto:${uuid()}@conformance.example.org`,
  }
}

export function activityId(): string {
  return `${BASE}/activities/${uuid()}`
}

export function activity(id = activityId()): Json {
  return {
    objectType: 'Activity',
    id,
    definition: {
      name: { 'en-US': 'Conformance activity' },
      description: { 'en-US': 'An activity made up by the conformance suite' },
      type: 'http://adlnet.gov/expapi/activities/assessment',
    },
  }
}

export function verb(name = 'experienced'): Json {
  return { id: `http://adlnet.gov/expapi/verbs/${name}`, display: { 'en-US': name } }
}

/** A minimal valid statement with a fresh id, agent and activity; `extra` overrides properties. */
export function statement(extra: Json = {}): Json {
  return { id: uuid(), actor: agent(), verb: verb(), object: activity(), ...extra }
}

export function voiding(targetId: string, actor: Json = agent()): Json {
  return {
    id: uuid(),
    actor,
    verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: targetId },
  }
}

/** A deep copy, so a check can mutate a statement without touching its fixture. */
export function clone<T>(value: T): T {
  return structuredClone(value)
}

/** Seconds-resolution ISO timestamps can collide with stored times; wait past a millisecond tick. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
