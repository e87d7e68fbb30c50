import type { FastifyInstance } from 'fastify'
import { requireScope } from '../auth/principal.js'
import type { Config } from '../config.js'
import { recentStatementsAbout } from '../storage/agent-store.js'
import type { Db } from '../storage/db.js'
import {
  checkParameterNames,
  documentEtag,
  parseAgent,
  type QueryParams,
} from '../xapi/document-rules.js'
import { buildPerson } from '../xapi/person.js'
import { DEFINITION_READ_SCOPES, onlyAlternateSyntax } from './activities-routes.js'

/**
 * The Agents Resource (1.0.3 Communication §2.4; 2.0.0 §4.1.6.3): the Person Object combining what
 * this platform's statements say about the agent. The hub links no identities across IFIs, so the
 * Person carries the one IFI asked about and never needs the raised permission §2.4.s3.b1 asks for
 * when several are returned.
 */
export async function agentsRoutes(
  app: FastifyInstance,
  opts: { db: Db; config: Config },
): Promise<void> {
  app.get('/agents', async (request, reply) => {
    requireScope(request.principal, ...DEFINITION_READ_SCOPES)
    const query = request.query as QueryParams
    checkParameterNames(query, ['agent'])
    const { agent, key } = parseAgent(query)

    const statements = await recentStatementsAbout(opts.db, request.principal.clientId, key)
    const body = JSON.stringify(buildPerson(agent, statements))
    return reply
      .header('ETag', documentEtag(Buffer.from(body)))
      .header('Content-Type', 'application/json; charset=utf-8')
      .send(body)
  })
  app.post('/agents', async (request) => onlyAlternateSyntax(request))
}
