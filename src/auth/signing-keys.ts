import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto'
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
  type NewSigningKey,
} from '../storage/signing-key-store.js'
import {
  KEY_PURPOSES,
  MIN_RSA_BITS,
  type KeyPurpose,
  type PurposedJwk,
  type SigningAlg,
} from './key-purposes.js'

/**
 * The hub's signing keys: one current key per purpose (key-purposes.ts), ES256 for access tokens
 * and RS256 for credentials. Keys retired by a rotation keep verifying access tokens for the
 * overlap window, which is never shorter than the token lifetime, so a token issued just before a
 * rotation stays valid until it expires; every key stays published in the JWKS for good, so
 * credentials it signed keep verifying offline.
 *
 * Keys live in the store, so they survive restarts and every hub process against one server
 * shares them. A process learns of a rotation made elsewhere when it meets an unknown `kid`, or
 * at the latest {@link RELOAD_MS} after its last load.
 */
const RELOAD_MS = 60_000
/** An unknown `kid` reloads the keys at most this often, so forged kids cannot flood the store. */
const UNKNOWN_KID_RELOAD_MS = 5_000

interface LoadedKey {
  kid: string
  alg: SigningAlg
  purpose: KeyPurpose
  privateKey: CryptoKey
  publicKey: CryptoKey
  retiredAt: number | null
}

export interface SigningKey {
  kid: string
  alg: SigningAlg
  key: CryptoKey
}

export interface RotatedKey {
  purpose: KeyPurpose
  kid: string
  alg: SigningAlg
}

export interface KeyRing {
  /** The current key of a purpose, to sign with. */
  current(purpose: KeyPurpose): Promise<SigningKey>
  /**
   * The public key for an access token's protected header: a token key, current or within the
   * overlap. A 401 for unknown or expired keys and for keys of another purpose.
   */
  accessTokenKey(header: JWSHeaderParameters): Promise<CryptoKey>
  /** The JSON Web Key Set published at /.well-known/jwks.json (RFC 7517 §5). */
  jwks(): Promise<{ keys: JWK[] }>
  /** New current keys for the purposes named (all by default); old token keys overlap. */
  rotate(purposes?: readonly KeyPurpose[]): Promise<RotatedKey[]>
}

async function generate(purpose: KeyPurpose): Promise<NewSigningKey> {
  const alg = purpose === 'credentials' ? 'RS256' : 'ES256'
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    modulusLength: MIN_RSA_BITS,
  })
  return describe(purpose, alg, await exportJWK(privateKey), await exportJWK(publicKey))
}

async function describe(
  purpose: KeyPurpose,
  alg: SigningAlg,
  privateJwk: JWK,
  publicJwk: JWK,
): Promise<NewSigningKey> {
  const kid = await calculateJwkThumbprint(publicJwk)
  return {
    kid,
    alg,
    purpose,
    privateJwk: { ...privateJwk, kid, alg },
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
  }
}

/**
 * A configured key as a stored key. The public half is derived by the crypto library rather than
 * by dropping members, so no private member (`d`, or RSA's `p`, `q`, `dp`, `dq`, `qi`) can ever
 * reach the published JWKS.
 */
async function fromConfig({ purpose, alg, jwk }: PurposedJwk): Promise<NewSigningKey> {
  const privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' })
  return describe(purpose, alg, jwk as JWK, publicJwk as JWK)
}

function refused(rule: string): HubError {
  return new HubError('unauthorized', 'the token is not signed by a key the hub accepts', {
    field: 'header.Authorization',
    rule,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  })
}

/** Loads the keys, generating and storing (or installing the configured) current ones. */
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
        purpose: key.purpose,
        privateKey: (await importJWK(key.privateJwk as JWK, alg)) as CryptoKey,
        publicKey: (await importJWK(key.publicJwk as JWK, alg)) as CryptoKey,
        retiredAt,
      })
    }
    keys = next
    published = (await selectPublishedKeys(db)) as JWK[]
    loadedAt = Date.now()
  }

  async function install(key: NewSigningKey): Promise<void> {
    await db.transaction((tx) => insertCurrentKey(tx, key))
  }

  function currentOf(purpose: KeyPurpose): LoadedKey | undefined {
    return [...keys.values()].find((key) => key.purpose === purpose && key.retiredAt === null)
  }

  function usable(key: LoadedKey): boolean {
    return key.retiredAt === null || key.retiredAt + overlapMs > Date.now()
  }

  await load()
  for (const purpose of KEY_PURPOSES) {
    const configured = config.signingKeys.find((key) => key.purpose === purpose)
    const current = currentOf(purpose)
    if (configured !== undefined) {
      const key = await fromConfig(configured)
      if (current?.kid !== key.kid) await install(key)
    } else if (current === undefined) {
      await install(await generate(purpose))
    }
  }
  await load()

  return {
    async current(purpose) {
      if (Date.now() - loadedAt > RELOAD_MS) await load()
      const key = currentOf(purpose)
      if (key === undefined)
        throw new HubError('internal', `the hub has no current signing key for ${purpose}`)
      return { kid: key.kid, alg: key.alg, key: key.privateKey }
    },

    async accessTokenKey(header) {
      if (typeof header.kid !== 'string') throw refused('the token header must name its key (kid)')
      let key = keys.get(header.kid)
      if (key === undefined && Date.now() - unknownKidAt > UNKNOWN_KID_RELOAD_MS) {
        unknownKidAt = Date.now()
        await load()
        key = keys.get(header.kid)
      }
      if (key === undefined || !usable(key)) throw refused('unknown or expired signing key')
      // A credential key never vouches for an access token, whatever the token says.
      if (key.purpose !== 'tokens')
        throw refused(`the key ${key.kid} signs ${key.purpose}, not access tokens`)
      if (header.alg !== key.alg) throw refused(`the key ${key.kid} signs with ${key.alg} only`)
      return key.publicKey
    },

    async jwks() {
      if (Date.now() - loadedAt > RELOAD_MS) await load()
      // Every key that ever signed stays published: verifiable credentials signed with a retired
      // key must keep verifying offline. Access tokens signed with it are refused past the
      // overlap all the same (accessTokenKey), and they expire within minutes anyway.
      return { keys: published }
    },

    async rotate(purposes = KEY_PURPOSES) {
      const rotated: RotatedKey[] = []
      for (const purpose of purposes) {
        const key = await generate(purpose)
        await install(key)
        rotated.push({ purpose, kid: key.kid, alg: key.alg as SigningAlg })
      }
      await load()
      return rotated
    },
  }
}
