import type { FastifyInstance } from 'fastify'
import type { Db } from '../storage/db.js'

/** Liveness (the process answers) and readiness (the store answers) for orchestrators. */
export async function healthRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  app.get('/health/live', async () => ({ status: 'ok' }))

  app.get('/health/ready', async (request, reply) => {
    try {
      await opts.db.query('SELECT 1')
      return { status: 'ok', storage: opts.db.kind }
    } catch (err) {
      request.log.warn({ err }, 'storage not ready')
      return reply.code(503).send({ status: 'unavailable', storage: opts.db.kind })
    }
  })
}
