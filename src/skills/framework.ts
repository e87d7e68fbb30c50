import { competenceIri } from '../profile/vocabulary.js'
import { badRequest } from '../errors.js'
import { isObject, type Json, type JsonObject } from '../xapi/agent-key.js'

/**
 * Competency frameworks as data. A framework has an id and a version, domains holding
 * competences (each with a code), and ordered proficiency levels; a level may span several
 * steps (Circular 02/2025: 4 levels over 8 steps, each step with a code such as "CB1"). Each
 * competence gets the stable IRI of the national profile, `competenceIri(id, version, code)`.
 */

export type Titles = Record<string, string>

export interface FrameworkLevel {
  order: number
  title: Titles
  /** Step numbers the level covers, in order (1-8 for Circular 02/2025 and DigComp). */
  steps: number[]
  /** Codes of those steps, in the same order, when the framework names them. */
  stepCodes: string[]
}

export interface Competence {
  iri: string
  frameworkId: string
  frameworkVersion: string
  code: string
  domainCode: string
  title: Titles
}

export interface Framework {
  id: string
  version: string
  title: Titles
  levels: FrameworkLevel[]
  competences: Competence[]
  /** The document as loaded, kept whole (sources, notes, licence). */
  data: JsonObject
}

/** A level of a competence as stated in evidence, normalised to the framework's level order. */
export interface NormalisedLevel {
  level: number
  step: number | null
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/
const CODE_PATTERN = /^[A-Za-z0-9._-]{1,50}$/

function titles(value: Json | undefined, field: string): Titles {
  if (!isObject(value) || Object.keys(value).length === 0)
    badRequest(field, 'must be a language map')
  const out: Titles = {}
  for (const [lang, text] of Object.entries(value)) {
    if (typeof text !== 'string') badRequest(`${field}.${lang}`, 'must be a string')
    out[lang] = text
  }
  return out
}

function text(value: Json | undefined, field: string, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value))
    badRequest(field, `must match ${pattern.source}`)
  return value
}

function parseLevel(value: Json, index: number): FrameworkLevel {
  const field = `levels[${index}]`
  if (!isObject(value)) badRequest(field, 'must be an object')
  if (value.order !== index + 1)
    badRequest(`${field}.order`, 'levels are numbered 1, 2, ... in order')
  const steps = Array.isArray(value.steps) ? value.steps : []
  if (!steps.every((step): step is number => Number.isInteger(step) && (step as number) > 0)) {
    badRequest(`${field}.steps`, 'must be an array of positive whole numbers')
  }
  const codes = Array.isArray(value.step_codes_used_in_practice)
    ? value.step_codes_used_in_practice
    : []
  if (!codes.every((code): code is string => typeof code === 'string')) {
    badRequest(`${field}.step_codes_used_in_practice`, 'must be an array of strings')
  }
  return { order: index + 1, title: titles(value.title, `${field}.title`), steps, stepCodes: codes }
}

/**
 * Checks a framework document and lists its competences with their IRIs. The document must have
 * `id`, `version`, `title`, `levels` (ordered, with `steps`) and `domains` with `competences`;
 * anything else it carries (sources, notes, licence) is kept as given.
 */
export function parseFramework(document: unknown): Framework {
  if (!isObject(document)) badRequest('framework', 'must be a JSON object')
  const id = text(document.id, 'id', ID_PATTERN)
  const version = text(document.version, 'version', CODE_PATTERN)
  const title = titles(document.title, 'title')
  if (!Array.isArray(document.levels) || document.levels.length === 0)
    badRequest('levels', 'must be a non-empty array')
  const levels = document.levels.map(parseLevel)
  if (!Array.isArray(document.domains) || document.domains.length === 0)
    badRequest('domains', 'must be a non-empty array')

  const competences: Competence[] = []
  const seen = new Set<string>()
  document.domains.forEach((domain, d) => {
    if (!isObject(domain)) badRequest(`domains[${d}]`, 'must be an object')
    const domainCode = text(domain.code, `domains[${d}].code`, CODE_PATTERN)
    if (!Array.isArray(domain.competences))
      badRequest(`domains[${d}].competences`, 'must be an array')
    domain.competences.forEach((competence, c) => {
      const field = `domains[${d}].competences[${c}]`
      if (!isObject(competence)) badRequest(field, 'must be an object')
      const code = text(competence.code, `${field}.code`, CODE_PATTERN)
      if (seen.has(code))
        badRequest(`${field}.code`, 'competence codes are unique within a framework')
      seen.add(code)
      competences.push({
        iri: competenceIri(id, version, code),
        frameworkId: id,
        frameworkVersion: version,
        code,
        domainCode,
        title: titles(competence.title, `${field}.title`),
      })
    })
  })
  if (competences.length === 0) badRequest('domains', 'must hold at least one competence')
  return { id, version, title, levels, competences, data: document }
}

/**
 * Reads a proficiency-level value (the profile's proficiency-level extension) against a
 * framework: a level order (`2`, `"2"`), a step code (`"TC1"`, any case) or a step number given
 * as `"step:3"`. Undefined when the value names no level of the framework.
 */
export function normaliseLevel(
  framework: Pick<Framework, 'levels'>,
  value: unknown,
): NormalisedLevel | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const order = Number(value)
    return framework.levels.some((level) => level.order === order)
      ? { level: order, step: null }
      : undefined
  }
  if (typeof value !== 'string') return undefined
  const stepNumber = /^step:(\d+)$/i.exec(value)
  for (const level of framework.levels) {
    if (stepNumber !== null && level.steps.includes(Number(stepNumber[1]))) {
      return { level: level.order, step: Number(stepNumber[1]) }
    }
    const at = level.stepCodes.findIndex((code) => code.toLowerCase() === value.toLowerCase())
    if (at >= 0) return { level: level.order, step: level.steps[at] ?? null }
  }
  return undefined
}
