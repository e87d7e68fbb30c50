import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Db } from '../../src/storage/db.js'
import { migrate } from '../../src/storage/migrate.js'
import { openPglite } from '../../src/storage/pglite-driver.js'
import { openPostgres } from '../../src/storage/pg-driver.js'

/**
 * A fresh, migrated store for one test file. With TEST_DATABASE_URL set (CI does), a new database
 * is created on that PostgreSQL server and dropped afterwards; otherwise an in-memory PGlite.
 */
export interface TestDb {
  db: Db
  /** The URL of the created database, when running against a server. */
  url: string | undefined
  drop(): Promise<void>
}

export const SERVER_URL = process.env.TEST_DATABASE_URL

export async function createTestDb(): Promise<TestDb> {
  if (SERVER_URL === undefined || SERVER_URL === '') {
    const db = await openPglite('memory://')
    await migrate(db)
    return { db, url: undefined, drop: () => db.close() }
  }
  const name = `hub_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  const db = await openPostgres(url.toString(), 5)
  await migrate(db)
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close()
      const cleanup = new pg.Client({ connectionString: SERVER_URL })
      await cleanup.connect()
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await cleanup.end()
    },
  }
}
