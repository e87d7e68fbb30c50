import { decodeJwt, importJWK, jwtVerify, type JWK } from 'jose'
import type { Config } from '../config.js'
import type { Db } from '../storage/db.js'
import { selectCredentialByKey, type CredentialForAuth } from '../storage/platform-store.js'
import { fromJoseError, unauthorized } from './auth-errors.js'
import type { RemoteKeySets } from './remote-key-sets.js'

/**
 * Client authentication with `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): the
 * client signs a short JWT with its own private key, and the hub checks it against the public key
 * or JWKS URL registered for the client. No secret ever travels.
 *
 * RFC 7523 §3 rules applied: `iss` and `sub` are the client_id; `aud` names the hub (its token
 * issuer or its token endpoint URL); `exp` is required and, here, at most five minutes ahead; a
 * `jti` is required and cannot be replayed while the assertion is valid. Replays are remembered in
 * the process; with several hub processes an assertion could be replayed once per process within
 * its five minutes, which still yields only a token for the same client.
 */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const ASSERTION_ALGS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256']
const MAX_LIFETIME_S = 300
const CLOCK_TOLERANCE_S = 5

export interface ClientAssertions {
  /** The credential the assertion authenticates, or a 401. */
  verify(assertion: string, clientId: string | undefined): Promise<CredentialForAuth>
}

/** The audiences an assertion may name: the hub's issuer and its token endpoint. */
export function assertionAudiences(config: Config): string[] {
  const audiences = [config.tokenIssuer, `${config.tokenIssuer}/oauth/token`]
  if (config.publicUrl !== undefined) audiences.push(`${config.publicUrl}/oauth/token`)
  return [...new Set(audiences)]
}

export function createClientAssertions(
  db: Db,
  config: Config,
  keySets: RemoteKeySets,
): ClientAssertions {
  const seen = new Map<string, number>()

  function remember(id: string, exp: number): void {
    const now = Date.now() / 1000
    if (seen.size > 10_000) for (const [key, until] of seen) if (until < now) seen.delete(key)
    if (seen.has(id))
      throw unauthorized('the client assertion was already used', 'jti must not be replayed')
    seen.set(id, exp + CLOCK_TOLERANCE_S)
  }

  return {
    async verify(assertion, clientId) {
      let claimed: string | undefined
      try {
        const { sub } = decodeJwt(assertion)
        claimed = typeof sub === 'string' ? sub : undefined
      } catch {
        throw unauthorized(
          'the client assertion is not a JWT',
          'client_assertion must be a signed JWT',
        )
      }
      if (claimed === undefined) throw unauthorized('the client assertion lacks sub')
      if (clientId !== undefined && clientId !== claimed) {
        throw unauthorized(
          'client_id and the client assertion subject differ',
          'sub must equal client_id',
        )
      }

      const credential = await selectCredentialByKey(db, claimed)
      if (credential === undefined || credential.kind !== 'private_key_jwt') {
        throw unauthorized('unknown client or not registered for private_key_jwt')
      }
      const options = {
        issuer: claimed,
        subject: claimed,
        audience: assertionAudiences(config),
        algorithms: ASSERTION_ALGS,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'jti'],
      }
      let payload
      try {
        if (credential.publicJwk !== null) {
          const jwk = credential.publicJwk as JWK
          ;({ payload } = await jwtVerify(assertion, await importJWK(jwk, jwk.alg), options))
        } else {
          ;({ payload } = await jwtVerify(
            assertion,
            keySets.get(credential.jwksUrl ?? ''),
            options,
          ))
        }
      } catch (error) {
        throw fromJoseError(error, 'the client assertion')
      }
      const exp = payload.exp ?? 0
      if (exp > Date.now() / 1000 + MAX_LIFETIME_S + CLOCK_TOLERANCE_S) {
        throw unauthorized(
          'the client assertion lives too long',
          `exp must be within ${MAX_LIFETIME_S} s`,
        )
      }
      remember(`${claimed} ${String(payload.jti)}`, exp)
      return credential
    },
  }
}
