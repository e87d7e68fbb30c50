import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { HubAuth } from '../auth/hub-auth.js'
import type {
  IssueCredential,
  RegisterPlatform,
  UpdatePlatform,
} from '../auth/platform-registry.js'
import { AGENCY_SCOPES, requireScope, XAPI_SCOPES, type Principal } from '../auth/principal.js'
import { KEY_PURPOSES, type KeyPurpose } from '../auth/key-purposes.js'
import { badRequest, HubError } from '../errors.js'

/**
 * The administration API, for operators and the `hub` command line: register, change, suspend
 * and remove platforms; issue, list, rotate and revoke their credentials; rotate the hub's
 * signing key. Every route requires the `admin` scope. Changes bump the platform's auth version,
 * which the authenticator checks on every request, so they apply from the next request on.
 */
export interface AdminRoutesOptions {
  auth: HubAuth
}

const SCOPE_SCHEMA = { type: 'string', enum: [...XAPI_SCOPES, ...AGENCY_SCOPES, 'admin'] }
const NULLABLE_STRING = { type: ['string', 'null'], maxLength: 2000 }
const PLATFORM_FIELDS = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  contact: NULLABLE_STRING,
  homePage: NULLABLE_STRING,
  scopes: { type: 'array', items: SCOPE_SCHEMA, maxItems: 20 },
  authority: { type: 'object' },
  rateLimitPerMinute: { type: ['integer', 'null'], minimum: 0 },
}
const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string' }, credentialId: { type: 'string' } },
}

const REGISTER_SCHEMA = {
  body: {
    type: 'object',
    required: ['id', 'name', 'scopes'],
    additionalProperties: false,
    properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, ...PLATFORM_FIELDS },
  },
}
const UPDATE_SCHEMA = {
  params: ID_PARAMS,
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { ...PLATFORM_FIELDS, status: { type: 'string', enum: ['active', 'suspended'] } },
  },
}
const CREDENTIAL_SCHEMA = {
  params: ID_PARAMS,
  body: {
    type: 'object',
    required: ['kind'],
    additionalProperties: false,
    properties: {
      kind: { type: 'string', enum: ['basic', 'private_key_jwt', 'external'] },
      label: { type: 'string', maxLength: 200 },
      key: { type: 'string', minLength: 1, maxLength: 200 },
      secret: { type: 'string', minLength: 12, maxLength: 500 },
      publicJwk: { type: 'object' },
      jwksUrl: { type: 'string', maxLength: 2000 },
      issuer: { type: 'string', minLength: 1 },
      subject: { type: 'string', minLength: 1 },
    },
  },
}

type Params = { id: string; credentialId?: string }

/**
 * The purposes a key rotation applies to: every purpose without a body (one command rotates the
 * token and the credential key alike), one with `{"purpose": ...}`.
 */
function rotationPurposes(body: unknown): readonly KeyPurpose[] {
  if (body === undefined || body === null) return KEY_PURPOSES
  if (typeof body !== 'object' || Array.isArray(body))
    badRequest('body', 'must be a JSON object or empty')
  const { purpose, ...rest } = body as { purpose?: unknown }
  const unknown = Object.keys(rest)[0]
  if (unknown !== undefined) badRequest(unknown, 'is not a property of a key rotation')
  if (purpose === undefined) return KEY_PURPOSES
  const known = KEY_PURPOSES.find((candidate) => candidate === purpose)
  if (known === undefined) badRequest('purpose', `must be one of ${KEY_PURPOSES.join(', ')}`)
  return [known]
}

function requireOtherPlatform(principal: Principal, id: string, action: string): void {
  if (principal.clientId === id) {
    throw new HubError(
      'conflict',
      `an administrator cannot ${action} the platform it authenticates as`,
      {
        field: 'id',
        rule: 'use another admin credential, so the hub keeps an administrator',
      },
    )
  }
}

export async function adminRoutes(
  app: FastifyInstance,
  options: AdminRoutesOptions,
): Promise<void> {
  const { registry, keyRing, authenticator } = options.auth
  app.decorateRequest('principal', null as unknown as Principal)

  app.addHook('onRequest', async (request) => {
    request.principal = await authenticator.authenticate(request.headers.authorization)
    requireScope(request.principal, 'admin')
  })

  app.get('/platforms', async () => ({ platforms: await registry.list() }))

  app.post('/platforms', { schema: REGISTER_SCHEMA }, async (request, reply) => {
    const platform = await registry.register(request.body as RegisterPlatform)
    request.log.info(
      { platform: platform.id, by: request.principal.clientId },
      'platform registered',
    )
    return reply.code(201).send(platform)
  })

  app.get('/platforms/:id', { schema: { params: ID_PARAMS } }, async (request) =>
    registry.get((request.params as Params).id),
  )

  app.patch('/platforms/:id', { schema: UPDATE_SCHEMA }, async (request) => {
    const { id } = request.params as Params
    const changes = request.body as UpdatePlatform
    if (changes.status === 'suspended') requireOtherPlatform(request.principal, id, 'suspend')
    const platform = await registry.update(id, changes)
    request.log.info(
      { platform: id, by: request.principal.clientId, changes: Object.keys(changes) },
      'platform changed',
    )
    return platform
  })

  app.delete('/platforms/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    const { id } = request.params as Params
    requireOtherPlatform(request.principal, id, 'remove')
    await registry.remove(id)
    request.log.info({ platform: id, by: request.principal.clientId }, 'platform removed')
    return reply.code(204).send()
  })

  app.get('/platforms/:id/credentials', { schema: { params: ID_PARAMS } }, async (request) => ({
    credentials: await registry.listCredentials((request.params as Params).id),
  }))

  app.post('/platforms/:id/credentials', { schema: CREDENTIAL_SCHEMA }, async (request, reply) => {
    const { id } = request.params as Params
    const issued = await registry.issueCredential(id, request.body as IssueCredential)
    request.log.info(
      { platform: id, credential: issued.credential.id, kind: issued.credential.kind },
      'credential issued',
    )
    return reply.code(201).header('Cache-Control', 'no-store').send(issued)
  })

  app.post(
    '/platforms/:id/credentials/:credentialId/rotate',
    { schema: { params: ID_PARAMS } },
    async (request, reply) => {
      const { id, credentialId } = request.params as Required<Params>
      const issued = await registry.rotateCredential(id, credentialId)
      request.log.info(
        { platform: id, old: credentialId, credential: issued.credential.id },
        'credential rotated',
      )
      return reply.code(201).header('Cache-Control', 'no-store').send(issued)
    },
  )

  app.delete(
    '/platforms/:id/credentials/:credentialId',
    { schema: { params: ID_PARAMS } },
    async (request) => {
      const { id, credentialId } = request.params as Required<Params>
      const revoked = await registry.revoke(id, credentialId)
      request.log.info({ platform: id, credential: credentialId }, 'credential revoked')
      return { revoked }
    },
  )

  app.delete(
    '/platforms/:id/credentials',
    { schema: { params: ID_PARAMS } },
    async (request: FastifyRequest) => {
      const { id } = request.params as Params
      const revoked = await registry.revoke(id)
      request.log.info({ platform: id, revoked }, 'all credentials revoked')
      return { revoked }
    },
  )

  app.get('/keys', async () => keyRing.jwks())

  app.post('/keys/rotate', async (request) => {
    const rotated = await keyRing.rotate(rotationPurposes(request.body))
    request.log.info({ rotated, by: request.principal.clientId }, 'signing keys rotated')
    return { rotated }
  })
}
