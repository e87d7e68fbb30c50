import type { Config } from '../config.js'
import type { Db } from './db.js'
import { migrate } from './migrate.js'
import { openPglite } from './pglite-driver.js'
import { openPostgres } from './pg-driver.js'

/** Opens the store the configuration selects and brings its schema up to date. */
export async function openStorage(config: Config): Promise<Db> {
  const db =
    config.databaseUrl === undefined
      ? await openPglite(config.dataDir)
      : await openPostgres(config.databaseUrl, config.poolSize)
  try {
    await migrate(db)
  } catch (error) {
    await db.close()
    throw error
  }
  return db
}
