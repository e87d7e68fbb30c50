import { createHash } from 'node:crypto'
import type { Config } from '../config.js'
import type { Db } from '../storage/db.js'
import {
  liveAuthVersion,
  selectCredentialByKey,
  selectExternalCredential,
  selectPlatform,
  type CredentialForAuth,
} from '../storage/platform-store.js'
import { verifyAccessToken } from './access-tokens.js'
import { unauthorized } from './auth-errors.js'
import type { Authenticator } from './authenticator.js'
import { parseBasic } from './authenticator.js'
import { hasScope, type Principal, type Scope } from './principal.js'
import type { RateLimiter } from './rate-limiter.js'
import { verifySecret } from './secret-hash.js'
import type { KeyRing } from './signing-keys.js'
import { claimedIssuer, type TrustedIssuers } from './trusted-issuers.js'

/**
 * The hub's authenticator: HTTP Basic key and secret, the hub's own access tokens, and bearer
 * tokens of trusted identity providers, each resolved to a connected platform.
 *
 * Throughput and revocation. Secrets are scrypt hashes (tens of milliseconds each), so a verified
 * Basic header is remembered in memory (as a digest, never the header) and scrypt runs once per
 * credential, not per request. What makes revocation and suspension effective on the very next
 * request is a separate, cheap check made on every request, cached or not: one primary-key join
 * that returns the platform's `auth_version` only while the credential is unrevoked and the
 * platform active. Every admin change bumps that version, so the check also tells when the
 * remembered principal (scopes, authority) must be rebuilt. The check runs in the store, not in
 * this process's memory, so a change made by another hub process, or directly in the store, is
 * honoured as promptly as one made through this process's admin API. Rotating a secret issues a
 * new credential and revokes the old one, so a remembered old secret fails the check too.
 *
 * A refused Basic header is remembered for 30 s, so repeating it costs no scrypt run; new wrong
 * secrets each cost one (see docs/auth.md).
 */
const VERIFIED_TTL_MS = 10 * 60_000
const VERIFIED_MAX = 50_000
/**
 * A misconfigured plugin retries the same wrong secret over and over; remembering a refused
 * header briefly keeps that from costing one scrypt run per request. A header refused here can
 * only become valid when a credential with exactly that key and secret is created, which the
 * admin API does only with an operator-chosen secret: such a credential works after this delay.
 */
const REFUSED_TTL_MS = 30_000
/**
 * How long this process trusts its last liveness check of a credential. Admin changes made
 * through this process's API clear these checks at once (see `forgetLiveChecks`), so they apply
 * on the very next request; a change made by another hub process or directly in the store
 * applies within this delay. Without it, every request would cost a database round trip, and
 * on a busy hub those queries compete with statement writes for connections.
 */
const LIVE_CHECK_TTL_MS = 1_000

interface Remembered {
  credentialId: string
  platformId: string
  until: number
}

interface PlatformAccess {
  version: number
  principal: Principal
  perMinute: number
}

export interface HubAuthenticator extends Authenticator {
  /** Checks a Basic key and secret (the token endpoint's client_secret_basic and _post). */
  verifySecret(key: string, secret: string): Promise<CredentialForAuth>
  /** Drops remembered liveness checks, so the next request of every credential checks again. */
  forgetLiveChecks(): void
  /**
   * The principal of a credential that was just verified, if it and its platform are live;
   * spends one request of the platform's rate budget.
   */
  admit(credentialId: string, platformId: string, narrowTo?: readonly string[]): Promise<Principal>
}

export interface AuthenticatorParts {
  db: Db
  config: Config
  keyRing: KeyRing
  trustedIssuers: TrustedIssuers
  rateLimiter: RateLimiter
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url')
}

export function createHubAuthenticator(parts: AuthenticatorParts): HubAuthenticator {
  const { db, config, keyRing, trustedIssuers, rateLimiter } = parts
  const verified = new Map<string, Remembered>()
  const refused = new Map<string, number>()
  const platforms = new Map<string, PlatformAccess>()
  const liveChecks = new Map<
    string,
    { live: Awaited<ReturnType<typeof liveAuthVersion>>; until: number }
  >()

  async function liveCheck(
    credentialId: string,
  ): Promise<Awaited<ReturnType<typeof liveAuthVersion>>> {
    const now = Date.now()
    const known = liveChecks.get(credentialId)
    if (known !== undefined && known.until > now) return known.live
    const live = await liveAuthVersion(db, credentialId)
    if (liveChecks.size >= VERIFIED_MAX) liveChecks.clear()
    liveChecks.set(credentialId, { live, until: now + LIVE_CHECK_TTL_MS })
    return live
  }

  async function access(credentialId: string, platformId: string): Promise<PlatformAccess> {
    const live = await liveCheck(credentialId)
    if (live === undefined || live.platformId !== platformId) {
      throw unauthorized(
        'the credential is revoked or its platform suspended or removed',
        'requires a live credential',
      )
    }
    const { version } = live
    const known = platforms.get(platformId)
    if (known !== undefined && known.version === version) return known

    const platform = await selectPlatform(db, platformId)
    if (platform === undefined) throw unauthorized('the platform of this credential was removed')
    const fresh: PlatformAccess = {
      version: platform.authVersion,
      principal: {
        clientId: platform.id,
        scopes: new Set(platform.scopes),
        authority: platform.authority,
      },
      perMinute: platform.rateLimitPerMinute ?? config.rateLimitPerMinute,
    }
    platforms.set(platformId, fresh)
    return fresh
  }

  async function admit(
    credentialId: string,
    platformId: string,
    narrowTo?: readonly string[],
  ): Promise<Principal> {
    const { principal, perMinute } = await access(credentialId, platformId)
    rateLimiter.take(platformId, perMinute)
    if (narrowTo === undefined) return principal
    // A token carries the scopes granted when it was issued; scopes the platform has lost since
    // then are dropped, so narrowing a platform's scopes takes effect on its live tokens too.
    const scopes = narrowTo.filter((scope) => hasScope(principal, scope as Scope)) as Scope[]
    return { ...principal, scopes: new Set(scopes) }
  }

  async function checkSecret(key: string, secret: string): Promise<CredentialForAuth> {
    const credential = await selectCredentialByKey(db, key)
    const ok =
      credential !== undefined &&
      credential.kind === 'basic' &&
      credential.secretHash !== null &&
      (await verifySecret(secret, credential.secretHash))
    if (!ok)
      throw unauthorized('unknown key or wrong secret', 'requires a valid HTTP Basic credential')
    return credential
  }

  async function basic(authorization: string): Promise<Principal> {
    const id = digest(authorization)
    const known = verified.get(id)
    if (known !== undefined && known.until > Date.now()) {
      return admit(known.credentialId, known.platformId)
    }
    if ((refused.get(id) ?? 0) > Date.now()) {
      throw unauthorized('unknown key or wrong secret', 'requires a valid HTTP Basic credential')
    }

    const parsed = parseBasic(authorization)
    if (parsed === undefined) {
      throw unauthorized('the Authorization header is not a valid HTTP Basic credential')
    }
    let credential: CredentialForAuth
    try {
      credential = await checkSecret(parsed.key, parsed.secret)
    } catch (error) {
      if (refused.size >= VERIFIED_MAX) refused.clear()
      refused.set(id, Date.now() + REFUSED_TTL_MS)
      throw error
    }
    const principal = await admit(credential.id, credential.platformId)
    if (verified.size >= VERIFIED_MAX) verified.clear()
    verified.set(id, {
      credentialId: credential.id,
      platformId: credential.platformId,
      until: Date.now() + VERIFIED_TTL_MS,
    })
    return principal
  }

  async function bearer(token: string): Promise<Principal> {
    if (claimedIssuer(token) === config.tokenIssuer) {
      const claims = await verifyAccessToken(keyRing, config, token)
      return admit(claims.credentialId, claims.platformId, claims.scopes)
    }
    const issuer = trustedIssuers.find(token)
    if (issuer === undefined) {
      throw unauthorized(
        'the bearer token is not from the hub or a trusted issuer',
        'iss must be a trusted issuer',
      )
    }
    const identity = await trustedIssuers.verify(token, issuer)
    const credential = await selectExternalCredential(db, identity.issuer, identity.subject)
    if (credential === undefined) {
      throw unauthorized(
        'this identity is not registered for any platform',
        'sub must be registered',
      )
    }
    return admit(credential.id, credential.platformId)
  }

  return {
    async authenticate(authorization) {
      if (authorization === undefined) throw unauthorized('authentication is required')
      if (/^Basic\s/i.test(authorization)) return basic(authorization)
      const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(authorization)
      if (match?.[1] !== undefined) return bearer(match[1])
      throw unauthorized('the Authorization header must use the Basic or Bearer scheme')
    },
    verifySecret: checkSecret,
    admit,
    forgetLiveChecks: () => liveChecks.clear(),
  }
}
