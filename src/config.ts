/**
 * The only reader of the process environment. Every setting is parsed and checked once, at
 * start-up, so a bad value stops the hub with a message naming the variable instead of failing
 * later on some request.
 */
import { purposeOf, type PurposedJwk } from './auth/key-purposes.js'
import { DEFAULT_NATIONAL_ID_HOMEPAGE } from './profile/vocabulary.js'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  /** TCP port the HTTP server listens on. */
  readonly port: number
  /** Interface the HTTP server binds to. */
  readonly host: string
  /** PostgreSQL server URL; when absent the embedded PGlite store is used. */
  readonly databaseUrl: string | undefined
  /** Directory of the embedded store and of generated keys; `memory://` keeps nothing on disk. */
  readonly dataDir: string
  readonly logLevel: LogLevel
  /** Bootstrap Basic credential; when both are absent one is generated on first start. */
  readonly basicKey: string | undefined
  readonly basicSecret: string | undefined
  /** Largest request body accepted, in bytes (statements with attachments included). */
  readonly bodyLimit: number
  /**
   * Longest a client may take to send a whole request, in seconds (REQUEST_TIMEOUT_SECONDS): a
   * client trickling bytes must not hold a connection and its memory for ever.
   */
  readonly requestTimeoutSeconds: number
  /** Largest state or profile document accepted, in bytes. */
  readonly documentLimit: number
  /** Most statements returned in one page of a statement query. */
  readonly statementPageLimit: number
  /** Public base URL of the hub, used in `more` links and published documents. */
  readonly publicUrl: string | undefined
  /** Size of the PostgreSQL connection pool (server driver only). */
  readonly poolSize: number
  /** `iss` of the access tokens the hub signs; PUBLIC_URL by default (see docs/auth.md). */
  readonly tokenIssuer: string
  /** Lifetime of the access tokens the hub signs, in seconds. */
  readonly tokenTtlSeconds: number
  /** How long a retired signing key still verifies tokens; never shorter than the token TTL. */
  readonly keyOverlapSeconds: number
  /**
   * Configured private signing keys (SIGNING_KEY: one JWK, or `{"keys": [...]}` with at most one
   * per purpose): an RSA key signs credentials, an EC P-256 or Ed25519 key access tokens. A
   * purpose without a configured key gets a generated one, stored in the database.
   */
  readonly signingKeys: readonly PurposedJwk[]
  /** External identity providers whose bearer tokens the hub accepts (TRUSTED_ISSUERS). */
  readonly trustedIssuers: readonly TrustedIssuer[]
  /** Requests per minute per platform unless the platform has its own limit; 0 turns it off. */
  readonly rateLimitPerMinute: number
  /**
   * `homePage` of the national identity provider: the national profile requires learners to be
   * identified by an `account` of it (NATIONAL_ID_HOMEPAGE).
   */
  readonly nationalIdHomePage: string
  /**
   * Smallest count national statistics publish (STATISTICS_MIN_COUNT); smaller cells are
   * suppressed so that no individual can be singled out (docs/privacy.md).
   */
  readonly statisticsThreshold: number
  /**
   * Bearer token of the metrics scraper (METRICS_TOKEN); `GET /metrics` exists only when set
   * (docs/operations.md).
   */
  readonly metricsToken: string | undefined
}

/** An external identity provider (government single sign-on) trusted for bearer tokens. */
export interface TrustedIssuer {
  readonly issuer: string
  readonly audience: string
  readonly jwksUrl: string
}

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Readonly<Record<string, string | undefined>>

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  }
  return value
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw === '' ? undefined : raw
}

function databaseUrl(env: Env): string | undefined {
  const raw = optional(env, 'DATABASE_URL')
  if (raw === undefined) return undefined
  if (!/^postgres(ql)?:\/\//.test(raw)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://')
  }
  return raw
}

function logLevel(env: Env): LogLevel {
  const raw = optional(env, 'LOG_LEVEL') ?? 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`)
  }
  return raw as LogLevel
}

function publicUrl(env: Env): string | undefined {
  const raw = optional(env, 'PUBLIC_URL')
  if (raw === undefined) return undefined
  try {
    const url = new URL(raw)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme')
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute http(s) URL, got "${raw}"`)
  }
  return raw.replace(/\/+$/, '')
}

function jsonValue(env: Env, name: string): unknown {
  const raw = optional(env, name)
  if (raw === undefined) return undefined
  try {
    return JSON.parse(raw) as unknown
  } catch {
    throw new ConfigError(`${name} must be JSON`)
  }
}

function httpsUrl(name: string, raw: unknown): string {
  if (typeof raw !== 'string' || !/^https?:\/\//.test(raw)) {
    throw new ConfigError(`${name} must hold an http(s) URL, got ${JSON.stringify(raw)}`)
  }
  return raw
}

function trustedIssuers(env: Env): TrustedIssuer[] {
  const value = jsonValue(env, 'TRUSTED_ISSUERS') ?? []
  if (!Array.isArray(value)) throw new ConfigError('TRUSTED_ISSUERS must be a JSON array')
  return value.map((entry: unknown, index) => {
    const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >
    const where = `TRUSTED_ISSUERS[${index}]`
    if (typeof item.issuer !== 'string' || item.issuer === '') {
      throw new ConfigError(`${where}.issuer must be a non-empty string`)
    }
    if (typeof item.audience !== 'string' || item.audience === '') {
      throw new ConfigError(`${where}.audience must be a non-empty string`)
    }
    return Object.freeze({
      issuer: item.issuer,
      audience: item.audience,
      jwksUrl: httpsUrl(`${where}.jwksUrl`, item.jwksUrl),
    })
  })
}

function signingKeys(env: Env): PurposedJwk[] {
  const value = jsonValue(env, 'SIGNING_KEY')
  if (value === undefined) return []
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError('SIGNING_KEY must be a private JWK or a JWK Set ({"keys": [...]})')
  const set = value as { keys?: unknown }
  const jwks = set.keys === undefined ? [value] : set.keys
  if (!Array.isArray(jwks) || jwks.length === 0)
    throw new ConfigError('SIGNING_KEY.keys must be a non-empty array of private JWKs')
  const keys = jwks.map((jwk: unknown, index) => {
    const where = set.keys === undefined ? 'SIGNING_KEY' : `SIGNING_KEY.keys[${index}]`
    if (typeof jwk !== 'object' || jwk === null) throw new ConfigError(`${where} must be a JWK`)
    const purposed = purposeOf(jwk as Record<string, unknown>)
    if (typeof purposed === 'string') throw new ConfigError(`${where} ${purposed}`)
    return purposed
  })
  // One current key per purpose: two configured keys for one purpose would each retire the other
  // on every start.
  for (const purpose of new Set(keys.map((key) => key.purpose))) {
    if (keys.filter((key) => key.purpose === purpose).length > 1)
      throw new ConfigError(`SIGNING_KEY may hold only one key for ${purpose}`)
  }
  return keys
}

function nationalIdHomePage(env: Env): string {
  const raw = optional(env, 'NATIONAL_ID_HOMEPAGE')
  if (raw === undefined) return DEFAULT_NATIONAL_ID_HOMEPAGE
  try {
    const url = new URL(raw)
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw
  } catch {
    // reported below
  }
  throw new ConfigError(`NATIONAL_ID_HOMEPAGE must be an absolute http(s) URL, got "${raw}"`)
}

/** METRICS_TOKEN: long enough not to be guessed, and sendable in a header as is. */
function metricsToken(env: Env): string | undefined {
  const token = optional(env, 'METRICS_TOKEN')
  if (token === undefined) return undefined
  if (token.length < 24 || !/^[A-Za-z0-9._~+/=-]+$/.test(token)) {
    throw new ConfigError(
      'METRICS_TOKEN must be at least 24 characters of letters, digits and ._~+/=- (a bearer token)',
    )
  }
  return token
}

/** Reads and checks the configuration; throws {@link ConfigError} naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const basicKey = optional(env, 'LRS_BASIC_KEY')
  const basicSecret = optional(env, 'LRS_BASIC_SECRET')
  if ((basicKey === undefined) !== (basicSecret === undefined)) {
    throw new ConfigError('LRS_BASIC_KEY and LRS_BASIC_SECRET must be set together')
  }
  if (basicKey !== undefined && basicKey.includes(':')) {
    throw new ConfigError('LRS_BASIC_KEY must not contain ":" (HTTP Basic splits on it)')
  }
  if (basicSecret !== undefined && basicSecret.length < 12) {
    throw new ConfigError('LRS_BASIC_SECRET must be at least 12 characters long')
  }

  const url = publicUrl(env)
  const tokenTtlSeconds = integer(env, 'TOKEN_TTL_SECONDS', 600, 30, 86400)
  const keyOverlapSeconds = integer(env, 'KEY_OVERLAP_SECONDS', 86400, 0, 90 * 86400)
  if (keyOverlapSeconds < tokenTtlSeconds) {
    throw new ConfigError('KEY_OVERLAP_SECONDS must be at least TOKEN_TTL_SECONDS')
  }

  return Object.freeze({
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: optional(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: databaseUrl(env),
    dataDir: optional(env, 'DATA_DIR') ?? './data',
    logLevel: logLevel(env),
    basicKey,
    basicSecret,
    bodyLimit: integer(env, 'BODY_LIMIT', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    requestTimeoutSeconds: integer(env, 'REQUEST_TIMEOUT_SECONDS', 120, 1, 3600),
    documentLimit: integer(env, 'DOCUMENT_LIMIT', 1024 * 1024, 1, 1024 * 1024 * 1024),
    statementPageLimit: integer(env, 'STATEMENT_PAGE_LIMIT', 500, 1, 10000),
    publicUrl: url,
    poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    tokenIssuer: optional(env, 'TOKEN_ISSUER') ?? url ?? 'urn:xapi-hub',
    tokenTtlSeconds,
    keyOverlapSeconds,
    signingKeys: signingKeys(env),
    trustedIssuers: trustedIssuers(env),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 120_000, 0, 10_000_000),
    nationalIdHomePage: nationalIdHomePage(env),
    statisticsThreshold: integer(env, 'STATISTICS_MIN_COUNT', 10, 2, 1000),
    metricsToken: metricsToken(env),
  })
}

/** Settings of the operator command line (src/cli.ts): which hub to talk to, and as whom. */
export interface CliSettings {
  readonly url: string
  readonly key: string | undefined
  readonly secret: string | undefined
}

/** Reads the command line's settings: HUB_URL, HUB_ADMIN_KEY, HUB_ADMIN_SECRET. */
export function loadCliSettings(env: Env = process.env): CliSettings {
  return Object.freeze({
    url: (optional(env, 'HUB_URL') ?? 'http://localhost:8080').replace(/\/+$/, ''),
    key: optional(env, 'HUB_ADMIN_KEY'),
    secret: optional(env, 'HUB_ADMIN_SECRET'),
  })
}

/** Configuration for tests and embedding: defaults plus overrides, no environment read. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    ...loadConfig({}),
    dataDir: 'memory://',
    logLevel: 'silent',
    ...overrides,
  })
}
