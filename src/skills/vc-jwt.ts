import {
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  SignJWT,
  type JWTPayload,
} from 'jose'
import { CREDENTIAL_ALGS } from '../auth/key-purposes.js'
import type { KeyRing } from '../auth/signing-keys.js'
import type { CredentialObject } from './credentials.js'

/**
 * VC-JWT as Open Badges 3.0 §8.2 (JSON Web Token Proof Format) defines it: a compact JWS whose
 * JOSE header has `alg`, `kid` (the hub's signing key, published at /.well-known/jwks.json) and
 * `typ: "JWT"`, and whose payload carries the credential in `vc` with the registered claims
 * `iss` = issuer.id, `sub` = credentialSubject.id, `jti` = id, `nbf` = validFrom and, when the
 * credential has validUntil, `exp`.
 *
 * The hub signs with RS256: OB 3.0 §8.2.3 makes it the minimum every verifier supports (an RSA
 * key of at least 2048 bits, RFC 7518 §3.3), and CLR 2.0 uses the same proof format.
 */

export interface VerificationCheck {
  check: 'signature' | 'claims' | 'validity' | 'status'
  ok: boolean
  message: string
}

export interface VerificationResult {
  verified: boolean
  credentialId: string | undefined
  types: string[]
  checks: VerificationCheck[]
}

/** Looks up the revocation bit of a status entry: the store's answer, or a fetched list's. */
export type StatusLookup = (listUrl: string, index: number) => Promise<boolean | undefined>

function seconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000)
}

/** Signs a credential with the hub's current credential key (RS256). */
export async function signCredential(
  keyRing: KeyRing,
  credential: CredentialObject,
): Promise<string> {
  const { kid, alg, key } = await keyRing.current('credentials')
  const validUntil = typeof credential.validUntil === 'string' ? credential.validUntil : undefined
  const jwt = new SignJWT({ vc: credential } as JWTPayload)
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer(credential.issuer.id)
    .setSubject(credential.credentialSubject.id)
    .setJti(credential.id)
    .setNotBefore(seconds(credential.validFrom))
  if (validUntil !== undefined) jwt.setExpirationTime(seconds(validUntil))
  return jwt.sign(key)
}

function isCredential(value: unknown): value is CredentialObject {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  const issuer = v.issuer as Record<string, unknown> | undefined
  const subject = v.credentialSubject as Record<string, unknown> | undefined
  return (
    typeof v.id === 'string' &&
    typeof v.validFrom === 'string' &&
    typeof issuer?.id === 'string' &&
    typeof subject?.id === 'string'
  )
}

/**
 * Verifies a VC-JWT as OB 3.0 §8.2.5 asks: the signature against the hub's key set, the
 * registered claims against the credential, its validity period, and its status entry.
 */
export async function verifyCredential(
  keyRing: KeyRing,
  jwt: string,
  status: StatusLookup,
): Promise<VerificationResult> {
  const checks: VerificationCheck[] = []
  const fail = (
    check: VerificationCheck['check'],
    message: string,
    id?: string,
    types: string[] = [],
  ): VerificationResult => {
    checks.push({ check, ok: false, message })
    return { verified: false, credentialId: id, types, checks }
  }

  let payload: JWTPayload
  try {
    const header = decodeProtectedHeader(jwt)
    if (header.typ !== undefined && header.typ !== 'JWT')
      return fail('signature', 'typ must be "JWT" (OB 3.0 §8.2.3)')
    // The JWS alone: validity is checked below against validFrom and validUntil, and reported
    // as such rather than as a signature failure. Every published key counts, as for an offline
    // verifier: credentials issued before RS256 were signed with the (ES256) token key of the
    // time. An access token signed with a token key still fails here: its typ is at+jwt.
    const verified = await compactVerify(jwt, createLocalJWKSet(await keyRing.jwks()), {
      algorithms: [...CREDENTIAL_ALGS],
    })
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as JWTPayload
  } catch (error) {
    return fail(
      'signature',
      `the signature does not verify against the hub's keys (${error instanceof Error ? error.message : 'invalid'})`,
    )
  }
  checks.push({ check: 'signature', ok: true, message: 'signed by a key of the hub' })

  const vc = payload.vc
  if (!isCredential(vc)) return fail('claims', 'the payload has no credential in vc')
  const types = Array.isArray(vc.type)
    ? vc.type.filter((t): t is string => typeof t === 'string')
    : []
  const mismatch =
    payload.iss !== vc.issuer.id
      ? 'iss must equal issuer.id'
      : payload.sub !== vc.credentialSubject.id
        ? 'sub must equal credentialSubject.id'
        : payload.jti !== vc.id
          ? 'jti must equal id'
          : payload.nbf !== seconds(vc.validFrom)
            ? 'nbf must equal validFrom'
            : undefined
  if (mismatch !== undefined) return fail('claims', mismatch, vc.id, types)
  checks.push({ check: 'claims', ok: true, message: 'iss, sub, jti and nbf match the credential' })

  const now = Date.now()
  if (Date.parse(vc.validFrom) > now)
    return fail('validity', 'the credential is not valid yet', vc.id, types)
  if (typeof vc.validUntil === 'string' && Date.parse(vc.validUntil) <= now) {
    return fail('validity', 'the credential has expired', vc.id, types)
  }
  checks.push({ check: 'validity', ok: true, message: 'within its validity period' })

  const entry = vc.credentialStatus as Record<string, unknown> | undefined
  if (entry !== undefined) {
    const listUrl = entry.statusListCredential
    const index = Number(entry.statusListIndex)
    if (typeof listUrl !== 'string' || !Number.isInteger(index))
      return fail('status', 'malformed credentialStatus', vc.id, types)
    const revoked = await status(listUrl, index)
    if (revoked === undefined)
      return fail('status', 'the status entry is unknown to this hub', vc.id, types)
    if (revoked) return fail('status', 'the credential has been revoked', vc.id, types)
    checks.push({ check: 'status', ok: true, message: 'not revoked' })
  }
  return { verified: true, credentialId: vc.id, types, checks }
}
