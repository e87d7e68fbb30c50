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
    if (isAlternateSyntax(request) || request.routeOptions.config.xapiPublic === true) return

    const version = parseVersionHeader(request.headers[VERSION_HEADER])
    request.xapiVersion = version
    reply.header('X-Experience-API-Version', version)
    request.principal = await authenticator.authenticate(request.headers.authorization)
  })
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
