import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Report } from '../lib/types.js'
import { htmlReport } from './html.js'
import { jsonReport } from './json.js'
import { junitReport } from './junit.js'

/** Writes the JSON, JUnit XML and HTML reports into `directory` and returns their paths. */
export async function writeReports(
  report: Report,
  directory: string,
): Promise<{ json: string; junit: string; html: string }> {
  await mkdir(directory, { recursive: true })
  const paths = {
    json: join(directory, 'conformance-report.json'),
    junit: join(directory, 'conformance-junit.xml'),
    html: join(directory, 'conformance-report.html'),
  }
  await writeFile(paths.json, jsonReport(report))
  await writeFile(paths.junit, junitReport(report))
  await writeFile(paths.html, htmlReport(report))
  return paths
}
