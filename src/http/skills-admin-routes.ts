import type { FastifyInstance } from 'fastify'
import type { HubAuth } from '../auth/hub-auth.js'
import { requireScope, type Principal } from '../auth/principal.js'
import { badRequest } from '../errors.js'
import type { Db } from '../storage/db.js'
import type { FrameworkCatalog } from '../storage/skills-catalog.js'
import type { SkillsProjector } from '../storage/skills-projector.js'
import { listMappings, replaceMapping, selectKnownCompetences } from '../storage/skills-store.js'

/**
 * Administration of skills records (scope `admin`): competency frameworks, the mapping from
 * activity IRIs to competences and levels, and the rebuild of evidence from the statements.
 */
export interface SkillsAdminOptions {
  auth: HubAuth
  db: Db
  catalog: FrameworkCatalog
  projector: SkillsProjector
}

const IRI = { type: 'string', minLength: 1, maxLength: 2000 }
const MAP_SCHEMA = {
  body: {
    type: 'object',
    required: ['activityIri', 'competences'],
    additionalProperties: false,
    properties: {
      activityIri: IRI,
      competences: {
        type: 'array',
        maxItems: 100,
        items: {
          type: 'object',
          required: ['competenceIri', 'level'],
          additionalProperties: false,
          properties: { competenceIri: IRI, level: { type: 'integer', minimum: 1, maximum: 100 } },
        },
      },
    },
  },
}
const ACTIVITY_QUERY = { querystring: { type: 'object', properties: { activityIri: IRI } } }
const REQUIRED_ACTIVITY_QUERY = {
  querystring: { type: 'object', required: ['activityIri'], properties: { activityIri: IRI } },
}
const REBUILD_SCHEMA = {
  body: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { apply: { type: 'boolean' } },
  },
}

export async function skillsAdminRoutes(
  app: FastifyInstance,
  options: SkillsAdminOptions,
): Promise<void> {
  const { auth, db, catalog, projector } = options
  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request) => {
    request.principal = await auth.authenticator.authenticate(request.headers.authorization)
    requireScope(request.principal, 'admin')
  })

  app.get('/frameworks', async () => ({
    frameworks: (await catalog.frameworks()).map((f) => ({
      id: f.id,
      version: f.version,
      title: f.title,
      levels: f.levels.length,
      competences: f.competences.map((c) => ({
        iri: c.iri,
        code: c.code,
        domain: c.domainCode,
        title: c.title,
      })),
    })),
  }))

  app.post('/frameworks', async (request, reply) => {
    const { framework, created } = await catalog.load(request.body)
    request.log.info(
      {
        framework: framework.id,
        version: framework.version,
        created,
        by: request.principal.clientId,
      },
      'framework loaded',
    )
    return reply.code(created ? 201 : 200).send({
      id: framework.id,
      version: framework.version,
      competences: framework.competences.length,
      created,
    })
  })

  app.get('/competence-map', { schema: ACTIVITY_QUERY }, async (request) => ({
    mappings: await listMappings(db, (request.query as { activityIri?: string }).activityIri),
  }))

  app.put('/competence-map', { schema: MAP_SCHEMA }, async (request) => {
    const { activityIri, competences } = request.body as {
      activityIri: string
      competences: { competenceIri: string; level: number }[]
    }
    const known = await selectKnownCompetences(
      db,
      competences.map((c) => c.competenceIri),
    )
    competences.forEach((c, i) => {
      if (!known.has(c.competenceIri))
        badRequest(`competences[${i}].competenceIri`, 'must be a competence of a loaded framework')
    })
    for (const c of competences) {
      const found = await catalog.competence(c.competenceIri)
      if (found !== undefined && !found.framework.levels.some((l) => l.order === c.level)) {
        badRequest(
          'competences.level',
          `${found.framework.id} has levels 1 to ${found.framework.levels.length}`,
        )
      }
    }
    await replaceMapping(db, activityIri, competences)
    const statements = await projector.reprojectActivity(activityIri)
    request.log.info(
      { activity: activityIri, statements, by: request.principal.clientId },
      'competence mapping changed',
    )
    return { activityIri, competences, reprojectedStatements: statements }
  })

  app.delete('/competence-map', { schema: REQUIRED_ACTIVITY_QUERY }, async (request) => {
    const { activityIri } = request.query as { activityIri: string }
    await replaceMapping(db, activityIri, [])
    const statements = await projector.reprojectActivity(activityIri)
    request.log.info(
      { activity: activityIri, statements, by: request.principal.clientId },
      'competence mapping removed',
    )
    return { activityIri, competences: [], reprojectedStatements: statements }
  })

  app.post('/records/rebuild', { schema: REBUILD_SCHEMA }, async (request) => {
    const apply = (request.body as { apply?: boolean } | null)?.apply === true
    const report = await projector.rebuild({ apply })
    request.log.info({ ...report, by: request.principal.clientId }, 'skills records rebuilt')
    return report
  })
}
