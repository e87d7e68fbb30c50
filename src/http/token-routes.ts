import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { issueAccessToken } from '../auth/access-tokens.js'
import { parseBasic } from '../auth/authenticator.js'
import { CLIENT_ASSERTION_TYPE } from '../auth/client-assertion.js'
import type { HubAuth } from '../auth/hub-auth.js'
import { hasScope, type Scope } from '../auth/principal.js'
import type { Config } from '../config.js'
import { badRequest, HubError, isHubError } from '../errors.js'
import type { CredentialForAuth } from '../storage/platform-store.js'

/**
 * The OAuth 2.0 token endpoint (RFC 6749 §3.2) for the client-credentials grant (§4.4), and the
 * hub's public keys (RFC 7517 §5) so anyone can verify the tokens it signs.
 *
 * Client authentication, exactly one per request:
 * - client_secret_basic (§2.3.1): `Authorization: Basic` with a Basic credential's key and secret;
 * - client_secret_post (§2.3.1): `client_id` and `client_secret` in the form;
 * - private_key_jwt (RFC 7523 §2.2): `client_assertion_type` and `client_assertion`.
 *
 * Errors follow RFC 6749 §5.2 (`{"error": ..., "error_description": ...}`), which OAuth client
 * libraries read, rather than the hub's usual error body.
 */
export interface TokenRoutesOptions {
  auth: HubAuth
  config: Config
}

const FORM_TYPE = 'application/x-www-form-urlencoded'

/** RFC 6749 §5.2 error codes, chosen from the hub error's code and field. */
function oauthError(error: HubError): string {
  if (error.code === 'unauthorized') return 'invalid_client'
  if (error.code === 'too_many_requests') return 'slow_down'
  if (error.field === 'grant_type') return 'unsupported_grant_type'
  if (error.field === 'scope') return 'invalid_scope'
  return 'invalid_request'
}

/** Form values are application/x-www-form-urlencoded inside the Basic header too (§2.3.1). */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}

function field(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name)
  if (values.length > 1) badRequest(name, 'must not be repeated (RFC 6749 §3.2)')
  return values[0]
}

export async function tokenRoutes(
  app: FastifyInstance,
  options: TokenRoutesOptions,
): Promise<void> {
  const { auth, config } = options
  app.addContentTypeParser(FORM_TYPE, { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  )

  app.setErrorHandler((error: FastifyError | HubError, request, reply: FastifyReply) => {
    const known = isHubError(error) ? error : undefined
    if (known === undefined || known.status >= 500) {
      request.log.error({ err: error }, 'token request failed')
      const status = known?.status ?? (error as FastifyError).statusCode ?? 500
      if (status >= 500) return reply.code(status).send({ error: 'server_error' })
      return reply.code(status).send({ error: 'invalid_request', error_description: error.message })
    }
    request.log.info({ code: known.code, field: known.field }, known.message)
    if (known.headers !== undefined) reply.headers(known.headers)
    return reply
      .code(known.status === 403 ? 400 : known.status)
      .header('Cache-Control', 'no-store')
      .send({ error: oauthError(known), error_description: known.message })
  })

  async function authenticateClient(
    form: URLSearchParams,
    authorization: string | undefined,
  ): Promise<CredentialForAuth> {
    const assertionType = field(form, 'client_assertion_type')
    const assertion = field(form, 'client_assertion')
    const clientId = field(form, 'client_id')
    const clientSecret = field(form, 'client_secret')
    const methods = [
      authorization !== undefined,
      assertion !== undefined,
      clientSecret !== undefined,
    ]
    if (methods.filter(Boolean).length !== 1) {
      throw new HubError('unauthorized', 'use exactly one client authentication method', {
        rule: 'RFC 6749 §2.3: a client uses one authentication method per request',
      })
    }

    if (authorization !== undefined) {
      const basic = parseBasic(authorization)
      if (basic === undefined)
        throw new HubError('unauthorized', 'the Authorization header must be HTTP Basic')
      return auth.authenticator.verifySecret(formDecode(basic.key), formDecode(basic.secret))
    }
    if (assertion !== undefined) {
      if (assertionType !== CLIENT_ASSERTION_TYPE)
        badRequest('client_assertion_type', `must be ${CLIENT_ASSERTION_TYPE}`)
      return auth.clientAssertions.verify(assertion, clientId)
    }
    if (clientId === undefined) badRequest('client_id', 'is required with client_secret')
    return auth.authenticator.verifySecret(clientId, clientSecret ?? '')
  }

  app.post('/oauth/token', async (request, reply) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== FORM_TYPE)
      badRequest('header.Content-Type', `must be ${FORM_TYPE} (RFC 6749 §3.2)`)
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '')

    const grantType = field(form, 'grant_type')
    if (grantType !== 'client_credentials')
      badRequest('grant_type', 'only client_credentials is supported')
    const credential = await authenticateClient(form, request.headers.authorization)
    const principal = await auth.authenticator.admit(credential.id, credential.platformId)

    const requested = field(form, 'scope')
    const scopes =
      requested === undefined
        ? [...principal.scopes]
        : requested.split(' ').filter((scope) => scope !== '')
    for (const scope of scopes) {
      if (!hasScope(principal, scope as Scope))
        badRequest('scope', `the platform is not granted ${scope}`)
    }

    const issued = await issueAccessToken(auth.keyRing, config, {
      platformId: credential.platformId,
      credentialId: credential.id,
      clientId: credential.key ?? credential.id,
      scopes: scopes as Scope[],
    })
    request.log.info({ platform: credential.platformId, scopes }, 'access token issued')
    return reply
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache')
      .send({
        access_token: issued.token,
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        scope: scopes.join(' '),
      })
  })

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Short caching: verifiers pick up a rotation's new key within minutes, and fetch again on
    // an unknown kid anyway.
    return reply.header('Cache-Control', 'public, max-age=300').send(await auth.keyRing.jwks())
  })
}
