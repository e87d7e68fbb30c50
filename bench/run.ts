/**
 * Statement throughput and query latency benchmark. Run by hand (never in CI):
 *
 *   npm run bench                      # against the local PostgreSQL server
 *   BENCH_STATEMENTS=1000000 npm run bench
 *
 * It builds the hub, starts it as a child process on a fresh database (`hub_bench` on
 * BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres), then measures with
 * autocannon: single-statement POSTs, 100-statement batch POSTs, fills the store up to
 * BENCH_STATEMENTS, and measures agent queries. Results go to stdout and bench/results/.
 */
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import pg from 'pg'

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const TARGET = Number(process.env.BENCH_STATEMENTS ?? 1_000_000)
const DURATION = Number(process.env.BENCH_SECONDS ?? 20)
const AGENTS = 20_000
const KEY = 'bench-key'
const SECRET = 'bench-secret-123456'
const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`
const HEADERS = {
  authorization: AUTH,
  'x-experience-api-version': '2.0.0',
  'content-type': 'application/json',
}

const VERBS = ['completed', 'passed', 'failed', 'progressed', 'launched', 'initialized']

function agent(n: number) {
  return {
    objectType: 'Agent',
    account: { homePage: 'https://id.gov.example', name: `citizen-${n}` },
  }
}

/** A realistic statement: national-profile-like context, a score, a registration. */
function statement(n: number): Record<string, unknown> {
  const verb = VERBS[n % VERBS.length]!
  return {
    actor: agent(n % AGENTS),
    verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { en: verb } },
    object: {
      objectType: 'Activity',
      id: `https://courses.example.gov/digital-skills/module-${n % 500}`,
      definition: {
        type: 'http://adlnet.gov/expapi/activities/module',
        name: { en: `Module ${n % 500}` },
      },
    },
    result: {
      score: { scaled: (n % 100) / 100 },
      success: n % 3 !== 0,
      completion: true,
      duration: 'PT12M30S',
    },
    context: {
      registration: randomUUID(),
      platform: 'bench',
      language: 'vi-VN',
      contextActivities: {
        parent: [{ id: `https://courses.example.gov/digital-skills/course-${n % 20}` }],
      },
    },
    timestamp: new Date().toISOString(),
  }
}

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: SERVER })
  await admin.connect()
  await admin.query('DROP DATABASE IF EXISTS hub_bench WITH (FORCE)')
  await admin.query('CREATE DATABASE hub_bench')
  await admin.end()
  const url = new URL(SERVER)
  url.pathname = '/hub_bench'
  return url.toString()
}

function startHub(databaseUrl: string): Promise<{ pid: number; url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LRS_BASIC_KEY: KEY,
      LRS_BASIC_SECRET: SECRET,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /xAPI endpoint: (http:\/\/\S+)\/xapi\//.exec(out)
      if (match)
        resolve({
          pid: child.pid!,
          url: match[1]!.replace('localhost', '127.0.0.1'),
          stop: () => child.kill('SIGTERM'),
        })
    })
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${out}`)))
  })
}

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round(kb / 1024)
}

interface Figure {
  scenario: string
  requestsPerSecond: number
  statementsPerSecond: number
  p50: number
  p99: number
  errors: number
}

async function load(
  scenario: string,
  url: string,
  options: { connections: number; duration?: number; amount?: number; perRequest: number },
  request: () => { method: 'GET' | 'POST'; path: string; body?: string },
): Promise<Figure> {
  const result = await autocannon({
    url,
    connections: options.connections,
    ...(options.amount === undefined
      ? { duration: options.duration ?? DURATION }
      : { amount: options.amount }),
    headers: HEADERS,
    requests: [
      {
        setupRequest: (req) => {
          const next = request()
          return {
            ...req,
            method: next.method,
            path: next.path,
            ...(next.body === undefined ? {} : { body: next.body }),
          }
        },
      },
    ],
  })
  const figure = {
    scenario,
    requestsPerSecond: Math.round(result.requests.average),
    statementsPerSecond: Math.round(result.requests.average * options.perRequest),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  }
  console.log(JSON.stringify(figure))
  return figure
}

async function main(): Promise<void> {
  const databaseUrl = await freshDatabase()
  const hub = await startHub(databaseUrl)
  const base = `${hub.url}/xapi/statements`
  let n = 0
  const single = () => ({
    method: 'POST' as const,
    path: '/xapi/statements',
    body: JSON.stringify(statement(n++)),
  })
  const batch = () => ({
    method: 'POST' as const,
    path: '/xapi/statements',
    body: JSON.stringify(Array.from({ length: 100 }, () => statement(n++))),
  })

  const figures: Figure[] = []
  figures.push(
    await load('single statement POST', base, { connections: 64, perRequest: 1 }, single),
  )
  figures.push(
    await load('100-statement batch POST', base, { connections: 16, perRequest: 100 }, batch),
  )

  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const count = async () =>
    Number((await client.query('SELECT count(*) AS n FROM statements')).rows[0].n)
  let stored = await count()
  console.log(`filling the store to ${TARGET} statements (now ${stored})`)
  while (stored < TARGET) {
    const requests = Math.ceil((TARGET - stored) / 100)
    await load(
      'fill',
      base,
      { connections: 16, amount: Math.min(requests, 2000), perRequest: 100 },
      batch,
    )
    stored = await count()
  }
  await client.query('VACUUM ANALYZE')
  await client.end()

  const query = () => ({
    method: 'GET' as const,
    path: `/xapi/statements?limit=10&agent=${encodeURIComponent(JSON.stringify(agent(Math.floor(Math.random() * AGENTS))))}`,
  })
  figures.push(
    await load(
      `agent query at ${stored} statements`,
      base,
      { connections: 16, perRequest: 1 },
      query,
    ),
  )

  const rss = peakRss(hub.pid)
  hub.stop()
  const report = {
    date: new Date().toISOString(),
    statementsStored: stored,
    peakRssMiB: rss,
    figures,
  }
  console.table(figures)
  console.log(`peak RSS of the hub: ${rss} MiB`)
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(
    `bench/results/${report.date.replace(/[:.]/g, '-')}.json`,
    JSON.stringify(report, null, 2),
  )
}

await main()
