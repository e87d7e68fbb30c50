import { loadConfig } from '../config.js'
import { openStorage } from './open.js'

// `npm run migrate`: brings the configured store's schema up to date and exits.
const config = loadConfig()
const db = await openStorage(config)
const { rows } = await db.query<{ version: number; name: string }>(
  'SELECT version, name FROM schema_migrations ORDER BY version',
)
for (const row of rows) console.log(`applied ${String(row.version).padStart(4, '0')} ${row.name}`)
await db.close()
