import { allChecks } from '../checks/index.js'
import { CheckFailure } from './expect.js'
import { LrsClient, type LrsTarget } from './lrs-client.js'
import { SUITE_NAME, SUITE_VERSION } from './suite-version.js'
import { checkName, type Check, type CheckResult, type Report, type XapiVersion } from './types.js'

export interface RunOptions extends LrsTarget {
  versions: readonly XapiVersion[]
  /** Runs only the checks whose name contains this text (case-insensitive). */
  grep?: string
  /** Runs these checks instead of the whole suite (tests use it). */
  checks?: readonly Check[]
  /** Checks run at once; kept low so a shared LRS is not flooded. */
  concurrency?: number
  /** Called after each check, for progress output. */
  onResult?: (result: CheckResult) => void
}

/** The checks a run would execute, in suite order. */
export function selectChecks(
  options: Pick<RunOptions, 'versions' | 'grep' | 'checks'>,
): Array<{ check: Check; version: XapiVersion }> {
  const grep = options.grep?.toLowerCase()
  const selected: Array<{ check: Check; version: XapiVersion }> = []
  for (const version of options.versions) {
    for (const check of options.checks ?? allChecks()) {
      if (!check.versions.includes(version)) continue
      if (grep !== undefined && !checkName(check).toLowerCase().includes(grep)) continue
      selected.push({ check, version })
    }
  }
  return selected
}

async function runOne(check: Check, version: XapiVersion, target: LrsTarget): Promise<CheckResult> {
  const started = performance.now()
  let message: string | undefined
  try {
    await check.run({ version, lrs: new LrsClient(target, version) })
  } catch (error) {
    // Anything thrown is a failure of the requirement: an LRS that drops the connection or answers
    // with something unparseable does not satisfy it either.
    message = error instanceof CheckFailure ? error.message : `unexpected error: ${describe(error)}`
  }
  return {
    name: checkName(check),
    section: check.section,
    requirement: check.requirement,
    version,
    outcome: message === undefined ? 'pass' : 'fail',
    message,
    durationMs: Math.round(performance.now() - started),
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
  return `${error.message}${cause}`
}

/** Runs the selected checks against the LRS and returns the report; results keep suite order. */
export async function runSuite(options: RunOptions): Promise<Report> {
  const startedAt = new Date().toISOString()
  const work = selectChecks(options)
  const results: CheckResult[] = new Array<CheckResult>(work.length)
  let next = 0

  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const index = next++
      const item = work[index]
      if (item === undefined) return
      const result = await runOne(item.check, item.version, options)
      results[index] = result
      options.onResult?.(result)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker))

  const failed = results.filter((r) => r.outcome === 'fail').length
  return {
    suite: SUITE_NAME,
    suiteVersion: SUITE_VERSION,
    endpoint: options.endpoint,
    startedAt,
    finishedAt: new Date().toISOString(),
    versions: options.versions,
    grep: options.grep,
    results,
    totals: { passed: results.length - failed, failed, total: results.length },
  }
}
