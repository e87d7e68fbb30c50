/**
 * Types of profile-check.js: checking xAPI statements against an xAPI Profile's Statement
 * Templates and Patterns. Shared by the hub and the conformance suite (see the .js file).
 */

export interface CompileOptions {
  /** The national identity provider's homePage, replacing the one the document publishes. */
  identityHomePage?: string
  /** Compiles an extension's inlineSchema; without it extension values are not checked. */
  compileSchema?: (schema: unknown) => (value: unknown) => boolean
}

/** One broken rule of one statement. */
export interface Finding {
  /** The template whose rule is broken; the extension concept for `schema`, the version for `template`. */
  templateId: string
  templateLabel: string
  /** The rule's JSONPath location, as the profile states it. */
  location: string
  presence: 'included' | 'excluded' | 'recommended' | undefined
  /** Which part failed: presence, any, all, none, schema (inlineSchema), template (none matched). */
  requirement: string
  /** The location as a field of the request, e.g. `statements[2].context.extensions["..."]`. */
  field: string
  message: string
}

export interface StatementCheck {
  /** Ids of the templates whose determining properties the statement has. */
  templates: string[]
  findings: Finding[]
}

export interface PatternResult {
  ok: boolean
  /** The primary pattern (or allowed-solo template) followed, or the one reported against. */
  pattern: string | undefined
  message: string
}

export interface CompiledProfile {
  readonly profileId: string
  /** The version this document describes (its first `versions` entry). */
  readonly versionId: string
  readonly label: string
  readonly templates: ReadonlyArray<{ id: string; label: string; allowedSolo: boolean }>
  readonly patterns: ReadonlyArray<{ id: string; label: string }>
  /** Checks one statement; `prefix` names it in findings' fields (`statements[2]`). */
  check(statement: Record<string, unknown>, prefix?: string): StatementCheck
  /** Checks one registration's statements, in timestamp order, against the primary patterns. */
  matchPatterns(sequence: ReadonlyArray<{ id: string; templates: readonly string[] }>): PatternResult
}

export type JsonPathStep =
  | { kind: 'all' }
  | { kind: 'names'; names: string[] }
  | { kind: 'indexes'; indexes: number[] }

export function parseJsonPath(path: string): JsonPathStep[]
export function selectPath(steps: readonly JsonPathStep[], root: unknown): unknown[]
export function fieldOf(location: string, prefix: string): string
/** A copy of the document whose learner rules name this identity provider's homePage. */
export function withIdentityProvider<T>(published: T, homePage: string): T
export function compileProfile(published: unknown, options?: CompileOptions): CompiledProfile
export function declaredVersions(statement: unknown, profileId: string): string[]
