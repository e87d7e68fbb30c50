import { Ajv } from 'ajv'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  compileProfile,
  declaredVersions,
  withIdentityProvider,
  type CompiledProfile,
  type Finding,
} from '../../schemas/profile/profile-check.js'
import { SCHEMAS_DIR } from '../paths.js'
import { PROFILE_ID } from './vocabulary.js'

/**
 * The versions of the national profile this hub supports, compiled once at start-up. Every
 * `schemas/profile/digital-skills-v<semver>.jsonld` file is a supported version: keeping an old
 * file keeps accepting statements made against it (see schemas/README.md, versioning).
 *
 * The checking itself is `schemas/profile/profile-check.js`, which the conformance suite runs
 * too, so the hub and auditors apply the same rules.
 */

export const PROFILE_DIR = join(SCHEMAS_DIR, 'profile')
const VERSION_FILE = /^digital-skills-v(\d+\.\d+\.\d+)\.jsonld$/

export interface PublishedVersion {
  /** `1.0.0` */
  readonly version: string
  /** The version's IRI, as statements declare it in `context.contextActivities.category`. */
  readonly iri: string
  /** The document as served: JSON-LD text, with this hub's identity provider. */
  readonly document: string
  readonly compiled: CompiledProfile
}

/** What checking one statement against one declared version found. */
export interface ProfileVerdict {
  /** The declared version IRI. */
  readonly version: string
  /** Empty when the statement follows every rule of its templates. */
  readonly findings: readonly Finding[]
}

export interface NationalProfileOptions {
  identityHomePage: string
  /** Directory of the profile documents; the repository's `schemas/profile/` by default. */
  dir?: string
}

function semverOrder(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

/** Ajv compiles each extension's inlineSchema once; values are then checked in microseconds. */
function schemaCompiler(): (schema: unknown) => (value: unknown) => boolean {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true })
  return (schema) => {
    const validate = ajv.compile(schema as object)
    return (value) => validate(value)
  }
}

export class NationalProfile {
  /** Supported versions, oldest first. */
  readonly versions: readonly PublishedVersion[]
  private readonly byIri: ReadonlyMap<string, PublishedVersion>

  private constructor(versions: PublishedVersion[]) {
    this.versions = versions
    this.byIri = new Map(versions.map((v) => [v.iri, v]))
  }

  /** Reads and compiles every version; a broken profile document stops the hub at start-up. */
  static load(options: NationalProfileOptions): NationalProfile {
    const dir = options.dir ?? PROFILE_DIR
    const compileSchema = schemaCompiler()
    const versions: PublishedVersion[] = []
    const files = existsSync(dir) ? readdirSync(dir) : []
    for (const file of files) {
      const version = VERSION_FILE.exec(file)?.[1]
      if (version === undefined) continue
      const published = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown
      const localised = withIdentityProvider(published, options.identityHomePage)
      const compiled = compileProfile(localised, { compileSchema })
      if (compiled.profileId !== PROFILE_ID) {
        throw new Error(`${file}: the profile id must be ${PROFILE_ID}, got ${compiled.profileId}`)
      }
      const document = `${JSON.stringify(localised, null, 2)}\n`
      versions.push({ version, iri: compiled.versionId, document, compiled })
    }
    if (versions.length === 0) throw new Error(`no national profile document in ${dir}`)
    versions.sort((a, b) => semverOrder(a.version, b.version))
    return new NationalProfile(versions)
  }

  get latest(): PublishedVersion {
    return this.versions[this.versions.length - 1] as PublishedVersion
  }

  /** The published version with this semantic version (`1.0.0`), if supported. */
  version(version: string): PublishedVersion | undefined {
    return this.versions.find((v) => v.version === version)
  }

  /**
   * Checks a statement against every version of the profile it declares; empty when it declares
   * none, which is the common case and costs one look at `context.contextActivities.category`.
   * A declared version the hub does not support is itself a finding: the statement claims rules
   * the hub cannot check (xAPI Profiles, Structure §Using Profiles in Statements).
   */
  check(statement: Record<string, unknown>, prefix: string): ProfileVerdict[] {
    const declared = declaredVersions(statement, PROFILE_ID)
    if (declared.length === 0) return []
    return declared.map((iri) => {
      const published = this.byIri.get(iri)
      if (published !== undefined) {
        return { version: iri, findings: published.compiled.check(statement, prefix).findings }
      }
      return { version: iri, findings: [this.unsupported(iri, prefix)] }
    })
  }

  private unsupported(iri: string, prefix: string): Finding {
    const supported = this.versions.map((v) => v.iri).join(', ')
    return {
      templateId: PROFILE_ID,
      templateLabel: this.latest.compiled.label,
      location: '$.context.contextActivities.category[*].id',
      presence: undefined,
      requirement: 'version',
      field: `${prefix}.context.contextActivities.category`,
      message: `${iri} is not a version of the national profile this hub supports (${supported})`,
    }
  }
}
