import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HubError, isHubError } from '../errors.js'

/**
 * The one place errors become responses. Body shape (JSON):
 *   { "error": { "code": "bad_request", "message": "...", "field": "...", "rule": "..." } }
 * Client errors log at info, server errors at error with the stack; a 500 never echoes internals.
 */
export function errorBody(error: HubError): Record<string, unknown> {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      ...(error.rule === undefined ? {} : { rule: error.rule }),
    },
  }
}

/** Maps Fastify's own errors (body parsing, limits, route schemas) onto the catalogue. */
function fromFastify(error: FastifyError): HubError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HubError('payload_too_large', error.message, {
        field: 'body',
        rule: 'request body size limit',
      })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HubError('unsupported_media_type', error.message, { field: 'header.Content-Type' })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HubError('bad_request', `body: ${error.message}`, {
        field: 'body',
        rule: 'must be valid JSON',
      })
    case 'FST_ERR_VALIDATION':
      return new HubError('bad_request', error.message, { rule: 'request schema' })
  }
  if (error instanceof SyntaxError) {
    return new HubError('bad_request', `body: ${error.message}`, {
      field: 'body',
      rule: 'must be valid JSON',
    })
  }
  const status = error.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    const code =
      status === 413
        ? 'payload_too_large'
        : status === 415
          ? 'unsupported_media_type'
          : 'bad_request'
    return new HubError(code, error.message)
  }
  return undefined
}

/**
 * xAPI lists the error codes an LRS answers with and 415 is not among them (1.0.3 Comm. §3.2.s3.b1:
 * "the error code most appropriate ... from the list above"; §3.2.s3.b6: a content type that does
 * not fit the request is a 400). So on the xAPI resources a content type the hub takes no body in
 * is a 400; the hub's own APIs keep the more precise 415.
 */
function xapiStatus(request: FastifyRequest, error: HubError | undefined): HubError | undefined {
  if (error?.code !== 'unsupported_media_type' || !request.url.startsWith('/xapi/')) return error
  return new HubError('bad_request', error.message, {
    field: 'header.Content-Type',
    rule: 'a content type this resource takes: application/json, or multipart/mixed for statements with attachments',
  })
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(
    (error: FastifyError | HubError, request: FastifyRequest, reply: FastifyReply) => {
      const known = xapiStatus(
        request,
        isHubError(error) ? error : fromFastify(error as FastifyError),
      )
      if (known === undefined || known.status >= 500) {
        request.log.error({ err: error }, 'request failed')
        const internal =
          known ?? new HubError('internal', 'internal error; the request id is in the logs')
        return reply.code(internal.status).send(errorBody(internal))
      }
      request.log.info(
        { code: known.code, field: known.field, status: known.status },
        known.message,
      )
      if (known.headers !== undefined) reply.headers(known.headers)
      return reply.code(known.status).send(errorBody(known))
    },
  )

  app.setNotFoundHandler((request, reply) => {
    const error = new HubError(
      'not_found',
      `no resource at ${request.method} ${request.url.split('?')[0]}`,
    )
    return reply.code(404).send(errorBody(error))
  })
}
