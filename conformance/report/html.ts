import type { CheckResult, Report } from '../lib/types.js'
import { escapeXml as esc } from './escape.js'

/**
 * A self-contained HTML report (inline styles, no scripts or external files) an auditor can print,
 * sign and file: the run's facts, the verdict, every check grouped by section, and a signature block.
 */
export function htmlReport(report: Report): string {
  const verdict = report.totals.failed === 0 ? 'PASS' : 'FAIL'
  const title = report.title ?? 'xAPI Learning Record Store conformance report'
  const sections = new Map<string, CheckResult[]>()
  for (const result of report.results) {
    const key = result.section
    sections.set(key, [...(sections.get(key) ?? []), result])
  }
  const ordered = [...sections.entries()].sort(([a], [b]) =>
    a.localeCompare(b, 'en', { numeric: true }),
  )

  const groups = ordered.map(([section, results]) => {
    const failed = results.filter((r) => r.outcome === 'fail').length
    const rows = results
      .map((r) => {
        const message = r.message === undefined ? '' : `<div class="why">${esc(r.message)}</div>`
        return `<tr class="${r.outcome}"><td class="o">${r.outcome.toUpperCase()}</td><td>${esc(r.version)}</td><td>${esc(r.requirement)}${message}</td></tr>`
      })
      .join('\n')
    return `<section><h3>${esc(section)} <small>${results.length - failed} passed, ${failed} failed</small></h3>
<table><thead><tr><th>Result</th><th>xAPI</th><th>Requirement</th></tr></thead><tbody>
${rows}
</tbody></table></section>`
  })

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>${esc(report.title ?? 'xAPI LRS conformance report')}: ${esc(report.endpoint)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.9em}
tr.fail td.o{color:#fff;background:#b00020;font-weight:bold}
tr.pass td.o{color:#fff;background:#2e7d32}
.why{color:#b00020;font-family:monospace;font-size:.85em;margin-top:.3em;white-space:pre-wrap}
.verdict{font-size:1.6em;font-weight:bold;color:${verdict === 'PASS' ? '#2e7d32' : '#b00020'}}
dl.facts{display:grid;grid-template-columns:12em 1fr;gap:.2em 1em}
dl.facts dt{font-weight:bold}
.sign{margin-top:3em;page-break-inside:avoid}
.sign div{display:grid;grid-template-columns:10em 1fr;gap:2.2em 1em;margin-top:1.5em}
.line{border-bottom:1px solid #222;height:1.4em}
small{font-weight:normal;color:#555}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="verdict">${verdict}: ${report.totals.passed} of ${report.totals.total} checks passed</p>
<dl class="facts">
<dt>${report.title === undefined ? 'Endpoint' : 'Checked'}</dt><dd>${esc(report.endpoint)}</dd>
<dt>xAPI versions</dt><dd>${esc(report.versions.join(', '))}</dd>
<dt>Run started</dt><dd>${esc(report.startedAt)}</dd>
<dt>Run finished</dt><dd>${esc(report.finishedAt)}</dd>
<dt>Suite</dt><dd>${esc(report.suite)} ${esc(report.suiteVersion)}</dd>
<dt>Check filter</dt><dd>${report.grep === undefined ? 'none (full suite)' : esc(report.grep)}</dd>
<dt>Failed checks</dt><dd>${report.totals.failed}</dd>
</dl>
<h2>Checks by section</h2>
${groups.join('\n')}
<div class="sign"><h2>Auditor's declaration</h2>
<p>I ran this suite against the endpoint above and the results shown are those it produced.</p>
<div><span>Auditor name</span><span class="line"></span><span>Organisation</span><span class="line"></span><span>Date</span><span class="line"></span><span>Signature</span><span class="line"></span></div>
</div>
</body></html>
`
}
