import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS_DIR } from '../paths.js'
import type { Db } from './db.js'

/**
 * Versioned migrations: `src/storage/migrations/NNNN_name.sql`, applied in order, each in its
 * own transaction, each recorded in `schema_migrations`. Index changes live here too, never in
 * boot code, so start-up never rebuilds a large index by surprise.
 *
 * An advisory lock serialises hubs that start together against one server.
 */
const LOCK_KEY = 7_412_331

export interface Migration {
  version: number
  name: string
  sql: string
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(join(dir, file), 'utf8'),
    }))
}

/** Applies every migration not yet applied; returns the versions it applied. */
export async function migrate(db: Db, migrations = listMigrations()): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`)
  const applied: number[] = []
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations')
    const done = new Set(rows.map((row) => Number(row.version)))
    for (const migration of migrations) {
      if (done.has(migration.version)) continue
      // Migrations may hold several statements; the extended protocol takes one at a time.
      for (const statement of splitSql(migration.sql)) await tx.query(statement)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ])
      applied.push(migration.version)
    }
  })
  return applied
}

/**
 * Splits migration text on semicolons that end a line. Migrations keep to that shape (no
 * function bodies with inner semicolons at line ends), which keeps this splitter honest.
 */
export function splitSql(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((part) => part.replace(/^\s*--.*$/gm, '').trim())
    .filter((part) => part.length > 0)
}
