import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Db } from '../storage/db.js'
import { readProjectorLag } from '../storage/projector-lag.js'
import type { StatementWriter } from '../storage/statement-writer.js'
import { MetricsRegistry } from './metrics.js'

/**
 * What the hub reports to a metrics scraper (docs/operations.md lists and explains each): HTTP
 * traffic by route pattern, statement ingest, the writer's backlog and lease, how far the
 * projectors are behind, the connection pool, and the process. Most values are read when
 * scraped, so the ingest path pays for nothing but the HTTP counters.
 */

/** Request durations, in seconds: from a cached read to a large batch on a busy server. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export interface HubMetrics {
  registry: MetricsRegistry
  /** Records one answered request; `route` is the route pattern, never the URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** Stops the event loop monitor. */
  stop(): void
}

export interface HubMetricsSources {
  db: Db
  writer: StatementWriter
  /** The hub's release, for hub_build_info. */
  version: string
}

export function createHubMetrics({ db, writer, version }: HubMetricsSources): HubMetrics {
  const registry = new MetricsRegistry()

  const build = registry.gauge('hub_build_info', 'The hub release and Node.js version.', [
    'version',
    'node',
    'storage',
  ])
  build.set({ version, node: process.version, storage: db.kind }, 1)

  const requests = registry.counter(
    'hub_http_requests_total',
    'HTTP requests answered, by method, route pattern and status code.',
    ['method', 'route', 'status'],
  )
  const durations = registry.histogram(
    'hub_http_request_duration_seconds',
    'Time to answer HTTP requests, by method and route pattern.',
    DURATION_BUCKETS,
    ['method', 'route'],
  )

  const stored = registry.counter(
    'hub_statements_stored_total',
    'Statements stored by this process (repeats of stored statements not counted).',
  )
  const flushes = registry.counter(
    'hub_statement_flushes_total',
    'Statement write attempts (one SQL statement each), by outcome.',
    ['outcome'],
  )
  const queued = registry.gauge(
    'hub_writer_queued_statements',
    'Statements received and validated, waiting for a flush.',
  )
  const inFlight = registry.gauge('hub_writer_flushes_in_flight', 'Flushes being written now.')
  const leaseHeld = registry.gauge(
    'hub_writer_lease_held',
    '1 while this process holds the writer lease (always 1 on the embedded store).',
  )
  const leaseTurns = registry.counter(
    'hub_writer_lease_turns_total',
    'Times this process took the writer lease; grows with every hand-over between hubs.',
  )
  const lag = registry.gauge(
    'hub_projector_lag_positions',
    'Storage positions between the newest statement and a projector cursor (0: caught up).',
    ['projector'],
  )
  const pool = registry.gauge(
    'hub_db_pool_connections',
    'PostgreSQL pool connections by state (server only).',
    ['state'],
  )
  const storeUp = registry.gauge('hub_storage_up', '1 when the store answered the last scrape.')

  const rss = registry.gauge('process_resident_memory_bytes', 'Resident memory of the process.')
  const heap = registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use.')
  const started = registry.gauge(
    'process_start_time_seconds',
    'Start time of the process, in seconds since the Unix epoch.',
  )
  started.set({}, Math.round(Date.now() / 1000 - process.uptime()))
  const loopDelay = registry.gauge(
    'nodejs_eventloop_delay_seconds',
    'Event loop delay since the previous scrape, by quantile.',
    ['quantile'],
  )
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()

  registry.onCollect(async () => {
    stored.setTotal({}, writer.stats.statementsStored)
    flushes.setTotal({ outcome: 'committed' }, writer.stats.flushesCommitted)
    flushes.setTotal({ outcome: 'failed' }, writer.stats.flushesFailed)
    const backlog = writer.backlog
    queued.set({}, backlog.queuedStatements)
    inFlight.set({}, backlog.flushesInFlight)
    leaseHeld.set({}, writer.holdsLease ? 1 : 0)
    leaseTurns.setTotal({}, writer.leaseTurns)

    const stats = db.poolStats?.()
    if (stats !== undefined) {
      pool.set({ state: 'total' }, stats.total)
      pool.set({ state: 'idle' }, stats.idle)
      pool.set({ state: 'waiting' }, stats.waiting)
    }
    try {
      const behind = await readProjectorLag(db)
      lag.set({ projector: 'skills' }, behind.skills)
      lag.set({ projector: 'statistics' }, behind.statistics)
      lag.set({ projector: 'attainments' }, behind.attainments)
      storeUp.set({}, 1)
    } catch {
      // A scrape must answer while the store is down: that is when it matters most.
      storeUp.set({}, 0)
    }

    const memory = process.memoryUsage()
    rss.set({}, memory.rss)
    heap.set({}, memory.heapUsed)
    // The monitor reports nanoseconds; quantiles are meaningful only once it has samples.
    if (loop.count > 0) {
      loopDelay.set({ quantile: '0.5' }, loop.percentile(50) / 1e9)
      loopDelay.set({ quantile: '0.99' }, loop.percentile(99) / 1e9)
      loopDelay.set({ quantile: '1' }, loop.max / 1e9)
    }
    loop.reset()
  })

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) })
      durations.observe({ method, route }, seconds)
    },
    stop: () => loop.disable(),
  }
}
