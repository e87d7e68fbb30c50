import { badRequest } from '../errors.js'

/**
 * ISO 8601 combined date and time (xAPI Data §4.5) as query parameters carry them (`since`,
 * `until`): date, hours and minutes, optional seconds and fraction, optional offset.
 */
const TIMESTAMP = new RegExp(
  '^(\\d{4})-(\\d{2})-(\\d{2})T([01]\\d|2[0-3]):([0-5]\\d)' + // date, hours, minutes
    '(?::([0-5]\\d)(?:\\.\\d{1,9})?)?' + // seconds and fraction
    '(Z|[+-](?:0\\d|1[0-4]):?[0-5]\\d)?$', // offset, within PostgreSQL's ±15 hours
)

/**
 * Checks a timestamp parameter and returns it unchanged: PostgreSQL reads every form the pattern
 * admits, and a timestamp without an offset as UTC (sessions run with TimeZone = UTC).
 */
export function parseTimestampParam(value: string, field: string): string {
  const match = TIMESTAMP.exec(value)
  if (match === null) badRequest(field, 'must be an ISO 8601 combined date and time')
  // The pattern admits 2023-02-30; a calendar round trip catches impossible dates.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  date.setUTCFullYear(year)
  if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    badRequest(field, 'must be a valid calendar date')
  }
  return value
}
