import { badRequest } from '../errors.js'

/**
 * National statistics queries, as plain rules (docs/agency-api.md, docs/privacy.md).
 *
 * The privacy model rests on one property: every published number is a sum of *fine cells*
 * that are each at or above the suppression threshold. A metric's fine cell is one row of its
 * rollup (a month crossed with every dimension the metric has); a fine cell below the threshold
 * is left out of every sum, in every query. Any difference of two published numbers is then a
 * sum of publishable fine cells, never a suppressed one, so differencing overlapping queries
 * (a year minus its months, a province minus its platforms) reveals nothing that is suppressed.
 * The price is that coarse totals undercount; cells say so (`complete: false`).
 */

export const METRICS = [
  'statements',
  'completions',
  'activeLearners',
  'learners',
  'attainments',
] as const
export type Metric = (typeof METRICS)[number]

export const DIMENSIONS = ['province', 'platform', 'competence', 'level'] as const
export type Dimension = (typeof DIMENSIONS)[number]

export const PERIODS = ['month', 'quarter', 'year'] as const
export type Period = (typeof PERIODS)[number]

/** The dimensions of each metric's fine cell (besides the month). */
export const METRIC_DIMENSIONS: Record<Metric, readonly Dimension[]> = {
  statements: ['province', 'platform'],
  completions: ['province', 'platform'],
  activeLearners: ['province', 'platform'],
  learners: ['province'],
  attainments: ['province', 'competence', 'level'],
}

export interface StatisticsQuery {
  metric: Metric
  by: Dimension[]
  period: Period
  /** First month, `YYYY-MM-01`. */
  from: string
  /** Last month, `YYYY-MM-01`. */
  to: string
  /** Only these provinces; every province of the caller's jurisdiction when undefined. */
  provinces: string[] | undefined
  format: 'json' | 'csv'
}

export interface StatisticsCell {
  period: string
  province?: string
  platform?: string
  competence?: string
  level?: number
  /** The sum of the publishable fine cells; null when none is. */
  value: number | null
  suppressed: boolean
  /** False when some fine cell of this cell was below the threshold and left out. */
  complete: boolean
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/
const PROVINCE = /^[A-Za-z0-9_-]{1,32}$/

function text(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') badRequest(name, 'must be given once')
  return value
}

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  if (!(allowed as readonly string[]).includes(value))
    badRequest(field, `must be one of ${allowed.join(', ')}`)
  return value as T
}

function month(value: string, field: string): string {
  if (!MONTH.test(value)) badRequest(field, 'must be a month, YYYY-MM')
  return `${value}-01`
}

/** Parses the query string of GET /agency/statistics. */
export function parseStatisticsQuery(
  query: Record<string, unknown>,
  now = new Date(),
): StatisticsQuery {
  const metric = oneOf(text(query, 'metric') ?? '', METRICS, 'metric')
  const allowed = METRIC_DIMENSIONS[metric]
  const byText = text(query, 'by') ?? ''
  const by = byText === '' ? [] : byText.split(',').map((name) => name.trim())
  for (const name of by) {
    if (!(allowed as readonly string[]).includes(name)) {
      badRequest('by', `${metric} is broken down by ${allowed.join(', ')} only`)
    }
  }
  const period = oneOf(text(query, 'period') ?? 'year', PERIODS, 'period')
  const thisMonth = `${now.toISOString().slice(0, 7)}`
  const from = month(text(query, 'from') ?? '2000-01', 'from')
  const to = month(text(query, 'to') ?? thisMonth, 'to')
  if (from > to) badRequest('to', 'must not be before from')
  const provinceText = text(query, 'province')
  const provinces = provinceText === undefined ? undefined : provinceText.split(',')
  for (const code of provinces ?? [])
    if (!PROVINCE.test(code)) badRequest('province', 'must be province codes separated by commas')
  const format = oneOf(text(query, 'format') ?? 'json', ['json', 'csv'] as const, 'format')
  return {
    metric,
    by: DIMENSIONS.filter((d) => by.includes(d)),
    period,
    from,
    to,
    provinces,
    format,
  }
}

function csvField(value: string | number | boolean | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The cells as CSV (RFC 4180), one row per cell; a suppressed value is an empty field. */
export function statisticsCsv(query: StatisticsQuery, cells: readonly StatisticsCell[]): string {
  const columns = ['period', ...query.by, 'value', 'suppressed', 'complete'] as const
  const lines = [columns.join(',')]
  for (const cell of cells) {
    lines.push(columns.map((column) => csvField(cell[column as keyof StatisticsCell])).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
