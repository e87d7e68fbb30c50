import { HubError } from '../errors.js'

/**
 * Per-platform token buckets. Each platform gets its own budget of requests per minute, refilled
 * continuously, with a burst of one minute's worth; a platform over its budget is answered 429
 * with Retry-After (RFC 6585 §4) while every other platform is served as usual, instead of
 * everyone slowing down behind one busy sender.
 *
 * Buckets live in the process: with several hub processes, each applies the limit on its own, so
 * the effective limit is the per-process limit times the number of processes.
 */
interface Bucket {
  tokens: number
  at: number
  perMinute: number
}

export interface RateLimiter {
  /** Spends one request of `platformId`'s budget, or throws a 429 naming when to retry. */
  take(platformId: string, perMinute: number): void
}

/** A limiter; `now` is injectable so tests need not wait. */
export function createRateLimiter(now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, Bucket>()
  return {
    take(platformId, perMinute) {
      if (perMinute <= 0) return
      const time = now()
      let bucket = buckets.get(platformId)
      if (bucket === undefined || bucket.perMinute !== perMinute) {
        bucket = { tokens: perMinute, at: time, perMinute }
        buckets.set(platformId, bucket)
      }
      const perMs = perMinute / 60_000
      bucket.tokens = Math.min(perMinute, bucket.tokens + (time - bucket.at) * perMs)
      bucket.at = time

      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return
      }
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000))
      throw new HubError(
        'too_many_requests',
        `rate limit of ${perMinute} requests per minute reached`,
        {
          rule: `at most ${perMinute} requests per minute for this platform`,
          headers: { 'Retry-After': String(retryAfter) },
        },
      )
    },
  }
}
