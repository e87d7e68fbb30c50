import type { Sql } from './db.js'

/**
 * Corrects first attainments after their evidence was withdrawn (a statement voided), as the
 * agency projector goes, instead of waiting for `hub statistics rebuild`.
 *
 * The skills projector queues each (learner, competence, level) whose evidence it withdraws in
 * `attainment_rechecks` (migration 0012), in the transaction that withdraws it. The agency
 * projector, holding its lock, takes queued triples out and recomputes each from the evidence
 * that remains, in ONE SQL statement: it sees a queued triple only together with the withdrawal
 * that queued it (they committed together), and the dequeue, the recomputation and the rollup
 * change commit together with the rest of its batch, so every withdrawal is applied exactly once
 * however many hub processes run either projector. Recomputing from the evidence, rather than
 * applying the queued event, makes a repeated or redundant recheck harmless.
 *
 * The attainment a triple should have is what counting would give: its earliest (lowest `seq`)
 * evidence that is not withdrawn, among the evidence the attainments cursor has passed; evidence
 * beyond the cursor is counted by the next batches as usual. So, for each triple:
 * - no evidence remains: the attainment is deleted and its rollup cell decremented;
 * - the earliest evidence is the one it was counted from: nothing changes;
 * - another is earliest now: the attainment moves to that evidence's month and the learner's
 *   current province (what counting it now would give), one cell down, the other up.
 */

/** Triples taken from the queue per batch, so one transaction's work stays bounded. */
const RECHECKS_PER_BATCH = 5000

const RECHECK = `WITH queued AS (
    DELETE FROM attainment_rechecks WHERE (learner_key, competence_iri, level) IN (
      SELECT learner_key, competence_iri, level FROM attainment_rechecks LIMIT $2)
    RETURNING learner_key, competence_iri, level),
  old AS (
    SELECT a.* FROM learner_attainments a JOIN queued q USING (learner_key, competence_iri, level)),
  due AS (
    SELECT DISTINCT ON (e.learner_key, e.competence_iri, e.level)
      e.learner_key, e.competence_iri, e.level, e.seq,
      date_trunc('month', e.achieved_at)::date AS month, COALESCE(l.province, 'unknown') AS province
    FROM queued q
    JOIN skills_evidence e USING (learner_key, competence_iri, level)
    LEFT JOIN learners l ON l.learner_key = e.learner_key
    WHERE e.seq <= $1 AND NOT e.withdrawn
    ORDER BY e.learner_key, e.competence_iri, e.level, e.seq),
  gone AS (
    DELETE FROM learner_attainments a USING queued q
    WHERE a.learner_key = q.learner_key AND a.competence_iri = q.competence_iri
      AND a.level = q.level
      AND NOT EXISTS (SELECT 1 FROM due d WHERE d.learner_key = q.learner_key
        AND d.competence_iri = q.competence_iri AND d.level = q.level)),
  moved AS (
    INSERT INTO learner_attainments (learner_key, competence_iri, level, month, province, seq)
    SELECT learner_key, competence_iri, level, month, province, seq FROM due
    ON CONFLICT (learner_key, competence_iri, level) DO UPDATE SET month = EXCLUDED.month,
      province = EXCLUDED.province, seq = EXCLUDED.seq
    WHERE learner_attainments.seq IS DISTINCT FROM EXCLUDED.seq),
  deltas AS (
    SELECT o.month, o.province, o.competence_iri, o.level, -1 AS d FROM old o
    WHERE NOT EXISTS (SELECT 1 FROM due d WHERE d.learner_key = o.learner_key
      AND d.competence_iri = o.competence_iri AND d.level = o.level AND d.seq = o.seq)
    UNION ALL
    SELECT d.month, d.province, d.competence_iri, d.level, 1 FROM due d
    WHERE NOT EXISTS (SELECT 1 FROM old o WHERE o.learner_key = d.learner_key
      AND o.competence_iri = d.competence_iri AND o.level = d.level AND o.seq = d.seq)),
  cells AS (
    INSERT INTO stats_attainments_monthly (month, province, competence_iri, level, count)
    SELECT month, province, competence_iri, level, sum(d) FROM deltas
    GROUP BY month, province, competence_iri, level HAVING sum(d) <> 0
    ON CONFLICT (month, province, competence_iri, level)
    DO UPDATE SET count = stats_attainments_monthly.count + EXCLUDED.count)
  SELECT count(*)::text AS n FROM queued`

/**
 * Rechecks a batch of queued attainments against the evidence up to `upTo` (the attainments
 * cursor), on a transaction holding the agency projector lock; false when the queue was empty.
 */
export async function recheckAttainments(tx: Sql, upTo: string): Promise<boolean> {
  const { rows } = await tx.query<{ n: string }>(RECHECK, [upTo, RECHECKS_PER_BATCH])
  return (rows[0]?.n ?? '0') !== '0'
}

/** Empties the queue: a recount from the evidence (the statistics rebuild) answers it all. */
export async function clearAttainmentRechecks(tx: Sql): Promise<void> {
  await tx.query('DELETE FROM attainment_rechecks')
}
