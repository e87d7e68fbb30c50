import { gunzipSync, gzipSync } from 'node:zlib'

/**
 * W3C Bitstring Status List v1.0 §2.1 and §3.1: a list is a bitstring whose bit `i` (counted from
 * the most significant bit of the first byte) is 1 when the credential holding entry `i` is
 * revoked. It is published GZIP-compressed and base64url-encoded with the multibase prefix `u`.
 */

/** The `encodedList` of a list of `size` entries with the given entries set. */
export function encodeStatusList(size: number, revoked: readonly number[]): string {
  const bytes = Buffer.alloc(Math.ceil(size / 8))
  for (const index of revoked) {
    if (index >= 0 && index < size) bytes[index >> 3]! |= 0x80 >> (index & 7)
  }
  return `u${gzipSync(bytes).toString('base64url')}`
}

/** Whether entry `index` of an `encodedList` is set; undefined for a malformed or short list. */
export function statusListBit(encoded: string, index: number): boolean | undefined {
  if (!encoded.startsWith('u')) return undefined
  let bytes: Buffer
  try {
    bytes = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'))
  } catch {
    return undefined
  }
  const byte = bytes[index >> 3]
  return byte === undefined ? undefined : (byte & (0x80 >> (index & 7))) !== 0
}
