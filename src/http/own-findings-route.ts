import type { FastifyInstance } from 'fastify'
import type { HubAuth } from '../auth/hub-auth.js'
import type { Principal } from '../auth/principal.js'
import type { Db } from '../storage/db.js'
import { findingsPage } from './profile-admin-routes.js'

/**
 * A platform's own national profile report: what its stored statements break, read with any of
 * its credentials, so a platform in `record` mode can fix its statements without asking the
 * operator. Only its own findings: the platform is the authenticated one, never a parameter.
 */
export async function ownFindingsRoute(
  app: FastifyInstance,
  options: { auth: HubAuth; db: Db },
): Promise<void> {
  const { auth, db } = options
  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request) => {
    request.principal = await auth.authenticator.authenticate(request.headers.authorization)
  })

  app.get('/platform/profile-findings', async (request) =>
    findingsPage(
      db,
      request.principal.clientId,
      request.query as Record<string, unknown>,
      '/platform/profile-findings',
    ),
  )
}
