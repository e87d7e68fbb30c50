import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Authenticator } from '../auth/authenticator.js'
import type { Principal } from '../auth/principal.js'
import { HubError } from '../errors.js'
import { parseVersionHeader, type XapiVersion } from '../xapi/version.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; set for every xAPI route except the public ones. */
    principal: Principal
    /** The xAPI version whose rules apply to this request. */
    xapiVersion: XapiVersion
  }
  interface FastifyContextConfig {
    /** The About resource: answered without a credential or a version header (xAPI Comm. §2.8). */
    xapiPublic?: boolean
  }
}

const VERSION_HEADER = 'x-experience-api-version'

/**
 * The methods each xAPI resource answers. Any other method on one of these paths is a 405 with
 * an Allow header (RFC 9110 §15.5.6), answered before authentication: what a resource supports
 * is no secret, and conformance clients probe it without credentials. Unknown paths stay 404.
 */
const RESOURCE_METHODS: Readonly<Record<string, string>> = {
  '/statements': 'GET, HEAD, PUT, POST',
  '/activities/state': 'GET, HEAD, PUT, POST, DELETE',
  '/activities/profile': 'GET, HEAD, PUT, POST, DELETE',
  '/agents/profile': 'GET, HEAD, PUT, POST, DELETE',
  '/activities': 'GET, HEAD',
  '/agents': 'GET, HEAD',
  '/about': 'GET, HEAD',
}

/**
 * Hooks shared by every xAPI resource: the version header is required and echoed, and the
 * caller is authenticated. Registered inside the `/xapi` scope so health, admin and
 * documentation routes follow their own rules.
 */
export function installXapiContext(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null as unknown as Principal)
  app.decorateRequest('xapiVersion', '2.0.0')

  app.addHook('onRequest', async (request, reply) => {
    // Every response carries the version header, errors included (xAPI Comm. §3.3).
    reply.header('X-Experience-API-Version', '2.0.0')
    if (request.is404) return
    if (isAlternateSyntax(request) || request.routeOptions.config.xapiPublic === true) return

    const version = parseVersionHeader(request.headers[VERSION_HEADER])
    request.xapiVersion = version
    reply.header('X-Experience-API-Version', version)
    request.principal = await authenticator.authenticate(request.headers.authorization)
  })

  // JSON has no charset parameter (RFC 8259 §11: it is UTF-8), and xAPI names the type as
  // `application/json` (1.0.3 Comm. §2.1.3.s2.b7), which clients compare exactly.
  app.addHook('onSend', async (request, reply, payload) => {
    const path = resourcePath(request.url)
    // Every answer of the Statement Resource carries the consistency header, errors included
    // (1.0.3 Comm. §2.1.3.s2.b5); the statement routes set it themselves on success.
    if (path === '/statements' && !reply.hasHeader('X-Experience-API-Consistent-Through')) {
      reply.header('X-Experience-API-Consistent-Through', new Date().toISOString())
    }
    // A stored document goes back with the type its sender gave it, byte for byte.
    if (DOCUMENT_PATHS.has(path)) return payload
    const type = reply.getHeader('content-type')
    if (typeof type === 'string' && /^application\/json;\s*charset=utf-8$/i.test(type)) {
      reply.header('content-type', 'application/json')
    }
    return payload
  })

  app.setNotFoundHandler(async (request) => {
    const allowed = RESOURCE_METHODS[resourcePath(request.url)]
    if (allowed === undefined) {
      throw new HubError('not_found', `no xAPI resource at ${request.url.split('?')[0]}`)
    }
    throw new HubError('method_not_allowed', `${request.method} is not a method of this resource`, {
      field: 'method',
      rule: `the resource accepts ${allowed}`,
      headers: { Allow: allowed },
    })
  })
}

const DOCUMENT_PATHS = new Set(['/activities/state', '/activities/profile', '/agents/profile'])

/** The path of an xAPI request below the `/xapi` base, without its query. */
function resourcePath(url: string): string {
  const path = url.split('?', 1)[0] ?? ''
  return path.replace(/^\/xapi/, '').replace(/\/+$/, '') || '/'
}

/** A 1.0.3 Alternate Request Syntax request: a form POST naming the real method in `method`. */
export function isAlternateSyntax(request: FastifyRequest): boolean {
  return (
    request.method === 'POST' &&
    typeof (request.query as Record<string, unknown>)?.method === 'string'
  )
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (request.principal === null) throw new HubError('unauthorized', 'authentication is required')
  return request.principal
}
