import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openPglite } from '../../src/storage/pglite-driver.js'
import { openPostgres } from '../../src/storage/pg-driver.js'
import { AUTH, KEY, SECRET } from '../helpers/hub.js'
import { startHubProcess, waitForExit } from '../helpers/hub-process.js'
import { makeStatement } from '../helpers/statements.js'
import { createTestDb } from '../helpers/test-db.js'

/**
 * Kills the hub with SIGKILL while clients are posting, restarts it on the same store, and
 * checks that every acknowledged statement is there and that no batch is half stored.
 */
t.test('every acknowledged statement survives SIGKILL and no batch is half stored', async (t) => {
  const testDb = await createTestDb()
  let dataDir: string | undefined
  const env: Record<string, string> = { LRS_BASIC_KEY: KEY, LRS_BASIC_SECRET: SECRET }
  if (testDb.url === undefined) {
    // The embedded store must own its directory: close the in-memory one and use files instead.
    await testDb.drop()
    dataDir = mkdtempSync(join(tmpdir(), 'hub-crash-'))
    env.DATA_DIR = dataDir
  } else {
    await testDb.db.close()
    env.DATABASE_URL = testDb.url
  }
  t.teardown(async () => {
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
    else await testDb.drop().catch(() => {})
  })

  const hub = await startHubProcess(env)
  const acknowledged: string[] = []
  const batches: string[][] = []
  let stop = false

  const client = async (worker: number) => {
    for (let i = 0; !stop; i++) {
      const size = (worker + i) % 3 === 0 ? 10 : 1
      const statements = Array.from({ length: size }, () => makeStatement({ id: randomUUID() }))
      const ids = statements.map((s) => String(s.id))
      batches.push(ids)
      try {
        const res = await fetch(`${hub.endpoint}statements`, {
          method: 'POST',
          headers: {
            authorization: AUTH,
            'x-experience-api-version': '2.0.0',
            'content-type': 'application/json',
          },
          body: JSON.stringify(statements),
        })
        if (res.status === 200) acknowledged.push(...ids)
      } catch {
        return // the connection died with the process
      }
    }
  }
  const clients = Array.from({ length: 8 }, (_, worker) => client(worker))
  while (acknowledged.length < 300) await new Promise((resolve) => setTimeout(resolve, 20))
  hub.child.kill('SIGKILL')
  stop = true
  await Promise.all(clients)
  await waitForExit(hub.child)
  t.ok(acknowledged.length >= 300, `${acknowledged.length} statements acknowledged before the kill`)

  // Restart on the same store: recovery must succeed and the hub must serve again.
  const again = await startHubProcess(env)
  const health = await fetch(again.endpoint.replace(/xapi\/$/, 'health/ready'))
  t.equal(health.status, 200, 'the restarted hub is ready')
  again.child.kill('SIGTERM')
  await waitForExit(again.child)

  const db = dataDir === undefined ? await openPostgres(testDb.url!, 2) : await openPglite(dataDir)
  const { rows } = await db.query<{ id: string }>('SELECT id FROM statements')
  await db.close()
  const stored = new Set(rows.map((row) => row.id))

  const lost = acknowledged.filter((id) => !stored.has(id))
  t.same(lost, [], 'no acknowledged statement is lost')
  const partial = batches.filter((ids) => {
    const present = ids.filter((id) => stored.has(id)).length
    return present !== 0 && present !== ids.length
  })
  t.same(partial, [], 'every batch is stored whole or not at all')
})
