import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { startHub } from '../helpers/hub.js'

/** The operator's metrics endpoint (docs/operations.md). */

const TOKEN = 'scraper-token-0123456789abcdef'
const SCRAPER = { authorization: `Bearer ${TOKEN}` }

function statement(n: number) {
  return {
    actor: { objectType: 'Agent', mbox: `mailto:metrics-${n}@example.org` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { objectType: 'Activity', id: `https://example.org/metrics/${n}` },
  }
}

/** The value of one sample line, found by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('without METRICS_TOKEN there is no metrics endpoint', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER })
  t.equal(res.statusCode, 404)
})

t.test('the endpoint answers only the scraper token', async (t) => {
  const hub = await startHub(t, { metricsToken: TOKEN })
  const none = await hub.app.inject({ method: 'GET', url: '/metrics' })
  t.equal(none.statusCode, 401)
  t.match(none.headers['www-authenticate'], /^Bearer/)
  t.match(none.json(), { error: { code: 'unauthorized', message: /bearer token/ } })
  t.match(none.body, /header\.Authorization/, 'the error names the header')

  for (const authorization of [
    'Bearer scraper-token-0123456789abcdeX',
    `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
    `Bearer ${TOKEN} extra`,
  ]) {
    const res = await hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization } })
    t.equal(res.statusCode, 401, `refused: ${authorization.slice(0, 12)}…`)
    t.match(res.headers['www-authenticate'], /invalid_token/)
    t.notMatch(res.body, TOKEN, 'the token is never echoed')
  }
})

t.test('ingest, traffic, projectors and the process are reported', async (t) => {
  const hub = await startHub(t, { metricsToken: TOKEN })
  const posted = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: [statement(1), statement(2), statement(3)],
  })
  t.equal(posted.statusCode, 200)
  const refused = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: { verb: {} } })
  t.equal(refused.statusCode, 400)
  await hub.app.inject({ method: 'GET', url: '/people/citizen-0123456789' })
  await hub.skills.projector.catchUp()
  await hub.agency.projector.catchUp()

  const res = await hub.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.equal(res.headers['cache-control'], 'no-store')
  const text = res.body

  t.equal(sample(text, 'hub_statements_stored_total'), 3, 'three statements stored')
  t.equal(
    sample(text, 'hub_http_requests_total{method="POST",route="/xapi/statements",status="200"}'),
    1,
  )
  t.equal(
    sample(text, 'hub_http_requests_total{method="POST",route="/xapi/statements",status="400"}'),
    1,
    'a refused request is counted with its status',
  )
  t.equal(
    sample(text, 'hub_http_requests_total{method="GET",route="unmatched",status="404"}'),
    1,
    'an unknown URL is counted without its path',
  )
  t.notMatch(text, /citizen-0123456789/, 'no URL reaches a label')
  t.equal(
    sample(text, 'hub_http_request_duration_seconds_count{method="POST",route="/xapi/statements"}'),
    2,
  )
  for (const projector of ['skills', 'statistics', 'attainments']) {
    t.equal(
      sample(text, `hub_projector_lag_positions{projector="${projector}"}`),
      0,
      `the ${projector} projector has caught up`,
    )
  }
  t.equal(sample(text, 'hub_storage_up'), 1)
  t.equal(sample(text, 'hub_writer_queued_statements'), 0)
  t.equal(sample(text, 'hub_writer_lease_held'), 1)
  t.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0)
  t.match(
    text,
    new RegExp(
      `hub_build_info\\{version="[^"]+",node="${process.version}",storage="${hub.db.kind}"\\} 1`,
    ),
  )
  if (hub.db.kind === 'postgres') {
    t.ok((sample(text, 'hub_db_pool_connections{state="total"}') ?? 0) >= 1, 'pool reported')
    t.equal(sample(text, 'hub_writer_lease_turns_total'), 1, 'the lease was taken once')
  }
})

t.test('projector lag counts what is stored and not yet projected', async (t) => {
  const hub = await startHub(t, { metricsToken: TOKEN })
  await hub.skills.projector.stop()
  await hub.agency.projector.stop()
  const posted = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: [statement(4), statement(5)],
  })
  t.equal(posted.statusCode, 200)
  const res = await hub.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER })
  t.ok((sample(res.body, 'hub_projector_lag_positions{projector="skills"}') ?? 0) >= 2)
  t.ok((sample(res.body, 'hub_projector_lag_positions{projector="statistics"}') ?? 0) >= 2)
})

t.test('METRICS_TOKEN must be a long bearer token', async (t) => {
  t.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN must be at least 24/)
  t.throws(
    () => loadConfig({ METRICS_TOKEN: 'has spaces in it but is long enough' }),
    /METRICS_TOKEN/,
  )
  t.equal(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken, TOKEN)
  t.equal(loadConfig({}).metricsToken, undefined)
})
