import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

/**
 * A tiny LRS for the suite's own tests: it gets a handful of rules right (one IFI per Agent, 409
 * on a conflicting id, the version header, HTTP Basic credentials) unless told to break one.
 */

export const FAKE_KEY = 'fake-key'
export const FAKE_SECRET = 'fake-secret'
const FAKE_AUTH = `Basic ${Buffer.from(`${FAKE_KEY}:${FAKE_SECRET}`).toString('base64')}`

export interface Faults {
  /** Accepts an Agent carrying two IFIs. */
  twoIfis?: boolean
  /** Answers 200 instead of 409 to a conflicting statement id. */
  conflictAccepted?: boolean
  /** Leaves the X-Experience-API-Version header off successful responses. */
  noVersionHeader?: boolean
}

const IFIS = ['mbox', 'mbox_sha1sum', 'openid', 'account']

export const CHECKED = {
  twoIfis: 'Data 2.4.2.1 An Agent MUST NOT include more than one IFI',
  noIfi: 'Data 2.4.2.1 An Agent MUST be identified by one IFI',
  conflictAccepted:
    'Comm 2.1.2 POST of a different Statement with an existing id MUST answer 409 Conflict',
  post: 'Comm 2.1.2 POST of one Statement answers 200 with an array holding its id',
  noVersionHeader:
    'Comm 3.3 The LRS MUST include X-Experience-API-Version in every response (success)',
  unknownId: 'Comm 2.1.3 GET with an unknown statementId answers 404',
}

export async function startBrokenLrs(t: Test, faults: Faults): Promise<string> {
  const statements = new Map<string, string>()
  const server = createServer((request, response) => {
    void handle(request, response)
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const reply = (status: number, body?: unknown): void => {
      if (!faults.noVersionHeader || status >= 400)
        response.setHeader('X-Experience-API-Version', '2.0.0')
      if (body !== undefined) response.setHeader('Content-Type', 'application/json')
      response.writeHead(status)
      response.end(body === undefined ? undefined : JSON.stringify(body))
    }
    if (url.pathname !== '/xapi/statements') return reply(404)
    if (request.headers.authorization !== FAKE_AUTH) return reply(401)

    if (request.method === 'GET') {
      const id = url.searchParams.get('statementId')
      if (id === null) return reply(200, { statements: [], more: '' })
      const stored = statements.get(id)
      return stored === undefined ? reply(404) : reply(200, JSON.parse(stored))
    }
    if (request.method !== 'POST') return reply(405)

    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
    const actor = (body.actor ?? {}) as Record<string, unknown>
    const ifis = IFIS.filter((name) => actor[name] !== undefined).length
    if (ifis === 0 || (ifis > 1 && !faults.twoIfis)) return reply(400, { error: 'actor' })
    const id = String(body.id)
    const text = JSON.stringify(body)
    const existing = statements.get(id)
    if (existing !== undefined && existing !== text && !faults.conflictAccepted)
      return reply(409, { error: 'conflict' })
    if (existing === undefined) statements.set(id, text)
    return reply(200, [id])
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/xapi/`
}
