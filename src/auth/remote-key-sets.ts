import { createRemoteJWKSet } from 'jose'

/**
 * Remote JSON Web Key Sets (of external identity providers and of clients registered with a JWKS
 * URL), one per URL for the life of the process. jose fetches a set on first use, keeps it for
 * `cacheMaxAge`, and fetches again when a token names a `kid` the set lacks (a key rotation on
 * the remote side), but not more often than `cooldownDuration`, so forged kids cannot make the
 * hub hammer the remote side.
 */
export interface RemoteKeySetOptions {
  /** Least time between two fetches of one set, in ms (30 s by default). */
  cooldownMs?: number
  /** How long a fetched set is trusted before it is fetched again, in ms (10 min by default). */
  maxAgeMs?: number
  /** Longest wait for the remote side, in ms. */
  timeoutMs?: number
}

export type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>

export interface RemoteKeySets {
  get(url: string): RemoteKeySet
}

export function createRemoteKeySets(options: RemoteKeySetOptions = {}): RemoteKeySets {
  const sets = new Map<string, RemoteKeySet>()
  return {
    get(url) {
      let set = sets.get(url)
      if (set === undefined) {
        set = createRemoteJWKSet(new URL(url), {
          cooldownDuration: options.cooldownMs ?? 30_000,
          cacheMaxAge: options.maxAgeMs ?? 600_000,
          timeoutDuration: options.timeoutMs ?? 5_000,
        })
        sets.set(url, set)
      }
      return set
    },
  }
}
