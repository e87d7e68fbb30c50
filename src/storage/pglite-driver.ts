import { AsyncLocalStorage } from 'node:async_hooks'
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
  // The embedded store has one connection: a query on the root handle issued from inside a
  // transaction waits for that transaction to end, which waits for the query — forever. On a
  // server it would silently run outside the transaction instead. Either way it is a bug, so it
  // fails loudly here rather than hanging.
  const openTransaction = new AsyncLocalStorage<{ open: boolean }>()
  const query: Db['query'] = (text, params) => {
    if (openTransaction.getStore()?.open === true) {
      return Promise.reject(
        new Error(
          `a query outside the open transaction would deadlock the embedded store: ${text.slice(0, 60)}`,
        ),
      )
    }
    return root.query(text, params)
  }

  return {
    kind: 'pglite',
    query,
    transaction: (work) =>
      pg.transaction((tx) => {
        const marker = { open: true }
        return openTransaction
          .run(marker, () => work(wrap(tx)))
          .finally(() => {
            marker.open = false
          })
      }),
    exec: async (text) => {
      await pg.exec(text)
    },
    // Idempotent: a test may close the store early to simulate an outage.
    close: async () => {
      if (!pg.closed) await pg.close()
    },
  }
}
