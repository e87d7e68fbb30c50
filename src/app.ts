import cors from '@fastify/cors'
import Fastify, { type FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import { setUpAuth, type HubAuth } from './auth/hub-auth.js'
import type { RemoteKeySetOptions } from './auth/remote-key-sets.js'
import type { Config } from './config.js'
import { aboutRoute } from './http/about-route.js'
import { activitiesRoutes } from './http/activities-routes.js'
import { agentsRoutes } from './http/agents-routes.js'
import { adminRoutes } from './http/admin-routes.js'
import { installAdminAudit } from './http/admin-audit.js'
import { agencyAdminRoutes } from './http/agency-admin-routes.js'
import { agencyRoutes } from './http/agency-routes.js'
import { exportRoutes } from './http/export-routes.js'
import { recordAccessRoutes } from './http/record-access-routes.js'
import { createAgencyProjector, type AgencyProjector } from './storage/agency-projector.js'
import { openAuditTrail, type AuditTrail } from './storage/audit-trail.js'
import { installAlternateSyntax } from './http/alternate-syntax.js'
import { docsRoutes } from './http/docs-routes.js'
import { documentRoutes } from './http/document-routes.js'
import { installErrorHandling } from './http/error-handler.js'
import { healthRoutes } from './http/health-routes.js'
import { answerClientError } from './http/client-errors.js'
import { installHttpMetrics, metricsRoutes } from './http/metrics-routes.js'
import { createHubMetrics } from './observability/hub-metrics.js'
import { PACKAGE_FILE } from './paths.js'
import { readFileSync } from 'node:fs'
import { statementReadRoutes } from './http/statement-read-routes.js'
import { statementWriteRoutes } from './http/statement-write-routes.js'
import { tokenRoutes } from './http/token-routes.js'
import { installXapiContext } from './http/xapi-context.js'
import { skillsAdminRoutes } from './http/skills-admin-routes.js'
import { skillsRoutes } from './http/skills-routes.js'
import { createRemoteKeySets } from './auth/remote-key-sets.js'
import { createTrustedIssuers } from './auth/trusted-issuers.js'
import { signCredential } from './skills/vc-jwt.js'
import { openFrameworkCatalog, type FrameworkCatalog } from './storage/skills-catalog.js'
import { createSkillsProjector, type SkillsProjector } from './storage/skills-projector.js'
import { createSkillsRecords, type SkillsRecords } from './storage/skills-records.js'
import { loggerOptions } from './logger.js'
import { profileAdminRoutes } from './http/profile-admin-routes.js'
import { profileRoutes } from './http/profile-routes.js'
import { ownFindingsRoute } from './http/own-findings-route.js'
import { NationalProfile } from './profile/national-profile.js'
import { ProfileModes } from './profile/profile-modes.js'
import type { Db } from './storage/db.js'
import { openStorage } from './storage/open.js'
import { createStorageUpkeep } from './storage/storage-upkeep.js'
import { depthForPool, StatementWriter } from './storage/statement-writer.js'

export interface BuildOptions {
  /** An already opened store (tests share one per file); opened from the config otherwise. */
  db?: Db
  /** How remote JWKS are cached (tests shorten the refetch cooldown). */
  remoteKeySets?: RemoteKeySetOptions
}

export interface Hub {
  app: FastifyInstance
  db: Db
  /** The bootstrap credential's key, and its secret when this start generated it. */
  bootstrap: { key: string; generatedSecret: string | undefined }
  /** Platform registry, signing keys and authenticator (docs/auth.md). */
  auth: HubAuth
  /** Skills records: frameworks, the evidence projector, records and credentials. */
  skills: { catalog: FrameworkCatalog; projector: SkillsProjector; records: SkillsRecords }
  /** Agency API: the statistics projector and the audit trail (docs/agency-api.md). */
  agency: { projector: AgencyProjector; audit: AuditTrail }
}

/** The hub's release, from package.json (reported by the metrics endpoint). */
function packageVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(PACKAGE_FILE, 'utf8')) as { version?: unknown }
    return typeof version === 'string' ? version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Request ids from a proxy are kept when they look like ids, so logs can be joined across hops. */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(header) ? header : randomUUID()
}

/** Headers browser content may send and read (xAPI Comm. §1.4, CORS). */
const CORS_ALLOWED = [
  'Authorization',
  'Content-Type',
  'X-Experience-API-Version',
  'If-Match',
  'If-None-Match',
  'Accept-Language',
  'X-Request-Id',
]
const CORS_EXPOSED = [
  'ETag',
  'Last-Modified',
  'Location',
  'X-Experience-API-Version',
  'X-Experience-API-Consistent-Through',
  'X-Request-Id',
  'Retry-After',
]

/**
 * Builds the hub's HTTP application without listening, so tests drive it with `inject` and the
 * server entry point decides how to listen. Closing the app closes the store it opened.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<Hub> {
  const db = options.db ?? (await openStorage(config))
  const auth = await setUpAuth(db, config, options.remoteKeySets)
  const { bootstrap } = auth
  const catalog = await openFrameworkCatalog(db)
  const projector = createSkillsProjector(db, catalog)
  const agencyProjector = createAgencyProjector(db)
  const audit = await openAuditTrail(db)
  const upkeep = createStorageUpkeep(db)
  const writer = new StatementWriter(
    db,
    (inserted) => {
      projector.wake()
      agencyProjector.wake()
      upkeep.afterCommit(inserted)
    },
    { maxDepth: depthForPool(config.poolSize) },
  )
  const profile = NationalProfile.load({ identityHomePage: config.nationalIdHomePage })
  const profileModes = new ProfileModes(db)
  const baseUrl = config.publicUrl ?? `http://localhost:${config.port}`
  const records = createSkillsRecords(db, catalog, {
    issuer: { id: config.publicUrl ?? config.tokenIssuer, name: 'National Learning Record Hub' },
    baseUrl,
    sign: (credential) => signCredential(auth.keyRing, credential),
  })

  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    bodyLimit: config.bodyLimit,
    // A client that has not sent its whole request in time gets a 408 and loses the connection.
    // Node looks for such requests every connectionsCheckingInterval: a quarter of the timeout,
    // between 1 and 30 s, so the cut comes at most a quarter late.
    requestTimeout: config.requestTimeoutSeconds * 1000,
    clientErrorHandler: answerClientError,
    http: {
      connectionsCheckingInterval: Math.min(
        30_000,
        Math.max(1000, (config.requestTimeoutSeconds * 1000) / 4),
      ),
      headersTimeout: Math.min(60_000, config.requestTimeoutSeconds * 1000),
    },
    genReqId: (req) => requestId(req.headers['x-request-id']),
    requestIdHeader: false,
    trustProxy: true,
    forceCloseConnections: 'idle',
  })
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id)
  })
  await app.register(cors, {
    origin: true,
    credentials: true,
    allowedHeaders: CORS_ALLOWED,
    exposedHeaders: CORS_EXPOSED,
    methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'],
    maxAge: 86400,
  })
  installErrorHandling(app)
  // Counted for every route, so registered before them; scraped only when a token is configured.
  const metrics = createHubMetrics({ db, writer, version: packageVersion() })
  installHttpMetrics(app, metrics)
  app.addHook('onClose', async () => metrics.stop())
  if (config.metricsToken !== undefined)
    await app.register(metricsRoutes, { metrics, token: config.metricsToken })
  // Any administrative change (platforms, credentials, scopes, agencies) applies on the next
  // request: the authenticator's remembered liveness checks are dropped as soon as one succeeds.
  // onSend runs before the answer leaves, so the caller's next request already sees the change.
  app.addHook('onSend', async (request, reply) => {
    const changing = request.method !== 'GET' && request.method !== 'HEAD'
    if (changing && request.url.startsWith('/admin') && reply.statusCode < 400) {
      auth.authenticator.forgetLiveChecks()
    }
  })
  installAdminAudit(app, audit)
  await app.register(healthRoutes, { db })
  await app.register(docsRoutes)
  await app.register(tokenRoutes, { auth, config })
  await app.register(adminRoutes, { auth, prefix: '/admin' })
  await app.register(skillsAdminRoutes, { auth, db, catalog, projector, prefix: '/admin' })
  await app.register(profileAdminRoutes, { auth, db, profileModes, prefix: '/admin' })
  await app.register(profileRoutes, { profile })
  await app.register(ownFindingsRoute, { auth, db })
  await app.register(agencyAdminRoutes, {
    db,
    auth,
    audit,
    projector: agencyProjector,
    // A home page of the hub itself: the pseudonyms are accounts nobody else issued.
    erasedHomePage: `${baseUrl}/erased-persons`,
    prefix: '/admin',
  })
  const { authenticator } = auth
  await app.register(agencyRoutes, { db, config, authenticator, audit, records, prefix: '/agency' })
  await app.register(exportRoutes, { db, config, authenticator, audit, prefix: '/export' })
  await app.register(skillsRoutes, {
    records,
    keyRing: auth.keyRing,
    trustedIssuers: createTrustedIssuers(
      config.trustedIssuers,
      createRemoteKeySets(options.remoteKeySets),
    ),
  })
  await app.register(recordAccessRoutes, {
    audit,
    trustedIssuers: createTrustedIssuers(
      config.trustedIssuers,
      createRemoteKeySets(options.remoteKeySets),
    ),
  })

  await app.register(
    async (xapi) => {
      installXapiContext(xapi, auth.authenticator)
      installAlternateSyntax(xapi, () => app)
      await xapi.register(documentRoutes, { db, config })
      await xapi.register(activitiesRoutes, { db, config })
      await xapi.register(agentsRoutes, { db, config })
      await xapi.register(aboutRoute, { db, config })
      await xapi.register(statementReadRoutes, { db, config })
      await xapi.register(statementWriteRoutes, { writer, profile, profileModes })
    },
    { prefix: '/xapi' },
  )

  // Close order: the server has stopped taking requests; queued statements commit; then the store.
  app.addHook('onReady', async () => projector.start())
  app.addHook('onClose', () => writer.close())
  app.addHook('onClose', () => upkeep.stop())
  app.addHook('onClose', () => projector.stop())
  app.addHook('onReady', async () => agencyProjector.start())
  app.addHook('onClose', () => agencyProjector.stop())
  if (options.db === undefined) app.addHook('onClose', () => db.close())
  return {
    app,
    db,
    bootstrap: { key: bootstrap.key, generatedSecret: bootstrap.generatedSecret },
    auth,
    skills: { catalog, projector, records },
    agency: { projector: agencyProjector, audit },
  }
}
