import type { Report } from '../lib/types.js'
import { escapeXml } from './escape.js'

/**
 * JUnit XML for CI systems: one test suite per xAPI version, one test case per check, the section
 * as the class name so CI views group checks the way the specification does.
 */
export function junitReport(report: Report): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  const seconds = (ms: number): string => (ms / 1000).toFixed(3)
  out.push(
    `<testsuites name="${escapeXml(`${report.suite} ${report.suiteVersion}`)}" tests="${report.totals.total}" failures="${report.totals.failed}">`,
  )
  for (const version of report.versions) {
    const results = report.results.filter((r) => r.version === version)
    const failures = results.filter((r) => r.outcome === 'fail').length
    const time = results.reduce((sum, r) => sum + r.durationMs, 0)
    out.push(
      `  <testsuite name="xAPI ${version}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(time)}" timestamp="${report.startedAt}">`,
    )
    out.push(
      `    <properties><property name="endpoint" value="${escapeXml(report.endpoint)}"/></properties>`,
    )
    for (const r of results) {
      const open = `    <testcase classname="${escapeXml(`xAPI ${version}.${r.section}`)}" name="${escapeXml(r.name)}" time="${seconds(r.durationMs)}"`
      if (r.outcome === 'pass') out.push(`${open}/>`)
      else {
        out.push(`${open}>`)
        out.push(
          `      <failure message="${escapeXml(r.message ?? '')}" type="ConformanceFailure">${escapeXml(r.message ?? '')}</failure>`,
        )
        out.push('    </testcase>')
      }
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  return `${out.join('\n')}\n`
}
