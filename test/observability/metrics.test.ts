import t from 'tap'
import { MetricsRegistry } from '../../src/observability/metrics.js'

/** The exposition format's sample line: name, optional labels, value. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? \S+$/

t.test('counters, gauges and histograms render in the text exposition format', async (t) => {
  const registry = new MetricsRegistry()
  const requests = registry.counter('demo_requests_total', 'Requests.', ['route'])
  const depth = registry.gauge('demo_depth', 'Depth.')
  const latency = registry.histogram('demo_seconds', 'Latency.', [0.1, 1], ['route'])
  requests.inc({ route: '/a' })
  requests.inc({ route: '/a' }, 2)
  requests.inc({ route: '/b' })
  depth.set({}, 7)
  latency.observe({ route: '/a' }, 0.05)
  latency.observe({ route: '/a' }, 0.5)
  latency.observe({ route: '/a' }, 3)

  const text = await registry.render()
  const lines = text.trimEnd().split('\n')
  t.ok(text.endsWith('\n'), 'ends with a line feed')
  for (const line of lines) {
    if (line.startsWith('#')) t.match(line, /^# (HELP|TYPE) [a-z_]+ \S/, `comment: ${line}`)
    else t.match(line, SAMPLE, `sample: ${line}`)
  }
  t.ok(lines.includes('# TYPE demo_requests_total counter'))
  t.ok(lines.includes('demo_requests_total{route="/a"} 3'))
  t.ok(lines.includes('demo_requests_total{route="/b"} 1'))
  t.ok(lines.includes('demo_depth 7'))
  t.ok(lines.includes('# TYPE demo_seconds histogram'))
  t.ok(lines.includes('demo_seconds_bucket{route="/a",le="0.1"} 1'), 'buckets are cumulative')
  t.ok(lines.includes('demo_seconds_bucket{route="/a",le="1"} 2'))
  t.ok(lines.includes('demo_seconds_bucket{route="/a",le="+Inf"} 3'), '+Inf holds every sample')
  t.ok(lines.includes('demo_seconds_sum{route="/a"} 3.55'))
  t.ok(lines.includes('demo_seconds_count{route="/a"} 3'))
  t.ok(
    lines.indexOf('# TYPE demo_depth gauge') < lines.indexOf('demo_depth 7'),
    'the type line precedes the samples',
  )
})

t.test('label values are escaped; names and misuse are refused', async (t) => {
  const registry = new MetricsRegistry()
  const odd = registry.counter('demo_odd_total', 'Odd labels.', ['value'])
  odd.inc({ value: 'a "quoted" \\ back\nslash' })
  const text = await registry.render()
  t.ok(text.includes('demo_odd_total{value="a \\"quoted\\" \\\\ back\\nslash"} 1'))

  t.throws(() => registry.counter('demo-bad', 'Bad name.'), /invalid metric name/)
  t.throws(() => registry.counter('demo_label_total', 'Bad label.', ['__reserved']))
  t.throws(() => registry.histogram('demo_le', 'Bad.', [1], ['le']), /le/)
  t.throws(() => registry.counter('demo_odd_total', 'Again.'), /registered twice/)
  t.throws(() => odd.inc({}), /label value missing|missing/)
  t.throws(() => odd.inc({ value: 'x' }, -1), /only grows/)
})

t.test(
  'collectors run before rendering, and totals read from elsewhere never go back',
  async (t) => {
    const registry = new MetricsRegistry()
    const total = registry.counter('demo_stored_total', 'Stored.')
    let source = 5
    registry.onCollect(() => total.setTotal({}, source))
    t.ok((await registry.render()).includes('demo_stored_total 5'))
    source = 9
    t.ok((await registry.render()).includes('demo_stored_total 9'))
    source = 2
    t.ok((await registry.render()).includes('demo_stored_total 9'), 'a counter does not decrease')
    const empty = new MetricsRegistry()
    empty.gauge('demo_never_set', 'Never set.')
    t.equal(await empty.render(), '\n', 'a metric without samples is left out')
  },
)
