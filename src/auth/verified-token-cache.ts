import { createHash } from 'node:crypto'

/**
 * Remembers bearer tokens that verified, so a client repeating the same token (a learner's app
 * reading its record, a platform sending statements) is not verified with public-key
 * cryptography on every request. Measured in bench/records.ts: token verification was the largest
 * hub-side cost of a record read.
 *
 * Safety: an entry lives until the token's own `exp`, and never longer than `maxAgeMs`, so a key
 * the provider withdraws (or a token it would now refuse) stops working within that time, the
 * same window its JWKS cache already allows. Tokens are kept by their SHA-256, never in clear,
 * so the process holds no reusable bearer secret beyond the request that carried it. The cache is
 * bounded; the oldest entries go first.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>()

  constructor(
    private readonly maxEntries = 20_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  get(token: string, now = Date.now()): T | undefined {
    const key = digest(token)
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.until <= now) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  /** Keeps a verified token's result until `expiresAtMs` (its `exp`), capped at `maxAgeMs`. */
  set(token: string, value: T, expiresAtMs: number, now = Date.now()): void {
    const until = Math.min(expiresAtMs, now + this.maxAgeMs)
    if (until <= now) return
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(digest(token), { value, until })
  }

  clear(): void {
    this.entries.clear()
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
