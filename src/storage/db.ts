/**
 * The narrow interface every storage module talks to. Two drivers implement it: PGlite
 * (PostgreSQL compiled to WebAssembly, in-process) and node-postgres against a server. Both speak
 * the same SQL, so the same named statements and migrations run on each.
 *
 * Conventions both drivers keep, so callers never branch on the driver:
 * - `bigint`, `timestamptz` and `json`/`jsonb` columns come back as their text form (strings);
 *   statement bodies can then be spliced into responses without a parse/serialise round trip.
 * - Sessions run with `TimeZone = UTC`.
 */

export interface QueryResult<R> {
  rows: R[]
  /** Rows changed by INSERT/UPDATE/DELETE; 0 for SELECT drivers that do not count. */
  rowCount: number
}

export interface Sql {
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>>
}

export interface Db extends Sql {
  readonly kind: 'pglite' | 'postgres'
  /**
   * Runs `work` inside one transaction: committed when it resolves, rolled back when it throws.
   * Statement writes rely on this to never leave a half-stored batch visible.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>
  /** Runs SQL text that may hold several statements and no parameters (migrations). */
  exec(text: string): Promise<void>
  close(): Promise<void>
  /**
   * Opens one connection of its own, outside the pool, for state that lives as long as a session
   * (the writer lease's advisory lock). Only a server has it: the embedded store is one connection.
   */
  openSession?(): Promise<Session>
  /** Connections of the pool by state (a server only), for the metrics endpoint. */
  poolStats?(): { total: number; idle: number; waiting: number }
}

/** A dedicated connection (see `Db.openSession`). */
export interface Session extends Sql {
  /** Called once if the connection fails or is closed by the server. */
  onLost(listener: (error: Error) => void): void
  close(): Promise<void>
}

/** PostgreSQL type OIDs whose values are kept as text (see the conventions above). */
export const TEXT_TYPES = {
  int8: 20,
  json: 114,
  timestamp: 1114,
  timestamptz: 1184,
  jsonb: 3802,
} as const

/** PostgreSQL SQLSTATE codes storage translates into hub errors. */
export const PG_ERROR = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  /** Raised by hub_writer_check (migration 0016): this process lost the writer lease. */
  writerLeaseLost: 'HW001',
} as const

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}
