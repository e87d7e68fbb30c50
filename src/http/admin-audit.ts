import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Principal } from '../auth/principal.js'
import type { AuditTrail } from '../storage/audit-trail.js'

/**
 * Appends every administrative change (a POST, PUT, PATCH or DELETE under `/admin` by an
 * authenticated administrator) to the audit trail, before the answer is sent, with its outcome.
 * The target is the platform or credential id of the path; a learner named in a path is never
 * copied (erasure records its own entry with a salted hash). Reads of the admin API are not
 * changes and are not audited.
 */
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function principalOf(request: FastifyRequest): Principal | null {
  return (request as { principal?: Principal | null }).principal ?? null
}

export function installAdminAudit(app: FastifyInstance, audit: AuditTrail): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!CHANGES.has(request.method) || !request.url.startsWith('/admin/')) return payload
    const principal = principalOf(request)
    if (principal === null) return payload
    const params = (request.params ?? {}) as Record<string, string | undefined>
    const target = [params.id, params.credentialId].filter((part) => part !== undefined).join('/')
    const body = request.body
    const fields =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? Object.keys(body).sort()
        : []
    await audit.record({
      actor: principal.clientId,
      action: `${request.method} ${request.routeOptions.url ?? '(no route)'}`,
      target: target === '' ? null : target,
      subject: null,
      purpose: null,
      outcome:
        reply.statusCode < 400
          ? 'ok'
          : `${reply.statusCode < 500 ? 'refused' : 'failed'}:${reply.statusCode}`,
      detail: { status: reply.statusCode, fields, requestId: request.id },
    })
    return payload
  })
}
