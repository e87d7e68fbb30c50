import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { badRequest } from '../errors.js'
import { isAlternateSyntax } from './xapi-context.js'

/**
 * xAPI 1.0.3 Alternate Request Syntax (Communication §1.3): a browser that cannot send custom
 * headers or methods POSTs a form to `resource?method=PUT`, with headers, parameters and the
 * `content` body as form fields. The hub rewrites such a request into the ordinary request it
 * stands for and runs that through the same routes, so every rule (version, credential,
 * validation) applies identically. xAPI 2.0.0 removed the syntax: a 2.0 request using it is a 400.
 */
const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD'])
/** Form fields that stand for request headers (matched case-insensitively). */
const HEADER_FIELDS = new Set([
  'authorization',
  'x-experience-api-version',
  'content-type',
  'content-length',
  'if-match',
  'if-none-match',
])
const FORM_TYPE = 'application/x-www-form-urlencoded'

export function installAlternateSyntax(app: FastifyInstance, root: () => FastifyInstance): void {
  app.addContentTypeParser(FORM_TYPE, { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  )

  app.addHook('preHandler', async (request, reply) => {
    if (!isAlternateSyntax(request)) return
    return rewrite(request, reply, root())
  })
}

async function rewrite(
  request: FastifyRequest,
  reply: FastifyReply,
  root: FastifyInstance,
): Promise<FastifyReply> {
  const query = request.query as Record<string, unknown>
  const method = String(query.method).toUpperCase()
  if (!METHODS.has(method)) badRequest('query.method', `must be one of ${[...METHODS].join(', ')}`)
  if (Object.keys(query).length > 1) {
    badRequest(
      'query',
      'with the Alternate Request Syntax, method must be the only query parameter',
    )
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== FORM_TYPE)
    badRequest('header.Content-Type', `the Alternate Request Syntax requires ${FORM_TYPE}`)

  const raw =
    typeof request.body === 'string'
      ? request.body
      : Buffer.isBuffer(request.body)
        ? request.body.toString('utf8')
        : ''
  const form = new URLSearchParams(raw)
  const headers: Record<string, string> = {}
  const params = new URLSearchParams()
  let content: string | undefined
  for (const [name, value] of form) {
    const lower = name.toLowerCase()
    if (lower === 'content') content = value
    else if (HEADER_FIELDS.has(lower)) headers[lower] = value
    else params.append(name, value)
  }
  const version = headers['x-experience-api-version'] ?? request.headers['x-experience-api-version']
  if (typeof version === 'string' && version.startsWith('2.')) {
    badRequest('query.method', 'xAPI 2.0.0 does not allow the Alternate Request Syntax')
  }
  if (headers.authorization === undefined && request.headers.authorization !== undefined) {
    headers.authorization = request.headers.authorization
  }
  if (headers['x-experience-api-version'] === undefined && typeof version === 'string') {
    headers['x-experience-api-version'] = version
  }
  delete headers['content-length']
  if (content !== undefined && headers['content-type'] === undefined)
    headers['content-type'] = 'application/json'

  const path = request.url.split('?')[0] ?? ''
  const search = params.toString()
  const response = await root.inject({
    method: method as 'GET',
    url: search === '' ? path : `${path}?${search}`,
    headers,
    ...(content === undefined ? {} : { payload: content }),
  })
  for (const [name, value] of Object.entries(response.headers)) {
    if (
      value === undefined ||
      ['content-length', 'transfer-encoding', 'connection', 'date'].includes(name)
    )
      continue
    reply.header(name, value)
  }
  return reply.code(response.statusCode).send(response.rawPayload)
}
