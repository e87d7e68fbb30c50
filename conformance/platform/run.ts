import { consoleReport } from '../report/console.js'
import { writeReports } from '../report/write.js'
import { SUITE_NAME, SUITE_VERSION } from '../lib/suite-version.js'
import type { XapiVersion } from '../lib/types.js'
import { loadReference } from './national-profile.js'
import { checkPlatform } from './platform-check.js'
import { readStatementFile, readStatementsFromHub, type Statement } from './statement-source.js'

/**
 * `hub-conformance platform`: checks a platform's statements, from a file or from a hub, against
 * the xAPI JSON Schemas and the national profile. Exit codes as for `lrs`: 0 every check passed,
 * 1 one failed, 2 nothing could be checked (usage, unreadable file, unreachable hub, no
 * statements).
 */

export const PLATFORM_USAGE = `Usage: ${SUITE_NAME} platform (--file FILE | --endpoint URL --key KEY --secret SECRET) [options]

Checks a training platform's statements against the xAPI JSON Schemas and the national profile
(statement templates and the course-attempt pattern).

Options:
  --file FILE         statements as a JSON array, {"statements": [...]} or JSON Lines
  --endpoint URL      an xAPI endpoint holding the platform's statements (read with GET statements)
  --key KEY           a credential of the platform (statements/read/mine) or an administrator's
  --secret SECRET     its secret (or set CONFORMANCE_SECRET)
  --platform ID       keep only statements whose authority names this platform (admin credential)
  --max N             read at most N statements from the endpoint (default 50000)
  --xapi-version V    xAPI version of statements without a version property (default 2.0.0)
  --id-homepage URL   the national identity provider's homePage, when the hub is configured with
                      another than the profile's
  --out DIR           directory for the JSON, JUnit XML and HTML reports (default reports/)
`

export class PlatformUsageError extends Error {}

export interface PlatformValues {
  file?: string | undefined
  endpoint?: string | undefined
  key?: string | undefined
  secret?: string | undefined
  platform?: string | undefined
  max?: string | undefined
  'xapi-version'?: string | undefined
  'id-homepage'?: string | undefined
  out: string
}

async function statementsOf(
  values: PlatformValues,
): Promise<{ statements: Statement[]; subject: string }> {
  if (values.file !== undefined) {
    if (values.endpoint !== undefined)
      throw new PlatformUsageError('give either --file or --endpoint, not both')
    return { statements: await readStatementFile(values.file), subject: values.file }
  }
  const secret = values.secret ?? process.env.CONFORMANCE_SECRET
  if (values.endpoint === undefined || values.key === undefined || secret === undefined) {
    throw new PlatformUsageError('--file, or --endpoint with --key and --secret, is required')
  }
  try {
    new URL(values.endpoint)
  } catch {
    throw new PlatformUsageError(`--endpoint must be an absolute URL, got "${values.endpoint}"`)
  }
  const max = Number(values.max ?? '50000')
  if (!Number.isInteger(max) || max < 1)
    throw new PlatformUsageError('--max must be a positive whole number')
  const statements = await readStatementsFromHub({
    endpoint: values.endpoint,
    key: values.key,
    secret,
    max,
    ...(values.platform === undefined ? {} : { platform: values.platform }),
  })
  const subject = `${values.endpoint}${values.platform === undefined ? '' : ` (platform ${values.platform})`}`
  return { statements, subject }
}

/** Runs the platform check; resolves to the exit code. */
export async function runPlatform(values: PlatformValues): Promise<number> {
  const version = values['xapi-version'] ?? '2.0.0'
  if (version !== '1.0.3' && version !== '2.0.0')
    throw new PlatformUsageError('--xapi-version must be 1.0.3 or 2.0.0')

  let source: { statements: Statement[]; subject: string }
  try {
    source = await statementsOf(values)
  } catch (error) {
    if (error instanceof PlatformUsageError) throw error
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\nNo check was run.\n`,
    )
    return 2
  }
  if (source.statements.length === 0) {
    process.stderr.write(`no statements found in ${source.subject}\nNo check was run.\n`)
    return 2
  }

  process.stderr.write(
    `${SUITE_NAME} ${SUITE_VERSION}: ${source.statements.length} statements from ${source.subject}\n`,
  )
  const reference = loadReference(values['id-homepage'])
  const report = checkPlatform(source.statements, reference, {
    subject: source.subject,
    defaultVersion: version as XapiVersion,
  })
  process.stdout.write(consoleReport(report))
  const paths = await writeReports(report, values.out)
  process.stdout.write(`Reports: ${paths.html}, ${paths.json}, ${paths.junit}\n`)
  return report.totals.failed === 0 ? 0 : 1
}
