import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requireScope, type XapiScope } from '../auth/principal.js'
import type { Config } from '../config.js'
import { badRequest, HubError } from '../errors.js'
import type { Db } from '../storage/db.js'
import {
  changeDocument,
  deleteDocuments,
  listDocumentIds,
  readDocument,
  type DocumentContext,
  type DocumentKey,
} from '../storage/document-store.js'
import {
  checkContent,
  checkParameterNames,
  decideDelete,
  decideWrite,
  documentEtag,
  isNotModified,
  parseActivityId,
  parseAgent,
  parseDocumentId,
  parsePreconditions,
  parseRegistration,
  parseSince,
  type DocumentKind,
  type QueryParams,
} from '../xapi/document-rules.js'

/**
 * The three document resources (xAPI 1.0.3 Communication §2.2-2.7; 2.0.0 §4.1.6.2, 4.1.6.5,
 * 4.1.6.6): State, Activity Profile and Agent Profile. They share every rule and differ in the
 * parameters that name a document's context and in the scope that guards them (§4.2).
 */
interface DocumentResource {
  path: string
  kind: DocumentKind
  /** The xAPI scope for reading and writing (1.0.3 Communication §4.2 table). */
  scope: XapiScope
  idName: 'stateId' | 'profileId'
  activity: boolean
  agent: boolean
  /** The State Resource's context includes a registration, and it alone deletes many at once. */
  state: boolean
}

const RESOURCES: readonly DocumentResource[] = [
  {
    path: '/activities/state',
    kind: 'state',
    scope: 'state',
    idName: 'stateId',
    activity: true,
    agent: true,
    state: true,
  },
  {
    path: '/activities/profile',
    kind: 'activity_profile',
    scope: 'profile',
    idName: 'profileId',
    activity: true,
    agent: false,
    state: false,
  },
  {
    path: '/agents/profile',
    kind: 'agent_profile',
    scope: 'profile',
    idName: 'profileId',
    activity: false,
    agent: true,
    state: false,
  },
]

export interface DocumentRouteOptions {
  db: Db
  config: Config
}

const FORM_TYPE = 'application/x-www-form-urlencoded'

function tooLarge(limit: number): HubError {
  return new HubError('payload_too_large', `body: the document is larger than ${limit} bytes`, {
    field: 'body',
    rule: `documents are limited to ${limit} bytes (DOCUMENT_LIMIT)`,
  })
}

/** Reads a request body into one Buffer; past the limit, a 413 that names the limit. */
async function readBody(
  request: FastifyRequest,
  payload: Readable,
  limit: number,
): Promise<Buffer> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of payload) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
    size += bytes.length
    if (size > limit) throw tooLarge(limit)
    chunks.push(bytes)
  }
  return Buffer.concat(chunks)
}

/**
 * Registers the document resources. They run in their own scope whose only body parser keeps the
 * exact bytes of any Content-Type, JSON included: documents are stored byte for byte (Communication
 * §1.5 "Documents can have any content type"). A form body is read the same way, with the request
 * limit, for the 1.0.3 Alternate Request Syntax, which re-checks the document it carries.
 */
export async function documentRoutes(
  app: FastifyInstance,
  opts: DocumentRouteOptions,
): Promise<void> {
  const limit = opts.config.documentLimit
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(FORM_TYPE, async (request: FastifyRequest, payload: Readable) =>
    readBody(request, payload, Math.max(opts.config.bodyLimit, limit)),
  )
  app.addContentTypeParser('*', async (request: FastifyRequest, payload: Readable) =>
    readBody(request, payload, limit),
  )

  for (const resource of RESOURCES) {
    const handlers = new DocumentHandlers(resource, opts)
    app.get(resource.path, (request, reply) => handlers.get(request, reply))
    app.put(resource.path, (request, reply) => handlers.write('PUT', request, reply))
    app.post(resource.path, (request, reply) => handlers.write('POST', request, reply))
    app.delete(resource.path, (request, reply) => handlers.delete(request, reply))
  }
}

const httpDate = (iso: string): string => new Date(iso).toUTCString()

class DocumentHandlers {
  constructor(
    private readonly resource: DocumentResource,
    private readonly opts: DocumentRouteOptions,
  ) {}

  /** The parameter names a request may use (Communication §2.3-2.7 parameter tables). */
  private allowed(extra: readonly string[]): string[] {
    const names = [this.resource.idName, ...extra]
    if (this.resource.activity) names.push('activityId')
    if (this.resource.agent) names.push('agent')
    if (this.resource.state) names.push('registration')
    return names
  }

  private context(request: FastifyRequest, query: QueryParams): DocumentContext {
    return {
      clientId: request.principal.clientId,
      kind: this.resource.kind,
      activityId: this.resource.activity ? parseActivityId(query) : '',
      agentKey: this.resource.agent ? parseAgent(query).key : '',
      registration: this.resource.state ? parseRegistration(query) : '',
    }
  }

  private key(context: DocumentContext, docId: string | undefined): DocumentKey {
    if (docId === undefined) badRequest(`query.${this.resource.idName}`, 'is required')
    return { ...context, registration: context.registration ?? '', docId }
  }

  async get(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    requireScope(request.principal, this.resource.scope, 'all/read')
    const query = request.query as QueryParams
    checkParameterNames(query, this.allowed(['since']))
    const context = this.context(request, query)
    const docId = parseDocumentId(query, this.resource.idName)
    // `since` filters the id list. Beside an id, 2.0.0 refuses it: its single-document GET lists
    // no `since`, and a parameter outside its intended context is a 400 (§4.1.5). Under 1.0.3 it
    // is checked and then ignored, as the 1.0.3 conformance suite expects (a 200 with the
    // document): the resource recognises the parameter (Comm. §3.2.s3.b7 refuses only unknown
    // ones) and 1.0.3's tables do not forbid the pair.
    const since = parseSince(query)
    if (docId !== undefined && since !== undefined && request.xapiVersion === '2.0.0') {
      badRequest(
        'query.since',
        `not allowed together with ${this.resource.idName} (single document GET, 2.0.0 §4.1.6)`,
      )
    }
    if (docId === undefined) return this.list(reply, context, since)

    const document = await readDocument(this.opts.db, this.key(context, docId))
    if (document === undefined) {
      throw new HubError(
        'not_found',
        `no document with ${this.resource.idName} "${docId}" in this context`,
        {
          field: `query.${this.resource.idName}`,
        },
      )
    }
    reply.header('ETag', document.etag).header('Last-Modified', httpDate(document.updated))
    if (isNotModified(parsePreconditions(request.headers), document.etag)) {
      return reply.code(304).send()
    }
    return reply.header('Content-Type', document.contentType).send(document.content)
  }

  /** Multiple Document GET: the ids, Last-Modified of the newest (Communication §2.2.s6.b2). */
  private async list(
    reply: FastifyReply,
    context: DocumentContext,
    since: string | undefined,
  ): Promise<FastifyReply> {
    const { ids, lastModified } = await listDocumentIds(this.opts.db, context, since)
    const body = JSON.stringify(ids)
    reply.header('ETag', documentEtag(Buffer.from(body)))
    if (lastModified !== undefined) reply.header('Last-Modified', httpDate(lastModified))
    return reply.header('Content-Type', 'application/json; charset=utf-8').send(body)
  }

  async write(
    method: 'PUT' | 'POST',
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    requireScope(request.principal, this.resource.scope)
    const query = request.query as QueryParams
    checkParameterNames(query, this.allowed([]))
    const key = this.key(this.context(request, query), parseDocumentId(query, this.resource.idName))

    const limit = this.opts.config.documentLimit
    const content = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    if (content.length > limit) throw tooLarge(limit)
    const contentType = request.headers['content-type'] ?? 'application/octet-stream'
    checkContent({ contentType, content })
    const preconditions = parsePreconditions(request.headers)

    const { document } = await changeDocument(this.opts.db, key, (current) => ({
      action: 'write' as const,
      document: decideWrite(current, {
        method,
        kind: this.resource.kind,
        version: request.xapiVersion,
        contentType,
        content,
        preconditions,
        limit,
      }),
    }))
    // The new ETag saves the client a GET before its next conditional write.
    return reply.code(204).header('ETag', document.etag).send()
  }

  async delete(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    requireScope(request.principal, this.resource.scope)
    const query = request.query as QueryParams
    checkParameterNames(query, this.allowed([]))
    const context = this.context(request, query)
    const docId = parseDocumentId(query, this.resource.idName)

    if (docId === undefined && this.resource.state) {
      // Multiple Document DELETE (Communication §2.3.s5): all state of the activity and agent,
      // of the given registration only when one is named.
      await deleteDocuments(this.opts.db, context)
      return reply.code(204).send()
    }
    const preconditions = parsePreconditions(request.headers)
    await changeDocument(this.opts.db, this.key(context, docId), (current) => {
      decideDelete(current, preconditions)
      return { action: 'delete' }
    })
    return reply.code(204).send()
  }
}
