import { createHash, randomUUID } from 'node:crypto'
import {
  clrCredential,
  openBadgeCredential,
  statusListCredential,
  type CredentialObject,
  type IssuerProfile,
} from '../skills/credentials.js'
import { ACTIVITY_TYPES } from '../profile/vocabulary.js'
import type { Competence, Framework, Titles } from '../skills/framework.js'
import { encodeStatusList } from '../skills/status-list.js'
import type { Db } from './db.js'
import type { FrameworkCatalog } from './skills-catalog.js'
import {
  allocateStatusEntry,
  insertCredential,
  selectCredentialEvidence,
  selectEntryRevoked,
  selectLearnerEvidence,
  selectLiveCredentials,
  selectProgrammeTargets,
  type ProgrammeTarget,
  selectRevokedEntries,
  type LearnerEvidence,
} from './skills-store.js'

/**
 * Skills records read from evidence, and the credentials issued from them. A record is derived
 * on read from the learner's live evidence (one index range scan), never stored twice.
 * Credentials are issued on first download and kept, so a learner downloading again gets the
 * same credential with the same status entry until its evidence is voided or erased.
 */

export interface CompetenceRecord {
  competence: string
  framework: { id: string; version: string }
  code: string
  domain: string
  title: Titles
  /** The highest level attained, with its title and the step when evidence named one. */
  level: number
  levelTitle: Titles
  step: number | null
  /** When the highest level was first attained. */
  attainedAt: string
  evidence: { statementId: string; level: number; platform: string; achievedAt: string }[]
  platforms: string[]
}

export interface ProgrammeRecord {
  programme: string
  name: Titles
  /** The programme's competence targets (from the operator's mapping) and those attained. */
  targets: { competence: string; level: number; attained: boolean }[]
  attained: number
  completion: number
}

export interface SkillsRecord {
  competences: CompetenceRecord[]
  /** Programmes with at least one target attained. */
  programmes: ProgrammeRecord[]
  frameworks: {
    id: string
    version: string
    title: Titles
    competences: number
    attained: number
    /** Attained competences over the framework's competences, 0 to 1. */
    completion: number
  }[]
}

export interface IssuedCredential {
  id: string
  type: 'OpenBadgeCredential' | 'ClrCredential'
  competence?: string
  level?: number
  /** The VC-JWT. */
  jwt: string
}

export interface SkillsRecords {
  record(learnerKey: string): Promise<SkillsRecord>
  /** The learner's Open Badge credentials, one per attained competence, issued as needed. */
  openBadges(learnerKey: string): Promise<IssuedCredential[]>
  /** A ClrCredential of the whole record, reused while the record is unchanged. */
  clr(learnerKey: string): Promise<IssuedCredential>
  /** The signed status list credential, or undefined for an unknown list. */
  statusList(list: number): Promise<string | undefined>
  /** Whether an entry of one of this hub's lists is revoked (undefined: not this hub's entry). */
  entryRevoked(listUrl: string, index: number): Promise<boolean | undefined>
}

export interface SkillsRecordsOptions {
  issuer: IssuerProfile
  /** Base URL status lists are published under: `<base>/credentials/status/<list>`. */
  baseUrl: string
  sign: (credential: CredentialObject) => Promise<string>
}

interface Attained {
  competence: Competence
  framework: Framework
  rows: LearnerEvidence[]
}

/** Programme targets change with the mapping only; they are read again at most this often. */
const PROGRAMMES_RELOAD_MS = 10_000

/** Completion of each programme the learner attained at least one target of. */
function programmeRecords(
  targets: readonly ProgrammeTarget[],
  attainedLevels: ReadonlyMap<string, number>,
): ProgrammeRecord[] {
  const byProgramme = new Map<string, ProgrammeTarget[]>()
  for (const t of targets)
    byProgramme.set(t.programmeIri, [...(byProgramme.get(t.programmeIri) ?? []), t])
  const out: ProgrammeRecord[] = []
  for (const [programme, list] of byProgramme) {
    const rows = list.map((t) => ({
      competence: t.competenceIri,
      level: t.level,
      attained: (attainedLevels.get(t.competenceIri) ?? 0) >= t.level,
    }))
    const attained = rows.filter((row) => row.attained).length
    if (attained === 0) continue
    const name = list[0]?.name
    out.push({
      programme,
      name: name === null || name === undefined ? {} : (JSON.parse(name) as Titles),
      targets: rows,
      attained,
      completion: attained / rows.length,
    })
  }
  return out
}

function group(evidence: readonly LearnerEvidence[]): Map<string, LearnerEvidence[]> {
  const byCompetence = new Map<string, LearnerEvidence[]>()
  for (const row of evidence) {
    const list = byCompetence.get(row.competenceIri)
    if (list === undefined) byCompetence.set(row.competenceIri, [row])
    else list.push(row)
  }
  return byCompetence
}

/** Rows come by level descending, then time: the first is the highest level, first attained. */
function highest(rows: readonly LearnerEvidence[]): LearnerEvidence[] {
  const top = rows[0]?.level
  return rows.filter((row) => row.level === top)
}

export function createSkillsRecords(
  db: Db,
  catalog: FrameworkCatalog,
  options: SkillsRecordsOptions,
): SkillsRecords {
  const listUrl = (list: number) => `${options.baseUrl}/credentials/status/${list}`
  let programmes: { targets: ProgrammeTarget[]; at: number } = { targets: [], at: 0 }

  async function programmeTargets(): Promise<ProgrammeTarget[]> {
    if (Date.now() - programmes.at > PROGRAMMES_RELOAD_MS) {
      programmes = {
        targets: await selectProgrammeTargets(db, ACTIVITY_TYPES.programme),
        at: Date.now(),
      }
    }
    return programmes.targets
  }

  async function attained(learnerKey: string): Promise<Attained[]> {
    const out: Attained[] = []
    for (const [iri, rows] of group(await selectLearnerEvidence(db, learnerKey))) {
      const found = await catalog.competence(iri)
      if (found !== undefined) out.push({ ...found, rows })
    }
    return out
  }

  async function openBadges(learnerKey: string): Promise<IssuedCredential[]> {
    const competences = await attained(learnerKey)
    return db.transaction(async (tx) => {
      // One issuance at a time per learner, so two downloads never issue twice.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `skills-credentials:${learnerKey}`,
      ])
      const live = await selectLiveCredentials(tx, learnerKey)
      const issued: IssuedCredential[] = []
      for (const { competence, framework, rows } of competences) {
        const top = highest(rows)
        const level = top[0]!.level
        const existing = live.find(
          (c) => c.kind === 'openbadge' && c.competenceIri === competence.iri && c.level === level,
        )
        if (existing !== undefined) {
          issued.push({
            id: existing.id,
            type: 'OpenBadgeCredential',
            competence: competence.iri,
            level,
            jwt: existing.jwt,
          })
          continue
        }
        const uuid = randomUUID()
        const entry = await allocateStatusEntry(tx)
        const credential = openBadgeCredential({
          id: `urn:uuid:${uuid}`,
          issuer: options.issuer,
          validFrom: new Date().toISOString(),
          learnerKey,
          framework,
          competence,
          level,
          evidence: top,
          status: { listUrl: listUrl(entry.list), index: entry.index },
        })
        const jwt = await options.sign(credential)
        await insertCredential(tx, {
          id: uuid,
          kind: 'openbadge',
          learnerKey,
          competenceIri: competence.iri,
          level,
          fingerprint: null,
          jwt,
          statusList: entry.list,
          statusIndex: entry.index,
          evidenceSeqs: top.map((row) => row.seq),
        })
        issued.push({
          id: uuid,
          type: 'OpenBadgeCredential',
          competence: competence.iri,
          level,
          jwt,
        })
      }
      return issued
    })
  }

  return {
    async record(learnerKey) {
      const competences = await attained(learnerKey)
      const frameworks = await catalog.frameworks()
      const records: CompetenceRecord[] = competences.map(({ competence, framework, rows }) => {
        const top = highest(rows)
        const first = top[0]!
        return {
          competence: competence.iri,
          framework: { id: framework.id, version: framework.version },
          code: competence.code,
          domain: competence.domainCode,
          title: competence.title,
          level: first.level,
          levelTitle: framework.levels.find((l) => l.order === first.level)?.title ?? {},
          step: top.reduce<number | null>(
            (max, row) => (row.step !== null && (max === null || row.step > max) ? row.step : max),
            null,
          ),
          attainedAt: first.achievedAt,
          evidence: rows.map((row) => ({
            statementId: row.statementId,
            level: row.level,
            platform: row.clientId,
            achievedAt: row.achievedAt,
          })),
          platforms: [...new Set(rows.map((row) => row.clientId))].sort(),
        }
      })
      const levels = new Map(records.map((r) => [r.competence, r.level]))
      return {
        competences: records,
        programmes: programmeRecords(await programmeTargets(), levels),
        frameworks: frameworks.map((framework) => {
          const attainedCount = records.filter(
            (r) => r.framework.id === framework.id && r.framework.version === framework.version,
          ).length
          return {
            id: framework.id,
            version: framework.version,
            title: framework.title,
            competences: framework.competences.length,
            attained: attainedCount,
            completion: attainedCount / framework.competences.length,
          }
        }),
      }
    },

    openBadges,

    async clr(learnerKey) {
      const badges = await openBadges(learnerKey)
      const fingerprint = createHash('sha256')
        .update(
          badges
            .map((b) => b.id)
            .sort()
            .join(','),
        )
        .digest('hex')
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `skills-credentials:${learnerKey}`,
        ])
        const existing = (await selectLiveCredentials(tx, learnerKey)).find(
          (c) => c.kind === 'clr' && c.fingerprint === fingerprint,
        )
        if (existing !== undefined)
          return { id: existing.id, type: 'ClrCredential' as const, jwt: existing.jwt }
        const uuid = randomUUID()
        const entry = await allocateStatusEntry(tx)
        const credentials = badges.map((b) => decodeVc(b.jwt))
        const credential = clrCredential({
          id: `urn:uuid:${uuid}`,
          issuer: options.issuer,
          validFrom: new Date().toISOString(),
          learnerKey,
          credentials,
          status: { listUrl: listUrl(entry.list), index: entry.index },
        })
        const jwt = await options.sign(credential)
        const seqs = await selectCredentialEvidence(
          tx,
          badges.map((b) => b.id),
        )
        await insertCredential(tx, {
          id: uuid,
          kind: 'clr',
          learnerKey,
          competenceIri: null,
          level: null,
          fingerprint,
          jwt,
          statusList: entry.list,
          statusIndex: entry.index,
          evidenceSeqs: seqs,
        })
        return { id: uuid, type: 'ClrCredential' as const, jwt }
      })
    },

    async statusList(list) {
      const entries = await selectRevokedEntries(db, list)
      if (entries === undefined) return undefined
      return options.sign(
        statusListCredential({
          listUrl: listUrl(list),
          issuer: options.issuer,
          validFrom: new Date().toISOString(),
          encodedList: encodeStatusList(entries.size, entries.revoked),
        }),
      )
    },

    async entryRevoked(url, index) {
      const prefix = `${options.baseUrl}/credentials/status/`
      if (!url.startsWith(prefix) || !/^\d+$/.test(url.slice(prefix.length))) return undefined
      return selectEntryRevoked(db, Number(url.slice(prefix.length)), index)
    },
  }
}

/** The credential inside a VC-JWT this hub signed (read back from its own store). */
function decodeVc(jwt: string): CredentialObject {
  const payload = JSON.parse(
    Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { vc: CredentialObject }
  return payload.vc
}
