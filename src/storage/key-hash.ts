import * as crypto from 'node:crypto'
import type { IndexKey } from '../xapi/statement-index-keys.js'

/**
 * How `statement_index` stores a filter key (migration 0015): not the key's text but 128 bits of
 * SHA-256 over the key and its placement, as a `uuid`.
 *
 * - Placement is part of the hash: a key where the plain filter matches (`direct`: the actor or
 *   object) hashes apart from the same key in a related place only (context, authority, a
 *   SubStatement). Each index row is then one btree entry, and a plain query reads exactly the
 *   direct rows; a `related_*` query reads both ranges merged in `seq` order. Before, a partial
 *   index over the direct rows doubled the btree work of most rows.
 * - A fixed 16-byte key instead of IRIs and account JSON of 50 to 100 bytes makes the one btree
 *   a third of the size, and its comparisons a memcmp. At national volume (six rows a statement,
 *   hundreds of millions of rows) that decides whether the index stays in memory.
 * - SHA-256 rather than a faster hash so that nobody can make two keys collide on purpose (a
 *   platform crafting an identifier whose statements would turn up in another learner's
 *   queries): 128 bits of it leave accidental collisions out of reach at any volume.
 *
 * The same function exists in SQL (`statement_key_hash(key, direct)`, migration 0015), for
 * migrations and seeded data; a test holds the two equal.
 */
export function keyHash(key: string, direct: boolean): string {
  return sha256Hex(`${direct ? 'd' : 'r'} ${key}`).slice(0, 32)
}

/**
 * One-shot `crypto.hash` where the runtime has it (Node 20.12 and later; no Hash object per
 * call, and this runs for every key of every statement), `createHash` on earlier Node 20
 * releases, which the hub still supports. A namespace import, because a named import of a
 * missing export would stop the module from loading at all.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex')

/** Both stored forms of one key: what a `related_*` filter (or an erasure) looks for. */
export interface KeyHashes {
  direct: string
  related: string
}

export function keyHashes(key: string): KeyHashes {
  return { direct: keyHash(key, true), related: keyHash(key, false) }
}

/** The stored form of each key of one statement, one per key (direct where it is direct). */
export function storedKeys(keys: readonly IndexKey[]): string[] {
  return keys.map(({ key, direct }) => keyHash(key, direct))
}
