import type { FastifyInstance } from 'fastify'
import { HubError } from '../errors.js'
import type { NationalProfile } from '../profile/national-profile.js'

/**
 * Publishes the national profile (xAPI Profiles JSON-LD): `/profiles/digital-skills` is the
 * latest version, `/profiles/digital-skills/v<semver>` each supported one. Public, like the
 * JSON Schemas: platforms and auditors read it to know the rules the hub applies. The documents
 * are built once at start-up, with the identity provider this hub is configured with.
 */
export async function profileRoutes(
  app: FastifyInstance,
  opts: { profile: NationalProfile },
): Promise<void> {
  const { profile } = opts

  app.get('/profiles/digital-skills', async (_request, reply) =>
    reply.type('application/ld+json; charset=utf-8').send(profile.latest.document),
  )

  app.get('/profiles/digital-skills/:version', async (request, reply) => {
    const requested = (request.params as { version: string }).version
    const published = /^v\d+\.\d+\.\d+$/.test(requested)
      ? profile.version(requested.slice(1))
      : undefined
    if (published === undefined) {
      const supported = profile.versions.map((v) => `v${v.version}`).join(', ')
      throw new HubError(
        'not_found',
        `no supported profile version ${requested} (supported: ${supported})`,
      )
    }
    return reply.type('application/ld+json; charset=utf-8').send(published.document)
  })
}
