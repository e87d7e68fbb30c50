import type { FastifyInstance } from 'fastify'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { HubError } from '../errors.js'
import { OPENAPI_FILE, SCHEMAS_DIR } from '../paths.js'
import { renderApiReference } from './api-reference-html.js'

export interface DocsOptions {
  /** The OpenAPI document to serve; the repository's `openapi.yaml` by default. */
  openapiFile?: string
  /** The directory of published JSON Schemas; the repository's `schemas/` by default. */
  schemasDir?: string
}

/** The page may load nothing from elsewhere and run no script: the inline styles are all it uses. */
const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

/**
 * Every `.json` file below `dir`, keyed by its path relative to `dir` with `/` separators.
 * Symbolic links are not followed, so nothing outside the directory can be reached through one.
 */
export function listSchemaFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  if (!existsSync(dir)) return files
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile() && entry.name.endsWith('.json'))
        files.set(path, readFileSync(join(dir, path)))
    }
  }
  walk('')
  return files
}

/**
 * Serves the API contract and the documentation rendered from it: `/openapi.yaml` (the file as
 * shipped), `/openapi.json`, `/docs` (a self-contained HTML reference) and `/schemas/<path>`.
 * Everything is read and rendered once, at start-up; schema files are served from a whitelist
 * built then, so no request path is ever joined onto the file system (no traversal possible).
 */
export async function docsRoutes(app: FastifyInstance, opts: DocsOptions = {}): Promise<void> {
  const yamlText = readFileSync(opts.openapiFile ?? OPENAPI_FILE, 'utf8')
  const document = parse(yamlText) as Record<string, unknown>
  const jsonText = JSON.stringify(document)
  const html = renderApiReference(document)
  const schemas = listSchemaFiles(opts.schemasDir ?? SCHEMAS_DIR)

  app.get('/openapi.yaml', async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(yamlText),
  )

  app.get('/openapi.json', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(jsonText),
  )

  app.get('/docs', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('Content-Security-Policy', DOCS_CSP).send(html),
  )

  app.get('/schemas/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*']
    const file = schemas.get(path)
    if (file === undefined)
      throw new HubError('not_found', `no published schema at /schemas/${path}`)
    return reply.type('application/schema+json').send(file)
  })
}
