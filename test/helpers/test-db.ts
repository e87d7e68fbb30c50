import { randomBytes } from 'node:crypto'
import pg from 'pg'
import tap from 'tap'
import type { Db } from '../../src/storage/db.js'
import { migrate } from '../../src/storage/migrate.js'
import { PGlite } from '@electric-sql/pglite'
import { wrapPglite } from '../../src/storage/pglite-driver.js'
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

/**
 * Migrating a store takes seconds; copying a migrated one takes a fraction of that. Each test
 * process migrates once: PGlite stores start from a dump of a migrated store, server databases
 * are created from a migrated template database.
 */
let pgliteSnapshot: Promise<Blob> | undefined
let serverTemplate: Promise<string> | undefined

function snapshot(): Promise<Blob> {
  pgliteSnapshot ??= (async () => {
    const pg = new PGlite()
    await migrate(await wrapPglite(pg))
    const dump = await pg.dumpDataDir('none')
    await pg.close()
    return dump
  })()
  return pgliteSnapshot
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  try {
    await admin.query(text)
  } finally {
    await admin.end()
  }
}

function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL ?? '')
  url.pathname = `/${name}`
  return url.toString()
}

function template(): Promise<string> {
  serverTemplate ??= (async () => {
    const name = `hub_tpl_${process.pid}_${randomBytes(4).toString('hex')}`
    await adminQuery(`CREATE DATABASE ${name}`)
    const db = await openPostgres(databaseUrl(name), 1)
    await migrate(db)
    await db.close()
    // Dropped when this test file's tests are done.
    tap.teardown(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    return name
  })()
  return serverTemplate
}

export async function createTestDb(): Promise<TestDb> {
  if (SERVER_URL === undefined || SERVER_URL === '') {
    const db = await wrapPglite(new PGlite({ loadDataDir: await snapshot() }))
    return { db, url: undefined, drop: () => db.close() }
  }
  const name = `hub_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${await template()}`)
  const url = databaseUrl(name)
  const db = await openPostgres(url, 5)
  return {
    db,
    url,
    async drop() {
      await db.close()
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/** A store with no migrations applied, for tests of a migration against data of older ones. */
export async function createEmptyDb(): Promise<TestDb> {
  if (SERVER_URL === undefined || SERVER_URL === '') {
    const db = await wrapPglite(new PGlite())
    return { db, url: undefined, drop: () => db.close() }
  }
  const name = `hub_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  const url = databaseUrl(name)
  const db = await openPostgres(url, 2)
  return {
    db,
    url,
    async drop() {
      await db.close()
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}
