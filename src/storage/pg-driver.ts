import pg from 'pg'
import type { Db, QueryResult, Session, Sql } from './db.js'
import { TEXT_TYPES } from './db.js'

const types = {
  getTypeParser(oid: number, format?: string) {
    if ((Object.values(TEXT_TYPES) as number[]).includes(oid)) return (value: string) => value
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

/**
 * Parameterized statements are sent as named prepared statements, so each connection parses and
 * plans a statement once instead of on every call (the hub's SQL is a fixed set of texts).
 */
const statementNames = new Map<string, string>()

function nameOf(text: string): string {
  let name = statementNames.get(text)
  if (name === undefined) {
    name = `hub_${statementNames.size}`
    statementNames.set(text, name)
  }
  return name
}

function wrap(client: pg.Pool | pg.PoolClient | pg.Client): Sql {
  return {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const name = params.length === 0 ? undefined : nameOf(text)
      const result = await client.query({
        text,
        values: params as unknown[],
        types,
        ...(name ? { name } : {}),
      })
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
    },
  }
}

/** Opens a connection pool to a PostgreSQL server. */
export async function openPostgres(url: string, poolSize: number): Promise<Db> {
  // JIT off: the hub's statements are short and prepared once. A planner estimate past
  // jit_above_cost (a CTE's default of 100 rows per set-returning function is enough) had the
  // server compile over a hundred functions, about 45 ms, into every flush of a batch.
  const options = '-c TimeZone=UTC -c jit=off'
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options })
  // An idle connection that the server drops must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  const probe = await pool.connect()
  probe.release()
  const root = wrap(pool)

  return {
    kind: 'postgres',
    query: root.query,
    async transaction(work) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await work(wrap(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    async exec(text) {
      await pool.query(text)
    },
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    async openSession(): Promise<Session> {
      const client = new pg.Client({ connectionString: url, options })
      let lost: ((error: Error) => void) | undefined
      let ended = false
      const fail = (error: Error) => {
        if (ended) return
        ended = true
        lost?.(error)
      }
      client.on('error', fail)
      client.on('end', () => fail(new Error('the server closed the session')))
      await client.connect()
      const sql = wrap(client)
      return {
        query: sql.query,
        onLost(listener) {
          lost = listener
        },
        async close() {
          ended = true
          await client.end().catch(() => {})
        },
      }
    },
    // Idempotent, like the embedded driver: a test may close the store early to simulate an outage.
    close: async () => {
      if (!pool.ending) await pool.end()
    },
  }
}
