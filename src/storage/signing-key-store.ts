import type { KeyPurpose } from '../auth/key-purposes.js'
import type { Sql } from './db.js'

/**
 * Named SQL for the hub's signing keys (migrations 0003 and 0011, table hub_signing_keys). Each
 * key has one purpose, and each purpose one current key.
 */

export interface StoredSigningKey {
  kid: string
  alg: string
  purpose: KeyPurpose
  privateJwk: Record<string, unknown>
  publicJwk: Record<string, unknown>
  createdAt: string
  /** Null for the current key of its purpose; set when a rotation retired it. */
  retiredAt: string | null
}

export type NewSigningKey = Omit<StoredSigningKey, 'createdAt' | 'retiredAt'>

interface Row {
  kid: string
  alg: string
  purpose: KeyPurpose
  private_jwk: string
  public_jwk: string
  created_at: string
  retired_at: string | null
}

/** jsonb columns come back as their text form (db.ts). */
function json(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>
}

function toKey(row: Row): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg,
    purpose: row.purpose,
    privateJwk: json(row.private_jwk),
    publicJwk: json(row.public_jwk),
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  }
}

/** selectUsableKeys: the current keys and those retired less than `overlapSeconds` ago. */
export async function selectUsableKeys(
  sql: Sql,
  overlapSeconds: number,
): Promise<StoredSigningKey[]> {
  const { rows } = await sql.query<Row>(
    `SELECT kid, alg, purpose, private_jwk, public_jwk, created_at, retired_at
     FROM hub_signing_keys
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
export async function selectPublishedKeys(sql: Sql): Promise<Record<string, unknown>[]> {
  const { rows } = await sql.query<{ public_jwk: string }>(
    'SELECT public_jwk FROM hub_signing_keys ORDER BY created_at DESC',
  )
  return rows.map((row) => json(row.public_jwk))
}

/**
 * insertCurrentKey: retires the current key of the same purpose (if any) and makes `key` current,
 * in one transaction run by the caller. A key already stored under the same kid is made current
 * again rather than duplicated.
 */
export async function insertCurrentKey(sql: Sql, key: NewSigningKey): Promise<void> {
  await sql.query(
    `UPDATE hub_signing_keys SET retired_at = now()
     WHERE retired_at IS NULL AND purpose = $1 AND kid <> $2`,
    [key.purpose, key.kid],
  )
  await sql.query(
    `INSERT INTO hub_signing_keys (kid, alg, purpose, private_jwk, public_jwk)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (kid) DO UPDATE SET retired_at = NULL`,
    [key.kid, key.alg, key.purpose, JSON.stringify(key.privateJwk), JSON.stringify(key.publicJwk)],
  )
}
