import type { Logger } from 'pino'
import { VERBS } from '../profile/vocabulary.js'
import { EVIDENCE_VERBS, extractEvidence, type MappedCompetence } from '../skills/evidence-rules.js'
import type { JsonObject } from '../xapi/agent-key.js'
import { isObject } from '../xapi/agent-key.js'
import type { Db, Sql } from './db.js'
import type { FrameworkCatalog } from './skills-catalog.js'
import {
  applyRebuild,
  compareEvidence,
  insertEvidence,
  lockProjection,
  reconcileEvidence,
  selectCursor,
  selectMappings,
  selectMaxSeq,
  selectStatementsForEvidence,
  selectStatementsOfActivity,
  truncateRebuild,
  updateCursor,
  withdrawVoided,
  type EvidenceDifference,
  type EvidenceRow,
  type EvidenceTable,
  type StatementForEvidence,
} from './skills-store.js'

/**
 * Keeps skills evidence current without touching the statement ingest path. The projector
 * follows `statements` in storage order (`seq`): each batch reads one seq range of the primary
 * key (only the verbs that can matter), writes the evidence, applies voiding, and advances the
 * cursor, all in one transaction under an advisory lock, so evidence is written exactly once even
 * with several hub processes. It runs when the statement writer reports a commit and on a timer.
 *
 * The rebuild runs the same extraction over every statement into a scratch table and compares it
 * with the live evidence; `apply` makes the live evidence equal to it row by row (so only
 * credentials whose evidence really changed are revoked).
 */

/** Seqs per batch: bounds one transaction's work; tens of thousands of statements a second. */
const BATCH_SEQS = 5000
const POLL_MS = 1000
const PROJECTED_VERBS = [...EVIDENCE_VERBS, VERBS.voided]

export interface RebuildReport extends EvidenceDifference {
  /** The seq the comparison covers (every statement up to it). */
  upTo: string
  /** True when the rebuilt evidence equals the live evidence. */
  equal: boolean
  applied: boolean
}

export interface SkillsProjector {
  /** Asks for a run soon (the statement writer's commit hook). */
  wake(): void
  /** Runs batches until the cursor reaches the newest statement. */
  catchUp(): Promise<void>
  /** Re-derives the evidence of statements about one activity (after a mapping change). */
  reprojectActivity(activityIri: string): Promise<number>
  rebuild(options: { apply: boolean }): Promise<RebuildReport>
  start(): void
  stop(): Promise<void>
}

function objectId(body: JsonObject): string | undefined {
  return isObject(body.object) && typeof body.object.id === 'string' ? body.object.id : undefined
}

/** Evidence rows of a batch of statements, with the mapping of their activities. */
async function deriveEvidence(
  sql: Sql,
  catalog: FrameworkCatalog,
  statements: readonly StatementForEvidence[],
): Promise<EvidenceRow[]> {
  const achieving = statements.filter((s) => s.voids === null)
  if (achieving.length === 0) return []
  const bodies = achieving.map((s) => JSON.parse(s.body) as JsonObject)
  const activities = [...new Set(bodies.flatMap((b) => objectId(b) ?? []))]
  const mapping = new Map<string, MappedCompetence[]>()
  for (const row of await selectMappings(sql, activities)) {
    mapping.set(row.activityIri, [...(mapping.get(row.activityIri) ?? []), row])
  }
  const frameworks = new Map(
    (await catalog.frameworks()).flatMap((f) => f.competences.map((c) => [c.iri, f] as const)),
  )
  const context = {
    frameworkOf: (iri: string) => frameworks.get(iri),
    mapped: (iri: string) => mapping.get(iri) ?? [],
  }
  return achieving.flatMap((statement, i) =>
    extractEvidence(bodies[i]!, context).map((item) => ({
      ...item,
      seq: statement.seq,
      learnerKey: statement.actorKey,
      statementId: statement.id,
      clientId: statement.clientId,
      withdrawn: statement.voided,
    })),
  )
}

/** Projects one seq range into a table; returns the new cursor. */
async function projectRange(
  sql: Sql,
  catalog: FrameworkCatalog,
  table: EvidenceTable,
  after: string,
  upTo: string,
): Promise<void> {
  const statements = await selectStatementsForEvidence(sql, after, upTo, PROJECTED_VERBS)
  await insertEvidence(sql, table, await deriveEvidence(sql, catalog, statements))
  await withdrawVoided(
    sql,
    table,
    statements.flatMap((s) => (s.voids === null ? [] : [s.voids])),
  )
}

function nextBound(cursor: string, max: string): string {
  const bound = BigInt(cursor) + BigInt(BATCH_SEQS)
  return (bound < BigInt(max) ? bound : BigInt(max)).toString()
}

/** One batch on a transaction that holds the projector lock; false when nothing was left. */
async function liveBatch(tx: Sql, catalog: FrameworkCatalog): Promise<boolean> {
  const cursor = await selectCursor(tx)
  const max = await selectMaxSeq(tx)
  if (BigInt(max) <= BigInt(cursor)) return false
  const upTo = nextBound(cursor, max)
  await projectRange(tx, catalog, 'live', cursor, upTo)
  await updateCursor(tx, upTo)
  return true
}

export function createSkillsProjector(
  db: Db,
  catalog: FrameworkCatalog,
  log?: Logger,
): SkillsProjector {
  let running: Promise<void> | undefined
  let again = false
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  /**
   * The catalog as it stands now, fetched before a transaction opens. The catalog refreshes
   * itself from the store now and then; doing that from inside a transaction would need a second
   * connection, which the embedded store does not have (it would wait for itself forever).
   */
  async function pinned(): Promise<FrameworkCatalog> {
    const frameworks = await catalog.frameworks()
    const byIri = new Map(
      frameworks.flatMap((f) =>
        f.competences.map((c) => [c.iri, { competence: c, framework: f }] as const),
      ),
    )
    return {
      ...catalog,
      frameworks: async () => frameworks,
      competence: async (iri) => byIri.get(iri),
    }
  }

  async function batch(): Promise<boolean> {
    const current = await pinned()
    return db.transaction(async (tx) => {
      await lockProjection(tx)
      return liveBatch(tx, current)
    })
  }

  async function drain(): Promise<void> {
    do {
      again = false
      while (!stopped && (await batch())) {
        // Each batch commits on its own, so a long backlog never holds one long transaction.
      }
    } while (again && !stopped)
  }

  function run(): Promise<void> {
    if (running !== undefined) {
      again = true
      return running
    }
    running = drain()
      .catch((error: unknown) =>
        log?.error({ err: error }, 'skills projection failed; retrying on the next tick'),
      )
      .finally(() => {
        running = undefined
      })
    return running
  }

  return {
    wake() {
      if (!stopped) void run()
    },

    async catchUp() {
      while (running !== undefined) await running
      await drain()
    },

    async reprojectActivity(activityIri) {
      const catalog = await pinned()
      return db.transaction(async (tx) => {
        await lockProjection(tx)
        const upTo = await selectCursor(tx)
        let after = '0'
        let count = 0
        for (;;) {
          const statements = await selectStatementsOfActivity(tx, activityIri, after, upTo, 1000)
          if (statements.length === 0) return count
          const relevant = statements.filter(
            (s) => PROJECTED_VERBS.includes(verbOf(s)) && s.voids === null,
          )
          await reconcileEvidence(
            tx,
            relevant.map((s) => s.seq),
            await deriveEvidence(tx, catalog, relevant),
          )
          count += relevant.length
          after = statements[statements.length - 1]!.seq
        }
      })
    },

    async rebuild({ apply }) {
      const catalog = await pinned()
      return db.transaction(async (tx) => {
        await lockProjection(tx)
        while (await liveBatch(tx, catalog)) {
          // Catch the live evidence up first, so both sides cover the same statements.
        }
        const upTo = await selectCursor(tx)
        await truncateRebuild(tx)
        for (let cursor = '0'; BigInt(cursor) < BigInt(upTo);) {
          const bound = nextBound(cursor, upTo)
          await projectRange(tx, catalog, 'rebuild', cursor, bound)
          cursor = bound
        }
        const difference = await compareEvidence(tx, upTo)
        const equal =
          difference.onlyLive === 0 && difference.onlyRebuilt === 0 && difference.changed === 0
        if (apply && !equal) await applyRebuild(tx, upTo)
        await truncateRebuild(tx)
        return { ...difference, upTo, equal, applied: apply && !equal }
      })
    },

    start() {
      timer = setInterval(() => void run(), POLL_MS)
      timer.unref()
      void run()
    },

    async stop() {
      stopped = true
      if (timer !== undefined) clearInterval(timer)
      while (running !== undefined) await running
    },
  }
}

function verbOf(statement: StatementForEvidence): string {
  const body = JSON.parse(statement.body) as JsonObject
  return isObject(body.verb) && typeof body.verb.id === 'string' ? body.verb.id : ''
}
