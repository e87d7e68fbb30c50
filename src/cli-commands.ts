import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { CliSettings } from './config.js'

/**
 * The operator command line (`hub`, or `npm run hub --`). It drives the running hub through its
 * admin API rather than opening the store itself: the embedded store admits one process only, and
 * with a server store several hub processes must all see each change. Every change therefore
 * takes effect on the platform's next request, as with the admin API.
 */
export const USAGE = `Usage: hub <command> [options]

Platforms
  platforms list
  platforms show <id>
  platforms add <id> --name <name> [--scopes a,b] [--contact <text>] [--home-page <url>]
                     [--rate-limit <per minute>]
  platforms set-scopes <id> <a,b,...>
  platforms set-rate-limit <id> <per minute | default>
  platforms set-profile-mode <id> <reject | record>
  platforms profile-findings <id> [--limit <n>] [--after <position>]
  platforms suspend <id>
  platforms resume <id>
  platforms remove <id>

Credentials
  credentials list <platform>
  credentials issue <platform> [--kind basic] [--label <text>]
  credentials issue <platform> --kind private_key_jwt
                    (--jwk-file <public.jwk.json> | --jwks-url <url>)
  credentials issue <platform> --kind external --issuer <iss> --subject <sub>
  credentials rotate <platform> <credential id>
  credentials revoke <platform> (<credential id> | --all)

Signing keys
  keys list
  keys rotate [--purpose tokens|credentials]   both purposes unless one is named

Skills records
  frameworks list
  frameworks load <framework.json>
  competence-map list [--activity <activity IRI>]
  competence-map set <activity IRI> <competence IRI>=<level>[,<competence IRI>=<level>...]
  competence-map remove <activity IRI>
  records rebuild [--apply]

Agencies, audit and erasure
  agencies show <platform>
  agencies set <platform> (--national | --provinces <code,code,...>)
  agencies remove <platform>
  audit verify                 exits 1 when the audit trail's hash chain is broken
  statistics rebuild           recounts the statistics rollups from the statements
  learners erase <learner>     an xAPI Agent as JSON, or a learner key (mbox:mailto:...)

Connection: --url (HUB_URL, default http://localhost:8080), --key and --secret (HUB_ADMIN_KEY,
HUB_ADMIN_SECRET): a credential of a platform with the admin scope.`

export interface CliIo {
  settings: CliSettings
  fetch: typeof fetch
  out: (text: string) => void
  err: (text: string) => void
}

class UsageError extends Error {}

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The answer is a verdict: a body with `ok: false` makes the command fail (exit 1). */
  verdict?: true
  path: string
  body?: unknown
}

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  secret: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  contact: { type: 'string' },
  'home-page': { type: 'string' },
  'rate-limit': { type: 'string' },
  kind: { type: 'string' },
  label: { type: 'string' },
  'jwk-file': { type: 'string' },
  'jwks-url': { type: 'string' },
  issuer: { type: 'string' },
  subject: { type: 'string' },
  all: { type: 'boolean' },
  national: { type: 'boolean' },
  provinces: { type: 'string' },
  activity: { type: 'string' },
  apply: { type: 'boolean' },
  limit: { type: 'string' },
  after: { type: 'string' },
  purpose: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values']

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`)
  return value
}

function scopes(text: string): string[] {
  return text
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '')
}

function rateLimit(text: string): number | null {
  if (text === 'default') return null
  if (!/^\d+$/.test(text))
    throw new UsageError('the rate limit must be a whole number or "default"')
  return Number(text)
}

async function credentialBody(values: Values): Promise<Record<string, unknown>> {
  const kind = values.kind ?? 'basic'
  const label = values.label === undefined ? {} : { label: values.label }
  if (kind === 'basic') return { kind, ...label }
  if (kind === 'private_key_jwt') {
    if (values['jwks-url'] !== undefined) return { kind, jwksUrl: values['jwks-url'], ...label }
    const file = need(values['jwk-file'], '--jwk-file or --jwks-url')
    return { kind, publicJwk: JSON.parse(await readFile(file, 'utf8')) as unknown, ...label }
  }
  if (kind === 'external') {
    return {
      kind,
      issuer: need(values.issuer, '--issuer'),
      subject: need(values.subject, '--subject'),
      ...label,
    }
  }
  throw new UsageError('--kind must be basic, private_key_jwt or external')
}

/** `<competence IRI>=<level>,...`: IRIs hold no commas; the level follows the last `=`. */
function competenceLevels(text: string): { competenceIri: string; level: number }[] {
  return text.split(',').map((pair) => {
    const at = pair.lastIndexOf('=')
    const level = pair.slice(at + 1)
    if (at <= 0 || !/^\d+$/.test(level))
      throw new UsageError(`expected <competence IRI>=<level>, got ${pair}`)
    return { competenceIri: pair.slice(0, at), level: Number(level) }
  })
}

/** Turns the command line into one admin API call. */
async function toCall(positionals: string[], values: Values): Promise<Call> {
  const [group, action, first, second] = positionals
  const id = () => encodeURIComponent(need(first, 'the platform id'))
  const credential = (what: string) => encodeURIComponent(need(second, what))
  switch (`${group ?? ''} ${action ?? ''}`) {
    case 'platforms list':
      return { method: 'GET', path: '/platforms' }
    case 'platforms show':
      return { method: 'GET', path: `/platforms/${id()}` }
    case 'platforms add':
      return {
        method: 'POST',
        path: '/platforms',
        body: {
          id: need(first, 'the platform id'),
          name: need(values.name, '--name'),
          scopes: scopes(values.scopes ?? 'statements/write,statements/read/mine,state,profile'),
          ...(values.contact === undefined ? {} : { contact: values.contact }),
          ...(values['home-page'] === undefined ? {} : { homePage: values['home-page'] }),
          ...(values['rate-limit'] === undefined
            ? {}
            : { rateLimitPerMinute: rateLimit(values['rate-limit']) }),
        },
      }
    case 'platforms set-scopes':
      return {
        method: 'PATCH',
        path: `/platforms/${id()}`,
        body: { scopes: scopes(need(second, 'the scopes')) },
      }
    case 'platforms set-rate-limit':
      return {
        method: 'PATCH',
        path: `/platforms/${id()}`,
        body: { rateLimitPerMinute: rateLimit(need(second, 'the rate limit')) },
      }
    case 'platforms set-profile-mode': {
      // The national profile: reject statements that break it, or store them and record findings.
      const mode = need(second, 'the profile mode (reject or record)')
      if (mode !== 'reject' && mode !== 'record')
        throw new UsageError('the profile mode must be reject or record')
      return { method: 'PUT', path: `/platforms/${id()}/profile-mode`, body: { profileMode: mode } }
    }
    case 'platforms profile-findings': {
      const query = new URLSearchParams()
      if (values.limit !== undefined) query.set('limit', values.limit)
      if (values.after !== undefined) query.set('after', values.after)
      const search = query.size === 0 ? '' : `?${query.toString()}`
      return { method: 'GET', path: `/platforms/${id()}/profile-findings${search}` }
    }
    case 'platforms suspend':
      return { method: 'PATCH', path: `/platforms/${id()}`, body: { status: 'suspended' } }
    case 'platforms resume':
      return { method: 'PATCH', path: `/platforms/${id()}`, body: { status: 'active' } }
    case 'platforms remove':
      return { method: 'DELETE', path: `/platforms/${id()}` }
    case 'credentials list':
      return { method: 'GET', path: `/platforms/${id()}/credentials` }
    case 'credentials issue':
      return {
        method: 'POST',
        path: `/platforms/${id()}/credentials`,
        body: await credentialBody(values),
      }
    case 'credentials rotate':
      return {
        method: 'POST',
        path: `/platforms/${id()}/credentials/${credential('the credential id')}/rotate`,
      }
    case 'credentials revoke':
      if (values.all === true) return { method: 'DELETE', path: `/platforms/${id()}/credentials` }
      return {
        method: 'DELETE',
        path: `/platforms/${id()}/credentials/${credential('the credential id or --all')}`,
      }
    case 'keys list':
      return { method: 'GET', path: '/keys' }
    case 'keys rotate':
      return {
        method: 'POST',
        path: '/keys/rotate',
        ...(values.purpose === undefined ? {} : { body: { purpose: values.purpose } }),
      }
    case 'frameworks list':
      return { method: 'GET', path: '/frameworks' }
    case 'frameworks load':
      return {
        method: 'POST',
        path: '/frameworks',
        body: JSON.parse(await readFile(need(first, 'the framework file'), 'utf8')) as unknown,
      }
    case 'competence-map list':
      return {
        method: 'GET',
        path: `/competence-map${values.activity === undefined ? '' : `?activityIri=${encodeURIComponent(values.activity)}`}`,
      }
    case 'competence-map set':
      return {
        method: 'PUT',
        path: '/competence-map',
        body: {
          activityIri: need(first, 'the activity IRI'),
          competences: competenceLevels(need(second, 'competence=level')),
        },
      }
    case 'competence-map remove':
      return {
        method: 'DELETE',
        path: `/competence-map?activityIri=${encodeURIComponent(need(first, 'the activity IRI'))}`,
      }
    case 'records rebuild':
      return { method: 'POST', path: '/records/rebuild', body: { apply: values.apply === true } }
    case 'agencies show':
      return { method: 'GET', path: `/agencies/${id()}` }
    case 'agencies set':
      if (values.national === true)
        return { method: 'PUT', path: `/agencies/${id()}`, body: { national: true } }
      return {
        method: 'PUT',
        path: `/agencies/${id()}`,
        body: {
          national: false,
          provinces: scopes(need(values.provinces, '--national or --provinces')),
        },
      }
    case 'agencies remove':
      return { method: 'DELETE', path: `/agencies/${id()}` }
    case 'statistics rebuild':
      return { method: 'POST', path: '/statistics/rebuild' }
    case 'audit verify':
      return { method: 'GET', path: '/audit/verify', verdict: true }
    case 'learners erase':
      return {
        method: 'DELETE',
        path: `/learners/${encodeURIComponent(need(first, 'the learner'))}`,
      }
  }
  throw new UsageError(`unknown command: ${positionals.join(' ') || '(none)'}`)
}

/** Runs one command; resolves to the process exit code (0 done, 1 refused by the hub, 2 usage). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let call: Call
  let values: Values
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
    values = parsed.values
    if (values.help === true || parsed.positionals.length === 0) {
      io.out(`${USAGE}\n`)
      return values.help === true ? 0 : 2
    }
    call = await toCall(parsed.positionals, values)
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`)
    return 2
  }

  const key = values.key ?? io.settings.key
  const secret = values.secret ?? io.settings.secret
  if (key === undefined || secret === undefined) {
    io.err(
      'an admin credential is required: --key and --secret, ' +
        'or HUB_ADMIN_KEY and HUB_ADMIN_SECRET\n',
    )
    return 2
  }
  const base = (values.url ?? io.settings.url).replace(/\/+$/, '')
  let response: Response
  try {
    response = await io.fetch(`${base}/admin${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    io.err(`cannot reach the hub at ${base} (${reason}); is it running? Set --url or HUB_URL\n`)
    return 1
  }
  const text = await response.text()
  if (!response.ok) {
    io.err(`hub answered ${response.status}: ${text}\n`)
    return 1
  }
  const body: unknown = text === '' ? undefined : JSON.parse(text)
  io.out(body === undefined ? `done (${response.status})\n` : `${JSON.stringify(body, null, 2)}\n`)
  const failed =
    call.verdict === true &&
    typeof body === 'object' &&
    body !== null &&
    'ok' in body &&
    body.ok === false
  return failed ? 1 : 0
}
