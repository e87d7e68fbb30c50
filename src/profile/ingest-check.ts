import { HubError } from '../errors.js'
import type { FindingRow } from '../storage/statement-insert.js'
import type { NationalProfile } from './national-profile.js'

/**
 * The national profile on the ingest path: statements that declare a version of the profile in
 * `context.contextActivities.category` are checked against that version's statement templates
 * (xAPI Profiles, Structure §Using Profiles in Statements: such statements "MUST conform to any
 * matching templates"). A statement that declares nothing costs one property lookup.
 */

export interface IngestFindings {
  /** Findings per statement, in request order; undefined for a statement without any. */
  perStatement: Array<FindingRow[] | undefined>
  /** The first broken rule, with its field, for a rejection. */
  first: { field: string; rule: string } | undefined
}

/**
 * Checks every statement of a request. `prefix(i)` names statement i in fields
 * (`statements[2]` for POST, `statement` for PUT).
 */
export function checkIngest(
  profile: NationalProfile,
  statements: readonly Record<string, unknown>[],
  prefix: (index: number) => string,
): IngestFindings {
  const perStatement: Array<FindingRow[] | undefined> = []
  let first: IngestFindings['first']
  for (const [index, statement] of statements.entries()) {
    const rows: FindingRow[] = []
    for (const verdict of profile.check(statement, prefix(index))) {
      for (const finding of verdict.findings) {
        first ??= {
          field: finding.field,
          rule:
            `national profile ${verdict.version}, template ${finding.templateId} ` +
            `("${finding.templateLabel}"): rule ${finding.location}` +
            `${finding.presence === undefined ? '' : ` (presence ${finding.presence})`}: ${finding.message}`,
        }
        rows.push({
          profileVersion: verdict.version,
          template: finding.templateId,
          templateLabel: finding.templateLabel,
          location: finding.location,
          presence: finding.presence ?? null,
          requirement: finding.requirement,
          message: finding.message,
        })
      }
    }
    perStatement.push(rows.length === 0 ? undefined : rows)
  }
  return { perStatement, first }
}

/** The 400 of a platform in `reject` mode: the template and the rule, at the field at fault. */
export function profileRejection(first: { field: string; rule: string }): HubError {
  return new HubError('bad_request', `${first.field}: ${first.rule}`, first)
}
