import type { FastifyInstance, FastifyRequest } from 'fastify'
import { requireScope } from '../auth/principal.js'
import { badRequest } from '../errors.js'
import { checkIngest, profileRejection } from '../profile/ingest-check.js'
import type { NationalProfile } from '../profile/national-profile.js'
import type { ProfileModes } from '../profile/profile-modes.js'
import type { StatementWriter } from '../storage/statement-writer.js'
import type { JsonObject } from '../xapi/agent-key.js'
import { matchAttachments, requiresMultipart } from '../xapi/attachments.js'
import { parseMultipartMixed, type AttachmentPart } from '../xapi/multipart.js'
import { verifySignedStatements } from '../xapi/signature.js'
import { validateStatements } from '../xapi/statement-validation.js'

/**
 * PUT and POST on the Statement Resource (xAPI Communication §2.1.1, §2.1.2): parse the body
 * (JSON, or multipart/mixed with attachments), validate every statement, check attachments and
 * signatures, then hand the whole request to the group-commit writer. Nothing is stored unless
 * every statement of the request is valid.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface ParsedBody {
  statements: JsonObject[]
  attachments: ReadonlyMap<string, AttachmentPart>
}

async function readStatements(request: FastifyRequest): Promise<ParsedBody> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'multipart/mixed') {
    const { statementBody, parts } = parseMultipartMixed(
      request.body as Buffer,
      request.headers['content-type'] ?? '',
    )
    const statements = validateStatements(statementBody, request.xapiVersion)
    const attachments = matchAttachments(statements, parts)
    await verifySignedStatements(statements, attachments)
    return { statements, attachments }
  }
  if (type !== 'application/json') {
    badRequest('header.Content-Type', 'statements are sent as application/json or multipart/mixed')
  }
  const statements = validateStatements(request.body, request.xapiVersion)
  if (requiresMultipart(statements)) {
    badRequest(
      'statements[].attachments',
      'an attachment without fileUrl must travel in a multipart/mixed request with its content',
    )
  }
  return { statements, attachments: new Map() }
}

export interface StatementWriteOptions {
  writer: StatementWriter
  /** The national profile's supported versions, checked against statements that declare one. */
  profile: NationalProfile
  /** Each platform's choice between rejecting and recording statements that break the profile. */
  profileModes: ProfileModes
}

export async function statementWriteRoutes(
  app: FastifyInstance,
  opts: StatementWriteOptions,
): Promise<void> {
  const { writer, profile, profileModes } = opts

  /**
   * The national profile's verdict on a request: a 400 for a platform in `reject` mode, else the
   * findings to store with the statements. The platform's mode is looked up (cached) only when
   * something was found.
   */
  async function profileFindings(
    request: FastifyRequest,
    statements: readonly JsonObject[],
    prefix: (index: number) => string,
  ): Promise<ReturnType<typeof checkIngest>['perStatement'] | undefined> {
    const { perStatement, first } = checkIngest(profile, statements, prefix)
    if (first === undefined) return undefined
    if ((await profileModes.get(request.principal.clientId)) === 'reject')
      throw profileRejection(first)
    request.log.info(
      { statements: perStatement.filter((f) => f !== undefined).length },
      'profile findings recorded',
    )
    return perStatement
  }
  app.addContentTypeParser('multipart/mixed', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  )

  app.put('/statements', async (request, reply) => {
    const principal = request.principal
    requireScope(principal, 'statements/write')
    const query = request.query as Record<string, unknown>
    const statementId = query.statementId
    if (typeof statementId !== 'string' || !UUID.test(statementId)) {
      badRequest('query.statementId', 'PUT requires a statementId parameter holding a UUID')
    }
    for (const name of Object.keys(query)) {
      if (name !== 'statementId') badRequest(`query.${name}`, 'not a parameter of PUT /statements')
    }
    if (Array.isArray(request.body))
      badRequest('body', 'PUT takes a single statement, not an array')

    const { statements, attachments } = await readStatements(request)
    const statement = statements[0] as JsonObject
    if (
      typeof statement.id === 'string' &&
      statement.id.toLowerCase() !== statementId.toLowerCase()
    ) {
      badRequest('statement.id', 'must equal the statementId parameter when present')
    }
    const withId = { ...statement, id: statementId.toLowerCase() }
    const findings = await profileFindings(request, [withId], () => 'statement')

    await writer.write({
      statements: [withId],
      clientId: principal.clientId,
      authority: principal.authority as JsonObject,
      version: request.xapiVersion,
      attachments,
      ...(findings === undefined ? {} : { findings }),
    })
    reply.header('X-Experience-API-Consistent-Through', writer.consistentThrough)
    return reply.code(204).send()
  })

  app.post('/statements', async (request, reply) => {
    const principal = request.principal
    requireScope(principal, 'statements/write')
    for (const name of Object.keys(request.query as object)) {
      badRequest(`query.${name}`, 'POST /statements takes no parameters')
    }

    const { statements, attachments } = await readStatements(request)
    const findings = await profileFindings(request, statements, (index) => `statements[${index}]`)
    const { ids, alreadyStored } = await writer.write({
      statements,
      clientId: principal.clientId,
      authority: principal.authority as JsonObject,
      version: request.xapiVersion,
      attachments,
      ...(findings === undefined ? {} : { findings }),
    })
    reply.header('X-Experience-API-Consistent-Through', writer.consistentThrough)
    // Every statement was stored before, as sent: nothing was stored now, and the specification
    // names the answer for that, 204 No Content (1.0.3 Comm. §2.1.2.s2.b4, 2.0 §4.1.6.1 POST: "409
    // Conflict or 204 No Content"). A retried batch is thus still a cheap success.
    if (alreadyStored === ids.length) return reply.code(204).send()
    return reply.code(200).send(ids)
  })
}
