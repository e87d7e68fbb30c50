import type { Scope } from '../auth/principal.js'
import { HubError } from '../errors.js'
import { PG_ERROR, pgErrorCode, type Sql } from './db.js'

/**
 * Named SQL for connected platforms and their credentials (migration 0003). Every change that can
 * narrow what a platform may do bumps `auth_version`, which the authenticator checks per request.
 */

export type PlatformStatus = 'active' | 'suspended'
export type CredentialKind = 'basic' | 'private_key_jwt' | 'external'

export interface Platform {
  id: string
  name: string
  contact: string | null
  homePage: string | null
  status: PlatformStatus
  authority: Record<string, unknown>
  scopes: Scope[]
  rateLimitPerMinute: number | null
  authVersion: number
  createdAt: string
  updatedAt: string
}

export interface Credential {
  id: string
  platformId: string
  kind: CredentialKind
  key: string | null
  publicJwk: Record<string, unknown> | null
  jwksUrl: string | null
  issuer: string | null
  subject: string | null
  label: string | null
  createdAt: string
  revokedAt: string | null
}

/** A credential as the authenticator needs it: with its secret hash and its platform's state. */
export interface CredentialForAuth extends Credential {
  secretHash: string | null
}

export interface NewPlatform {
  id: string
  name: string
  contact: string | null
  homePage: string | null
  authority: Record<string, unknown>
  scopes: readonly Scope[]
  rateLimitPerMinute: number | null
}

export interface PlatformChanges {
  name?: string
  contact?: string | null
  homePage?: string | null
  status?: PlatformStatus
  authority?: Record<string, unknown>
  scopes?: readonly Scope[]
  rateLimitPerMinute?: number | null
}

export interface NewCredential {
  id: string
  platformId: string
  kind: CredentialKind
  key: string | null
  secretHash: string | null
  publicJwk: Record<string, unknown> | null
  jwksUrl: string | null
  issuer: string | null
  subject: string | null
  label: string | null
}

interface PlatformRow {
  id: string
  name: string
  contact: string | null
  home_page: string | null
  status: PlatformStatus
  authority: string
  scopes: string[]
  rate_limit_per_minute: number | null
  auth_version: string
  created_at: string
  updated_at: string
}

interface CredentialRow {
  id: string
  platform_id: string
  kind: CredentialKind
  key: string | null
  secret_hash: string | null
  public_jwk: string | null
  jwks_url: string | null
  issuer: string | null
  subject: string | null
  label: string | null
  created_at: string
  revoked_at: string | null
}

const PLATFORM_COLUMNS = `id, name, contact, home_page, status, authority, scopes,
  rate_limit_per_minute,  auth_version, created_at, updated_at`
const CREDENTIAL_COLUMNS = `id, platform_id, kind, key, secret_hash, public_jwk, jwks_url,
  issuer, subject,  label, created_at, revoked_at`

/** timestamptz columns come back as PostgreSQL text; the API speaks RFC 3339 (ISO 8601). */
function isoTime(text: string): string {
  return new Date(text).toISOString()
}

function toPlatform(row: PlatformRow): Platform {
  return {
    id: row.id,
    name: row.name,
    contact: row.contact,
    homePage: row.home_page,
    status: row.status,
    authority: JSON.parse(row.authority) as Record<string, unknown>,
    scopes: row.scopes as Scope[],
    rateLimitPerMinute:
      row.rate_limit_per_minute === null ? null : Number(row.rate_limit_per_minute),
    authVersion: Number(row.auth_version),
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  }
}

function toCredential(row: CredentialRow): CredentialForAuth {
  return {
    id: row.id,
    platformId: row.platform_id,
    kind: row.kind,
    key: row.key,
    secretHash: row.secret_hash,
    publicJwk:
      row.public_jwk === null ? null : (JSON.parse(row.public_jwk) as Record<string, unknown>),
    jwksUrl: row.jwks_url,
    issuer: row.issuer,
    subject: row.subject,
    label: row.label,
    createdAt: isoTime(row.created_at),
    revokedAt: row.revoked_at === null ? null : isoTime(row.revoked_at),
  }
}

/** The public view of a credential: never the secret hash. */
export function publicCredential(credential: CredentialForAuth): Credential {
  return {
    id: credential.id,
    platformId: credential.platformId,
    kind: credential.kind,
    key: credential.key,
    publicJwk: credential.publicJwk,
    jwksUrl: credential.jwksUrl,
    issuer: credential.issuer,
    subject: credential.subject,
    label: credential.label,
    createdAt: credential.createdAt,
    revokedAt: credential.revokedAt,
  }
}

/** insertPlatform: registers a platform; a taken id is a 409. */
export async function insertPlatform(sql: Sql, platform: NewPlatform): Promise<Platform> {
  try {
    const { rows } = await sql.query<PlatformRow>(
      `INSERT INTO platforms
         (id, name, contact, home_page, authority, scopes, rate_limit_per_minute)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${PLATFORM_COLUMNS}`,
      [
        platform.id,
        platform.name,
        platform.contact,
        platform.homePage,
        JSON.stringify(platform.authority),
        [...platform.scopes],
        platform.rateLimitPerMinute,
      ],
    )
    return toPlatform(rows[0] as PlatformRow)
  } catch (error) {
    if (pgErrorCode(error) === PG_ERROR.uniqueViolation) {
      throw new HubError('conflict', `a platform with id ${platform.id} is already registered`, {
        field: 'id',
        rule: 'platform ids are unique',
      })
    }
    throw error
  }
}

/** selectPlatform: one platform by id. */
export async function selectPlatform(sql: Sql, id: string): Promise<Platform | undefined> {
  const { rows } = await sql.query<PlatformRow>(
    `SELECT ${PLATFORM_COLUMNS} FROM platforms WHERE id = $1`,
    [id],
  )
  return rows[0] === undefined ? undefined : toPlatform(rows[0])
}

/** selectPlatforms: every platform, by id. */
export async function selectPlatforms(sql: Sql): Promise<Platform[]> {
  const { rows } = await sql.query<PlatformRow>(
    `SELECT ${PLATFORM_COLUMNS} FROM platforms ORDER BY id`,
  )
  return rows.map(toPlatform)
}

/** updatePlatform: applies changes and bumps the auth version; undefined when absent. */
export async function updatePlatform(
  sql: Sql,
  id: string,
  changes: PlatformChanges,
): Promise<Platform | undefined> {
  const sets: string[] = []
  const params: unknown[] = [id]
  const set = (column: string, value: unknown) => {
    params.push(value)
    sets.push(`${column} = $${params.length}`)
  }
  if (changes.name !== undefined) set('name', changes.name)
  if (changes.contact !== undefined) set('contact', changes.contact)
  if (changes.homePage !== undefined) set('home_page', changes.homePage)
  if (changes.status !== undefined) set('status', changes.status)
  if (changes.authority !== undefined) set('authority', JSON.stringify(changes.authority))
  if (changes.scopes !== undefined) set('scopes', [...changes.scopes])
  if (changes.rateLimitPerMinute !== undefined)
    set('rate_limit_per_minute', changes.rateLimitPerMinute)
  sets.push('auth_version = auth_version + 1', 'updated_at = now()')
  const { rows } = await sql.query<PlatformRow>(
    `UPDATE platforms SET ${sets.join(', ')} WHERE id = $1 RETURNING ${PLATFORM_COLUMNS}`,
    params,
  )
  return rows[0] === undefined ? undefined : toPlatform(rows[0])
}

/** deletePlatform: removes a platform and its credentials; false when absent. */
export async function deletePlatform(sql: Sql, id: string): Promise<boolean> {
  const { rowCount } = await sql.query('DELETE FROM platforms WHERE id = $1', [id])
  return rowCount > 0
}

/** bumpAuthVersion: makes every remembered credential of the platform re-checked. */
export async function bumpAuthVersion(sql: Sql, platformId: string): Promise<void> {
  await sql.query(
    'UPDATE platforms SET auth_version = auth_version + 1, updated_at = now() WHERE id = $1',
    [platformId],
  )
}

/** insertCredential: stores a credential; a taken key or external subject is a 409. */
export async function insertCredential(sql: Sql, credential: NewCredential): Promise<Credential> {
  try {
    const { rows } = await sql.query<CredentialRow>(
      `INSERT INTO platform_credentials
         (id, platform_id, kind, key, secret_hash, public_jwk, jwks_url, issuer, subject, label)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${CREDENTIAL_COLUMNS}`,
      [
        credential.id,
        credential.platformId,
        credential.kind,
        credential.key,
        credential.secretHash,
        credential.publicJwk === null ? null : JSON.stringify(credential.publicJwk),
        credential.jwksUrl,
        credential.issuer,
        credential.subject,
        credential.label,
      ],
    )
    return publicCredential(toCredential(rows[0] as CredentialRow))
  } catch (error) {
    if (pgErrorCode(error) === PG_ERROR.uniqueViolation) {
      throw new HubError(
        'conflict',
        'a credential with this key or external subject already exists',
        {
          field: credential.kind === 'external' ? 'subject' : 'key',
          rule: 'credential keys and external subjects are unique',
        },
      )
    }
    throw error
  }
}

/** selectCredentials: a platform's credentials, revoked ones included, oldest first. */
export async function selectCredentials(sql: Sql, platformId: string): Promise<Credential[]> {
  const { rows } = await sql.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM platform_credentials WHERE platform_id = $1
     ORDER BY created_at, id`,
    [platformId],
  )
  return rows.map((row) => publicCredential(toCredential(row)))
}

/** selectCredential: one credential of a platform. */
export async function selectCredential(
  sql: Sql,
  platformId: string,
  id: string,
): Promise<CredentialForAuth | undefined> {
  const { rows } = await sql.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM platform_credentials WHERE platform_id = $1 AND id = $2`,
    [platformId, id],
  )
  return rows[0] === undefined ? undefined : toCredential(rows[0])
}

/** selectCredentialByKey: the unrevoked credential with this key (Basic key or OAuth client_id). */
export async function selectCredentialByKey(
  sql: Sql,
  key: string,
): Promise<CredentialForAuth | undefined> {
  const { rows } = await sql.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM platform_credentials WHERE key = $1 AND revoked_at IS NULL`,
    [key],
  )
  return rows[0] === undefined ? undefined : toCredential(rows[0])
}

/** selectExternalCredential: the unrevoked credential mapping an external subject to a platform. */
export async function selectExternalCredential(
  sql: Sql,
  issuer: string,
  subject: string,
): Promise<CredentialForAuth | undefined> {
  const { rows } = await sql.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM platform_credentials
     WHERE kind = 'external' AND issuer = $1 AND subject = $2 AND revoked_at IS NULL`,
    [issuer, subject],
  )
  return rows[0] === undefined ? undefined : toCredential(rows[0])
}

/** revokeCredentials: revokes one credential, or all of a platform's when `id` is undefined. */
export async function revokeCredentials(
  sql: Sql,
  platformId: string,
  id?: string,
): Promise<number> {
  const { rowCount } = await sql.query(
    `UPDATE platform_credentials SET revoked_at = now()
     WHERE platform_id = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR id = $2)`,
    [platformId, id ?? null],
  )
  await bumpAuthVersion(sql, platformId)
  return rowCount
}

/** replaceSecretHash: sets a Basic credential's secret (the configured bootstrap credential). */
export async function replaceSecretHash(sql: Sql, id: string, secretHash: string): Promise<void> {
  await sql.query('UPDATE platform_credentials SET secret_hash = $2 WHERE id = $1', [
    id,
    secretHash,
  ])
}

/**
 * liveAuthVersion: the per-request check behind remembered credentials. One primary-key join:
 * the credential's platform and its auth version while the credential is unrevoked and the
 * platform active; undefined otherwise.
 */
export async function liveAuthVersion(
  sql: Sql,
  credentialId: string,
): Promise<{ platformId: string; version: number } | undefined> {
  const { rows } = await sql.query<{ id: string; auth_version: string }>(
    `SELECT p.id, p.auth_version
     FROM platform_credentials c JOIN platforms p ON p.id = c.platform_id
     WHERE c.id = $1 AND c.revoked_at IS NULL AND p.status = 'active'`,
    [credentialId],
  )
  const row = rows[0]
  return row === undefined ? undefined : { platformId: row.id, version: Number(row.auth_version) }
}
