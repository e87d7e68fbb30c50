import { createHash } from 'node:crypto'
import type { Competence, Framework } from './framework.js'

/**
 * The credentials issued from skills records, as data (signing is in vc-jwt.ts):
 * - an Open Badges 3.0 `OpenBadgeCredential` per attained competence and level (OB 3.0 §B.1.1
 *   AchievementCredential: `@context`, `id`, `type`, `issuer` Profile, `validFrom`, `name`,
 *   `credentialSubject` AchievementSubject with its `achievement` (`id`, `type`, `name`,
 *   `description`, `criteria`), `credentialStatus`, `evidence`);
 * - a CLR 2.0 `ClrCredential` for the whole record (CLR 2.0 §B.1.2: `ClrSubject` with
 *   `verifiableCredential` and `achievement`).
 * Both carry a W3C `BitstringStatusListEntry` for revocation.
 */

export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2'
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
export const CLR_CONTEXT = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json'

export type CredentialObject = Record<string, unknown> & {
  id: string
  issuer: { id: string; type: string[]; name: string }
  validFrom: string
  credentialSubject: Record<string, unknown> & { id: string }
}

export interface IssuerProfile {
  id: string
  name: string
  url?: string
}

export interface StatusEntry {
  listUrl: string
  index: number
}

export interface EvidenceRef {
  statementId: string
  clientId: string
  achievedAt: string
}

/**
 * The learner as credential subject: a `urn:uuid` derived from the learner's xAPI IFI key by
 * SHA-256, so the same learner always gets the same subject id and the credential does not
 * spell out their national identifier or e-mail address.
 */
export function subjectId(learnerKey: string): string {
  const hex = createHash('sha256').update(`learner:${learnerKey}`).digest('hex')
  // RFC 9562 §5.8 (version 8, custom): set the version and variant bits.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

function title(titles: Record<string, string>): string {
  return titles.vi ?? titles.en ?? Object.values(titles)[0] ?? ''
}

function statusEntry(status: StatusEntry): Record<string, unknown> {
  // Bitstring Status List v1.0 §2.1 BitstringStatusListEntry.
  return {
    id: `${status.listUrl}#${status.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(status.index),
    statusListCredential: status.listUrl,
  }
}

function issuerProfile(issuer: IssuerProfile): CredentialObject['issuer'] {
  return {
    id: issuer.id,
    type: ['Profile'],
    name: issuer.name,
    ...(issuer.url === undefined ? {} : { url: issuer.url }),
  }
}

/** The Achievement of a competence at a level (OB 3.0 §B.1.2), aligned to the framework item. */
export function achievementOf(
  framework: Framework,
  competence: Competence,
  level: number,
): Record<string, unknown> {
  const levelInfo = framework.levels.find((l) => l.order === level)
  const levelName = levelInfo === undefined ? `${level}` : title(levelInfo.title)
  return {
    id: `${competence.iri}/levels/${level}`,
    type: ['Achievement'],
    achievementType: 'Competency',
    name: `${competence.code} ${title(competence.title)}: ${levelName}`,
    description: `${title(competence.title)} (${competence.title.en ?? ''}), level ${level} (${levelName}) of ${title(framework.title)} ${framework.version}.`,
    criteria: {
      narrative:
        'Attained through learning evidence recorded in the national learning-record hub: an xAPI ' +
        'statement of passing, or of completing with success, an activity linked to this competence ' +
        `at level ${level} or higher.`,
    },
    alignment: [
      {
        type: ['Alignment'],
        targetName: title(competence.title),
        targetUrl: competence.iri,
        targetCode: competence.code,
        targetFramework: `${title(framework.title)} ${framework.version}`,
        targetType: 'CFItem',
      },
    ],
    ...(levelInfo === undefined ? {} : { tag: [framework.id, `level-${level}`] }),
  }
}

/** An OpenBadgeCredential for one attained competence at one level. */
export function openBadgeCredential(input: {
  id: string
  issuer: IssuerProfile
  validFrom: string
  learnerKey: string
  framework: Framework
  competence: Competence
  level: number
  evidence: readonly EvidenceRef[]
  status: StatusEntry
}): CredentialObject {
  const achievement = achievementOf(input.framework, input.competence, input.level)
  return {
    '@context': [VC_CONTEXT, OB_CONTEXT],
    id: input.id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: issuerProfile(input.issuer),
    validFrom: input.validFrom,
    name: String(achievement.name),
    credentialSubject: {
      id: subjectId(input.learnerKey),
      type: ['AchievementSubject'],
      achievement,
    },
    evidence: input.evidence.map((e) => ({
      id: `urn:uuid:${e.statementId}`,
      type: ['Evidence'],
      name: 'xAPI statement',
      description: `Statement ${e.statementId}, stored by platform ${e.clientId}, achieved ${e.achievedAt}.`,
    })),
    credentialStatus: statusEntry(input.status),
  }
}

/** A ClrCredential bundling a learner's Open Badge credentials. */
export function clrCredential(input: {
  id: string
  issuer: IssuerProfile
  validFrom: string
  learnerKey: string
  credentials: readonly CredentialObject[]
  status: StatusEntry
}): CredentialObject {
  return {
    '@context': [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
    id: input.id,
    type: ['VerifiableCredential', 'ClrCredential'],
    issuer: issuerProfile(input.issuer),
    validFrom: input.validFrom,
    name: 'Skills record',
    description:
      'The competences the learner has attained, from learning evidence recorded in the national hub.',
    credentialSubject: {
      id: subjectId(input.learnerKey),
      type: ['ClrSubject'],
      verifiableCredential: input.credentials,
      achievement: input.credentials.map((c) => c.credentialSubject.achievement),
    },
    credentialStatus: statusEntry(input.status),
  }
}

/** A BitstringStatusListCredential (Bitstring Status List v1.0 §2.2). */
export function statusListCredential(input: {
  listUrl: string
  issuer: IssuerProfile
  validFrom: string
  encodedList: string
}): CredentialObject {
  return {
    '@context': [VC_CONTEXT],
    id: input.listUrl,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuerProfile(input.issuer),
    validFrom: input.validFrom,
    credentialSubject: {
      id: `${input.listUrl}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: input.encodedList,
    },
  }
}
