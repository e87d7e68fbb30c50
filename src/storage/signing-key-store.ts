import type { Sql } from './db.js'

/** Named SQL for the hub's token-signing keys (migration 0003, table hub_signing_keys). */

export interface StoredSigningKey {
  kid: string
  alg: string
  privateJwk: Record<string, unknown>
  publicJwk: Record<string, unknown>
  createdAt: string
  /** Null for the current key; set when a rotation retired it. */
  retiredAt: string | null
}

interface Row {
  kid: string
  alg: string
  private_jwk: string
  public_jwk: string
  created_at: string
  retired_at: string | null
}

function toKey(row: Row): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg,
    privateJwk: JSON.parse(row.private_jwk) as Record<string, unknown>,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  }
}

/** selectUsableKeys: the current key and those retired less than `overlapSeconds` ago. */
export async function selectUsableKeys(
  sql: Sql,
  overlapSeconds: number,
): Promise<StoredSigningKey[]> {
  const { rows } = await sql.query<Row>(
    `SELECT kid, alg, private_jwk, public_jwk, created_at, retired_at FROM hub_signing_keys
     WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
     ORDER BY created_at DESC`,
    [overlapSeconds],
  )
  return rows.map(toKey)
}

/**
 * selectPublishedKeys: the public part of every key the hub has signed with, newest first.
 * Retired keys stay published so that credentials they signed verify offline for as long as the
 * credentials live; tokens are still refused once their key's overlap has passed.
 */
export async function selectPublishedKeys(sql: Sql): Promise<unknown[]> {
  const { rows } = await sql.query<{ public_jwk: string }>(
    'SELECT public_jwk FROM hub_signing_keys ORDER BY created_at DESC',
  )
  return rows.map((row) =>
    typeof row.public_jwk === 'string' ? JSON.parse(row.public_jwk) : row.public_jwk,
  )
}

/**
 * insertCurrentKey: retires the current key (if any) and makes `key` current, in one transaction
 * run by the caller. A key already stored under the same kid is left as it is.
 */
export async function insertCurrentKey(
  sql: Sql,
  key: Omit<StoredSigningKey, 'createdAt' | 'retiredAt'>,
): Promise<void> {
  await sql.query(
    'UPDATE hub_signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid <> $1',
    [key.kid],
  )
  await sql.query(
    `INSERT INTO hub_signing_keys (kid, alg, private_jwk, public_jwk) VALUES ($1, $2, $3, $4)
     ON CONFLICT (kid) DO UPDATE SET retired_at = NULL`,
    [key.kid, key.alg, JSON.stringify(key.privateJwk), JSON.stringify(key.publicJwk)],
  )
}
