import type { Principal } from './principal.js'

/**
 * Establishes who a request comes from, given its Authorization header. Implementations throw a
 * 401 HubError when the header is missing, malformed or not accepted.
 */
export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>
}

/** Splits an HTTP Basic header (RFC 7617) into key and secret, or undefined when malformed. */
export function parseBasic(authorization: string): { key: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)
  if (match === null) return undefined
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { key: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}
