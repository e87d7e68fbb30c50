import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requireScope } from '../auth/principal.js'
import type { Config } from '../config.js'
import { HubError } from '../errors.js'
import { readActivityDefinition } from '../storage/activity-store.js'
import type { Db } from '../storage/db.js'
import type { JsonObject } from '../xapi/agent-key.js'
import {
  checkParameterNames,
  documentEtag,
  parseActivityId,
  type QueryParams,
} from '../xapi/document-rules.js'

/**
 * Scopes that may read learned Activity and Agent information (1.0.3 Communication §4.2): any read
 * (all/read), reading statements, which already show these objects, and defining them.
 */
export const DEFINITION_READ_SCOPES = ['all/read', 'statements/read', 'define', 'profile'] as const

/**
 * POST on a read-only resource is only the 1.0.3 Alternate Request Syntax, which a hook of the
 * /xapi scope answers before any handler; reaching this handler means some other POST.
 */
export function onlyAlternateSyntax(request: FastifyRequest): never {
  throw new HubError(
    'method_not_allowed',
    `${request.url.split('?')[0]} accepts GET and HEAD only`,
    {
      headers: { Allow: 'GET, HEAD' },
    },
  )
}

/**
 * The Activities Resource (1.0.3 Communication §2.5; 2.0.0 §4.1.6.4): the Activity object with the
 * definition the hub has learned from statements, or just the id when it knows none (§2.5.s2.b1:
 * an Activity object is returned even then).
 */
export async function activitiesRoutes(
  app: FastifyInstance,
  opts: { db: Db; config: Config },
): Promise<void> {
  app.get('/activities', async (request, reply: FastifyReply) => {
    requireScope(request.principal, ...DEFINITION_READ_SCOPES)
    const query = request.query as QueryParams
    checkParameterNames(query, ['activityId'])
    const id = parseActivityId(query)

    const definition = await readActivityDefinition(opts.db, id)
    const activity: JsonObject = { objectType: 'Activity', id }
    if (definition !== undefined) activity.definition = definition

    const body = JSON.stringify(activity)
    return reply
      .header('ETag', documentEtag(Buffer.from(body)))
      .header('Content-Type', 'application/json; charset=utf-8')
      .send(body)
  })
  app.post('/activities', async (request) => onlyAlternateSyntax(request))
}
