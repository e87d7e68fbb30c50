/** The xAPI versions a conformance run can target. */
export type XapiVersion = '1.0.3' | '2.0.0'

export const ALL_VERSIONS: readonly XapiVersion[] = ['1.0.3', '2.0.0']

/**
 * One requirement of the specification, verified by one function. `section` names the part of
 * the xAPI 1.0.3 documents that states it (`Data 2.4.2.1`, `Comm 3.1`); `requirement` echoes the
 * MUST wording, so a failed check reads as the rule that was broken.
 */
export interface Check {
  readonly section: string
  readonly requirement: string
  /** The versions whose text contains the requirement. */
  readonly versions: readonly XapiVersion[]
  run(context: CheckContext): Promise<void>
}

export interface CheckContext {
  readonly version: XapiVersion
  readonly lrs: import('./lrs-client.js').LrsClient
}

export type Outcome = 'pass' | 'fail'

export interface CheckResult {
  readonly name: string
  readonly section: string
  readonly requirement: string
  readonly version: XapiVersion
  readonly outcome: Outcome
  /** Why the check failed: what the LRS answered against what the specification requires. */
  readonly message: string | undefined
  readonly durationMs: number
}

export interface Report {
  readonly suite: string
  readonly suiteVersion: string
  /** The report's heading; an LRS report when absent (platform runs name themselves). */
  readonly title?: string
  readonly endpoint: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly versions: readonly XapiVersion[]
  readonly grep: string | undefined
  readonly results: readonly CheckResult[]
  readonly totals: { readonly passed: number; readonly failed: number; readonly total: number }
}

/** The full name of a check, as shown in every report. */
export function checkName(check: Pick<Check, 'section' | 'requirement'>): string {
  return `${check.section} ${check.requirement}`
}
