import type { FastifyInstance } from 'fastify'
import { Readable } from 'node:stream'
import type { AuditFields } from '../agency/audit-chain.js'
import type { Authenticator } from '../auth/authenticator.js'
import { requireScope } from '../auth/principal.js'
import type { Config } from '../config.js'
import { badRequest } from '../errors.js'
import type { Jurisdiction } from '../agency/jurisdiction.js'
import { selectAgency } from '../storage/agency-store.js'
import type { AuditTrail } from '../storage/audit-trail.js'
import type { Db } from '../storage/db.js'
import { readStatementPage } from '../storage/statement-reader.js'
import { parseStatementQuery, type StatementFilters } from '../xapi/statement-query-params.js'

/**
 * GET /export/statements: every statement a query matches, as NDJSON (one stored statement per
 * line), streamed. The filters are those of GET /xapi/statements (xAPI Communication §2.1.3),
 * applied by the same reader: the export walks the result in storage order with keyset batches
 * of STATEMENT_PAGE_LIMIT statements, each one index range scan, and the next batch is read only
 * when the client has taken the previous one (a pull stream), so memory holds one batch whatever
 * the size of the export. The snapshot bound taken by the first batch keeps the export to what
 * was stored when it began.
 *
 * Who sees what: a platform exports what it stored; an agency exports the statements of learners
 * placed in its jurisdiction (all statements for a national agency). Every export is audited.
 */
export interface ExportRoutesOptions {
  db: Db
  config: Config
  authenticator: Authenticator
  audit: AuditTrail
}

/** Parameters of GET /xapi/statements that shape pages, not results: meaningless here. */
const PAGE_PARAMS = [
  'limit',
  'format',
  'attachments',
  'ascending',
  'more',
  'statementId',
  'voidedStatementId',
]

function stringParams(query: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {}
  for (const [name, value] of Object.entries(query)) {
    if (PAGE_PARAMS.includes(name)) badRequest(`query.${name}`, 'is not a parameter of the export')
    if (typeof value !== 'string') badRequest(`query.${name}`, 'must be given once')
    params[name] = value
  }
  return params
}

/** The seqs of a batch whose learner is placed in one of the provinces. */
async function inJurisdiction(
  db: Db,
  seqs: readonly string[],
  provinces: readonly string[],
): Promise<Set<string>> {
  const { rows } = await db.query<{ seq: string }>(
    `SELECT s.seq FROM statements s JOIN learners l ON l.learner_key = s.actor_key
     WHERE s.seq = ANY($1::bigint[]) AND l.province = ANY($2::text[])`,
    [seqs, provinces],
  )
  return new Set(rows.map((row) => row.seq))
}

interface Scope {
  clientId: string | undefined
  jurisdiction: Jurisdiction | undefined
}

async function* exportLines(
  db: Db,
  filters: StatementFilters,
  batch: number,
  scope: Scope,
): AsyncGenerator<string> {
  let after: string | undefined
  let bound: string | undefined
  for (;;) {
    const page = await readStatementPage(db, {
      filters,
      ascending: true,
      limit: batch,
      after,
      bound,
      clientId: scope.clientId,
    })
    bound = page.bound
    let rows = page.rows
    const { jurisdiction } = scope
    if (jurisdiction !== undefined && !jurisdiction.national && rows.length > 0) {
      const keep = await inJurisdiction(
        db,
        rows.map((row) => row.seq),
        jurisdiction.provinces,
      )
      rows = rows.filter((row) => keep.has(row.seq))
    }
    if (rows.length > 0) yield `${rows.map((row) => row.body).join('\n')}\n`
    if (!page.hasMore) return
    after = page.rows[page.rows.length - 1]?.seq
  }
}

export async function exportRoutes(
  app: FastifyInstance,
  options: ExportRoutesOptions,
): Promise<void> {
  const { db, config, authenticator, audit } = options

  app.get('/statements', async (request, reply) => {
    const principal = await authenticator.authenticate(request.headers.authorization)
    const entry: AuditFields = {
      actor: principal.clientId,
      action: 'statements.export',
      target: new URLSearchParams(request.query as Record<string, string>).toString(),
      subject: null,
      purpose: null,
      outcome: 'ok',
      detail: { requestId: request.id },
    }
    try {
      requireScope(principal, 'export')
    } catch (error) {
      await audit.record({ ...entry, outcome: 'refused:403' })
      throw error
    }
    const query = parseStatementQuery(
      stringParams(request.query as Record<string, unknown>),
      config.statementPageLimit,
    )
    const agency = await selectAgency(db, principal.clientId)
    const scope: Scope =
      agency === undefined
        ? { clientId: principal.clientId, jurisdiction: undefined }
        : { clientId: undefined, jurisdiction: agency.jurisdiction }
    await audit.record({
      ...entry,
      detail: { ...entry.detail, scope: agency === undefined ? 'platform' : 'agency' },
    })

    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(
        Readable.from(exportLines(db, query.filters, config.statementPageLimit, scope), {
          objectMode: false,
        }),
      )
  })
}
