import type { FastifyInstance } from 'fastify'
import type { HubAuth } from '../auth/hub-auth.js'
import { requireScope, type Principal } from '../auth/principal.js'
import { badRequest, HubError } from '../errors.js'
import type { Jurisdiction } from '../agency/jurisdiction.js'
import { deleteAgency, selectAgency, upsertAgency } from '../storage/agency-store.js'
import type { AgencyProjector } from '../storage/agency-projector.js'
import type { AuditTrail } from '../storage/audit-trail.js'
import type { Db } from '../storage/db.js'
import { eraseLearner } from '../storage/learner-erasure.js'
import { selectPlatform } from '../storage/platform-store.js'
import { agentKey } from '../xapi/agent-key.js'

/**
 * Administration of the agency API (docs/agency-api.md), next to the platform admin API and
 * under the same `admin` scope: agencies' jurisdictions, verification of the audit chain, and
 * erasure of a learner. Changes are audited by the admin audit hook (src/http/admin-audit.ts);
 * an erasure also appends its own entry, with what it removed, in its transaction.
 */
export interface AgencyAdminRoutesOptions {
  db: Db
  auth: HubAuth
  audit: AuditTrail
  projector: AgencyProjector
  /** The account home page of the pseudonyms an erasure leaves in kept statements. */
  erasedHomePage: string
}

const PROVINCE = '^[A-Za-z0-9_-]{1,32}$'
const ID_PARAMS = { type: 'object', properties: { id: { type: 'string' } } }
const AGENCY_SCHEMA = {
  params: ID_PARAMS,
  body: {
    type: 'object',
    required: ['national'],
    additionalProperties: false,
    properties: {
      national: { type: 'boolean' },
      provinces: { type: 'array', items: { type: 'string', pattern: PROVINCE }, maxItems: 100 },
    },
  },
}
const LEARNER_KEY = /^(mbox:mailto:|mbox_sha1sum:[0-9a-f]{40}$|openid:|account:\[)/

/**
 * The learner a path names: an xAPI Agent as JSON, or the hub's learner key
 * (`mbox:mailto:...`, `account:["<homePage>","<name>"]`, ...; src/xapi/agent-key.ts).
 */
function learnerKeyOf(text: string): string {
  if (text.startsWith('{')) {
    let agent: unknown
    try {
      agent = JSON.parse(text)
    } catch {
      badRequest('learner', 'must be an xAPI Agent as JSON or a learner key')
    }
    const key = agentKey(agent)
    if (key === undefined) badRequest('learner', 'the Agent must have an IFI')
    return key
  }
  if (!LEARNER_KEY.test(text))
    badRequest('learner', 'must be an xAPI Agent as JSON or a learner key')
  return text
}

export async function agencyAdminRoutes(
  app: FastifyInstance,
  options: AgencyAdminRoutesOptions,
): Promise<void> {
  const { db, auth, audit, projector, erasedHomePage } = options
  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request) => {
    request.principal = await auth.authenticator.authenticate(request.headers.authorization)
    requireScope(request.principal, 'admin')
  })

  app.get('/agencies/:id', { schema: { params: ID_PARAMS } }, async (request) => {
    const agency = await selectAgency(db, (request.params as { id: string }).id)
    if (agency === undefined) throw new HubError('not_found', 'this platform is not an agency')
    return agency
  })

  app.put('/agencies/:id', { schema: AGENCY_SCHEMA }, async (request) => {
    const { id } = request.params as { id: string }
    const body = request.body as { national: boolean; provinces?: string[] }
    if (!body.national && (body.provinces ?? []).length === 0) {
      badRequest('provinces', 'an agency that is not national needs at least one province')
    }
    if ((await selectPlatform(db, id)) === undefined) {
      throw new HubError('not_found', 'no platform with this id', {
        field: 'id',
        rule: 'register the platform first',
      })
    }
    const jurisdiction: Jurisdiction = body.national
      ? { national: true }
      : { national: false, provinces: body.provinces ?? [] }
    return upsertAgency(db, id, jurisdiction)
  })

  app.delete('/agencies/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    if (!(await deleteAgency(db, (request.params as { id: string }).id))) {
      throw new HubError('not_found', 'this platform is not an agency')
    }
    return reply.code(204).send()
  })

  app.get('/audit/verify', async () => audit.verify())

  app.post('/statistics/rebuild', async (request) => {
    const cursors = await projector.rebuild()
    request.log.info({ by: request.principal.clientId, ...cursors }, 'statistics rebuilt')
    return cursors
  })

  app.delete('/learners/:learner', async (request) => {
    const learner = learnerKeyOf((request.params as { learner: string }).learner)
    const report = await eraseLearner(db, audit, learner, {
      actor: request.principal.clientId,
      erasedHomePage,
    })
    request.log.info({ by: request.principal.clientId, ...report }, 'learner erased')
    return report
  })
}
