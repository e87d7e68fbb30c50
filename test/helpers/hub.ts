import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp, type Hub } from '../../src/app.js'
import { testConfig, type Config } from '../../src/config.js'
import { createTestDb, type TestDb } from './test-db.js'

export const KEY = 'test-key'
export const SECRET = 'test-secret-123456'
export const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`

export interface TestHub extends Hub {
  testDb: TestDb
  /** Sends an xAPI request with the test credential and a version header (2.0.0 by default). */
  xapi(request: XapiRequest): Promise<LightMyRequestResponse>
}

export interface XapiRequest {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS'
  url: string
  query?: Record<string, string>
  body?: unknown
  headers?: Record<string, string | undefined>
  version?: string
}

/** Builds a hub on a fresh store for one test; closed and dropped when the test ends. */
export async function startHub(t: Test, overrides: Partial<Config> = {}): Promise<TestHub> {
  const testDb = await createTestDb()
  const config = testConfig({ basicKey: KEY, basicSecret: SECRET, ...overrides })
  const hub = await buildApp(config, { db: testDb.db })
  t.teardown(async () => {
    await hub.app.close()
    await testDb.drop()
  })

  return {
    ...hub,
    testDb,
    xapi({ method = 'GET', url, query, body, headers = {}, version = '2.0.0' }) {
      const merged: Record<string, string> = {
        authorization: AUTH,
        'x-experience-api-version': version,
      }
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined) delete merged[name.toLowerCase()]
        else merged[name.toLowerCase()] = value
      }
      const payload =
        body === undefined
          ? undefined
          : typeof body === 'string' || Buffer.isBuffer(body)
            ? body
            : JSON.stringify(body)
      if (payload !== undefined && merged['content-type'] === undefined)
        merged['content-type'] = 'application/json'
      return hub.app.inject({
        method,
        url,
        ...(query === undefined ? {} : { query }),
        headers: merged,
        ...(payload === undefined ? {} : { payload }),
      })
    },
  }
}
