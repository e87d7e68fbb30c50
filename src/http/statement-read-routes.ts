import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasScope, requireScope } from '../auth/principal.js'
import type { Config } from '../config.js'
import { HubError } from '../errors.js'
import type { Db } from '../storage/db.js'
import {
  readAttachments,
  readStatementById,
  readStatementPage,
  type StoredStatementRow,
} from '../storage/statement-reader.js'
import type { JsonObject } from '../xapi/agent-key.js'
import { decodeMoreToken, encodeMoreToken } from '../xapi/more-token.js'
import { buildMultipartMixed, type AttachmentPart } from '../xapi/multipart.js'
import { formatStatement, parseAcceptLanguage } from '../xapi/statement-format.js'
import { asVersion103, needsConversion } from '../xapi/version-conversion.js'
import type { XapiVersion } from '../xapi/version.js'
import {
  parseStatementRequest,
  type SingleStatementRequest,
  type StatementFormat,
  type StatementQuery,
} from '../xapi/statement-query-params.js'
import { requirePrincipal } from './xapi-context.js'

export interface StatementReadRoutesOptions {
  db: Db
  config: Config
}

/** What a response is built from: rows in order and how the client asked to see them. */
interface Rendering {
  format: StatementFormat
  attachments: boolean
  languages: readonly string[]
  /** The reader's xAPI version: 2.0 statements are shown to 1.0.3 readers as 1.0.3 ones. */
  version: XapiVersion
}

/**
 * GET /statements (xAPI Communication §2.1.3 and §2.1.4; IEEE 9274.1.1 §4.1.6.1): one statement
 * by `statementId` or `voidedStatementId`, or a StatementResult page of a filtered query with a
 * `more` IRL for the next page. HEAD answers the same headers without a body (Fastify derives it).
 */
export async function statementReadRoutes(
  app: FastifyInstance,
  opts: StatementReadRoutesOptions,
): Promise<void> {
  const { db, config } = opts

  app.get('/statements', async (request, reply) => {
    // §2.1.3.s2.b5: on every response of the resource, errors included. The writer commits in
    // storage order, so everything stored before now is readable now.
    reply.header('X-Experience-API-Consistent-Through', new Date().toISOString())

    const principal = requirePrincipal(request)
    requireScope(principal, 'statements/read', 'statements/read/mine')
    // statements/read/mine: only what this client stored (xAPI 1.0.3 Part Three §4.2.3).
    const clientId = hasScope(principal, 'statements/read') ? undefined : principal.clientId

    const parsed = parseStatementRequest(
      request.query as Record<string, unknown>,
      config.statementPageLimit,
    )
    if (parsed.kind === 'single') return sendSingle(request, reply, parsed, clientId)
    if (parsed.kind === 'query')
      return sendPage(request, reply, parsed, undefined, undefined, clientId)
    const cursor = decodeMoreToken(parsed.token, config.statementPageLimit)
    return sendPage(request, reply, cursor.query, cursor.after, cursor.bound, clientId)
  })

  async function sendSingle(
    request: FastifyRequest,
    reply: FastifyReply,
    single: SingleStatementRequest,
    clientId: string | undefined,
  ): Promise<FastifyReply> {
    // §2.1.4: a voided statement is found only by voidedStatementId, any other only by statementId.
    const row = await readStatementById(db, single.id, single.voided, clientId)
    if (row === undefined) {
      const name = single.voided ? 'voidedStatementId' : 'statementId'
      throw new HubError(
        'not_found',
        `no ${single.voided ? 'voided ' : ''}statement with this ${name}`,
        {
          field: `query.${name}`,
        },
      )
    }

    reply.header('Last-Modified', httpDate(row.stored))
    const rendering = renderingOf(request, single)
    return send(reply, rendering, renderStatement(row, rendering), [row])
  }

  async function sendPage(
    request: FastifyRequest,
    reply: FastifyReply,
    query: StatementQuery,
    after: string | undefined,
    bound: string | undefined,
    clientId: string | undefined,
  ): Promise<FastifyReply> {
    const page = await readStatementPage(db, {
      filters: query.filters,
      ascending: query.ascending,
      limit: query.limit,
      after,
      bound,
      clientId,
    })

    // Data §2.5.1: `more` is an IRL relative to the hub (absolute under PUBLIC_URL), or "".
    const last = page.rows.at(-1)
    let more = ''
    if (page.hasMore && last !== undefined) {
      const token = encodeMoreToken({ query, after: last.seq, bound: page.bound })
      const path = request.routeOptions.url ?? '/xapi/statements'
      more = `${config.publicUrl ?? ''}${path}?more=${token}`
    }
    // IEEE 9274.1.1: Last-Modified is the most recent `stored` among the returned statements.
    const newest = page.rows.reduce<string | undefined>(
      (max, row) =>
        max === undefined || storedTime(row.stored) > storedTime(max) ? row.stored : max,
      undefined,
    )
    if (newest !== undefined) reply.header('Last-Modified', httpDate(newest))

    const rendering = renderingOf(request, query)
    const statements = page.rows.map((row) => renderStatement(row, rendering)).join(',')
    return send(
      reply,
      rendering,
      `{"statements":[${statements}],"more":${JSON.stringify(more)}}`,
      page.rows,
    )
  }

  /** application/json, or multipart/mixed with the attachments' content (§2.1.3.s2.b6, b7). */
  async function send(
    reply: FastifyReply,
    rendering: Rendering,
    json: string,
    rows: readonly StoredStatementRow[],
  ): Promise<FastifyReply> {
    if (!rendering.attachments) return reply.type('application/json; charset=utf-8').send(json)

    const hashes = rows.flatMap((row) => row.attachment_hashes ?? [])
    const parts: AttachmentPart[] = (await readAttachments(db, hashes)).map((attachment) => ({
      sha2: attachment.sha2,
      contentType: attachment.content_type,
      content: Buffer.from(
        attachment.content.buffer,
        attachment.content.byteOffset,
        attachment.content.byteLength,
      ),
    }))
    const multipart = buildMultipartMixed(json, parts)
    return reply.type(multipart.contentType).send(multipart.body)
  }
}

function renderingOf(
  request: FastifyRequest,
  asked: { format: StatementFormat; attachments: boolean },
): Rendering {
  const languages =
    asked.format === 'canonical' ? parseAcceptLanguage(request.headers['accept-language']) : []
  return {
    format: asked.format,
    attachments: asked.attachments,
    languages,
    version: request.xapiVersion,
  }
}

/**
 * One statement's JSON text. `exact` is the hot path: the stored jsonb text goes into the
 * response as is, without a parse and serialise round trip. The other formats rewrite the
 * Agent, Activity, Verb and Group objects (§2.1.3, format parameter), so they need the object.
 */
function renderStatement(row: StoredStatementRow, rendering: Rendering): string {
  const convert = needsConversion(row.version, rendering.version)
  if (rendering.format === 'exact' && !convert) return row.body
  const stored = JSON.parse(row.body) as JsonObject
  const statement = convert ? asVersion103(stored) : stored
  return JSON.stringify(formatStatement(statement, rendering.format, rendering.languages))
}

/** A timestamptz text from either driver (`2026-12-03 16:22:18.123456+00`) as milliseconds. */
function storedTime(stored: string): number {
  const iso = stored.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')
  return Date.parse(iso)
}

function httpDate(stored: string): string {
  return new Date(storedTime(stored)).toUTCString()
}
