import { badRequest } from '../errors.js'

/**
 * The xAPI versions the hub speaks. A request's `X-Experience-API-Version` header picks the rules
 * applied to it: 1.0.x requests follow xAPI 1.0.3, 2.0.x requests follow xAPI 2.0.0
 * (IEEE 9274.1.1-2023). Both specifications make the patch number irrelevant for behaviour.
 */
export type XapiVersion = '1.0.3' | '2.0.0'

/**
 * The versions the About resource lists. Every 1.0.x patch is accepted in the version header
 * (1.0.3 Comm. §3.3.s3.b5) and speaks the same protocol, so all four are named. A client of the
 * 1.0 line is shown that line only: 1.0.3 defines About's `version` values as 1.0.x (and 0.9x)
 * strings, and such a client (ADL's 1.0.3 conformance suite among them) refuses anything else.
 */
export const VERSIONS_1_0: readonly string[] = ['1.0.0', '1.0.1', '1.0.2', '1.0.3']
export const SUPPORTED_VERSIONS: readonly string[] = [...VERSIONS_1_0, '2.0.0']

/** A version header of the 1.0 line: `1.0` or `1.0.x` (Comm. §3.3.s3.b3, b5). */
export function isVersion10(value: unknown): boolean {
  return typeof value === 'string' && /^1\.0(\.\d+)?$/.test(value)
}

/** Parses the version header; a missing or unsupported value is a 400 (xAPI Comm. §3.3 / §1.3). */
export function parseVersionHeader(value: string | string[] | undefined): XapiVersion {
  const field = 'header.X-Experience-API-Version'
  if (value === undefined || value === '') badRequest(field, 'the header is required')
  if (Array.isArray(value)) badRequest(field, 'the header must appear once')
  if (isVersion10(value)) return '1.0.3'
  if (/^2\.0(\.\d+)?$/.test(value)) return '2.0.0'
  return badRequest(field, `unsupported version "${value}"; supported: 1.0.3, 2.0.0`)
}
