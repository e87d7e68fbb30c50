import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import type { Db } from '../storage/db.js'
import { isVersion10, SUPPORTED_VERSIONS, VERSIONS_1_0 } from '../xapi/version.js'
import { documentEtag } from '../xapi/document-rules.js'
import { onlyAlternateSyntax } from './activities-routes.js'

/**
 * Extension of the About object describing the hub's own limits, so clients can size documents
 * and batches before sending them. Keyed by an IRI the hub owns (xAPI Data §4.1: extension keys
 * are IRIs).
 */
export const LIMITS_EXTENSION = 'urn:national-learning-record-hub:about:limits'

/**
 * The About Resource (1.0.3 Communication §2.8; 2.0.0 §4.1.6.7): the versions the hub speaks and
 * its extensions. Answered without a credential (§2.8.s5.b3
 * SHOULD) and whatever the version header says (§2.8.s5.b4 MUST NOT reject on it).
 */
export async function aboutRoute(
  app: FastifyInstance,
  opts: { db: Db; config: Config },
): Promise<void> {
  const extensions = {
    [LIMITS_EXTENSION]: {
      documentBytes: opts.config.documentLimit,
      requestBytes: opts.config.bodyLimit,
      statementsPerPage: opts.config.statementPageLimit,
    },
  }
  const answer = (version: readonly string[]) => {
    const body = JSON.stringify({ version, extensions })
    return { body, etag: documentEtag(Buffer.from(body)) }
  }
  const all = answer(SUPPORTED_VERSIONS)
  const line10 = answer(VERSIONS_1_0)

  app.get('/about', { config: { xapiPublic: true } }, async (request, reply) => {
    // The header is optional here and never refused (§2.8.s5.b4); a 1.0.x one selects the list
    // a 1.0 client understands (see VERSIONS_1_0).
    const header = request.headers['x-experience-api-version']
    const { body, etag } = isVersion10(header) ? line10 : all
    const vary = reply.getHeader('vary')
    reply.header(
      'Vary',
      vary ? `${String(vary)}, X-Experience-API-Version` : 'X-Experience-API-Version',
    )
    return reply.header('ETag', etag).header('Content-Type', 'application/json').send(body)
  })
  app.post('/about', async (request) => onlyAlternateSyntax(request))
}
