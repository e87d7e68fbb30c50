import type { FastifyInstance } from 'fastify'
import type { HubAuth } from '../auth/hub-auth.js'
import { requireScope, type Principal } from '../auth/principal.js'
import { badRequest, HubError } from '../errors.js'
import type { ProfileModes } from '../profile/profile-modes.js'
import type { Db } from '../storage/db.js'
import {
  selectFindings,
  selectProfileMode,
  updateProfileMode,
  type ProfileMode,
  type StoredFinding,
} from '../storage/profile-store.js'

/**
 * The national profile's part of the administration API (`admin` scope): each platform's
 * profile mode, and its report of findings. Kept apart from admin-routes.ts so the platform
 * registry's routes stay in one place and these in another.
 */
export interface ProfileAdminOptions {
  auth: HubAuth
  db: Db
  profileModes: ProfileModes
}

const MODE_SCHEMA = {
  params: { type: 'object', properties: { id: { type: 'string' } } },
  body: {
    type: 'object',
    required: ['profileMode'],
    additionalProperties: false,
    properties: { profileMode: { type: 'string', enum: ['reject', 'record'] } },
  },
}
const DEFAULT_PAGE = 100
const MAX_PAGE = 1000

function notRegistered(id: string): never {
  throw new HubError('not_found', `platform ${id} is not registered`)
}

/**
 * One page of a platform's report: findings in the order they were found, paged by keyset
 * (`after` is the `seq` of the last finding of the previous page; `more` carries it).
 */
export async function findingsPage(
  db: Db,
  platformId: string,
  query: Record<string, unknown>,
  path: string,
): Promise<{ findings: StoredFinding[]; more: string }> {
  for (const name of Object.keys(query)) {
    if (name !== 'limit' && name !== 'after')
      badRequest(`query.${name}`, 'takes only limit and after')
  }
  const limit = pageLimit(query.limit)
  const after = query.after
  if (after !== undefined && (typeof after !== 'string' || !/^\d{1,18}$/.test(after))) {
    badRequest('query.after', 'must be the seq of a finding, as given in a more link')
  }
  const findings = await selectFindings(db, platformId, after, limit)
  const last = findings[findings.length - 1]
  const more =
    findings.length === limit && last !== undefined
      ? `${path}?limit=${limit}&after=${last.seq}`
      : ''
  return { findings, more }
}

function pageLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1) {
    badRequest('query.limit', 'must be a positive whole number')
  }
  return Math.min(Number(raw), MAX_PAGE)
}

export async function profileAdminRoutes(
  app: FastifyInstance,
  options: ProfileAdminOptions,
): Promise<void> {
  const { auth, db, profileModes } = options
  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request) => {
    request.principal = await auth.authenticator.authenticate(request.headers.authorization)
    requireScope(request.principal, 'admin')
  })

  app.get('/platforms/:id/profile-mode', async (request) => {
    const { id } = request.params as { id: string }
    const mode = (await selectProfileMode(db, id)) ?? notRegistered(id)
    return { platform: id, profileMode: mode }
  })

  app.put('/platforms/:id/profile-mode', { schema: MODE_SCHEMA }, async (request) => {
    const { id } = request.params as { id: string }
    const { profileMode } = request.body as { profileMode: ProfileMode }
    if (!(await updateProfileMode(db, id, profileMode))) notRegistered(id)
    profileModes.remember(id, profileMode)
    request.log.info(
      { platform: id, by: request.principal.clientId, profileMode },
      'profile mode changed',
    )
    return { platform: id, profileMode }
  })

  app.get('/platforms/:id/profile-findings', async (request) => {
    const { id } = request.params as { id: string }
    const query = request.query as Record<string, unknown>
    if ((await selectProfileMode(db, id)) === undefined) notRegistered(id)
    return findingsPage(
      db,
      id,
      query,
      `/admin/platforms/${encodeURIComponent(id)}/profile-findings`,
    )
  })
}
