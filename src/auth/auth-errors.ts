import { errors } from 'jose'
import { HubError } from '../errors.js'

/** Challenges sent with every 401 from the xAPI and admin APIs (RFC 7235 §4.1, RFC 6750 §3). */
const CHALLENGE = 'Basic realm="xAPI", Bearer realm="xAPI"'

/** A 401 naming why the credential was refused. */
export function unauthorized(message: string, rule = 'requires a valid credential'): HubError {
  return new HubError('unauthorized', message, {
    field: 'header.Authorization',
    rule,
    headers: { 'WWW-Authenticate': CHALLENGE },
  })
}

/**
 * Turns a JOSE verification failure (bad signature, `alg`, issuer, audience, times) into a 401;
 * any other error (the remote key set unreachable, a bug) is left to propagate.
 */
export function fromJoseError(error: unknown, what: string): unknown {
  if (error instanceof HubError) return error
  if (error instanceof errors.JWTExpired)
    return unauthorized(`${what} has expired`, 'exp must be in the future')
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(
      `${what} is refused: ${error.message}`,
      `claim ${error.claim} ${error.reason}`,
    )
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthorized(
      `${what} uses an algorithm the hub does not accept`,
      'alg must be an accepted algorithm',
    )
  }
  if (error instanceof errors.JWKSTimeout) {
    return new HubError('unavailable', `the key set to verify ${what} did not answer in time`, {
      headers: { 'Retry-After': '5' },
    })
  }
  if (error instanceof errors.JOSEError) {
    return unauthorized(`${what} is refused: ${error.message}`, 'requires a valid signed token')
  }
  return error
}
