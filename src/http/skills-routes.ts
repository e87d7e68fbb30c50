import { learnerFromBearer } from '../auth/learner-identity.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { KeyRing } from '../auth/signing-keys.js'
import type { TrustedIssuers } from '../auth/trusted-issuers.js'
import { HubError } from '../errors.js'
import { verifyCredential } from '../skills/vc-jwt.js'
import type { SkillsRecords } from '../storage/skills-records.js'

/**
 * Learners' skills records and credentials, and the public verification routes.
 *
 * `/me/...` admits only learners signed in through a trusted external identity provider (the
 * national IdP). The learner is the xAPI Agent `{"account": {"homePage": <issuer>, "name":
 * <token sub>}}`, the identity platforms put in statements, so a learner reads exactly their own
 * record and nobody else's: there is no parameter naming whose record to read.
 */
export interface SkillsRoutesOptions {
  records: SkillsRecords
  trustedIssuers: TrustedIssuers
  keyRing: KeyRing
}

const VERIFY_SCHEMA = {
  body: {
    type: 'object',
    required: ['credential'],
    additionalProperties: false,
    properties: { credential: { type: 'string', minLength: 1, maxLength: 1_000_000 } },
  },
}
const LIST_PARAMS = {
  params: { type: 'object', properties: { list: { type: 'string', pattern: '^[0-9]{1,9}$' } } },
}

function learnerKey(request: FastifyRequest, issuers: TrustedIssuers): Promise<string> {
  return learnerFromBearer(request.headers.authorization, issuers)
}

export async function skillsRoutes(
  app: FastifyInstance,
  options: SkillsRoutesOptions,
): Promise<void> {
  const { records, trustedIssuers, keyRing } = options

  app.get('/me/record', async (request) =>
    records.record(await learnerKey(request, trustedIssuers)),
  )

  app.get('/me/credentials', async (request) => ({
    credentials: await records.openBadges(await learnerKey(request, trustedIssuers)),
  }))

  app.get('/me/credentials/clr', async (request) =>
    records.clr(await learnerKey(request, trustedIssuers)),
  )

  app.get('/credentials/status/:list', { schema: LIST_PARAMS }, async (request, reply) => {
    const jwt = await records.statusList(Number((request.params as { list: string }).list))
    if (jwt === undefined) throw new HubError('not_found', 'no such status list')
    // Verifiers may cache the list briefly; revocations show within a minute.
    return reply
      .header('content-type', 'application/jwt')
      .header('cache-control', 'public, max-age=60')
      .send(jwt)
  })

  app.post('/credentials/verify', { schema: VERIFY_SCHEMA }, async (request) =>
    verifyCredential(keyRing, (request.body as { credential: string }).credential, (url, index) =>
      records.entryRevoked(url, index),
    ),
  )
}
