/**
 * The national xAPI profile's vocabulary: the IRIs platforms put in statements and the hub
 * reads back. The profile document (schemas/profile/) defines each of them; the skills-record
 * code reads competences and levels through these names. One place, so an IRI is never typed
 * twice.
 *
 * The namespace is the hub's own. IRIs here are identifiers: they need not resolve, but the hub
 * serves the profile document at `/profiles/digital-skills` (each version at
 * `/profiles/digital-skills/v<semver>`) so people can look them up.
 */
export const PROFILE_NAMESPACE = 'https://learning-hub.vn/xapi/profiles/digital-skills'

/** The profile's IRI, and the IRI of each published version (statements declare a version). */
export const PROFILE_ID = PROFILE_NAMESPACE
export const PROFILE_VERSIONS = {
  '1.0.0': `${PROFILE_NAMESPACE}/v1.0.0`,
} as const
export const CURRENT_PROFILE_VERSION = PROFILE_VERSIONS['1.0.0']

/** Verbs (ADL vocabulary where one exists, as the xAPI community uses them). */
export const VERBS = {
  registered: 'http://adlnet.gov/expapi/verbs/registered',
  launched: 'http://adlnet.gov/expapi/verbs/launched',
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  progressed: 'http://adlnet.gov/expapi/verbs/progressed',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
  voided: 'http://adlnet.gov/expapi/verbs/voided',
} as const

/** Activity types. */
export const ACTIVITY_TYPES = {
  course: 'http://adlnet.gov/expapi/activities/course',
  module: 'http://adlnet.gov/expapi/activities/module',
  assessment: 'http://adlnet.gov/expapi/activities/assessment',
  competency: `${PROFILE_NAMESPACE}/activity-types/competency`,
  programme: `${PROFILE_NAMESPACE}/activity-types/programme`,
} as const

/** Extensions. */
export const EXTENSIONS = {
  /** Activity definition extension: the competences an activity gives evidence of (array of IRIs). */
  competencies: `${PROFILE_NAMESPACE}/extensions/competencies`,
  /**
   * Activity definition or result extension: the proficiency level attained or assessed, as the
   * framework's level or step code (for Circular 02/2025: "CB1".."CS2" steps or levels 1..4).
   */
  proficiencyLevel: `${PROFILE_NAMESPACE}/extensions/proficiency-level`,
  /** Context extension: the learner's province, a code from the national catalogue of units. */
  province: `${PROFILE_NAMESPACE}/extensions/province`,
  /** Context extension: the training platform's registered id in the hub. */
  platform: `${PROFILE_NAMESPACE}/extensions/platform`,
  /** Context extension: the language of instruction (RFC 5646). */
  language: `${PROFILE_NAMESPACE}/extensions/language`,
} as const

/**
 * Competence IRIs: `${COMPETENCE_BASE}/<framework id>/<framework version>/<competence code>`,
 * e.g. `.../competences/vn-tt02-2025-digital-competence/2025/1.1`.
 */
export const COMPETENCE_BASE = `${PROFILE_NAMESPACE}/competences`

export function competenceIri(frameworkId: string, version: string, code: string): string {
  return `${COMPETENCE_BASE}/${encodeURIComponent(frameworkId)}/${encodeURIComponent(version)}/${encodeURIComponent(code)}`
}

/**
 * Statement Templates of the profile (xAPI Profiles, Structure §Statement Templates). Their ids
 * are stable across profile versions; a finding records the version it was checked against.
 */
export const TEMPLATE_BASE = `${PROFILE_NAMESPACE}/templates`
export const TEMPLATES = {
  courseRegistered: `${TEMPLATE_BASE}/course-registered`,
  courseLaunched: `${TEMPLATE_BASE}/course-launched`,
  courseInitialized: `${TEMPLATE_BASE}/course-initialized`,
  courseProgressed: `${TEMPLATE_BASE}/course-progressed`,
  moduleCompleted: `${TEMPLATE_BASE}/module-completed`,
  assessmentPassed: `${TEMPLATE_BASE}/assessment-passed`,
  assessmentFailed: `${TEMPLATE_BASE}/assessment-failed`,
  courseCompleted: `${TEMPLATE_BASE}/course-completed`,
  coursePassed: `${TEMPLATE_BASE}/course-passed`,
  courseFailed: `${TEMPLATE_BASE}/course-failed`,
  competencyAttained: `${TEMPLATE_BASE}/competency-attained`,
} as const

/** Patterns of the profile; `courseAttempt` is the primary one a registration follows. */
export const PATTERN_BASE = `${PROFILE_NAMESPACE}/patterns`
export const PATTERNS = {
  courseAttempt: `${PATTERN_BASE}/course-attempt`,
  registrationStep: `${PATTERN_BASE}/registration-step`,
  start: `${PATTERN_BASE}/start`,
  learningSteps: `${PATTERN_BASE}/learning-steps`,
  learningStep: `${PATTERN_BASE}/learning-step`,
  outcomes: `${PATTERN_BASE}/outcomes`,
  outcome: `${PATTERN_BASE}/outcome`,
} as const

/**
 * The identity provider learners are identified by when NATIONAL_ID_HOMEPAGE is not set: the
 * `homePage` of the `account` in the actor of every statement the profile describes. The profile
 * document carries this value; the hub substitutes the configured one when it differs.
 */
export const DEFAULT_NATIONAL_ID_HOMEPAGE = 'https://vneid.gov.vn'
