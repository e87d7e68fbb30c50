import { parseArgs } from 'node:util'
import { PLATFORM_USAGE, PlatformUsageError, runPlatform } from './platform/run.js'
import { preflight } from './lib/preflight.js'
import { runSuite, selectChecks } from './lib/runner.js'
import { SUITE_NAME, SUITE_VERSION } from './lib/suite-version.js'
import { ALL_VERSIONS, checkName, type XapiVersion } from './lib/types.js'
import { consoleReport } from './report/console.js'
import { writeReports } from './report/write.js'

/**
 * The auditors' command: `hub-conformance lrs --endpoint URL --key K --secret S`. It checks any
 * xAPI endpoint, writes the reports and exits 0 when every check passed, 1 when one failed and 2
 * when the command was used wrongly or the endpoint could not be tested (unreachable, credential
 * refused).
 */

const USAGE = `Usage: ${SUITE_NAME} lrs --endpoint URL --key KEY --secret SECRET [options]

Checks an xAPI Learning Record Store against xAPI 1.0.3 and 2.0.0 (IEEE 9274.1.1).

Options:
  --endpoint URL      base URL of the xAPI endpoint, e.g. http://localhost:8080/xapi/
  --key KEY           HTTP Basic key of a credential allowed to read and write everything
  --secret SECRET     its secret (or set CONFORMANCE_SECRET)
  --version V         1.0.3, 2.0.0 or both (default both)
  --out DIR           directory for the JSON, JUnit XML and HTML reports (default reports/)
  --grep TEXT         run only the checks whose name contains TEXT
  --concurrency N     checks run at once (default 4)
  --list              list the checks that would run, without running them
  --help              show this text
`

class UsageError extends Error {}

function versions(value: string | undefined): XapiVersion[] {
  if (value === undefined || value === 'both') return [...ALL_VERSIONS]
  if ((ALL_VERSIONS as readonly string[]).includes(value)) return [value as XapiVersion]
  throw new UsageError(`--version must be 1.0.3, 2.0.0 or both, got "${value}"`)
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string', default: 'reports' },
      grep: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      file: { type: 'string' },
      platform: { type: 'string' },
      max: { type: 'string' },
      'xapi-version': { type: 'string' },
      'id-homepage': { type: 'string' },
    },
  })
  if (values.help) {
    process.stdout.write(
      positionals[0] === 'platform' ? PLATFORM_USAGE : `${USAGE}\n${PLATFORM_USAGE}`,
    )
    return 0
  }
  if (positionals[0] === 'platform') return runPlatform(values)
  if (positionals[0] !== 'lrs')
    throw new UsageError('the first argument must be "lrs" or "platform"')
  const selected = { versions: versions(values.version), grep: values.grep }
  if (values.list) {
    for (const { check, version } of selectChecks(selected))
      process.stdout.write(`[${version}] ${checkName(check)}\n`)
    return 0
  }

  const secret = values.secret ?? process.env.CONFORMANCE_SECRET
  if (values.endpoint === undefined || values.key === undefined || secret === undefined) {
    throw new UsageError('--endpoint, --key and --secret are required')
  }
  try {
    new URL(values.endpoint)
  } catch {
    throw new UsageError(`--endpoint must be an absolute URL, got "${values.endpoint}"`)
  }
  const concurrency = Number(values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError('--concurrency must be a positive whole number')

  const target = { endpoint: values.endpoint, key: values.key, secret }
  const problem = await preflight(target, selected.versions[0] ?? '2.0.0')
  if (problem !== undefined) {
    process.stderr.write(`${problem}\nNo check was run.\n`)
    return 2
  }

  process.stderr.write(
    `${SUITE_NAME} ${SUITE_VERSION}: ${selectChecks(selected).length} checks against ${values.endpoint}\n`,
  )
  let done = 0
  const report = await runSuite({
    ...selected,
    ...target,
    concurrency,
    onResult: (result) => {
      done++
      if (result.outcome === 'fail')
        process.stderr.write(`  fail [${result.version}] ${result.name}\n`)
      else if (done % 25 === 0) process.stderr.write(`  ${done} checks run\n`)
    },
  })
  process.stdout.write(consoleReport(report))
  const paths = await writeReports(report, values.out)
  process.stdout.write(`Reports: ${paths.html}, ${paths.json}, ${paths.junit}\n`)
  return report.totals.failed === 0 ? 0 : 1
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof PlatformUsageError) {
      process.stderr.write(`${error.message}\n\n${PLATFORM_USAGE}`)
      process.exitCode = 2
      return
    }
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError &&
        'code' in error &&
        String(error.code).startsWith('ERR_PARSE_ARGS'))
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\n${usage ? `\n${USAGE}` : ''}`,
    )
    process.exitCode = 2
  },
)
