import type { FastifyInstance } from 'fastify'
import { unauthorized } from '../auth/auth-errors.js'
import type { TrustedIssuers } from '../auth/trusted-issuers.js'
import type { AuditTrail } from '../storage/audit-trail.js'
import { agentKey } from '../xapi/agent-key.js'

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
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(request.headers.authorization ?? '')
    const token = match?.[1]
    if (token === undefined) {
      throw unauthorized(
        'sign in through the national identity provider',
        'requires a Bearer token of a trusted identity provider',
      )
    }
    const issuer = trustedIssuers.find(token)
    if (issuer === undefined) {
      throw unauthorized(
        'the bearer token is not from a trusted identity provider',
        'iss must be a trusted issuer',
      )
    }
    const identity = await trustedIssuers.verify(token, issuer)
    const learner =
      agentKey({ account: { homePage: identity.issuer, name: identity.subject } }) ?? ''
    return { accesses: await audit.accessesTo(learner, SHOWN) }
  })
}
