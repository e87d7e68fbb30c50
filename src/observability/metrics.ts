/**
 * A small metrics registry that renders the Prometheus text exposition format (version 0.0.4),
 * which Prometheus, VictoriaMetrics, Grafana Agent and OpenTelemetry collectors all scrape.
 * Written here rather than pulled in: the hub needs counters, gauges and histograms with a few
 * bounded labels, and values read at scrape time, nothing more.
 *
 * Labels must have bounded values (route patterns, methods, status codes), never anything a
 * client chooses freely or a personal identifier.
 */

type Labels = Readonly<Record<string, string>>

/** Escapes a label value: backslash, double quote and line feed (exposition format). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function renderLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return ''
  return `{${names.map((name, i) => `${name}="${escapeLabel(values[i] ?? '')}"`).join(',')}}`
}

/** Numbers as the format writes them: integers plainly, infinities as +Inf/-Inf. */
function renderValue(value: number): string {
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  if (Number.isNaN(value)) return 'NaN'
  return String(value)
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`)
    for (const label of labelNames) {
      if (!LABEL.test(label) || label.startsWith('__'))
        throw new Error(`invalid label name ${label}`)
    }
  }

  /** The label values in declared order; a series is keyed by them. */
  protected valuesOf(labels: Labels): string[] {
    return this.labelNames.map((name) => {
      const value = labels[name]
      if (value === undefined) throw new Error(`${this.name}: label ${name} missing`)
      return value
    })
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram'
  abstract render(): string[]

  header(): string[] {
    return [
      `# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
      `# TYPE ${this.name} ${this.type}`,
    ]
  }
}

class ScalarMetric extends Metric {
  readonly type: 'counter' | 'gauge'
  private readonly numbers = new Map<string, { values: string[]; value: number }>()

  constructor(
    type: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: readonly string[],
  ) {
    super(name, help, labelNames)
    this.type = type
  }

  protected entry(labels: Labels): { values: string[]; value: number } {
    const values = this.valuesOf(labels)
    const key = values.join('\u0000')
    let entry = this.numbers.get(key)
    if (entry === undefined) {
      entry = { values, value: 0 }
      this.numbers.set(key, entry)
    }
    return entry
  }

  render(): string[] {
    return [...this.numbers.values()].map(
      ({ values, value }) =>
        `${this.name}${renderLabels(this.labelNames, values)} ${renderValue(value)}`,
    )
  }
}

/** A count that only grows (reset only by a restart, which Prometheus' rate() allows for). */
export class Counter extends ScalarMetric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super('counter', name, help, labelNames)
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only grows`)
    this.entry(labels).value += by
  }

  /** Sets the total from a source that already counts monotonically (read at scrape time). */
  setTotal(labels: Labels, total: number): void {
    const entry = this.entry(labels)
    entry.value = Math.max(entry.value, total)
  }
}

/** A value that goes up and down. */
export class Gauge extends ScalarMetric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super('gauge', name, help, labelNames)
  }

  set(labels: Labels, value: number): void {
    this.entry(labels).value = value
  }
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram extends Metric {
  readonly type = 'histogram'
  private readonly buckets: number[]
  private readonly data = new Map<
    string,
    { values: string[]; counts: number[]; sum: number; count: number }
  >()

  constructor(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ) {
    super(name, help, labelNames)
    if (labelNames.includes('le')) throw new Error('a histogram cannot have a label named le')
    this.buckets = [...buckets].sort((a, b) => a - b)
  }

  observe(labels: Labels, value: number): void {
    const values = this.valuesOf(labels)
    const key = values.join('\u0000')
    let entry = this.data.get(key)
    if (entry === undefined) {
      entry = { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 }
      this.data.set(key, entry)
    }
    // Stored per bucket, accumulated when rendered.
    const index = this.buckets.findIndex((bound) => value <= bound)
    if (index >= 0) entry.counts[index]! += 1
    entry.sum += value
    entry.count += 1
  }

  render(): string[] {
    const lines: string[] = []
    const names = [...this.labelNames, 'le']
    for (const { values, counts, sum, count } of this.data.values()) {
      let cumulative = 0
      this.buckets.forEach((bound, i) => {
        cumulative += counts[i]!
        lines.push(
          `${this.name}_bucket${renderLabels(names, [...values, renderValue(bound)])} ${cumulative}`,
        )
      })
      lines.push(`${this.name}_bucket${renderLabels(names, [...values, '+Inf'])} ${count}`)
      const own = renderLabels(this.labelNames, values)
      lines.push(`${this.name}_sum${own} ${renderValue(sum)}`)
      lines.push(`${this.name}_count${own} ${count}`)
    }
    return lines
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>()
  private readonly collectors: Array<() => void | Promise<void>> = []

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames))
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames))
  }

  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ): Histogram {
    return this.add(new Histogram(name, help, buckets, labelNames))
  }

  /** Runs before every exposition, to read values kept elsewhere (queues, pools, cursors). */
  onCollect(collect: () => void | Promise<void>): void {
    this.collectors.push(collect)
  }

  /** The exposition text; collectors run first. */
  async render(): Promise<string> {
    for (const collect of this.collectors) await collect()
    const lines: string[] = []
    for (const metric of this.metrics.values()) {
      const samples = metric.render()
      if (samples.length === 0) continue
      lines.push(...metric.header(), ...samples)
    }
    return `${lines.join('\n')}\n`
  }

  private add<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} registered twice`)
    this.metrics.set(metric.name, metric)
    return metric
  }
}
