import { randomBytes, randomUUID } from 'node:crypto'
import type { Config } from '../config.js'
import { badRequest, HubError } from '../errors.js'
import type { Db } from '../storage/db.js'
import {
  deletePlatform,
  insertCredential,
  insertPlatform,
  revokeCredentials,
  selectCredential,
  selectCredentials,
  selectPlatform,
  selectPlatforms,
  updatePlatform,
  type Credential,
  type NewCredential,
  type Platform,
  type PlatformChanges,
  type PlatformStatus,
} from '../storage/platform-store.js'
import { agentKey, isObject } from '../xapi/agent-key.js'
import { AGENCY_SCOPES, XAPI_SCOPES, type Scope } from './principal.js'
import { hashSecret } from './secret-hash.js'

/**
 * The registry of connected platforms: who may send and read learning records, with which
 * scopes, under which xAPI `authority`, and with which credentials. The admin API and the
 * bootstrap use it; the authenticator reads the same tables directly.
 */

export const PLATFORM_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
const ALL_SCOPES: readonly Scope[] = [...XAPI_SCOPES, ...AGENCY_SCOPES, 'admin']
const PUBLIC_KEY_ALGS: Record<string, string> = {
  'EC P-256': 'ES256',
  'EC P-384': 'ES384',
  'OKP Ed25519': 'EdDSA',
}

export interface RegisterPlatform {
  id: string
  name: string
  contact?: string | null
  homePage?: string | null
  scopes: readonly string[]
  authority?: unknown
  rateLimitPerMinute?: number | null
}

export interface UpdatePlatform {
  name?: string
  contact?: string | null
  homePage?: string | null
  status?: PlatformStatus
  scopes?: readonly string[]
  authority?: unknown
  rateLimitPerMinute?: number | null
}

export type IssueCredential =
  | { kind: 'basic'; label?: string; key?: string; secret?: string }
  | { kind: 'private_key_jwt'; label?: string; key?: string; publicJwk?: unknown; jwksUrl?: string }
  | { kind: 'external'; label?: string; issuer: string; subject: string }

export interface IssuedCredential {
  credential: Credential
  /** A generated Basic secret: returned once, stored only as a hash. */
  secret?: string
}

function checkScopes(field: string, scopes: readonly string[]): Scope[] {
  for (const [index, scope] of scopes.entries()) {
    if (!(ALL_SCOPES as readonly string[]).includes(scope)) {
      badRequest(`${field}[${index}]`, `must be one of ${ALL_SCOPES.join(', ')}`)
    }
  }
  return [...new Set(scopes)] as Scope[]
}

/** xAPI Data §2.4.9: the authority is an Agent (or an OAuth pair Group) identified by one IFI. */
function checkAuthority(value: unknown): Record<string, unknown> {
  if (!isObject(value) || (value.objectType !== undefined && value.objectType !== 'Agent')) {
    badRequest('authority', 'must be an Agent (xAPI Data §2.4.9)')
  }
  const ifis = ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter(
    (name) => value[name] !== undefined,
  )
  if (ifis.length !== 1 || agentKey(value) === undefined) {
    badRequest('authority', 'must be identified by exactly one IFI (xAPI Data §2.4.2.1)')
  }
  return { objectType: 'Agent', ...value }
}

function checkUrl(field: string, value: string): string {
  try {
    const url = new URL(value)
    if (url.protocol === 'https:' || url.protocol === 'http:') return value
  } catch {
    // reported below
  }
  return badRequest(field, 'must be an absolute http(s) URL')
}

/** A public JWK with the algorithm it verifies stated, so `alg` is never taken from a token. */
function checkPublicJwk(value: unknown): Record<string, unknown> {
  if (!isObject(value)) return badRequest('publicJwk', 'must be a JSON Web Key')
  if (value.d !== undefined)
    badRequest('publicJwk', 'must be a public key: never send the private part')
  const alg =
    value.kty === 'RSA' ? 'RS256' : PUBLIC_KEY_ALGS[`${String(value.kty)} ${String(value.crv)}`]
  if (alg === undefined) badRequest('publicJwk', 'must be an EC P-256/P-384, Ed25519 or RSA key')
  if (value.alg !== undefined && typeof value.alg !== 'string')
    badRequest('publicJwk.alg', 'must be a string')
  return { ...value, alg: value.alg ?? alg }
}

function generatedKey(platformId: string): string {
  return `${platformId}-${randomBytes(6).toString('hex')}`
}

function notFound(what: string): never {
  throw new HubError('not_found', `${what} is not registered`)
}

export interface PlatformRegistry {
  register(input: RegisterPlatform): Promise<Platform>
  list(): Promise<Platform[]>
  get(id: string): Promise<Platform>
  update(id: string, changes: UpdatePlatform): Promise<Platform>
  remove(id: string): Promise<void>
  issueCredential(platformId: string, input: IssueCredential): Promise<IssuedCredential>
  listCredentials(platformId: string): Promise<Credential[]>
  /** Replaces a Basic credential by a new key and secret, revoking the old one at once. */
  rotateCredential(platformId: string, credentialId: string): Promise<IssuedCredential>
  /** Revokes one credential, or every credential of the platform. Returns how many. */
  revoke(platformId: string, credentialId?: string): Promise<number>
}

export function createPlatformRegistry(db: Db, config: Config): PlatformRegistry {
  function defaultAuthority(
    id: string,
    name: string,
    homePage: string | null,
  ): Record<string, unknown> {
    const home = homePage ?? config.publicUrl ?? `http://localhost:${config.port}`
    return { objectType: 'Agent', name, account: { homePage: home, name: id } }
  }

  async function get(id: string): Promise<Platform> {
    return (await selectPlatform(db, id)) ?? notFound(`platform ${id}`)
  }

  async function credentialRow(
    input: IssueCredential,
    platformId: string,
  ): Promise<{ row: NewCredential; secret?: string }> {
    const base = { id: randomUUID(), platformId, label: input.label ?? null }
    const none = {
      key: null,
      secretHash: null,
      publicJwk: null,
      jwksUrl: null,
      issuer: null,
      subject: null,
    }
    if (input.kind === 'basic') {
      const key = input.key ?? generatedKey(platformId)
      if (key.includes(':') || key === '')
        badRequest('key', 'must be non-empty and must not contain ":"')
      const secret = input.secret ?? randomBytes(32).toString('base64url')
      if (secret.length < 12) badRequest('secret', 'must be at least 12 characters long')
      const row = {
        ...base,
        ...none,
        kind: 'basic' as const,
        key,
        secretHash: await hashSecret(secret),
      }
      return input.secret === undefined ? { row, secret } : { row }
    }
    if (input.kind === 'private_key_jwt') {
      if ((input.publicJwk === undefined) === (input.jwksUrl === undefined)) {
        badRequest('publicJwk', 'give exactly one of publicJwk and jwksUrl')
      }
      const key = input.key ?? generatedKey(platformId)
      const publicJwk = input.publicJwk === undefined ? null : checkPublicJwk(input.publicJwk)
      const jwksUrl = input.jwksUrl === undefined ? null : checkUrl('jwksUrl', input.jwksUrl)
      return { row: { ...base, ...none, kind: 'private_key_jwt', key, publicJwk, jwksUrl } }
    }
    if (!config.trustedIssuers.some((issuer) => issuer.issuer === input.issuer)) {
      badRequest('issuer', 'must be one of the trusted issuers configured in TRUSTED_ISSUERS')
    }
    if (input.subject === '') badRequest('subject', 'must not be empty')
    return {
      row: { ...base, ...none, kind: 'external', issuer: input.issuer, subject: input.subject },
    }
  }

  async function issueCredential(
    platformId: string,
    input: IssueCredential,
  ): Promise<IssuedCredential> {
    await get(platformId)
    const { row, secret } = await credentialRow(input, platformId)
    const credential = await insertCredential(db, row)
    return secret === undefined ? { credential } : { credential, secret }
  }

  return {
    async register(input) {
      if (!PLATFORM_ID_PATTERN.test(input.id))
        badRequest('id', `must match ${PLATFORM_ID_PATTERN.source}`)
      const homePage = input.homePage == null ? null : checkUrl('homePage', input.homePage)
      return insertPlatform(db, {
        id: input.id,
        name: input.name,
        contact: input.contact ?? null,
        homePage,
        scopes: checkScopes('scopes', input.scopes),
        authority:
          input.authority === undefined
            ? defaultAuthority(input.id, input.name, homePage)
            : checkAuthority(input.authority),
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      })
    },

    list: () => selectPlatforms(db),
    get,

    async update(id, changes) {
      const checked: PlatformChanges = {}
      if (changes.name !== undefined) checked.name = changes.name
      if (changes.contact !== undefined) checked.contact = changes.contact
      if (changes.homePage !== undefined) {
        checked.homePage = changes.homePage === null ? null : checkUrl('homePage', changes.homePage)
      }
      if (changes.status !== undefined) checked.status = changes.status
      if (changes.scopes !== undefined) checked.scopes = checkScopes('scopes', changes.scopes)
      if (changes.authority !== undefined) checked.authority = checkAuthority(changes.authority)
      if (changes.rateLimitPerMinute !== undefined)
        checked.rateLimitPerMinute = changes.rateLimitPerMinute
      return (await updatePlatform(db, id, checked)) ?? notFound(`platform ${id}`)
    },

    async remove(id) {
      if (!(await deletePlatform(db, id))) notFound(`platform ${id}`)
    },

    issueCredential,
    listCredentials: async (platformId) => {
      await get(platformId)
      return selectCredentials(db, platformId)
    },

    async rotateCredential(platformId, credentialId) {
      const old =
        (await selectCredential(db, platformId, credentialId)) ??
        notFound(`credential ${credentialId}`)
      if (old.revokedAt !== null)
        throw new HubError('conflict', 'a revoked credential cannot be rotated')
      if (old.kind !== 'basic') {
        badRequest(
          'kind',
          'only Basic secrets rotate here: register the new key, then revoke the old credential',
        )
      }
      const label = old.label ?? undefined
      const issued = await issueCredential(
        platformId,
        label === undefined ? { kind: 'basic' } : { kind: 'basic', label },
      )
      await revokeCredentials(db, platformId, old.id)
      return issued
    },

    async revoke(platformId, credentialId) {
      await get(platformId)
      if (credentialId !== undefined) {
        const credential =
          (await selectCredential(db, platformId, credentialId)) ??
          notFound(`credential ${credentialId}`)
        if (credential.revokedAt !== null) return 0
      }
      return revokeCredentials(db, platformId, credentialId)
    },
  }
}
