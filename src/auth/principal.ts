import { HubError } from '../errors.js'

/** xAPI's OAuth scopes (xAPI 1.0.3 Part Three §4.2.3), which the hub applies to every credential. */
export const XAPI_SCOPES = [
  'statements/write',
  'statements/read',
  'statements/read/mine',
  'all/read',
  'all',
  'state',
  'define',
  'profile',
] as const

export type XapiScope = (typeof XAPI_SCOPES)[number]

/** Scopes of the agency API (docs/agency-api.md); no xAPI scope, `all` included, grants them. */
export const AGENCY_SCOPES = ['records:read', 'statistics:read', 'export'] as const

export type AgencyScope = (typeof AGENCY_SCOPES)[number]
export type Scope = XapiScope | AgencyScope | 'admin'

/** Who is making a request, as established by the authentication layer. */
export interface Principal {
  /** Stable id of the credential's owner (a connected platform); recorded on stored data. */
  readonly clientId: string
  readonly scopes: ReadonlySet<Scope>
  /** The xAPI `authority` the hub stamps on statements this principal stores. */
  readonly authority: Record<string, unknown>
}

/** Scopes that include others: `all` grants everything xAPI names, `all/read` every read. */
function grants(held: Scope, wanted: Scope): boolean {
  if (held === wanted) return true
  if (held === 'all') return (XAPI_SCOPES as readonly string[]).includes(wanted)
  if (held === 'all/read') return wanted === 'statements/read' || wanted === 'statements/read/mine'
  if (held === 'statements/read') return wanted === 'statements/read/mine'
  return false
}

export function hasScope(principal: Principal, wanted: Scope): boolean {
  for (const held of principal.scopes) if (grants(held, wanted)) return true
  return false
}

/** Refuses with 403 naming the scopes, unless the principal holds one of them. */
export function requireScope(principal: Principal, ...anyOf: Scope[]): void {
  if (anyOf.some((scope) => hasScope(principal, scope))) return
  throw new HubError('forbidden', `this credential lacks the scope ${anyOf.join(' or ')}`, {
    rule: `requires scope ${anyOf.join(' or ')}`,
  })
}
