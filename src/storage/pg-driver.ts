import pg from 'pg'
import type { Db, QueryResult, Sql } from './db.js'
import { TEXT_TYPES } from './db.js'

const types = {
  getTypeParser(oid: number, format?: string) {
    if ((Object.values(TEXT_TYPES) as number[]).includes(oid)) return (value: string) => value
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

function wrap(client: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await client.query({ text, values: params as unknown[], types })
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
    },
  }
}

/** Opens a connection pool to a PostgreSQL server. */
export async function openPostgres(url: string, poolSize: number): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: '-c TimeZone=UTC' })
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
    close: () => pool.end(),
  }
}
