/**
 * What each of the hub's signing keys is for. A key signs for one purpose only, so a verifier of
 * one kind of JWT can never be handed the other kind under a key it trusts:
 *
 * - `tokens`: the hub's access tokens (RFC 9068), ES256 (EdDSA with a configured Ed25519 key).
 *   Only the hub verifies them, so the compact, fast elliptic-curve signatures serve best.
 * - `credentials`: verifiable credentials (Open Badges 3.0, CLR 2.0) and their status lists,
 *   RS256. OB 3.0 §8.2.3 (JSON Web Token Proof Format, "Create the JOSE Header") says the `alg`
 *   "MUST be RS256 as a minimum" and that other algorithms limit interoperability; CLR 2.0 uses
 *   the same proof format. Anyone verifies credentials, so they use the algorithm every verifier
 *   has.
 */
export const KEY_PURPOSES = ['tokens', 'credentials'] as const
export type KeyPurpose = (typeof KEY_PURPOSES)[number]

/** The algorithms the hub's access tokens may carry; RS256 is not one (credential keys only). */
export const TOKEN_ALGS = ['ES256', 'EdDSA'] as const
/** The algorithms the hub's credentials may carry: RS256 now, ES256 and EdDSA signed earlier. */
export const CREDENTIAL_ALGS = ['RS256', 'ES256', 'EdDSA'] as const
export type SigningAlg = (typeof CREDENTIAL_ALGS)[number]

/** RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms." */
export const MIN_RSA_BITS = 2048

/** A private JWK with the purpose and algorithm its key type decides. */
export interface PurposedJwk {
  purpose: KeyPurpose
  alg: SigningAlg
  jwk: Record<string, unknown>
}

/** The size in bits of an RSA modulus given as a JWK `n` (base64url, big-endian). */
export function rsaModulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url')
  let first = 0
  while (first < bytes.length && bytes[first] === 0) first += 1
  if (first === bytes.length) return 0
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first] as number))
}

/**
 * Decides what a private JWK signs: an RSA key (at least 2048 bits) credentials with RS256; an
 * EC P-256 key tokens with ES256; an Ed25519 key tokens with EdDSA. Returns the reason as a
 * string when the key fits none of them.
 */
export function purposeOf(jwk: Record<string, unknown>): PurposedJwk | string {
  if (typeof jwk.d !== 'string') return 'must be a private JWK (with "d")'
  if (jwk.kty === 'RSA') {
    const bits = typeof jwk.n === 'string' ? rsaModulusBits(jwk.n) : 0
    if (bits < MIN_RSA_BITS)
      return `an RSA key must have at least ${MIN_RSA_BITS} bits (RFC 7518 §3.3), got ${bits}`
    return { purpose: 'credentials', alg: 'RS256', jwk }
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return { purpose: 'tokens', alg: 'ES256', jwk }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { purpose: 'tokens', alg: 'EdDSA', jwk }
  return 'must be an RSA key (credentials), an EC P-256 or an Ed25519 key (access tokens)'
}
