import { randomUUID } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import type { Config } from '../config.js'
import { fromJoseError, unauthorized } from './auth-errors.js'
import { AGENCY_SCOPES, XAPI_SCOPES, type Scope } from './principal.js'
import { TOKEN_ALGS } from './key-purposes.js'
import type { KeyRing } from './signing-keys.js'

/**
 * The short-lived access tokens the token endpoint issues: JWTs in the RFC 9068 profile
 * (`typ: at+jwt`), signed with the hub's current token key (never a credential key). `sub` is the platform, `cid` the credential
 * that obtained the token (so revoking it ends the token's use at once), `scope` the granted
 * scopes, space-separated (RFC 8693 §4.2).
 */
export interface AccessTokenClaims {
  platformId: string
  credentialId: string
  scopes: Scope[]
}

export interface IssuedToken {
  token: string
  expiresIn: number
}

const KNOWN_SCOPES = new Set<string>([...XAPI_SCOPES, ...AGENCY_SCOPES, 'admin'])

/** The audience of the hub's own access tokens: its xAPI and admin APIs. */
export function accessTokenAudience(config: Config): string {
  return `${config.tokenIssuer}/xapi`
}

/** Signs an access token for a platform's credential. */
export async function issueAccessToken(
  keyRing: KeyRing,
  config: Config,
  claims: AccessTokenClaims & { clientId: string },
): Promise<IssuedToken> {
  const { kid, alg, key } = await keyRing.current('tokens')
  const token = await new SignJWT({
    scope: claims.scopes.join(' '),
    client_id: claims.clientId,
    cid: claims.credentialId,
  })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(config.tokenIssuer)
    .setAudience(accessTokenAudience(config))
    .setSubject(claims.platformId)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${config.tokenTtlSeconds}s`)
    .setJti(randomUUID())
    .sign(key)
  return { token, expiresIn: config.tokenTtlSeconds }
}

/**
 * Verifies one of the hub's access tokens: signature by a usable hub token key, only the token
 * algorithms (so `alg: none`, HMAC confusion and RS256 JWTs signed with a credential key are
 * refused), issuer, audience, type, and times.
 */
export async function verifyAccessToken(
  keyRing: KeyRing,
  config: Config,
  token: string,
): Promise<AccessTokenClaims> {
  let payload
  try {
    ;({ payload } = await jwtVerify(token, (header) => keyRing.accessTokenKey(header), {
      issuer: config.tokenIssuer,
      audience: accessTokenAudience(config),
      algorithms: [...TOKEN_ALGS],
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub', 'cid'],
    }))
  } catch (error) {
    throw fromJoseError(error, 'the access token')
  }
  if (
    typeof payload.sub !== 'string' ||
    typeof payload.cid !== 'string' ||
    typeof payload.scope !== 'string'
  ) {
    throw unauthorized('the access token lacks sub, cid or scope', 'requires a hub access token')
  }
  const scopes = payload.scope.split(' ').filter((scope): scope is Scope => KNOWN_SCOPES.has(scope))
  return { platformId: payload.sub, credentialId: payload.cid, scopes }
}
