/**
 * Skills-record read benchmark. Run by hand (never in CI), on a machine nobody else is using:
 *
 *   npm run build && BENCH_STATEMENTS=10000000 npx tsx bench/records.ts
 *
 * It creates a fresh database (`hub_records_bench` on BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres), lets the built hub migrate it, then SEEDS WITH
 * PLAIN SQL rather than through the xAPI: `INSERT ... SELECT generate_series` writes the
 * statements (20,000 learners, one in six statements a `passed` one) and the evidence the
 * projector would derive from them, and sets the projector's cursor past them. That fills 10M
 * statements in minutes instead of hours; the ingest path is measured by bench/run.ts, and the
 * projector's equivalence with a rebuild by the test suite. The statement_index rows are not
 * seeded: record reads never touch them.
 *
 * Then it measures `GET /me/record` with autocannon, for one learner and for learners taken at
 * random, each with a Bearer token of a local identity provider the hub trusts. Results go to
 * stdout and bench/results/.
 */
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import pg from 'pg'
import { competenceIri, VERBS } from '../src/profile/vocabulary.js'

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const TARGET = Number(process.env.BENCH_STATEMENTS ?? 1_000_000)
const DURATION = Number(process.env.BENCH_SECONDS ?? 20)
const LEARNERS = 20_000
const CHUNK = 500_000
const AUDIENCE = 'learning-hub'
/** The identity provider's issuer; fixed, so a seeded database can be measured again. */
const ISSUER = 'https://sso.bench.example'
/** BENCH_REUSE=1 measures the database a previous run seeded, without seeding again. */
const REUSE = process.env.BENCH_REUSE === '1'

function benchDatabase(): string {
  const url = new URL(SERVER)
  url.pathname = '/hub_records_bench'
  return url.toString()
}

/** The hub migrates the fresh database, then stops, so nothing else runs while seeding. */
async function seedWithMigratedHub(
  databaseUrl: string,
  idp: { issuer: string; jwksUrl: string },
): Promise<void> {
  const hub = await startHub(databaseUrl, [
    { issuer: idp.issuer, audience: AUDIENCE, jwksUrl: idp.jwksUrl },
  ])
  hub.stop()
  await seed(databaseUrl, idp.issuer)
}

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: SERVER })
  await admin.connect()
  await admin.query('DROP DATABASE IF EXISTS hub_records_bench WITH (FORCE)')
  await admin.query('CREATE DATABASE hub_records_bench')
  await admin.end()
  const url = new URL(SERVER)
  url.pathname = '/hub_records_bench'
  return url.toString()
}

/** A local identity provider: its JWKS over HTTP, and tokens naming a learner. */
async function identityProvider(): Promise<{
  issuer: string
  jwksUrl: string
  token: (n: number) => Promise<string>
  close: () => void
}> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }],
  })
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    issuer: ISSUER,
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`,
    token: (n) => sign(privateKey, ISSUER, n),
    close: () => server.close(),
  }
}

function sign(key: CryptoKey, issuer: string, n: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject(`citizen-${n}`)
    .setExpirationTime('2h')
    .sign(key)
}

function startHub(
  databaseUrl: string,
  trustedIssuers: unknown,
): Promise<{ url: string; stop: () => void }> {
  // BENCH_HUB_NODE_ARGS passes flags to the hub's node, e.g. --cpu-prof to see where time goes.
  const nodeArgs = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
  const entry = process.env.BENCH_HUB_ENTRY ?? 'dist/server.js'
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LRS_BASIC_KEY: 'bench-key',
      LRS_BASIC_SECRET: 'bench-secret-123456',
      TRUSTED_ISSUERS: JSON.stringify(trustedIssuers),
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
          url: match[1]!.replace('localhost', '127.0.0.1'),
          stop: () => child.kill('SIGTERM'),
        })
    })
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${out}`)))
  })
}

/** Statements and the evidence the projector would derive from them, by plain SQL. */
async function seed(databaseUrl: string, issuer: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const competences = Array.from({ length: 24 }, (_, i) => {
    const code = [
      '1.1',
      '1.2',
      '1.3',
      '2.1',
      '2.2',
      '2.3',
      '2.4',
      '2.5',
      '2.6',
      '3.1',
      '3.2',
      '3.3',
      '3.4',
      '4.1',
      '4.2',
      '4.3',
      '4.4',
      '5.1',
      '5.2',
      '5.3',
      '5.4',
      '6.1',
      '6.2',
      '6.3',
    ][i]!
    return competenceIri('vn-tt02-2025-digital-competence', '2025', code)
  })
  for (let from = 1; from <= TARGET; from += CHUNK) {
    const to = Math.min(TARGET, from + CHUNK - 1)
    await client.query(
      `INSERT INTO statements (id, stored, version, client_id, actor_key, verb_id, body)
       SELECT gen_random_uuid(), now(), '2.0.0', 'lms-' || (g % 50),
              -- The IFI key as src/xapi/agent-key.ts writes it: JSON.stringify([homePage, name]).
              'account:["' || $1::text || '","citizen-' || (g % $2) || '"]',
              CASE WHEN g % 6 = 0 THEN $3 ELSE $4 END,
              jsonb_build_object('actor', jsonb_build_object('account', jsonb_build_object('homePage', $1::text, 'name', 'citizen-' || (g % $2))),
                                 'verb', jsonb_build_object('id', CASE WHEN g % 6 = 0 THEN $3 ELSE $4 END),
                                 'object', jsonb_build_object('id', 'https://courses.example.gov/module-' || (g % 500)))
       FROM generate_series($5::bigint, $6::bigint) AS g`,
      [issuer, LEARNERS, VERBS.passed, VERBS.progressed, from, to],
    )
    console.log(`seeded ${to} statements`)
  }
  await client.query(
    `INSERT INTO skills_evidence (seq, competence_iri, learner_key, statement_id, level, step, score_scaled, client_id, achieved_at)
     SELECT s.seq, ($1::text[])[1 + (s.seq / $3) % 24], s.actor_key, s.id, 1 + (s.seq / 7) % 4, NULL, 0.8, s.client_id, s.stored
     FROM statements s WHERE s.verb_id = $2`,
    [competences, VERBS.passed, LEARNERS],
  )
  await client.query(
    "UPDATE skills_projector SET seq = (SELECT max(seq) FROM statements) WHERE name = 'evidence'",
  )
  await client.query('VACUUM ANALYZE')
  await client.end()
}

async function measure(
  scenario: string,
  url: string,
  header: () => Promise<string> | string,
  connections: number,
): Promise<Record<string, unknown>> {
  const tokens = await Promise.all(Array.from({ length: 200 }, () => header()))
  let i = 0
  const result = await autocannon({
    url: `${url}/me/record`,
    // One connection measures a read's latency; four, what the machine serves. More, on a
    // 2-core machine shared with autocannon, only measure queueing.
    connections,
    duration: DURATION,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` },
        }),
      },
    ],
  })
  const figure = {
    scenario: `${scenario}, ${connections} connection${connections === 1 ? '' : 's'}`,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  }
  console.log(JSON.stringify(figure))
  return figure
}

async function main(): Promise<void> {
  const databaseUrl = REUSE ? benchDatabase() : await freshDatabase()
  const idp = await identityProvider()
  if (!REUSE) await seedWithMigratedHub(databaseUrl, idp)
  const hub = await startHub(databaseUrl, [
    { issuer: idp.issuer, audience: AUDIENCE, jwksUrl: idp.jwksUrl },
  ])

  const one = await idp.token(4242)
  const sample = await fetch(`${hub.url}/me/record`, {
    headers: { authorization: `Bearer ${one}` },
  })
  const record = (await sample.json()) as { competences: { evidence: unknown[] }[] }
  const evidence = record.competences.reduce((sum, c) => sum + c.evidence.length, 0)
  console.log(
    `one learner: ${record.competences.length} competences from ${evidence} evidence statements`,
  )

  const randomLearner = () => idp.token(Math.floor(Math.random() * LEARNERS))
  const figures = [
    await measure(`GET /me/record, one learner, ${TARGET} statements`, hub.url, () => one, 1),
    await measure(`GET /me/record, one learner, ${TARGET} statements`, hub.url, () => one, 4),
    await measure(
      `GET /me/record, random learners, ${TARGET} statements`,
      hub.url,
      randomLearner,
      1,
    ),
    await measure(
      `GET /me/record, random learners, ${TARGET} statements`,
      hub.url,
      randomLearner,
      4,
    ),
  ]
  hub.stop()
  idp.close()
  const report = {
    date: new Date().toISOString(),
    statementsStored: TARGET,
    evidencePerLearner: evidence,
    figures,
  }
  console.table(figures)
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(
    `bench/results/records-${report.date.replace(/[:.]/g, '-')}.json`,
    JSON.stringify(report, null, 2),
  )
}

await main()
