import type {
  Dimension,
  Metric,
  Period,
  StatisticsCell,
  StatisticsQuery,
} from '../agency/statistics-query.js'
import type { Sql } from './db.js'

/**
 * Named SQL of national statistics: one GROUP BY over a rollup table (migration 0007), never
 * over statements. Suppression happens inside the query: a fine cell (a rollup row) counts only
 * when it reaches the threshold, so coarse cells are sums of publishable fine cells alone (see
 * src/agency/statistics-query.ts for why that defeats differencing).
 */

interface MetricSource {
  table: string
  value: string
  /** When a fine cell may be published, given the threshold as `$t`. */
  publishable: string
}

const SOURCES: Record<Metric, MetricSource> = {
  statements: {
    table: 'stats_platform_monthly',
    value: 'statements',
    publishable: 'active_learners >= $t AND statements >= $t',
  },
  completions: {
    table: 'stats_platform_monthly',
    value: 'completed',
    publishable: 'active_learners >= $t AND completed >= $t',
  },
  activeLearners: {
    table: 'stats_platform_monthly',
    value: 'active_learners',
    publishable: 'active_learners >= $t',
  },
  learners: { table: 'stats_learners_monthly', value: 'count', publishable: 'count >= $t' },
  attainments: { table: 'stats_attainments_monthly', value: 'count', publishable: 'count >= $t' },
}

const COLUMNS: Record<Dimension, string> = {
  province: 'province',
  platform: 'platform',
  competence: 'competence_iri',
  level: 'level',
}

const PERIOD_FORMAT: Record<Period, string> = {
  month: 'YYYY-MM',
  quarter: 'YYYY-"Q"Q',
  year: 'YYYY',
}

interface CellRow {
  period: string
  province?: string
  platform?: string
  competence?: string
  level?: number
  value: string | null
  hidden: string
}

/**
 * statistics-cells: the cells of a query. `provinces` undefined means every province (a national
 * jurisdiction); otherwise only those.
 */
export async function selectStatistics(
  sql: Sql,
  query: StatisticsQuery,
  provinces: readonly string[] | undefined,
  threshold: number,
): Promise<StatisticsCell[]> {
  const source = SOURCES[query.metric]
  const dims = query.by.map((d) => `${COLUMNS[d]} AS ${d}`)
  const groups = query.by.map((d) => COLUMNS[d])
  const publishable = source.publishable.replaceAll('$t', '$1')
  // Aggregate first on the bucket as a timestamp (no time zone conversion per row), format after.
  const text = `
    SELECT to_char(bucket, '${PERIOD_FORMAT[query.period]}') AS period${query.by.map((d) => `, ${d}`).join('')},
      value, hidden
    FROM (
      SELECT date_trunc($2::text, month::timestamp) AS bucket${dims.map((d) => `, ${d}`).join('')},
        sum(${source.value}) FILTER (WHERE publishable) AS value,
        count(*) FILTER (WHERE NOT publishable) AS hidden
      FROM (SELECT *, (${publishable}) AS publishable FROM ${source.table}
            WHERE month >= $3::date AND month <= $4::date
              AND ($5::text[] IS NULL OR province = ANY($5::text[]))) fine
      GROUP BY 1${groups.map((g) => `, ${g}`).join('')}) cells
    ORDER BY ${[...query.by, 'bucket'].join(', ')}`
  const { rows } = await sql.query<CellRow>(text, [
    threshold,
    query.period,
    query.from,
    query.to,
    provinces ?? null,
  ])
  return rows.map(({ value, hidden, ...keys }) => ({
    ...keys,
    value: value === null ? null : Number(value),
    suppressed: value === null,
    complete: hidden === '0',
  }))
}
