import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CHECKED, FAKE_KEY, FAKE_SECRET, startBrokenLrs } from './fake-lrs.js'

/** The `hub-conformance` command as an auditor runs it: exit codes and the report files. */

const BIN = join(import.meta.dirname, '..', '..', 'conformance', 'bin', 'hub-conformance.mjs')

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function outDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'conformance-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const ARGS = [
  '--key',
  FAKE_KEY,
  '--secret',
  FAKE_SECRET,
  '--version',
  '2.0.0',
  '--grep',
  CHECKED.twoIfis,
]

t.test('exits 0 and writes the three report files when every check passes', async (t) => {
  const endpoint = await startBrokenLrs(t, {})
  const out = await outDir(t)
  const result = await run(['lrs', '--endpoint', endpoint, ...ARGS, '--out', out])
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, 'PASS: 1 passed, 0 failed, 1 checks')
  t.same((await readdir(out)).sort(), [
    'conformance-junit.xml',
    'conformance-report.html',
    'conformance-report.json',
  ])
})

t.test('exits 1 and names the failed check when a requirement is broken', async (t) => {
  const endpoint = await startBrokenLrs(t, { twoIfis: true })
  const result = await run(['lrs', '--endpoint', endpoint, ...ARGS, '--out', await outDir(t)])
  t.equal(result.code, 1)
  t.match(result.stdout, `FAIL [2.0.0] ${CHECKED.twoIfis}`)
})

t.test('exits 2 without running checks when the credential is refused', async (t) => {
  const endpoint = await startBrokenLrs(t, {})
  const args = [
    'lrs',
    '--endpoint',
    endpoint,
    '--key',
    FAKE_KEY,
    '--secret',
    'wrong',
    '--out',
    await outDir(t),
  ]
  const result = await run(args)
  t.equal(result.code, 2)
  t.match(result.stderr, 'refused the credential')
})

t.test('exits 2 with the usage text when options are missing', async (t) => {
  const result = await run(['lrs', '--endpoint', 'http://127.0.0.1:1/xapi/'])
  t.equal(result.code, 2)
  t.match(result.stderr, 'Usage: hub-conformance lrs')
})
