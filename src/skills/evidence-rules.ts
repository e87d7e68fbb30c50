import { EXTENSIONS, VERBS } from '../profile/vocabulary.js'
import { isObject, type JsonObject } from '../xapi/agent-key.js'
import { normaliseLevel, type Framework } from './framework.js'

/**
 * Which statements are evidence of which competences, at which level. Pure rules, no storage:
 * the projector and the rebuild both call {@link extractEvidence}, so they cannot disagree.
 *
 * A statement is evidence when it matches one of the national profile's achievement templates:
 * - verb `passed`, unless `result.success` is false;
 * - verb `completed` with `result.success` true.
 * Its object must be an Activity. The competences come from the activity definition's
 * `competencies` extension (IRIs) and from the operator's activity-to-competence mapping. The
 * level comes from the `proficiency-level` extension of the result, else of the activity
 * definition, else the mapping's level, else the framework's first level. A level the framework
 * does not know makes the statement no evidence of that competence, rather than a guess.
 */

export interface MappedCompetence {
  competenceIri: string
  level: number
}

export interface EvidenceItem {
  competenceIri: string
  level: number
  step: number | null
  scoreScaled: number | null
  achievedAt: string
}

export interface EvidenceContext {
  /** The framework a competence IRI belongs to, if any framework loaded defines it. */
  frameworkOf(competenceIri: string): Pick<Framework, 'levels'> | undefined
  /** The operator's mapping for an activity IRI. */
  mapped(activityIri: string): readonly MappedCompetence[]
}

/** The verbs that can make a statement evidence; the projector reads only these (and voiding). */
export const EVIDENCE_VERBS: readonly string[] = [VERBS.passed, VERBS.completed]

function achieved(statement: JsonObject): boolean {
  const verb = isObject(statement.verb) ? statement.verb.id : undefined
  const result = isObject(statement.result) ? statement.result : {}
  if (verb === VERBS.passed) return result.success !== false
  if (verb === VERBS.completed) return result.success === true
  return false
}

function declaredCompetences(definition: JsonObject): string[] {
  const extensions = isObject(definition.extensions) ? definition.extensions : {}
  const value = extensions[EXTENSIONS.competencies]
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  return list.filter((iri): iri is string => typeof iri === 'string')
}

function extension(holder: unknown, name: string): unknown {
  return isObject(holder) && isObject(holder.extensions) ? holder.extensions[name] : undefined
}

/** The evidence a statement gives, one item per competence; empty for most statements. */
export function extractEvidence(statement: JsonObject, context: EvidenceContext): EvidenceItem[] {
  if (!achieved(statement)) return []
  const object = isObject(statement.object) ? statement.object : {}
  if ((object.objectType ?? 'Activity') !== 'Activity' || typeof object.id !== 'string') return []
  const definition = isObject(object.definition) ? object.definition : {}

  const stated =
    extension(statement.result, EXTENSIONS.proficiencyLevel) ??
    extension(definition, EXTENSIONS.proficiencyLevel)
  const score =
    isObject(statement.result) && isObject(statement.result.score)
      ? statement.result.score.scaled
      : undefined
  const achievedAt = String(statement.timestamp ?? statement.stored)
  const mapping = new Map(context.mapped(object.id).map((m) => [m.competenceIri, m.level]))
  const iris = new Set([...declaredCompetences(definition), ...mapping.keys()])

  const items: EvidenceItem[] = []
  for (const competenceIri of iris) {
    const framework = context.frameworkOf(competenceIri)
    if (framework === undefined) continue
    const fallback = mapping.get(competenceIri) ?? 1
    const level =
      stated === undefined ? { level: fallback, step: null } : normaliseLevel(framework, stated)
    if (level === undefined) continue
    items.push({
      competenceIri,
      level: level.level,
      step: level.step,
      scoreScaled: typeof score === 'number' ? score : null,
      achievedAt,
    })
  }
  return items.sort((a, b) =>
    a.competenceIri < b.competenceIri ? -1 : a.competenceIri > b.competenceIri ? 1 : 0,
  )
}
