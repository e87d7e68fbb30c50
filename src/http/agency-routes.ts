import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditFields } from '../agency/audit-chain.js'
import { parseStatisticsQuery, statisticsCsv } from '../agency/statistics-query.js'
import type { Authenticator } from '../auth/authenticator.js'
import { requireScope, type Principal } from '../auth/principal.js'
import type { Config } from '../config.js'
import { badRequest, HubError, isHubError } from '../errors.js'
import { covers } from '../agency/jurisdiction.js'
import { selectAgency, selectLearnerPlace, type Agency } from '../storage/agency-store.js'
import type { AuditTrail } from '../storage/audit-trail.js'
import type { Db } from '../storage/db.js'
import type { SkillsRecords } from '../storage/skills-records.js'
import { selectStatistics } from '../storage/statistics-store.js'
import { agentKey } from '../xapi/agent-key.js'

/**
 * The agency API (docs/agency-api.md): a citizen's skills record and national statistics, for
 * registered agencies within their jurisdiction. Every request, answered or refused, is appended
 * to the audit trail before the answer leaves, so no look-up goes unaccounted.
 */
export interface AgencyRoutesOptions {
  db: Db
  config: Config
  authenticator: Authenticator
  audit: AuditTrail
  records: SkillsRecords
}

const PURPOSE_MIN = 10
const PURPOSE_MAX = 500

/** The outcome an audit entry records for an error: refusals by status, others as failures. */
function outcomeOf(error: unknown): string {
  if (isHubError(error))
    return error.status < 500 ? `refused:${error.status}` : `failed:${error.status}`
  return 'failed:500'
}

/** Parses the `agent` parameter (an xAPI Agent as JSON) into the learner's IFI key. */
function learnerOf(query: Record<string, unknown>): string {
  const text = query.agent
  if (typeof text !== 'string')
    badRequest('agent', 'is required: the learner as an xAPI Agent (JSON)')
  let agent: unknown
  try {
    agent = JSON.parse(text)
  } catch {
    badRequest('agent', 'must be JSON')
  }
  const key = agentKey(agent)
  if (key === undefined)
    badRequest('agent', 'must identify the learner by mbox, mbox_sha1sum, openid or account')
  return key
}

function purposeOf(query: Record<string, unknown>): string {
  const purpose = query.purpose
  if (
    typeof purpose !== 'string' ||
    purpose.trim().length < PURPOSE_MIN ||
    purpose.length > PURPOSE_MAX
  ) {
    badRequest(
      'purpose',
      `is required: the declared purpose of the look-up, ${PURPOSE_MIN}-${PURPOSE_MAX} characters`,
    )
  }
  return purpose.trim()
}

/** What an audit entry of an agency read is about, filled in as the request is understood. */
type AuditAbout = Pick<AuditFields, 'action' | 'target' | 'subject' | 'purpose'>

export async function agencyRoutes(
  app: FastifyInstance,
  options: AgencyRoutesOptions,
): Promise<void> {
  const { db, config, authenticator, audit, records } = options

  /** The agency the request comes from, or a 403 for a platform that is not one. */
  async function agencyOf(principal: Principal): Promise<Agency> {
    const agency = await selectAgency(db, principal.clientId)
    if (agency === undefined) {
      throw new HubError('forbidden', 'this platform is not registered as an agency', {
        rule: 'the agency API is for registered agencies',
      })
    }
    return agency
  }

  /**
   * Authenticates, runs a read and appends its audit entry, with the outcome, before the answer
   * is sent. The entry is written for refusals and bad requests too: an agency probing outside
   * its mandate is accountable. `work` fills in what the entry is about as it learns it.
   */
  async function audited<T>(
    request: FastifyRequest,
    action: string,
    work: (principal: Principal, fields: AuditAbout) => Promise<T>,
  ): Promise<T> {
    let principal: Principal | undefined
    const fields: AuditAbout = { action, target: null, subject: null, purpose: null }
    try {
      principal = await authenticator.authenticate(request.headers.authorization)
      const result = await work(principal, fields)
      await audit.record({
        ...fields,
        actor: principal.clientId,
        outcome: 'ok',
        detail: { requestId: request.id },
      })
      return result
    } catch (error) {
      // An unauthenticated request has no actor to hold to account; it is not a look-up.
      if (principal !== undefined) {
        await audit.record({
          ...fields,
          actor: principal.clientId,
          outcome: outcomeOf(error),
          detail: {
            requestId: request.id,
            ...(isHubError(error) && error.rule !== undefined ? { rule: error.rule } : {}),
          },
        })
      }
      throw error
    }
  }

  app.get('/records', async (request) =>
    audited(request, 'record.read', async (principal, about) => {
      const query = request.query as Record<string, unknown>
      const learner = learnerOf(query)
      about.subject = await audit.subjectOf(learner)
      about.purpose = purposeOf(query)
      requireScope(principal, 'records:read')
      const agency = await agencyOf(principal)
      const place = await selectLearnerPlace(db, learner)
      // A learner the hub has not placed is outside every provincial jurisdiction: answering 404
      // there would tell a provincial agency who has records elsewhere.
      if (
        !agency.jurisdiction.national &&
        (place === undefined || !covers(agency.jurisdiction, place.province))
      ) {
        throw new HubError('forbidden', "this learner is outside the agency's jurisdiction", {
          field: 'agent',
          rule: "the learner's province must be in the agency's jurisdiction",
        })
      }
      if (place === undefined)
        throw new HubError('not_found', 'the hub holds no statements about this learner')
      return {
        learner: place,
        record: await records.record(learner),
        credential: await records.clr(learner),
      }
    }),
  )

  app.get('/statistics', async (request, reply: FastifyReply) => {
    const { query, cells } = await audited(request, 'statistics.read', async (principal, about) => {
      about.target = new URLSearchParams(request.query as Record<string, string>).toString()
      requireScope(principal, 'statistics:read')
      const query = parseStatisticsQuery(request.query as Record<string, unknown>)
      const { jurisdiction } = await agencyOf(principal)
      let provinces = query.provinces
      if (!jurisdiction.national) {
        const outside = (provinces ?? []).filter((code) => !jurisdiction.provinces.includes(code))
        if (outside.length > 0) {
          throw new HubError(
            'forbidden',
            `province ${outside.join(', ')} is outside the agency's jurisdiction`,
            {
              field: 'province',
              rule: "provinces must be in the agency's jurisdiction",
            },
          )
        }
        provinces ??= jurisdiction.provinces
      }
      return {
        query,
        cells: await selectStatistics(db, query, provinces, config.statisticsThreshold),
      }
    })
    reply.header('Cache-Control', 'no-store')
    if (query.format === 'csv')
      return reply.type('text/csv; charset=utf-8').send(statisticsCsv(query, cells))
    return {
      metric: query.metric,
      period: query.period,
      by: query.by,
      from: query.from.slice(0, 7),
      to: query.to.slice(0, 7),
      threshold: config.statisticsThreshold,
      cells,
    }
  })
}
