import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Report } from '../../conformance/lib/types.js'
import { consoleReport } from '../../conformance/report/console.js'
import { writeReports } from '../../conformance/report/write.js'

const report: Report = {
  suite: 'hub-conformance',
  suiteVersion: '1.0.0',
  endpoint: 'http://lrs.example.org/xapi/',
  startedAt: '2026-01-01T10:00:00.000Z',
  finishedAt: '2026-01-01T10:01:00.000Z',
  versions: ['1.0.3', '2.0.0'],
  grep: undefined,
  results: [
    {
      name: 'Data 2.4.2.1 An Agent MUST NOT include more than one IFI',
      section: 'Data 2.4.2.1',
      requirement: 'An Agent MUST NOT include more than one IFI',
      version: '1.0.3',
      outcome: 'fail',
      message: 'POST of the invalid statement: expected HTTP 400, got 200 (body: <ok & "fine">)',
      durationMs: 12,
    },
    {
      name: 'Comm 2.8 The About resource answers 200 with a "version" array',
      section: 'Comm 2.8',
      requirement: 'The About resource answers 200 with a "version" array',
      version: '2.0.0',
      outcome: 'pass',
      message: undefined,
      durationMs: 3,
    },
  ],
  totals: { passed: 1, failed: 1, total: 2 },
}

t.test('the console summary lists each failure with its reason and the totals', async (t) => {
  const text = consoleReport(report)
  t.match(text, 'FAIL [1.0.3] Data 2.4.2.1 An Agent MUST NOT include more than one IFI')
  t.match(text, 'expected HTTP 400, got 200')
  t.match(text, 'FAIL: 1 passed, 1 failed, 2 checks')
  t.notMatch(text, 'FAIL [2.0.0]')
})

t.test('the JSON, JUnit XML and HTML reports are written with every check', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'conformance-reports-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const paths = await writeReports(report, dir)

  const json = JSON.parse(await readFile(paths.json, 'utf8')) as Report
  t.same(json.totals, { passed: 1, failed: 1, total: 2 })
  t.equal(json.results.length, 2)
  t.equal(json.endpoint, report.endpoint)

  const junit = await readFile(paths.junit, 'utf8')
  t.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>/)
  t.match(junit, '<testsuite name="xAPI 1.0.3" tests="1" failures="1"')
  t.match(junit, '<testsuite name="xAPI 2.0.0" tests="1" failures="0"')
  t.match(
    junit,
    '<failure message="POST of the invalid statement: expected HTTP 400, got 200 (body: &lt;ok &amp; &quot;fine&quot;&gt;)"',
  )
  t.match(junit, 'classname="xAPI 2.0.0.Comm 2.8"')

  const html = await readFile(paths.html, 'utf8')
  t.match(html, /^<!DOCTYPE html>/)
  t.match(html, 'http://lrs.example.org/xapi/')
  t.match(html, 'hub-conformance 1.0.0')
  t.match(html, 'FAIL: 1 of 2 checks passed')
  t.match(html, '<h3>Data 2.4.2.1 <small>0 passed, 1 failed</small></h3>')
  t.match(html, '&lt;ok &amp; &quot;fine&quot;&gt;')
  t.match(html, 'Signature')
  t.notMatch(html, /<script|<link|src="http/, 'the HTML report loads nothing from elsewhere')
})
