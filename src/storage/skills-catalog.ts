import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { HubError } from '../errors.js'
import { parseFramework, type Competence, type Framework } from '../skills/framework.js'
import { PG_ERROR, pgErrorCode, type Db } from './db.js'
import { insertFramework, selectFrameworkData, selectFrameworks } from './skills-store.js'

/**
 * The loaded competency frameworks, kept in memory (a few dozen competences each) and read
 * again from the store at most every {@link RELOAD_MS}, so a framework loaded through another hub
 * process is seen soon, and at once in this process after {@link FrameworkCatalog.load}.
 */
const RELOAD_MS = 10_000

/** Frameworks shipped with the hub (src/skills/frameworks/), loaded at start-up when missing. */
export const BUILT_IN_FRAMEWORKS = ['vn-tt02-2025-digital-competence.json', 'eu-digcomp-2.2.json']
/** The default framework: Circular 02/2025/TT-BGDĐT. */
export const DEFAULT_FRAMEWORK = { id: 'vn-tt02-2025-digital-competence', version: '2025' }
const FRAMEWORKS_DIR = fileURLToPath(new URL('../../src/skills/frameworks/', import.meta.url))

export interface FrameworkCatalog {
  frameworks(): Promise<Framework[]>
  /** The competence an IRI names, with its framework. */
  competence(iri: string): Promise<{ competence: Competence; framework: Framework } | undefined>
  /** Loads a framework version; the same document again is a no-op, a different one a 409. */
  load(document: unknown): Promise<{ framework: Framework; created: boolean }>
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

/** Opens the catalog, loading the built-in frameworks that the store does not hold yet. */
export async function openFrameworkCatalog(db: Db): Promise<FrameworkCatalog> {
  let frameworks: Framework[] = []
  let byIri = new Map<string, { competence: Competence; framework: Framework }>()
  let loadedAt = 0

  async function reload(): Promise<void> {
    frameworks = (await selectFrameworks(db)).map((row) => parseFramework(JSON.parse(row.data)))
    byIri = new Map(
      frameworks.flatMap((f) =>
        f.competences.map((c) => [c.iri, { competence: c, framework: f }] as const),
      ),
    )
    loadedAt = Date.now()
  }

  async function fresh(): Promise<void> {
    if (Date.now() - loadedAt > RELOAD_MS) await reload()
  }

  async function load(document: unknown): Promise<{ framework: Framework; created: boolean }> {
    const framework = parseFramework(document)
    const created = await db.transaction(async (tx) => {
      const stored = await selectFrameworkData(tx, framework.id, framework.version)
      if (stored !== undefined) {
        if (sameJson(JSON.parse(stored), framework.data)) return false
        throw new HubError(
          'conflict',
          `framework ${framework.id} version ${framework.version} is already loaded`,
          {
            field: 'version',
            rule: 'a loaded framework version never changes; load a new version',
          },
        )
      }
      await insertFramework(tx, framework)
      return true
    })
    await reload()
    return { framework, created }
  }

  for (const file of BUILT_IN_FRAMEWORKS) {
    const document: unknown = JSON.parse(readFileSync(`${FRAMEWORKS_DIR}${file}`, 'utf8'))
    const framework = parseFramework(document)
    if ((await selectFrameworkData(db, framework.id, framework.version)) !== undefined) continue
    try {
      await load(document)
    } catch (error) {
      // Another hub process starting on the same store loaded it first.
      if (pgErrorCode(error) !== PG_ERROR.uniqueViolation) throw error
    }
  }
  await reload()

  return {
    async frameworks() {
      await fresh()
      return frameworks
    },
    async competence(iri) {
      await fresh()
      return byIri.get(iri)
    },
    load,
  }
}
