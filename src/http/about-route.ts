import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import type { Db } from '../storage/db.js'
import { SUPPORTED_VERSIONS } from '../xapi/version.js'
import { documentEtag } from '../xapi/document-rules.js'
import { onlyAlternateSyntax } from './activities-routes.js'

/**
 * Extension of the About object describing the hub's own limits, so clients can size documents
 * and batches before sending them. Keyed by an IRI the hub owns (xAPI Data §4.1: extension keys
 * are IRIs).
 */
export const LIMITS_EXTENSION = 'urn:national-learning-record-hub:about:limits'

/**
 * The About Resource (1.0.3 Communication §2.8; 2.0.0 §4.1.6.7): the versions the hub speaks, the
 * latest patch of each major version, and its extensions. Answered without a credential (§2.8.s5.b3
 * SHOULD) and whatever the version header says (§2.8.s5.b4 MUST NOT reject on it).
 */
export async function aboutRoute(
  app: FastifyInstance,
  opts: { db: Db; config: Config },
): Promise<void> {
  const about = {
    version: [...SUPPORTED_VERSIONS],
    extensions: {
      [LIMITS_EXTENSION]: {
        documentBytes: opts.config.documentLimit,
        requestBytes: opts.config.bodyLimit,
        statementsPerPage: opts.config.statementPageLimit,
      },
    },
  }
  const body = JSON.stringify(about)
  const etag = documentEtag(Buffer.from(body))

  app.get('/about', { config: { xapiPublic: true } }, async (_request, reply) =>
    reply.header('ETag', etag).header('Content-Type', 'application/json; charset=utf-8').send(body),
  )
  app.post('/about', async (request) => onlyAlternateSyntax(request))
}
