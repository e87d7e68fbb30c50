import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWSHeaderParameters,
} from 'jose'
import type { Config } from '../config.js'
import { HubError } from '../errors.js'
import type { Db } from '../storage/db.js'
import {
  insertCurrentKey,
  selectPublishedKeys,
  selectUsableKeys,
  type StoredSigningKey,
} from '../storage/signing-key-store.js'

/**
 * The hub's own token-signing keys. The current key signs; keys retired by a rotation keep
 * verifying (and stay published in the JWKS) for the overlap window, which is never shorter than
 * the token lifetime, so a token issued just before a rotation stays valid until it expires.
 *
 * Keys live in the store, so they survive restarts and every hub process against one server
 * shares them. A process learns of a rotation made elsewhere when it meets an unknown `kid`, or
 * at the latest {@link RELOAD_MS} after its last load.
 */
const RELOAD_MS = 60_000
/** An unknown `kid` reloads the keys at most this often, so forged kids cannot flood the store. */
const UNKNOWN_KID_RELOAD_MS = 5_000
export const SIGNING_ALGS = ['ES256', 'EdDSA'] as const
type SigningAlg = (typeof SIGNING_ALGS)[number]

interface LoadedKey {
  kid: string
  alg: SigningAlg
  privateKey: CryptoKey
  publicKey: CryptoKey
  publicJwk: JWK
  retiredAt: number | null
}

export interface KeyRing {
  /** The current key, to sign with. */
  current(): Promise<{ kid: string; alg: SigningAlg; key: CryptoKey }>
  /** The public key for a token's protected header; a 401 for unknown or expired keys. */
  verificationKey(header: JWSHeaderParameters): Promise<CryptoKey>
  /** The JSON Web Key Set published at /.well-known/jwks.json (RFC 7517 §5). */
  jwks(): Promise<{ keys: JWK[] }>
  /** Generates a new current key; the previous one verifies for the overlap window. */
  rotate(): Promise<{ kid: string }>
}

async function generate(): Promise<Omit<StoredSigningKey, 'createdAt' | 'retiredAt'>> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  return describe(await exportJWK(privateKey), await exportJWK(publicKey), 'ES256')
}

async function describe(
  privateJwk: JWK,
  publicJwk: JWK,
  alg: SigningAlg,
): Promise<Omit<StoredSigningKey, 'createdAt' | 'retiredAt'>> {
  const kid = await calculateJwkThumbprint(publicJwk)
  const pub = { ...publicJwk, kid, alg, use: 'sig' }
  return { kid, alg, privateJwk: { ...privateJwk, kid, alg }, publicJwk: pub }
}

/** The configured SIGNING_KEY as a stored key: ES256 for EC P-256, EdDSA for Ed25519. */
async function fromConfig(
  jwk: Record<string, unknown>,
): Promise<Omit<StoredSigningKey, 'createdAt' | 'retiredAt'>> {
  const alg: SigningAlg | undefined =
    jwk.kty === 'EC' && jwk.crv === 'P-256'
      ? 'ES256'
      : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
        ? 'EdDSA'
        : undefined
  if (alg === undefined)
    throw new Error('SIGNING_KEY must be an EC P-256 or an Ed25519 private JWK')
  const publicJwk = Object.fromEntries(Object.entries(jwk).filter(([name]) => name !== 'd'))
  return describe(jwk as JWK, publicJwk as JWK, alg)
}

function unknownKey(rule: string): HubError {
  return new HubError('unauthorized', 'the token is not signed by a key the hub accepts', {
    field: 'header.Authorization',
    rule,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  })
}

/** Loads the keys, generating and storing a first one (or the configured one) when needed. */
export async function openKeyRing(db: Db, config: Config): Promise<KeyRing> {
  // Another process may go on signing with a key for up to RELOAD_MS after a rotation retired
  // it; verifying for that much longer than the configured overlap keeps such tokens valid for
  // their whole lifetime.
  const overlapMs = config.keyOverlapSeconds * 1000 + RELOAD_MS
  let keys = new Map<string, LoadedKey>()
  let published: JWK[] = []
  let loadedAt = 0
  let unknownKidAt = 0

  async function load(): Promise<void> {
    const stored = await selectUsableKeys(db, overlapMs / 1000)
    const next = new Map<string, LoadedKey>()
    for (const key of stored) {
      const known = keys.get(key.kid)
      const retiredAt = key.retiredAt === null ? null : Date.parse(key.retiredAt)
      if (known !== undefined) {
        next.set(key.kid, { ...known, retiredAt })
        continue
      }
      const alg = key.alg as SigningAlg
      next.set(key.kid, {
        kid: key.kid,
        alg,
        privateKey: (await importJWK(key.privateJwk as JWK, alg)) as CryptoKey,
        publicKey: (await importJWK(key.publicJwk as JWK, alg)) as CryptoKey,
        publicJwk: key.publicJwk as JWK,
        retiredAt,
      })
    }
    keys = next
    published = (await selectPublishedKeys(db)) as JWK[]
    loadedAt = Date.now()
  }

  async function install(key: Omit<StoredSigningKey, 'createdAt' | 'retiredAt'>): Promise<void> {
    await db.transaction((tx) => insertCurrentKey(tx, key))
    await load()
  }

  function usable(key: LoadedKey): boolean {
    return key.retiredAt === null || key.retiredAt + overlapMs > Date.now()
  }

  await load()
  const configured =
    config.signingKey === undefined ? undefined : await fromConfig(config.signingKey)
  const current = [...keys.values()].find((key) => key.retiredAt === null)
  if (configured !== undefined && current?.kid !== configured.kid) await install(configured)
  else if (configured === undefined && current === undefined) await install(await generate())

  return {
    async current() {
      if (Date.now() - loadedAt > RELOAD_MS) await load()
      const key = [...keys.values()].find((candidate) => candidate.retiredAt === null)
      if (key === undefined) throw new HubError('internal', 'the hub has no current signing key')
      return { kid: key.kid, alg: key.alg, key: key.privateKey }
    },

    async verificationKey(header) {
      if (typeof header.kid !== 'string')
        throw unknownKey('the token header must name its key (kid)')
      let key = keys.get(header.kid)
      if (key === undefined && Date.now() - unknownKidAt > UNKNOWN_KID_RELOAD_MS) {
        unknownKidAt = Date.now()
        await load()
        key = keys.get(header.kid)
      }
      if (key === undefined || !usable(key)) throw unknownKey('unknown or expired signing key')
      if (header.alg !== key.alg) throw unknownKey(`the key ${key.kid} signs with ${key.alg} only`)
      return key.publicKey
    },

    async jwks() {
      if (Date.now() - loadedAt > RELOAD_MS) await load()
      // Every key that ever signed stays published: verifiable credentials signed with a retired
      // key must keep verifying offline. Access tokens signed with it are refused past the
      // overlap all the same (verificationKey), and they expire within minutes anyway.
      return { keys: published }
    },

    async rotate() {
      const key = await generate()
      await install(key)
      return { kid: key.kid }
    },
  }
}
