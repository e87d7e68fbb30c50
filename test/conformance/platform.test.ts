import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { TEMPLATES } from '../../src/profile/vocabulary.js'
import { KEY, SECRET, startHub } from '../helpers/hub.js'
import {
  courseAttempt,
  newAttempt,
  profileStatement,
  withoutProvince,
} from '../profile/fixtures.js'

/** `hub-conformance platform` as an auditor runs it: verdicts, exit codes and report files. */

const BIN = join(import.meta.dirname, '..', '..', 'conformance', 'bin', 'hub-conformance.mjs')

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'platform', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function workDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conformance-platform-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function statementFile(
  dir: string,
  statements: unknown,
  name = 'statements.json',
): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, typeof statements === 'string' ? statements : JSON.stringify(statements))
  return path
}

t.test('a conforming file passes: exit 0 and the three report files', async (t) => {
  const dir = await workDir(t)
  const file = await statementFile(dir, [...courseAttempt(), ...courseAttempt()])
  const out = join(dir, 'reports')
  const result = await run(['--file', file, '--out', out])
  t.equal(result.code, 0, result.stdout + result.stderr)
  t.match(result.stdout, 'PASS: 30 passed, 0 failed, 30 checks')
  t.same((await readdir(out)).sort(), [
    'conformance-junit.xml',
    'conformance-report.html',
    'conformance-report.json',
  ])
  const html = await readFile(join(out, 'conformance-report.html'), 'utf8')
  t.match(html, '<h1>National profile platform conformance report</h1>')
  t.notMatch(html, /<script|src="http/i, 'self-contained')
})

t.test('a broken file fails: exit 1, naming the template, the rule and the pattern', async (t) => {
  const dir = await workDir(t)
  const attempt = courseAttempt()
  attempt[3] = withoutProvince(attempt[3] as Record<string, unknown>)
  const unstarted = newAttempt()
  const finishedOnly = profileStatement(unstarted, 'completed', 'course', {
    result: { completion: true },
  })
  const notDeclared = {
    actor: { mbox: 'mailto:a@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { id: 'https://x.example/a' },
  }
  const invalid = { ...profileStatement(newAttempt(), 'launched'), verb: { id: 'not an iri' } }
  const file = await statementFile(dir, [...attempt, finishedOnly, notDeclared, invalid])
  const out = join(dir, 'reports')
  const result = await run(['--file', file, '--out', out])
  t.equal(result.code, 1, result.stderr)

  t.match(result.stdout, `follows completed a module`)
  t.match(result.stdout, TEMPLATES.moduleCompleted)
  t.match(result.stdout, 'presence included')
  t.match(result.stdout, `registration ${unstarted.registration} follows a pattern`)
  t.match(
    result.stdout,
    'cannot come here; expected: registered in a course, launched a course, initialized a course',
  )
  t.match(result.stdout, 'declares a version of the national profile')
  t.match(result.stdout, /statement 10 .* is a valid xAPI 2\.0\.0 statement/)

  const report = JSON.parse(await readFile(join(out, 'conformance-report.json'), 'utf8')) as {
    totals: { failed: number }
  }
  t.ok(report.totals.failed >= 5)
  const junit = await readFile(join(out, 'conformance-junit.xml'), 'utf8')
  t.match(junit, /<failure message="statement\.context\.extensions/)
})

t.test('JSON Lines and Statement Resource pages are read too', async (t) => {
  const dir = await workDir(t)
  const attempt = courseAttempt()
  const lines = await statementFile(
    dir,
    attempt.map((s) => JSON.stringify(s)).join('\n'),
    'lines.jsonl',
  )
  t.equal((await run(['--file', lines, '--out', join(dir, 'a')])).code, 0)
  const page = await statementFile(dir, { statements: attempt, more: '' }, 'page.json')
  t.equal((await run(['--file', page, '--out', join(dir, 'b')])).code, 0)
})

t.test('exit 2 when nothing can be checked', async (t) => {
  const dir = await workDir(t)
  const usage = await run([])
  t.equal(usage.code, 2)
  t.match(usage.stderr, 'Usage: hub-conformance platform')
  const missing = await run(['--file', join(dir, 'absent.json')])
  t.equal(missing.code, 2)
  t.match(missing.stderr, 'No check was run.')
  const empty = await run(['--file', await statementFile(dir, []), '--out', join(dir, 'r')])
  t.equal(empty.code, 2)
  t.match(empty.stderr, 'no statements found')
  const unreachable = await run([
    '--endpoint',
    'http://127.0.0.1:1/xapi/',
    '--key',
    'k',
    '--secret',
    's',
  ])
  t.equal(unreachable.code, 2)
})

t.test(
  'the statements a hub holds for one platform are checked through the Statement Resource',
  async (t) => {
    const hub = await startHub(t)
    const address = await hub.app.listen({ port: 0, host: '127.0.0.1' })
    const dir = await workDir(t)
    const args = [
      '--endpoint',
      `${address}/xapi/`,
      '--key',
      KEY,
      '--secret',
      SECRET,
      '--platform',
      'hub-admin',
    ]

    t.equal(
      (await hub.xapi({ method: 'POST', url: '/xapi/statements', body: courseAttempt() }))
        .statusCode,
      200,
    )
    const good = await run([...args, '--out', join(dir, 'good')])
    t.equal(good.code, 0, good.stdout + good.stderr)
    t.match(good.stdout, 'PASS: 15 passed, 0 failed, 15 checks')

    const broken = withoutProvince(profileStatement(newAttempt(), 'launched'))
    t.equal(
      (await hub.xapi({ method: 'POST', url: '/xapi/statements', body: broken })).statusCode,
      200,
      'recorded, not rejected',
    )
    const bad = await run([...args, '--out', join(dir, 'bad')])
    t.equal(bad.code, 1)
    t.match(bad.stdout, `statement 1 (${String(broken.id)}) follows launched a course`)

    const other = await run([...args.slice(0, -1), 'another-platform', '--out', join(dir, 'other')])
    t.equal(other.code, 2, 'no statement of that platform')
  },
)
