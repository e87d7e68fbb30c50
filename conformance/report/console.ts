import type { Report } from '../lib/types.js'

/** The summary an auditor reads in the terminal: totals, then every failed check with its reason. */
export function consoleReport(report: Report): string {
  const lines = [
    `${report.suite} ${report.suiteVersion} against ${report.endpoint}`,
    `xAPI ${report.versions.join(', ')}${report.grep === undefined ? '' : `, checks matching "${report.grep}"`}`,
    '',
  ]
  const failed = report.results.filter((r) => r.outcome === 'fail')
  for (const result of failed) {
    lines.push(`  FAIL [${result.version}] ${result.name}`, `       ${result.message ?? ''}`)
  }
  if (failed.length > 0) lines.push('')
  const verdict = report.totals.failed === 0 ? 'PASS' : 'FAIL'
  lines.push(
    `${verdict}: ${report.totals.passed} passed, ${report.totals.failed} failed, ${report.totals.total} checks`,
  )
  return `${lines.join('\n')}\n`
}
