import type { XapiVersion } from './types.js'

export interface LrsRequest {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE'
  /** Resource path relative to the endpoint (`statements`, `activities/state`) or an absolute URL. */
  path: string
  /** Query parameters; objects are sent as JSON, the way xAPI encodes agents. */
  query?: Record<string, string | number | boolean | object | undefined>
  headers?: Record<string, string | undefined>
  /** A plain value is sent as JSON; strings and bytes are sent as they are. */
  body?: unknown
  /** The version header; `null` leaves the header out. Defaults to the run's version. */
  version?: string | null
  /** The Authorization header; `null` leaves it out. Defaults to the run's credential. */
  authorization?: string | null
}

export interface LrsResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly bytes: Buffer
}

export interface LrsTarget {
  /** Base URL of the xAPI endpoint, e.g. `http://localhost:8080/xapi/`. */
  readonly endpoint: string
  readonly key: string
  readonly secret: string
  /** Longest wait for one response, in milliseconds. */
  readonly timeoutMs?: number
}

/** HTTP Basic credentials as the Authorization header value. */
export function basicAuth(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`
}

/**
 * Raw HTTP access to the LRS under test through plain `fetch`, so every check controls headers,
 * bodies and methods exactly; nothing is retried or corrected on the LRS's behalf.
 */
export class LrsClient {
  readonly endpoint: string
  readonly authorization: string
  readonly version: XapiVersion
  private readonly timeoutMs: number

  constructor(target: LrsTarget, version: XapiVersion) {
    this.endpoint = target.endpoint.endsWith('/') ? target.endpoint : `${target.endpoint}/`
    this.authorization = basicAuth(target.key, target.secret)
    this.version = version
    this.timeoutMs = target.timeoutMs ?? 30_000
  }

  /** The absolute URL of a resource with its query string. */
  url(path: string, query: LrsRequest['query'] = {}): string {
    const url = /^https?:\/\//.test(path)
      ? new URL(path)
      : new URL(path.replace(/^\//, ''), this.endpoint)
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue
      url.searchParams.set(name, typeof value === 'object' ? JSON.stringify(value) : String(value))
    }
    return url.toString()
  }

  async request(request: LrsRequest): Promise<LrsResponse> {
    const headers = new Headers()
    const version = request.version === undefined ? this.version : request.version
    if (version !== null) headers.set('X-Experience-API-Version', version)
    const authorization =
      request.authorization === undefined ? this.authorization : request.authorization
    if (authorization !== null) headers.set('Authorization', authorization)

    let body: string | Uint8Array | undefined
    if (request.body !== undefined) {
      if (typeof request.body === 'string' || request.body instanceof Uint8Array)
        body = request.body
      else {
        body = JSON.stringify(request.body)
        headers.set('Content-Type', 'application/json')
      }
    }
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (value === undefined) headers.delete(name)
      else headers.set(name, value)
    }

    const response = await fetch(this.url(request.path, request.query), {
      method: request.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    const bytes = Buffer.from(await response.arrayBuffer())
    return {
      status: response.status,
      headers: response.headers,
      text: bytes.toString('utf8'),
      bytes,
    }
  }
}
