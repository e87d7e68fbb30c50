import { randomUUID } from 'node:crypto'
import {
  ACTIVITY_TYPES,
  DEFAULT_NATIONAL_ID_HOMEPAGE,
  EXTENSIONS,
  PROFILE_VERSIONS,
  VERBS,
} from '../../src/profile/vocabulary.js'

/** Statements that follow the national profile v1.0.0, and ways to break them. */

export const V1 = PROFILE_VERSIONS['1.0.0']
export type Statement = Record<string, unknown>

export interface Attempt {
  registration: string
  learner: string
  course: string
}

export function newAttempt(): Attempt {
  return {
    registration: randomUUID(),
    learner: String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999)),
    course: `https://lms.example.vn/courses/${randomUUID()}`,
  }
}

const COURSE_TYPE = { course: ACTIVITY_TYPES.course }

/**
 * One statement of a course attempt: `verb` names the verb, `type` the object's activity type
 * (a module or assessment of the course gets the course as grouping context activity).
 */
export function profileStatement(
  attempt: Attempt,
  verb: keyof typeof VERBS,
  type: keyof typeof ACTIVITY_TYPES = 'course',
  extra: { result?: Record<string, unknown>; timestamp?: string; version?: string } = {},
): Statement {
  const object =
    type === 'course'
      ? { objectType: 'Activity', id: attempt.course, definition: { type: COURSE_TYPE.course } }
      : {
          objectType: 'Activity',
          id: `${attempt.course}/${type}/${randomUUID()}`,
          definition: { type: ACTIVITY_TYPES[type] },
        }
  const grouping =
    type === 'course'
      ? {}
      : { grouping: [{ id: attempt.course, definition: { type: COURSE_TYPE.course } }] }
  return {
    id: randomUUID(),
    actor: {
      objectType: 'Agent',
      account: { homePage: DEFAULT_NATIONAL_ID_HOMEPAGE, name: attempt.learner },
    },
    verb: { id: VERBS[verb], display: { en: verb } },
    object,
    ...(extra.result === undefined ? {} : { result: extra.result }),
    context: {
      registration: attempt.registration,
      platform: 'LMS A',
      contextActivities: { category: [{ id: extra.version ?? V1 }], ...grouping },
      extensions: {
        [EXTENSIONS.platform]: 'lms-a',
        [EXTENSIONS.province]: '01',
        [EXTENSIONS.language]: 'vi',
      },
    },
    ...(extra.timestamp === undefined ? {} : { timestamp: extra.timestamp }),
  }
}

/** A whole attempt that follows the course-attempt pattern, one second apart. */
export function courseAttempt(attempt: Attempt = newAttempt()): Statement[] {
  const at = (second: number) => new Date(Date.UTC(2026, 10, 2, 8, 0, second)).toISOString()
  return [
    profileStatement(attempt, 'registered', 'course', { timestamp: at(0) }),
    profileStatement(attempt, 'launched', 'course', { timestamp: at(1) }),
    profileStatement(attempt, 'progressed', 'course', { timestamp: at(2) }),
    profileStatement(attempt, 'completed', 'module', {
      timestamp: at(3),
      result: { completion: true },
    }),
    profileStatement(attempt, 'passed', 'assessment', {
      timestamp: at(4),
      result: { success: true, score: { scaled: 0.9 } },
    }),
    profileStatement(attempt, 'completed', 'course', {
      timestamp: at(5),
      result: { completion: true },
    }),
    profileStatement(attempt, 'passed', 'course', { timestamp: at(6), result: { success: true } }),
  ]
}

/** The statement without the province extension the profile requires. */
export function withoutProvince(statement: Statement): Statement {
  const context = statement.context as Record<string, unknown>
  const extensions = { ...(context.extensions as Record<string, unknown>) }
  delete extensions[EXTENSIONS.province]
  return { ...statement, context: { ...context, extensions } }
}
