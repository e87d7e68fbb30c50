import {
  declaredVersions,
  type CompiledProfile,
  type Finding,
} from '../../schemas/profile/profile-check.js'
import { SUITE_NAME, SUITE_VERSION } from '../lib/suite-version.js'
import type { CheckResult, Report, XapiVersion } from '../lib/types.js'
import { NATIONAL_PROFILE_ID, type Reference } from './national-profile.js'
import type { Statement } from './statement-source.js'

/**
 * Platform conformance: whether a training platform's statements follow the xAPI data model and
 * the national profile. Each statement gives two checks (its JSON Schema; the templates of the
 * profile version it declares) and each registration one (the profile's patterns, xAPI Profiles
 * Structure §Patterns). The results form the same Report as an LRS run, so the console, JSON,
 * JUnit and HTML reports are the suite's usual ones.
 */

export interface PlatformRunOptions {
  /** What was checked, for the report: a file path or an endpoint (and platform). */
  subject: string
  /** The xAPI version of statements that carry no `version` (a platform's export). */
  defaultVersion: XapiVersion
}

function xapiVersion(statement: Statement, fallback: XapiVersion): XapiVersion {
  const version = statement.version
  if (typeof version !== 'string') return fallback
  return version.startsWith('2.0') ? '2.0.0' : '1.0.3'
}

function describeFinding(finding: Finding): string {
  const presence = finding.presence === undefined ? '' : `, presence ${finding.presence}`
  return `${finding.field}: ${finding.message} [${finding.templateLabel} <${finding.templateId}>${presence}]`
}

function result(
  section: string,
  requirement: string,
  version: XapiVersion,
  problems: string[],
): CheckResult {
  return {
    name: `${section} ${requirement}`,
    section,
    requirement,
    version,
    outcome: problems.length === 0 ? 'pass' : 'fail',
    message: problems.length === 0 ? undefined : problems.join('\n'),
    durationMs: 0,
  }
}

interface Matched {
  id: string
  templates: string[]
  timestamp: string
  order: number
  version: XapiVersion
}

/** Checks the statements and returns the run's report. */
export function checkPlatform(
  statements: readonly Statement[],
  reference: Reference,
  options: PlatformRunOptions,
): Report {
  const startedAt = new Date().toISOString()
  const results: CheckResult[] = []
  const attempts = new Map<
    string,
    { profile: CompiledProfile; registration: string; items: Matched[] }
  >()

  for (const [index, statement] of statements.entries()) {
    const version = xapiVersion(statement, options.defaultVersion)
    const name = `statement ${index + 1}${typeof statement.id === 'string' ? ` (${statement.id})` : ''}`
    const validate = reference.schemas[version]
    const schemaProblems = validate(statement)
      ? []
      : (validate.errors ?? []).map(
          (e) => `statement${e.instancePath.replace(/\//g, '.')}: ${e.message ?? 'invalid'}`,
        )
    results.push(
      result('xAPI Data', `${name} is a valid xAPI ${version} statement`, version, schemaProblems),
    )

    const declared = declaredVersions(statement, NATIONAL_PROFILE_ID)
    if (declared.length === 0) {
      results.push(
        result('Profile', `${name} declares a version of the national profile`, version, [
          `context.contextActivities.category names no version of ${NATIONAL_PROFILE_ID}`,
        ]),
      )
      continue
    }
    for (const iri of declared) {
      const profile = reference.profiles.get(iri)
      if (profile === undefined) {
        const supported = [...reference.profiles.keys()].join(', ')
        results.push(
          result('Profile', `${name} declares a supported profile version`, version, [
            `${iri} is not one of ${supported}`,
          ]),
        )
        continue
      }
      const checked = profile.check(statement, 'statement')
      const labels = checked.templates.map(
        (id) => profile.templates.find((t) => t.id === id)?.label ?? id,
      )
      const what = labels.length === 0 ? 'a statement template' : labels.join(' / ')
      results.push(
        result(
          'Profile template',
          `${name} follows ${what} (${iri})`,
          version,
          checked.findings.map(describeFinding),
        ),
      )

      const registration = (statement.context as { registration?: unknown } | undefined)
        ?.registration
      const key = `${iri} ${typeof registration === 'string' ? registration.toLowerCase() : `solo ${index}`}`
      const attempt = attempts.get(key) ?? {
        profile,
        registration: typeof registration === 'string' ? registration : '',
        items: [],
      }
      attempt.items.push({
        id: typeof statement.id === 'string' ? statement.id : `#${index + 1}`,
        templates: checked.templates,
        timestamp: typeof statement.timestamp === 'string' ? statement.timestamp : '',
        order: index,
        version,
      })
      attempts.set(key, attempt)
    }
  }

  // Statements of a pattern are ordered by timestamp, and within one timestamp by their order in
  // the batch (Structure §Patterns, requirements on Learning Record Providers).
  for (const { profile, registration, items } of attempts.values()) {
    items.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.order - b.order)
    const verdict = profile.matchPatterns(items)
    const who =
      registration === ''
        ? `statement ${items[0]?.id ?? ''} without a registration`
        : `registration ${registration}`
    const version = items[0]?.version ?? options.defaultVersion
    results.push(
      result(
        'Profile pattern',
        `${who} follows a pattern of ${profile.versionId}`,
        version,
        verdict.ok ? [] : [verdict.message],
      ),
    )
  }

  const failed = results.filter((r) => r.outcome === 'fail').length
  return {
    suite: SUITE_NAME,
    suiteVersion: SUITE_VERSION,
    title: 'National profile platform conformance report',
    endpoint: options.subject,
    startedAt,
    finishedAt: new Date().toISOString(),
    versions: [...new Set(results.map((r) => r.version))].sort(),
    grep: undefined,
    results,
    totals: { passed: results.length - failed, failed, total: results.length },
  }
}
