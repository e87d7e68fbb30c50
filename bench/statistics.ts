/**
 * National statistics benchmark. Run by hand (never in CI), on a machine nobody else is using:
 *
 *   BENCH_STATEMENTS=1000000 npx tsx bench/statistics.ts
 *
 * It creates a fresh database (`hub_stats_bench` on BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres) and lets the hub migrate it, then SEEDS WITH
 * PLAIN SQL rather than through the xAPI: `INSERT ... SELECT generate_series` writes the
 * statements (200,000 learners, 63 provinces, 40 platforms, twelve months, one statement in four
 * a completion), with bodies holding only the context extension the projector reads, and no
 * statement_index rows (statistics never touch them). The ingest path is measured by
 * bench/run.ts.
 *
 * The statistics projector then counts them exactly as in production (its catch-up is timed),
 * and autocannon measures national queries through the HTTP API, each one audited as in
 * production. The rollups' size follows months x provinces x platforms, not the number of
 * statements, which is why a query costs the same at 1M and 10M statements. Results go to
 * stdout and bench/results/.
 *
 * BENCH_REUSE=1 keeps the statements a previous run seeded and only empties the statistics, so
 * the projection and the queries can be measured again without seeding 10M rows again.
 */
import autocannon from 'autocannon'
import { mkdirSync, writeFileSync } from 'node:fs'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { testConfig } from '../src/config.js'
import { EXTENSIONS, VERBS } from '../src/profile/vocabulary.js'

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const TARGET = Number(process.env.BENCH_STATEMENTS ?? 1_000_000)
const DURATION = Number(process.env.BENCH_SECONDS ?? 15)
const REUSE = process.env.BENCH_REUSE === '1'
const KEY = 'bench-key'
const SECRET = 'bench-secret-123456'
const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: SERVER })
  await admin.connect()
  await admin.query('DROP DATABASE IF EXISTS hub_stats_bench WITH (FORCE)')
  await admin.query('CREATE DATABASE hub_stats_bench')
  await admin.end()
  const url = new URL(SERVER)
  url.pathname = '/hub_stats_bench'
  return url.toString()
}

/** The database of a previous run, its statistics emptied (before the hub starts counting). */
async function emptiedStatistics(): Promise<string> {
  const url = new URL(SERVER)
  url.pathname = '/hub_stats_bench'
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  await client.query(`TRUNCATE learners, learner_months, learner_attainments, attainment_rechecks,
    stats_platform_monthly, stats_learners_monthly, stats_attainments_monthly`)
  await client.query('UPDATE agency_projector SET seq = 0')
  await client.end()
  return url.toString()
}

/** Seeds statements by SQL, in chunks so no one statement runs for minutes. */
async function seed(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const chunk = 250_000
  for (let from = 1; from <= TARGET; from += chunk) {
    const to = Math.min(TARGET, from + chunk - 1)
    await client.query(
      `INSERT INTO statements (id, stored, version, client_id, actor_key, verb_id, body)
       SELECT gen_random_uuid(),
         timestamptz '2026-01-01' + (n::double precision / $2) * interval '364 days',
         '2.0.0', 'platform-' || (n % 40), 'account:["https://vneid.gov.vn","' || (n % 200000) || '"]',
         CASE WHEN n % 4 = 0 THEN $3 ELSE $4 END,
         jsonb_build_object('context', jsonb_build_object('extensions',
           jsonb_build_object($5::text, 'P' || lpad(((n % 200000) % 63)::text, 2, '0'))))
       FROM generate_series($1::bigint, $6::bigint) AS n`,
      [from, TARGET, VERBS.completed, VERBS.progressed, EXTENSIONS.province, to],
    )
    process.stdout.write(`seeded ${to} statements\n`)
  }
  await client.query('ANALYZE')
  await client.end()
}

async function measure(url: string, path: string) {
  const result = await autocannon({
    url: `${url}${path}`,
    connections: 1,
    duration: DURATION,
    headers: { authorization: AUTH },
  })
  return {
    path,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  }
}

async function main(): Promise<void> {
  const databaseUrl = REUSE ? await emptiedStatistics() : await freshDatabase()
  const config = testConfig({
    databaseUrl,
    basicKey: KEY,
    basicSecret: SECRET,
    rateLimitPerMinute: 0,
    poolSize: 8,
  })
  const hub = await buildApp(config)
  await hub.app.ready()
  if (!REUSE) await seed(databaseUrl)

  const started = Date.now()
  await hub.agency.projector.catchUp()
  const projectionSeconds = (Date.now() - started) / 1000
  process.stdout.write(`projected ${TARGET} statements in ${projectionSeconds.toFixed(1)} s\n`)
  // Measured as the projector leaves the rollups: it vacuums them as it goes (the server here
  // runs without autovacuum), so no vacuum is added here.
  await hub.db.query('ANALYZE stats_platform_monthly')
  const rollup = await hub.db.query<{ rows: string }>(
    'SELECT count(*)::text AS rows FROM stats_platform_monthly',
  )

  // The bootstrap platform becomes a national agency with statistics:read.
  const adminId = (await hub.auth.registry.list()).find((p) => p.scopes.includes('admin'))?.id ?? ''
  await hub.auth.registry.update(adminId, { scopes: ['all', 'admin', 'statistics:read'] })
  // ON CONFLICT: a BENCH_REUSE run finds the agency its seeding run registered.
  await hub.db.query(
    'INSERT INTO agencies (platform_id, national) VALUES ($1, true) ON CONFLICT DO NOTHING',
    [adminId],
  )

  const url = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const results = []
  for (const path of [
    '/agency/statistics?metric=completions&by=province&period=month',
    '/agency/statistics?metric=statements&by=province,platform&period=year',
    '/agency/statistics?metric=activeLearners&period=quarter',
  ]) {
    const measured = await measure(url, path)
    results.push(measured)
    process.stdout.write(`${JSON.stringify(measured)}\n`)
  }
  await hub.app.close()

  const report = {
    statements: TARGET,
    projectionSeconds,
    rollupRows: Number(rollup.rows[0]?.rows),
    results,
  }
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(
    `bench/results/statistics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    `${JSON.stringify(report, null, 2)}\n`,
  )
}

await main()
