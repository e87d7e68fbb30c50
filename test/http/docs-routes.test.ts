import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import type { buildApp as BuildApp } from '../../src/app.js'
import { testConfig } from '../../src/config.js'
import { docsRoutes, listSchemaFiles } from '../../src/http/docs-routes.js'
import { installErrorHandling } from '../../src/http/error-handler.js'
import { OPENAPI_FILE, ROOT_DIR, SCHEMAS_DIR } from '../../src/paths.js'
import { startHub } from '../helpers/hub.js'
import { createTestDb } from '../helpers/test-db.js'

type Node = Record<string, Record<string, unknown>>
const OPENAPI_TEXT = readFileSync(OPENAPI_FILE, 'utf8')
const OPENAPI = parse(OPENAPI_TEXT) as { paths: Node }
const HTTP_METHODS = ['get', 'head', 'put', 'post', 'delete', 'patch', 'options']

/** `/xapi/:id`, `/schemas/*` and `/schemas/{schemaPath}` all become `/xapi/{}` and `/schemas/{}`. */
function normalise(path: string): string {
  return path
    .replace(/\{[^}]+\}/g, '{}')
    .replace(/:[^/]+/g, '{}')
    .replace(/\*$/, '{}')
}

/** A bare app serving the documentation from a given schemas directory. */
async function docsApp(t: Test, schemasDir: string): Promise<FastifyInstance> {
  const app = Fastify()
  installErrorHandling(app)
  await app.register(docsRoutes, { schemasDir })
  t.teardown(() => app.close())
  return app
}

/** A schemas directory with two published files, a non-JSON file and a link leading outside. */
function schemaFixture(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-schemas-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'xapi-2.0.0'))
  writeFileSync(join(dir, 'xapi-2.0.0', 'statement.json'), '{"title":"Statement"}')
  writeFileSync(join(dir, 'root.json'), '{"title":"Root"}')
  writeFileSync(join(dir, 'notes.txt'), 'not a schema')
  symlinkSync(join(ROOT_DIR, 'package.json'), join(dir, 'linked.json'))
  return dir
}

t.test('GET /openapi.yaml serves the file exactly as shipped, and it parses', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/openapi.yaml' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/yaml/)
  t.equal(res.body, OPENAPI_TEXT)
  t.equal((parse(res.body) as { openapi: string }).openapi, '3.1.0')
})

t.test('GET /openapi.json serves the same document as JSON', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), parse(OPENAPI_TEXT))
})

t.test('GET /docs is a self-contained HTML page naming every path and operation', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/docs' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  t.match(res.body, /^<!doctype html>/)
  for (const [path, item] of Object.entries(OPENAPI.paths)) {
    t.ok(res.body.includes(`<code>${path.replace(/&/g, '&amp;')}</code>`), `lists ${path}`)
    for (const method of HTTP_METHODS) {
      const op = item[method] as { operationId?: string } | undefined
      if (op?.operationId !== undefined)
        t.ok(res.body.includes(`id="op-${op.operationId}"`), `has ${op.operationId}`)
    }
  }
  t.notMatch(res.body, /<script/i, 'runs no script')
  t.notMatch(res.body, /(src|href)="(https?:)?\/\//i, 'loads nothing from another host')
  t.match(res.body, /completed/, 'shows the examples')
})

t.test('every published schema file of the repository is served', async (t) => {
  const hub = await startHub(t)
  const files = listSchemaFiles(SCHEMAS_DIR)
  for (const [path, content] of files) {
    const res = await hub.app.inject({ method: 'GET', url: `/schemas/${path}` })
    t.equal(res.statusCode, 200, path)
    t.equal(res.body, content.toString('utf8'), path)
  }
})

t.test('schemas are served from the files found at start-up', async (t) => {
  const app = await docsApp(t, schemaFixture(t))

  const nested = await app.inject({ method: 'GET', url: '/schemas/xapi-2.0.0/statement.json' })
  t.equal(nested.statusCode, 200)
  t.equal(nested.headers['content-type'], 'application/schema+json')
  t.same(nested.json(), { title: 'Statement' })
  t.equal((await app.inject({ method: 'GET', url: '/schemas/root.json' })).statusCode, 200)

  for (const url of [
    '/schemas/notes.txt',
    '/schemas/linked.json',
    '/schemas/xapi-2.0.0/',
    '/schemas/',
  ]) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, `${url} is not published`)
  }
})

t.test('no path escapes the schemas directory', async (t) => {
  const app = await docsApp(t, schemaFixture(t))
  const attempts = [
    '/schemas/../package.json',
    '/schemas/..%2fpackage.json',
    '/schemas/%2e%2e/package.json',
    '/schemas/%2e%2e%2fpackage.json',
    '/schemas/%2E%2E%2Fpackage.json',
    '/schemas/..%5cpackage.json',
    '/schemas/xapi-2.0.0/../../package.json',
    '/schemas/xapi-2.0.0/..%2f..%2fpackage.json',
    '/schemas/%252e%252e%252fpackage.json',
    '/schemas//etc/passwd',
    '/schemas/%2fetc%2fpasswd',
    '/schemas/xapi-2.0.0/statement.json%00.txt',
  ]
  for (const url of attempts) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404, url)
    t.notMatch(res.body, /national-learning-record-hub|root:/, `${url} leaks nothing`)
  }
})

t.test('a missing schemas directory publishes nothing instead of failing', async (t) => {
  const app = await docsApp(t, join(tmpdir(), 'hub-no-such-schemas-dir'))
  t.equal((await app.inject({ method: 'GET', url: '/schemas/statement.json' })).statusCode, 404)
})

/**
 * The contract test: builds the real app with Fastify replaced by a factory that adds an
 * `onRoute` hook before anything is registered, so every route the hub serves is seen. Each
 * must be documented in openapi.yaml. HEAD routes Fastify adds for a GET, and the OPTIONS
 * routes of CORS preflight, are implied by the document and excepted.
 */
t.test('every route the hub registers is documented in openapi.yaml', async (t) => {
  const routes: { method: string; url: string }[] = []
  const fastify = (options?: FastifyServerOptions) => {
    const app = Fastify(options)
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      for (const method of methods) routes.push({ method: method.toUpperCase(), url: route.url })
    })
    return app
  }
  const { buildApp } = await t.mockImport<{ buildApp: typeof BuildApp }>('../../src/app.js', {
    fastify: { default: fastify },
  })
  const testDb = await createTestDb()
  const hub = await buildApp(
    testConfig({ basicKey: 'contract-key', basicSecret: 'contract-secret-1' }),
    {
      db: testDb.db,
    },
  )
  t.teardown(async () => {
    await hub.app.close()
    await testDb.drop()
  })
  await hub.app.ready()

  const documented = new Set<string>()
  for (const [path, item] of Object.entries(OPENAPI.paths)) {
    for (const method of HTTP_METHODS)
      if (item[method] !== undefined) documented.add(`${method.toUpperCase()} ${normalise(path)}`)
  }
  const registered = new Set(routes.map((route) => `${route.method} ${normalise(route.url)}`))
  const missing = [...registered].filter((operation) => {
    if (documented.has(operation)) return false
    const [method, path] = operation.split(' ')
    if (method === 'OPTIONS') return false
    return !(method === 'HEAD' && registered.has(`GET ${path}`))
  })

  t.ok(routes.length > 0, 'the onRoute hook saw the routes')
  t.ok(registered.has('GET /health/live'), 'routes are seen with their full paths')
  t.same(
    missing.sort(),
    [],
    `operations served but missing from openapi.yaml:\n  ${missing.sort().join('\n  ')}`,
  )
})
