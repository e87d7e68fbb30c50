import { Ajv, type ValidateFunction } from 'ajv'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { compileProfile, type CompiledProfile } from '../../schemas/profile/profile-check.js'
import type { XapiVersion } from '../lib/types.js'

/**
 * What platform conformance checks against, read from the repository's `schemas/` files and
 * nothing else: the xAPI JSON Schemas and the national profile's versions. The template and
 * pattern logic is `schemas/profile/profile-check.js`, the same file the hub runs on ingest, so
 * an auditor's verdict and the hub's agree; the suite never imports the hub's `src/`.
 */

export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url))
/** The national profile's IRI; versions are `<id>/v<semver>`. */
export const NATIONAL_PROFILE_ID = 'https://learning-hub.vn/xapi/profiles/digital-skills'
const VERSION_FILE = /^digital-skills-v(\d+\.\d+\.\d+)\.jsonld$/

export interface Reference {
  /** Supported profile versions by IRI. */
  readonly profiles: ReadonlyMap<string, CompiledProfile>
  /** Validates a statement against the JSON Schema of an xAPI version. */
  readonly schemas: Readonly<Record<XapiVersion, ValidateFunction>>
}

/** Loads the schemas and every profile version; `identityHomePage` as the hub is configured. */
export function loadReference(identityHomePage: string | undefined): Reference {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: false })
  const schema = (version: XapiVersion) =>
    ajv.compile(
      JSON.parse(readFileSync(`${SCHEMAS_DIR}xapi-${version}/statement.json`, 'utf8')) as object,
    )
  const inline = new Ajv({ strict: true, allowUnionTypes: true })
  const compileSchema = (value: unknown) => {
    const validate = inline.compile(value as object)
    return (candidate: unknown) => validate(candidate)
  }

  const profiles = new Map<string, CompiledProfile>()
  for (const file of readdirSync(`${SCHEMAS_DIR}profile`)) {
    if (!VERSION_FILE.test(file)) continue
    const document = JSON.parse(readFileSync(`${SCHEMAS_DIR}profile/${file}`, 'utf8')) as unknown
    const compiled = compileProfile(document, {
      compileSchema,
      ...(identityHomePage === undefined ? {} : { identityHomePage }),
    })
    profiles.set(compiled.versionId, compiled)
  }
  return { profiles, schemas: { '1.0.3': schema('1.0.3'), '2.0.0': schema('2.0.0') } }
}
