import type { FastifyInstance } from 'fastify'
import { learnerFromBearer } from '../auth/learner-identity.js'
import type { TrustedIssuers } from '../auth/trusted-issuers.js'
import type { AuditTrail } from '../storage/audit-trail.js'

/**
 * GET /me/record-accesses: a citizen sees who looked at their record, when, why and with what
 * outcome (docs/privacy.md). The citizen signs in through a trusted identity provider (the
 * national IdP) and is the Agent `{"account": {"homePage": <issuer>, "name": <sub>}}`, as for
 * their skills record (src/http/skills-routes.ts).
 */
export interface RecordAccessRoutesOptions {
  audit: AuditTrail
  trustedIssuers: TrustedIssuers
}

const SHOWN = 500

export async function recordAccessRoutes(
  app: FastifyInstance,
  options: RecordAccessRoutesOptions,
): Promise<void> {
  const { audit, trustedIssuers } = options

  app.get('/me/record-accesses', async (request) => {
    const learner = await learnerFromBearer(request.headers.authorization, trustedIssuers)
    return { accesses: await audit.accessesTo(learner, SHOWN) }
  })
}
