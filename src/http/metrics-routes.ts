import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { HubError } from '../errors.js'
import type { HubMetrics } from '../observability/hub-metrics.js'

/**
 * `GET /metrics` in the Prometheus text format, for the operator's scraper, and the hook that
 * counts every answered request. The endpoint exists only when METRICS_TOKEN is set, and answers
 * only a scraper presenting it as a bearer token: route-level traffic and backlog figures are
 * operational information, not for the public internet.
 */

/** Methods counted under their own name; anything else a client invents is `other`. */
const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'])

/** Counts each answered request by method, route pattern (never the URL) and status. */
export function installHttpMetrics(app: FastifyInstance, metrics: HubMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const method = METHODS.has(request.method) ? request.method : 'other'
    // The pattern (`/xapi/activities/state`), so the label's values are bounded; a request that
    // matched no route has none.
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.observeRequest(method, route, reply.statusCode, reply.elapsedTime / 1000)
  })
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

export interface MetricsRouteOptions {
  metrics: HubMetrics
  /** The scraper's bearer token (METRICS_TOKEN). */
  token: string
}

export async function metricsRoutes(
  app: FastifyInstance,
  opts: MetricsRouteOptions,
): Promise<void> {
  // Compared as digests: equal lengths for timingSafeEqual, and no timing hint of the token.
  const expected = digest(opts.token)
  const challenge = { 'WWW-Authenticate': 'Bearer realm="metrics"' }

  app.get('/metrics', async (request, reply) => {
    const header = request.headers.authorization
    if (header === undefined) {
      throw new HubError('unauthorized', 'the metrics endpoint needs its bearer token', {
        field: 'header.Authorization',
        rule: 'Bearer METRICS_TOKEN',
        headers: challenge,
      })
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new HubError('unauthorized', 'the bearer token is not the metrics token', {
        field: 'header.Authorization',
        rule: 'Bearer METRICS_TOKEN',
        headers: { 'WWW-Authenticate': 'Bearer realm="metrics", error="invalid_token"' },
      })
    }
    const text = await opts.metrics.registry.render()
    return reply
      .header('Cache-Control', 'no-store')
      .type('text/plain; version=0.0.4; charset=utf-8')
      .send(text)
  })
}
