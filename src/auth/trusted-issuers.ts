import { decodeJwt, jwtVerify } from 'jose'
import type { TrustedIssuer } from '../config.js'
import { fromJoseError, unauthorized } from './auth-errors.js'
import type { RemoteKeySets } from './remote-key-sets.js'
import { VerifiedTokenCache } from './verified-token-cache.js'

/**
 * Bearer tokens from trusted external identity providers (government single sign-on). Each
 * provider is configured with its issuer, the audience its tokens must name for the hub, and its
 * JWKS URL. A verified token's `sub` must be registered as an `external` credential of a platform;
 * the platform's scopes then apply. The token's own `scope` claim is not used: providers fill it
 * with OpenID Connect scopes (`openid profile email`), and `profile` would be read as the xAPI
 * scope of that name, narrowing a platform to the profile resources by accident.
 */
const EXTERNAL_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']
/** Clock skew tolerated between the hub and a provider. */
const CLOCK_TOLERANCE_S = 5

export interface ExternalIdentity {
  issuer: string
  subject: string
}

export interface TrustedIssuers {
  /** The configured provider a token claims to come from, by its unverified `iss`. */
  find(token: string): TrustedIssuer | undefined
  verify(token: string, issuer: TrustedIssuer): Promise<ExternalIdentity>
}

/** The unverified `iss` of a compact JWT, used only to choose how to verify it. */
export function claimedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token)
    return typeof iss === 'string' ? iss : undefined
  } catch {
    return undefined
  }
}

export function createTrustedIssuers(
  issuers: readonly TrustedIssuer[],
  keySets: RemoteKeySets,
): TrustedIssuers {
  const byIssuer = new Map(issuers.map((issuer) => [issuer.issuer, issuer]))
  const verified = new VerifiedTokenCache<ExternalIdentity>()
  return {
    find(token) {
      const iss = claimedIssuer(token)
      return iss === undefined ? undefined : byIssuer.get(iss)
    },

    async verify(token, issuer) {
      const known = verified.get(token)
      // The cached identity names its issuer: a token is never accepted for another provider.
      if (known !== undefined && known.issuer === issuer.issuer) return known
      let payload
      try {
        ;({ payload } = await jwtVerify(token, keySets.get(issuer.jwksUrl), {
          issuer: issuer.issuer,
          audience: issuer.audience,
          algorithms: EXTERNAL_ALGS,
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['exp', 'sub'],
        }))
      } catch (error) {
        throw fromJoseError(error, 'the identity provider token')
      }
      if (typeof payload.sub !== 'string')
        throw unauthorized('the identity provider token lacks sub')
      const identity = { issuer: issuer.issuer, subject: payload.sub }
      // requiredClaims makes exp present; the tolerance above is not extended by the cache.
      verified.set(token, identity, (payload.exp ?? 0) * 1000)
      return identity
    },
  }
}
