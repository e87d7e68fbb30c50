import { pseudonymousAgent } from '../xapi/agent-redaction.js'
import { indexKey } from '../xapi/statement-index-keys.js'
import {
  FACT_PARAMS,
  lockAgencyProjection,
  selectAgencyCursor,
  uncountStatements,
} from './agency-projector.js'
import type { AuditTrail } from './audit-trail.js'
import type { Db } from './db.js'
import { keyHashes } from './key-hash.js'
import { redactRelatedStatements } from './related-redaction.js'
import { lockProjection } from './skills-store.js'

/**
 * Erasure of one learner (docs/privacy.md; Decree 13/2023/NĐ-CP on personal data protection, the
 * data subject's right to have their data deleted). One transaction, holding the agency and the
 * skills projector locks so neither projector counts or derives from rows being removed:
 *
 * 1. the statements about the learner (actor or object) are chosen, and those the statistics
 *    projector has counted are taken back out of the statements rollup;
 * 2. the learner's own rollup contributions (active months, first-seen month, first
 *    attainments) are taken back and their per-learner rows deleted;
 * 3. the statements are deleted: their index rows and skills evidence go with them (foreign
 *    keys), and the evidence trigger revokes credentials resting on it; every other credential of
 *    the learner is revoked, and the signed credentials' content erased (the status list entry
 *    stays, revoked, so verifiers see the revocation);
 * 4. statements kept because they name the learner only in a related position (instructor, team
 *    member, context agent; they are other learners' records) have the learner replaced by a
 *    pseudonymous Agent in their bodies (src/storage/related-redaction.ts), and every index row
 *    other statements carry for the learner (a related position, or inherited by a statement
 *    targeting one) is deleted, so queries by that agent find nothing. The pseudonym gets no
 *    index rows: nobody can query the statements by it, as the learner or otherwise;
 * 5. attachments no statement names any more, and the learner's state and agent profile
 *    documents, are deleted;
 * 6. the erasure is audited with a salted hash of the learner, never the identifier.
 *
 */

export interface ErasureReport {
  statements: number
  documents: number
  attachments: number
  credentialsRevoked: number
  /** Kept statements whose body named the learner, now naming a pseudonym instead. */
  relatedRedacted: number
}

/** about-learner: the learner's statements, as actor or (direct hash $2) as object. */
const ABOUT_LEARNER = `
  SELECT seq FROM statements WHERE actor_key = $1
  UNION SELECT seq FROM statement_index WHERE key_hash = $2::uuid`

const UNCOUNT_ERASED = uncountStatements(`
    SELECT t.* FROM statements t WHERE t.seq = ANY($1::bigint[]) AND t.voids IS NULL
      AND t.seq <= $2::bigint
      AND (NOT t.voided OR NOT EXISTS (
        SELECT 1 FROM statements v WHERE v.voids = t.id AND v.seq <= $2::bigint))`)

const UNCOUNT_ACTIVE = `WITH gone AS (DELETE FROM learner_months WHERE learner_key = $1
    RETURNING month, province, platform)
  UPDATE stats_platform_monthly s SET active_learners = s.active_learners - d.n
  FROM (SELECT month, province, platform, count(*) AS n FROM gone GROUP BY 1, 2, 3) d
  WHERE s.month = d.month AND s.province = d.province AND s.platform = d.platform`

const UNCOUNT_LEARNER = `WITH gone AS (DELETE FROM learners WHERE learner_key = $1
    RETURNING date_trunc('month', first_seen)::date AS month, province)
  UPDATE stats_learners_monthly s SET count = s.count - 1
  FROM gone WHERE s.month = gone.month AND s.province = gone.province`

const UNCOUNT_ATTAINMENTS = `WITH gone AS (DELETE FROM learner_attainments WHERE learner_key = $1
    RETURNING month, province, competence_iri, level)
  UPDATE stats_attainments_monthly s SET count = s.count - d.n
  FROM (SELECT month, province, competence_iri, level, count(*) AS n FROM gone GROUP BY 1, 2, 3, 4) d
  WHERE s.month = d.month AND s.province = d.province AND s.competence_iri = d.competence_iri
    AND s.level = d.level`

/**
 * Erases a learner; `actor` is the administrator's platform id, for the audit entry, and
 * `erasedHomePage` the account home page of the pseudonyms left in kept statements.
 */
export async function eraseLearner(
  db: Db,
  audit: AuditTrail,
  learnerKey: string,
  options: { actor: string; erasedHomePage: string },
): Promise<ErasureReport> {
  const { actor } = options
  const subject = await audit.subjectOf(learnerKey)
  const agentKeyHashes = keyHashes(indexKey.agent(learnerKey))
  // The audit trail's salted hash: the erasure entry and the pseudonyms name the same person,
  // and only someone who already knows the identifier (and the hub's salt) can link them to it.
  const pseudonym = pseudonymousAgent(options.erasedHomePage, subject)
  return db.transaction(async (tx) => {
    await lockAgencyProjection(tx)
    await lockProjection(tx)
    const cursor = await selectAgencyCursor(tx, 'statistics')

    const { rows: about } = await tx.query<{ seq: string }>(ABOUT_LEARNER, [
      learnerKey,
      agentKeyHashes.direct,
    ])
    const seqs = about.map((row) => row.seq)
    await tx.query(UNCOUNT_ERASED, [seqs, cursor, ...FACT_PARAMS])
    await tx.query(UNCOUNT_ACTIVE, [learnerKey])
    await tx.query(UNCOUNT_LEARNER, [learnerKey])
    await tx.query(UNCOUNT_ATTAINMENTS, [learnerKey])
    // Queued rechecks name the learner in clear; with their attainments gone they have no work.
    await tx.query('DELETE FROM attainment_rechecks WHERE learner_key = $1', [learnerKey])

    // statement_index has no foreign key (migration 0010): its rows go first, by seq.
    await tx.query('DELETE FROM statement_index WHERE seq = ANY($1::bigint[])', [seqs])
    const { rows: deleted } = await tx.query<{ hashes: string[] | null }>(
      'DELETE FROM statements WHERE seq = ANY($1::bigint[]) RETURNING attachment_hashes AS hashes',
      [seqs],
    )
    const revoked = await tx.query(
      `UPDATE skills_credentials SET revoked_at = COALESCE(revoked_at, now()), jwt = '',
         learner_key = $2
       WHERE learner_key = $1`,
      [learnerKey, `erased:${subject}`],
    )
    const related = await redactRelatedStatements(tx, learnerKey, agentKeyHashes, pseudonym)
    await tx.query('DELETE FROM statement_index WHERE key_hash IN ($1::uuid, $2::uuid)', [
      agentKeyHashes.direct,
      agentKeyHashes.related,
    ])

    const hashes = [
      ...new Set([...deleted.flatMap((row) => row.hashes ?? []), ...related.droppedHashes]),
    ]
    // No index serves `attachment_hashes`; this scan runs only when erased statements had any
    // (or redacted ones had signatures).
    const attachments =
      hashes.length === 0
        ? { rowCount: 0 }
        : await tx.query(
            `DELETE FROM attachments a WHERE a.sha2 = ANY($1::text[])
               AND NOT EXISTS (SELECT 1 FROM statements s WHERE a.sha2 = ANY(s.attachment_hashes))`,
            [hashes],
          )
    const documents = await tx.query('DELETE FROM documents WHERE agent_key = $1', [learnerKey])

    const report: ErasureReport = {
      statements: deleted.length,
      documents: documents.rowCount,
      attachments: attachments.rowCount,
      credentialsRevoked: revoked.rowCount,
      relatedRedacted: related.redacted,
    }
    await audit.append(tx, {
      actor,
      action: 'learner.erase',
      target: null,
      subject,
      purpose: "erasure of personal data at the data subject's request",
      outcome: 'ok',
      detail: { ...report },
    })
    return report
  })
}
