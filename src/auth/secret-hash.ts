import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * Secrets are kept only as salted scrypt hashes. scrypt is deliberately slow (tens of
 * milliseconds), so callers remember a verified credential briefly instead of hashing per request.
 */
const PARAMS = { N: 16384, r: 8, p: 1, keyLength: 32 }

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, PARAMS.keyLength, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p }, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })
}

/** Hashes a secret as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(secret, salt)
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$')
}

/** Checks a secret against a stored hash in constant time. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await new Promise<Buffer>((resolve, reject) => {
    scrypt(
      secret,
      Buffer.from(salt, 'base64url'),
      expected.length,
      { N: Number(n), r: Number(r), p: Number(p) },
      (err, key) => (err ? reject(err) : resolve(key)),
    )
  })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
