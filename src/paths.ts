import { fileURLToPath } from 'node:url'

/**
 * The repository root, found from this file's place: `src/paths.ts` when run from source and
 * `dist/paths.js` when built are both one level below it, so files that tsc does not copy
 * (SQL migrations, JSON Schemas, the OpenAPI document) resolve the same in both cases.
 */
export const ROOT_DIR = fileURLToPath(new URL('../', import.meta.url))

export const SCHEMAS_DIR = fileURLToPath(new URL('../schemas/', import.meta.url))
export const MIGRATIONS_DIR = fileURLToPath(new URL('../src/storage/migrations/', import.meta.url))
export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.yaml', import.meta.url))
export const PACKAGE_FILE = fileURLToPath(new URL('../package.json', import.meta.url))
