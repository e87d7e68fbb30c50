import { mkdirSync } from 'node:fs'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import type { Db, QueryResult, Sql } from './db.js'
import { TEXT_TYPES } from './db.js'

const keepText = (value: string): string => value

const parsers = Object.fromEntries(Object.values(TEXT_TYPES).map((oid) => [oid, keepText]))

function wrap(target: PGlite | Transaction): Sql {
  return {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query<R>(text, params as unknown[], { parsers })
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 }
    },
  }
}

/**
 * Opens the embedded store. `memory://` keeps everything in memory (tests); any other value is a
 * directory that holds the database files across restarts.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  let location: string | undefined
  if (dataDir !== 'memory://') {
    mkdirSync(dataDir, { recursive: true })
    location = `${dataDir.replace(/\/+$/, '')}/pgdata`
  }
  return wrapPglite(location === undefined ? new PGlite() : new PGlite(location))
}

/**
 * Wraps a PGlite instance the caller created (tests start many stores from one migrated
 * snapshot with `loadDataDir`, which is much faster than migrating each).
 */
export async function wrapPglite(pg: PGlite): Promise<Db> {
  await pg.waitReady
  await pg.exec("SET TIME ZONE 'UTC'")
  const root = wrap(pg)

  return {
    kind: 'pglite',
    query: root.query,
    transaction: (work) => pg.transaction((tx) => work(wrap(tx))),
    exec: async (text) => {
      await pg.exec(text)
    },
    // Idempotent: a test may close the store early to simulate an outage.
    close: async () => {
      if (!pg.closed) await pg.close()
    },
  }
}
