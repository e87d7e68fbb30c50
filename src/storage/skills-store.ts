import type { Framework } from '../skills/framework.js'
import type { EvidenceItem, MappedCompetence } from '../skills/evidence-rules.js'
import { indexKey } from '../xapi/statement-index-keys.js'
import type { Sql } from './db.js'
import { keyHash } from './key-hash.js'

/**
 * Named SQL of skills records (migration 0006): frameworks, the activity-to-competence mapping,
 * evidence, the projector's cursor, issued credentials and their status lists.
 */

/** Which evidence table a projection writes: the live one, or the rebuild's scratch table. */
export type EvidenceTable = 'live' | 'rebuild'
const TABLES: Record<EvidenceTable, string> = {
  live: 'skills_evidence',
  rebuild: 'skills_evidence_rebuild',
}

/** Serialises the projector, the rebuild and mapping changes across hub processes. */
const PROJECTOR_LOCK = 7_351_024_211

export interface StatementForEvidence {
  seq: string
  id: string
  clientId: string
  actorKey: string
  voided: boolean
  voids: string | null
  body: string
}

export interface EvidenceRow extends EvidenceItem {
  seq: string
  learnerKey: string
  statementId: string
  clientId: string
  withdrawn: boolean
}

export interface LearnerEvidence {
  competenceIri: string
  level: number
  step: number | null
  statementId: string
  clientId: string
  achievedAt: string
  seq: string
}

// ---- frameworks -------------------------------------------------------------------------------

/** The stored document of a framework version, if loaded. */
export async function selectFrameworkData(
  sql: Sql,
  id: string,
  version: string,
): Promise<string | undefined> {
  const { rows } = await sql.query<{ data: string }>(
    'SELECT data::text AS data FROM skills_frameworks WHERE id = $1 AND version = $2',
    [id, version],
  )
  return rows[0]?.data
}

/** Stores a framework version and its competences. */
export async function insertFramework(sql: Sql, framework: Framework): Promise<void> {
  await sql.query('INSERT INTO skills_frameworks (id, version, data) VALUES ($1, $2, $3)', [
    framework.id,
    framework.version,
    JSON.stringify(framework.data),
  ])
  await sql.query(
    `INSERT INTO skills_competences (iri, framework_id, framework_version, code, domain_code, titles)
     SELECT c.iri, $1, $2, c.code, c.domain_code, c.titles
     FROM jsonb_to_recordset($3::jsonb) AS c (iri text, code text, domain_code text, titles jsonb)`,
    [
      framework.id,
      framework.version,
      JSON.stringify(
        framework.competences.map((c) => ({
          iri: c.iri,
          code: c.code,
          domain_code: c.domainCode,
          titles: c.title,
        })),
      ),
    ],
  )
}

/** Every loaded framework document, with when it was loaded, oldest first. */
export async function selectFrameworks(sql: Sql): Promise<{ data: string; loadedAt: string }[]> {
  const { rows } = await sql.query<{ data: string; loaded_at: string }>(
    'SELECT data::text AS data, loaded_at FROM skills_frameworks ORDER BY loaded_at, id, version',
  )
  return rows.map((row) => ({ data: row.data, loadedAt: row.loaded_at }))
}

// ---- activity-to-competence mapping -------------------------------------------------------------

export interface MappingRow extends MappedCompetence {
  activityIri: string
}

export async function selectMappings(
  sql: Sql,
  activityIris: readonly string[],
): Promise<MappingRow[]> {
  if (activityIris.length === 0) return []
  const { rows } = await sql.query<{ activity_iri: string; competence_iri: string; level: number }>(
    'SELECT activity_iri, competence_iri, level FROM skills_activity_map WHERE activity_iri = ANY($1::text[])',
    [activityIris],
  )
  return rows.map((r) => ({
    activityIri: r.activity_iri,
    competenceIri: r.competence_iri,
    level: r.level,
  }))
}

/** The mapping, for one activity or all, in activity then competence order. */
export async function listMappings(sql: Sql, activityIri?: string): Promise<MappingRow[]> {
  const { rows } = await sql.query<{ activity_iri: string; competence_iri: string; level: number }>(
    `SELECT activity_iri, competence_iri, level FROM skills_activity_map
     WHERE $1::text IS NULL OR activity_iri = $1 ORDER BY activity_iri, competence_iri`,
    [activityIri ?? null],
  )
  return rows.map((r) => ({
    activityIri: r.activity_iri,
    competenceIri: r.competence_iri,
    level: r.level,
  }))
}

/** Replaces an activity's mapping (an empty list removes it). */
export async function replaceMapping(
  sql: Sql,
  activityIri: string,
  entries: readonly MappedCompetence[],
): Promise<void> {
  await sql.query('DELETE FROM skills_activity_map WHERE activity_iri = $1', [activityIri])
  if (entries.length === 0) return
  await sql.query(
    `INSERT INTO skills_activity_map (activity_iri, competence_iri, level)
     SELECT $1, unnest($2::text[]), unnest($3::int[])`,
    [activityIri, entries.map((e) => e.competenceIri), entries.map((e) => e.level)],
  )
}

export interface ProgrammeTarget extends MappedCompetence {
  programmeIri: string
  /** The programme's name as learned from statements (a language map), if any. */
  name: string | null
}

/**
 * The competence targets of programmes: mapping rows whose activity the hub knows as a
 * programme (its learned definition has the profile's programme type).
 */
export async function selectProgrammeTargets(
  sql: Sql,
  programmeType: string,
): Promise<ProgrammeTarget[]> {
  const { rows } = await sql.query<{
    activity_iri: string
    competence_iri: string
    level: number
    name: string | null
  }>(
    `SELECT m.activity_iri, m.competence_iri, m.level, (a.definition -> 'name')::text AS name
     FROM skills_activity_map m JOIN activities a ON a.iri = m.activity_iri
     WHERE a.definition ->> 'type' = $1
     ORDER BY m.activity_iri, m.competence_iri`,
    [programmeType],
  )
  return rows.map((r) => ({
    programmeIri: r.activity_iri,
    competenceIri: r.competence_iri,
    level: r.level,
    name: r.name,
  }))
}

/** Which of the IRIs are competences of a loaded framework. */
export async function selectKnownCompetences(
  sql: Sql,
  iris: readonly string[],
): Promise<Set<string>> {
  const { rows } = await sql.query<{ iri: string }>(
    'SELECT iri FROM skills_competences WHERE iri = ANY($1::text[])',
    [iris],
  )
  return new Set(rows.map((r) => r.iri))
}

// ---- projection -------------------------------------------------------------------------------

/** Takes the projector lock for the rest of the transaction. */
export async function lockProjection(sql: Sql): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock($1)', [PROJECTOR_LOCK])
}

/** The projector's cursor, locked for update. */
export async function selectCursor(sql: Sql): Promise<string> {
  const { rows } = await sql.query<{ seq: string }>(
    "SELECT seq FROM skills_projector WHERE name = 'evidence' FOR UPDATE",
  )
  return rows[0]?.seq ?? '0'
}

export async function updateCursor(sql: Sql, seq: string): Promise<void> {
  await sql.query("UPDATE skills_projector SET seq = $1 WHERE name = 'evidence'", [seq])
}

/** The highest seq stored. */
export async function selectMaxSeq(sql: Sql): Promise<string> {
  const { rows } = await sql.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM statements')
  return rows[0]?.seq ?? '0'
}

/**
 * Statements in the seq range (after, upTo] with one of the verbs: one range scan of the primary
 * key, filtered, so the projector never reads bodies of statements that cannot be evidence.
 */
export async function selectStatementsForEvidence(
  sql: Sql,
  after: string,
  upTo: string,
  verbs: readonly string[],
): Promise<StatementForEvidence[]> {
  const { rows } = await sql.query<{
    seq: string
    id: string
    client_id: string
    actor_key: string
    voided: boolean
    voids: string | null
    body: string
  }>(
    `SELECT seq, id::text AS id, client_id, actor_key, voided, voids::text AS voids, body::text AS body
     FROM statements WHERE seq > $1 AND seq <= $2 AND verb_id = ANY($3::text[]) ORDER BY seq`,
    [after, upTo, verbs],
  )
  return rows.map((r) => ({
    seq: r.seq,
    id: r.id,
    clientId: r.client_id,
    actorKey: r.actor_key,
    voided: r.voided,
    voids: r.voids,
    body: r.body,
  }))
}

/** Statements whose object is the activity, up to a seq, in seq order from `after`, a page. */
export async function selectStatementsOfActivity(
  sql: Sql,
  activityIri: string,
  after: string,
  upTo: string,
  limit: number,
): Promise<StatementForEvidence[]> {
  const { rows } = await sql.query<{
    seq: string
    id: string
    client_id: string
    actor_key: string
    voided: boolean
    voids: string | null
    body: string
  }>(
    `SELECT s.seq, s.id::text AS id, s.client_id, s.actor_key, s.voided, s.voids::text AS voids, s.body::text AS body
     FROM statement_index i JOIN statements s ON s.seq = i.seq
     WHERE i.key_hash = $1::uuid AND i.seq > $2 AND i.seq <= $3
     ORDER BY i.seq LIMIT $4`,
    [keyHash(indexKey.activity(activityIri), true), after, upTo, limit],
  )
  return rows.map((r) => ({
    seq: r.seq,
    id: r.id,
    clientId: r.client_id,
    actorKey: r.actor_key,
    voided: r.voided,
    voids: r.voids,
    body: r.body,
  }))
}

function evidenceJson(rows: readonly EvidenceRow[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      seq: r.seq,
      competence_iri: r.competenceIri,
      learner_key: r.learnerKey,
      statement_id: r.statementId,
      level: r.level,
      step: r.step,
      score_scaled: r.scoreScaled,
      client_id: r.clientId,
      achieved_at: r.achievedAt,
      withdrawn: r.withdrawn,
    })),
  )
}

const EVIDENCE_RECORDSET = `jsonb_to_recordset($1::jsonb) AS r (seq bigint, competence_iri text, learner_key text,
  statement_id uuid, level int, step int, score_scaled double precision, client_id text,
  achieved_at timestamptz, withdrawn boolean)`

/** Writes evidence rows; a row already there (same statement and competence) is left alone. */
export async function insertEvidence(
  sql: Sql,
  table: EvidenceTable,
  rows: readonly EvidenceRow[],
): Promise<void> {
  if (rows.length === 0) return
  await sql.query(
    `INSERT INTO ${TABLES[table]} (seq, competence_iri, learner_key, statement_id, level, step, score_scaled,
       client_id, achieved_at, withdrawn)
     SELECT * FROM ${EVIDENCE_RECORDSET}
     ON CONFLICT (seq, competence_iri) DO NOTHING`,
    [evidenceJson(rows)],
  )
}

/**
 * Makes the evidence of the given statements exactly `rows`: rows no longer due are deleted
 * (revoking credentials that rest on them), changed rows updated, new rows inserted.
 */
export async function reconcileEvidence(
  sql: Sql,
  seqs: readonly string[],
  rows: readonly EvidenceRow[],
): Promise<void> {
  // Attainments these statements counted towards, before and after, are rechecked by the agency
  // projector (attainment-recheck.ts): a mapping change re-derives evidence of statements the
  // attainment cursor has long passed, which counting alone would never see again.
  await sql.query(
    `INSERT INTO attainment_rechecks (learner_key, competence_iri, level)
     SELECT DISTINCT learner_key, competence_iri, level FROM skills_evidence
     WHERE seq = ANY($2::bigint[])
     UNION
     SELECT DISTINCT learner_key, competence_iri, level FROM ${EVIDENCE_RECORDSET}
     ON CONFLICT DO NOTHING`,
    [evidenceJson(rows), seqs],
  )
  await sql.query(
    `DELETE FROM skills_evidence e WHERE e.seq = ANY($2::bigint[])
       AND NOT EXISTS (SELECT 1 FROM ${EVIDENCE_RECORDSET} WHERE r.seq = e.seq AND r.competence_iri = e.competence_iri)`,
    [evidenceJson(rows), seqs],
  )
  if (rows.length === 0) return
  await sql.query(
    `INSERT INTO skills_evidence (seq, competence_iri, learner_key, statement_id, level, step, score_scaled,
       client_id, achieved_at, withdrawn)
     SELECT * FROM ${EVIDENCE_RECORDSET}
     ON CONFLICT (seq, competence_iri) DO UPDATE SET level = EXCLUDED.level, step = EXCLUDED.step,
       score_scaled = EXCLUDED.score_scaled, withdrawn = EXCLUDED.withdrawn
     WHERE (skills_evidence.level, skills_evidence.step, skills_evidence.score_scaled, skills_evidence.withdrawn)
       IS DISTINCT FROM (EXCLUDED.level, EXCLUDED.step, EXCLUDED.score_scaled, EXCLUDED.withdrawn)`,
    [evidenceJson(rows)],
  )
}

const WITHDRAW = (table: string) => `UPDATE ${table} e SET withdrawn = true
  FROM statements s
  WHERE s.id = ANY($1::uuid[]) AND s.voided AND e.seq = s.seq AND NOT e.withdrawn`

/**
 * Live withdrawals also queue the attainments they may change (migration 0012) in the same SQL
 * statement, so the agency projector sees a queued attainment only with its withdrawal, and
 * never a withdrawal without its queued attainment, whichever process runs which projector.
 */
const WITHDRAW_AND_QUEUE = `WITH w AS (${WITHDRAW('skills_evidence')}
    RETURNING e.learner_key, e.competence_iri, e.level)
  INSERT INTO attainment_rechecks (learner_key, competence_iri, level)
  SELECT DISTINCT learner_key, competence_iri, level FROM w
  ON CONFLICT DO NOTHING`

/**
 * Withdraws the evidence of statements that voiding statements target, when the store marked
 * the target voided (a voiding statement aimed at another voiding statement voids nothing).
 */
export async function withdrawVoided(
  sql: Sql,
  table: EvidenceTable,
  targetIds: readonly string[],
): Promise<void> {
  if (targetIds.length === 0) return
  await sql.query(table === 'live' ? WITHDRAW_AND_QUEUE : WITHDRAW(TABLES[table]), [targetIds])
}

export async function truncateRebuild(sql: Sql): Promise<void> {
  await sql.query('TRUNCATE skills_evidence_rebuild')
}

export interface EvidenceDifference {
  onlyLive: number
  onlyRebuilt: number
  changed: number
  rebuilt: number
}

const SAME_ROW = `l.learner_key = r.learner_key AND l.statement_id = r.statement_id AND l.level = r.level
  AND l.step IS NOT DISTINCT FROM r.step AND l.score_scaled IS NOT DISTINCT FROM r.score_scaled
  AND l.client_id = r.client_id AND l.achieved_at = r.achieved_at AND l.withdrawn = r.withdrawn`

/** Compares the live evidence up to a seq with the rebuilt evidence. */
export async function compareEvidence(sql: Sql, upTo: string): Promise<EvidenceDifference> {
  const { rows } = await sql.query<{
    only_live: string
    only_rebuilt: string
    changed: string
    rebuilt: string
  }>(
    `SELECT
       count(*) FILTER (WHERE r.seq IS NULL) AS only_live,
       count(*) FILTER (WHERE l.seq IS NULL) AS only_rebuilt,
       count(*) FILTER (WHERE l.seq IS NOT NULL AND r.seq IS NOT NULL AND NOT (${SAME_ROW})) AS changed,
       count(r.seq) AS rebuilt
     FROM (SELECT * FROM skills_evidence WHERE seq <= $1) l
     FULL JOIN skills_evidence_rebuild r ON r.seq = l.seq AND r.competence_iri = l.competence_iri`,
    [upTo],
  )
  const row = rows[0]
  return {
    onlyLive: Number(row?.only_live ?? 0),
    onlyRebuilt: Number(row?.only_rebuilt ?? 0),
    changed: Number(row?.changed ?? 0),
    rebuilt: Number(row?.rebuilt ?? 0),
  }
}

/** Makes the live evidence up to a seq equal to the rebuilt evidence, row by row. */
export async function applyRebuild(sql: Sql, upTo: string): Promise<void> {
  // Every attainment a differing row counts towards, live or rebuilt, is rechecked by the agency
  // projector (attainment-recheck.ts), as after a mapping change.
  await sql.query(
    `INSERT INTO attainment_rechecks (learner_key, competence_iri, level)
     SELECT learner_key, competence_iri, level FROM (
       SELECT l.learner_key, l.competence_iri, l.level, l.withdrawn, l.seq FROM skills_evidence l
       WHERE l.seq <= $1
       EXCEPT
       SELECT r.learner_key, r.competence_iri, r.level, r.withdrawn, r.seq
       FROM skills_evidence_rebuild r) AS only_live
     UNION
     SELECT learner_key, competence_iri, level FROM (
       SELECT r.learner_key, r.competence_iri, r.level, r.withdrawn, r.seq
       FROM skills_evidence_rebuild r
       EXCEPT
       SELECT l.learner_key, l.competence_iri, l.level, l.withdrawn, l.seq FROM skills_evidence l
       WHERE l.seq <= $1) AS only_rebuilt
     ON CONFLICT DO NOTHING`,
    [upTo],
  )
  await sql.query(
    `DELETE FROM skills_evidence l WHERE l.seq <= $1
       AND NOT EXISTS (SELECT 1 FROM skills_evidence_rebuild r WHERE r.seq = l.seq AND r.competence_iri = l.competence_iri)`,
    [upTo],
  )
  await sql.query(
    `INSERT INTO skills_evidence SELECT * FROM skills_evidence_rebuild
     ON CONFLICT (seq, competence_iri) DO UPDATE SET learner_key = EXCLUDED.learner_key,
       statement_id = EXCLUDED.statement_id, level = EXCLUDED.level, step = EXCLUDED.step,
       score_scaled = EXCLUDED.score_scaled, client_id = EXCLUDED.client_id,
       achieved_at = EXCLUDED.achieved_at, withdrawn = EXCLUDED.withdrawn`,
  )
}

// ---- records ----------------------------------------------------------------------------------

/** A learner's live evidence: one index range scan (skills_evidence_learner_idx). */
export async function selectLearnerEvidence(
  sql: Sql,
  learnerKey: string,
): Promise<LearnerEvidence[]> {
  const { rows } = await sql.query<{
    competence_iri: string
    level: number
    step: number | null
    statement_id: string
    client_id: string
    achieved_at: string
    seq: string
  }>(
    `SELECT competence_iri, level, step, statement_id::text AS statement_id, client_id,
       to_char(achieved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS achieved_at, seq
     FROM skills_evidence WHERE learner_key = $1 AND NOT withdrawn
     ORDER BY competence_iri, level DESC, achieved_at, seq`,
    [learnerKey],
  )
  // Formatted by the server as toISOString() would (UTC, milliseconds): a record read maps
  // hundreds of rows, and parsing each timestamp into a Date only to print it again showed in
  // profiles of bench/records.ts.
  return rows.map((r) => ({
    competenceIri: r.competence_iri,
    level: r.level,
    step: r.step,
    statementId: r.statement_id,
    clientId: r.client_id,
    achievedAt: r.achieved_at,
    seq: r.seq,
  }))
}

// ---- credentials ------------------------------------------------------------------------------

export interface StoredCredential {
  id: string
  kind: 'openbadge' | 'clr'
  competenceIri: string | null
  level: number | null
  fingerprint: string | null
  jwt: string
}

/** Entries per status list: the W3C minimum of 131,072 (16 KiB), for herd privacy. */
export const STATUS_LIST_SIZE = 131_072

/** The next free entry of the newest status list, opening a new list when it is full. */
export async function allocateStatusEntry(sql: Sql): Promise<{ list: number; index: number }> {
  const { rows } = await sql.query<{ id: number; index: number }>(
    `UPDATE skills_status_lists SET next_index = next_index + 1
     WHERE id = (SELECT max(id) FROM skills_status_lists) AND next_index < size
     RETURNING id, next_index - 1 AS index`,
  )
  if (rows[0] !== undefined) return { list: rows[0].id, index: rows[0].index }
  const created = await sql.query<{ id: number }>(
    `INSERT INTO skills_status_lists (id, size, next_index)
     SELECT coalesce(max(id), 0) + 1, $1, 1 FROM skills_status_lists RETURNING id`,
    [STATUS_LIST_SIZE],
  )
  return { list: created.rows[0]?.id ?? 1, index: 0 }
}

export async function insertCredential(
  sql: Sql,
  credential: StoredCredential & {
    learnerKey: string
    statusList: number
    statusIndex: number
    evidenceSeqs: readonly string[]
  },
): Promise<void> {
  await sql.query(
    `INSERT INTO skills_credentials (id, kind, learner_key, competence_iri, level, fingerprint, status_list,
       status_index, jwt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      credential.id,
      credential.kind,
      credential.learnerKey,
      credential.competenceIri,
      credential.level,
      credential.fingerprint,
      credential.statusList,
      credential.statusIndex,
      credential.jwt,
    ],
  )
  await sql.query(
    `INSERT INTO skills_credential_evidence (credential_id, seq)
     SELECT $1, s FROM unnest($2::bigint[]) AS s ON CONFLICT DO NOTHING`,
    [credential.id, credential.evidenceSeqs],
  )
}

/** The evidence seqs the given credentials rest on (a CLR rests on all of its badges'). */
export async function selectCredentialEvidence(
  sql: Sql,
  credentialIds: readonly string[],
): Promise<string[]> {
  const { rows } = await sql.query<{ seq: string }>(
    'SELECT DISTINCT seq FROM skills_credential_evidence WHERE credential_id = ANY($1::uuid[])',
    [credentialIds],
  )
  return rows.map((row) => row.seq)
}

/** A learner's unrevoked credentials. */
export async function selectLiveCredentials(
  sql: Sql,
  learnerKey: string,
): Promise<StoredCredential[]> {
  const { rows } = await sql.query<{
    id: string
    kind: 'openbadge' | 'clr'
    competence_iri: string | null
    level: number | null
    fingerprint: string | null
    jwt: string
  }>(
    `SELECT id::text AS id, kind, competence_iri, level, fingerprint, jwt FROM skills_credentials
     WHERE learner_key = $1 AND revoked_at IS NULL ORDER BY issued_at, id`,
    [learnerKey],
  )
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    competenceIri: r.competence_iri,
    level: r.level,
    fingerprint: r.fingerprint,
    jwt: r.jwt,
  }))
}

/** Whether a status list exists, and the indexes of its revoked entries. */
export async function selectRevokedEntries(
  sql: Sql,
  list: number,
): Promise<{ size: number; revoked: number[] } | undefined> {
  const lists = await sql.query<{ size: number }>(
    'SELECT size FROM skills_status_lists WHERE id = $1',
    [list],
  )
  const size = lists.rows[0]?.size
  if (size === undefined) return undefined
  const { rows } = await sql.query<{ status_index: number }>(
    'SELECT status_index FROM skills_credentials WHERE status_list = $1 AND revoked_at IS NOT NULL',
    [list],
  )
  return { size, revoked: rows.map((r) => r.status_index) }
}

/** Whether the credential with this status entry is revoked (undefined: no such entry). */
export async function selectEntryRevoked(
  sql: Sql,
  list: number,
  index: number,
): Promise<boolean | undefined> {
  const { rows } = await sql.query<{ revoked: boolean }>(
    'SELECT revoked_at IS NOT NULL AS revoked FROM skills_credentials WHERE status_list = $1 AND status_index = $2',
    [list, index],
  )
  return rows[0]?.revoked
}
