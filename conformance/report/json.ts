import type { Report } from '../lib/types.js'

/** The whole report as JSON, for tools that compare runs. */
export function jsonReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`
}
