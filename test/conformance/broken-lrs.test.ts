import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { allChecks } from '../../conformance/checks/index.js'
import { runSuite } from '../../conformance/lib/runner.js'
import { checkName } from '../../conformance/lib/types.js'

/**
 * Proves the checks can fail: a tiny LRS that gets a handful of rules right unless told to break
 * one of them. Each broken rule must fail exactly the check named after it, and nothing else.
 */

interface Faults {
  /** Accepts an Agent carrying two IFIs. */
  twoIfis?: boolean
  /** Answers 200 instead of 409 to a conflicting statement id. */
  conflictAccepted?: boolean
  /** Leaves the X-Experience-API-Version header off successful responses. */
  noVersionHeader?: boolean
}

const IFIS = ['mbox', 'mbox_sha1sum', 'openid', 'account']

const CHECKED = {
  twoIfis: 'Data 2.4.2.1 An Agent MUST NOT include more than one IFI',
  noIfi: 'Data 2.4.2.1 An Agent MUST be identified by one IFI',
  conflictAccepted: 'Comm 2.1.2 POST of a different Statement with an existing id MUST answer 409 Conflict',
  post: 'Comm 2.1.2 POST of one Statement answers 200 with an array holding its id',
  noVersionHeader: 'Comm 3.3 The LRS MUST include X-Experience-API-Version in every response (success)',
  unknownId: 'Comm 2.1.3 GET with an unknown statementId answers 404',
}

async function startBrokenLrs(t: Test, faults: Faults): Promise<string> {
  const statements = new Map<string, string>()
  const server = createServer((request, response) => {
    void handle(request, response)
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const reply = (status: number, body?: unknown): void => {
      if (!faults.noVersionHeader || status >= 400) response.setHeader('X-Experience-API-Version', '2.0.0')
      if (body !== undefined) response.setHeader('Content-Type', 'application/json')
      response.writeHead(status)
      response.end(body === undefined ? undefined : JSON.stringify(body))
    }
    if (url.pathname !== '/xapi/statements') return reply(404)

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
    if (existing !== undefined && existing !== text && !faults.conflictAccepted) return reply(409, { error: 'conflict' })
    if (existing === undefined) statements.set(id, text)
    return reply(200, [id])
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/xapi/`
}

const selected = allChecks().filter((check) => (Object.values(CHECKED) as string[]).includes(checkName(check)))

async function failuresAgainst(t: Test, faults: Faults): Promise<string[]> {
  const endpoint = await startBrokenLrs(t, faults)
  const report = await runSuite({ endpoint, key: 'k', secret: 's', versions: ['2.0.0'], checks: selected })
  t.equal(report.totals.total, Object.keys(CHECKED).length, 'every selected check ran')
  return report.results.filter((r) => r.outcome === 'fail').map((r) => r.name)
}

t.test('the selected checks exist in the suite', async (t) => {
  t.equal(selected.length, Object.keys(CHECKED).length)
})

t.test('an LRS that keeps these rules passes the checks for them', async (t) => {
  t.same(await failuresAgainst(t, {}), [])
})

t.test('accepting an Agent with two IFIs fails only the two-IFI check', async (t) => {
  t.same(await failuresAgainst(t, { twoIfis: true }), [CHECKED.twoIfis])
})

t.test('answering 200 to a conflicting statement id fails only the conflict check', async (t) => {
  t.same(await failuresAgainst(t, { conflictAccepted: true }), [CHECKED.conflictAccepted])
})

t.test('omitting the version header fails only the version header check', async (t) => {
  t.same(await failuresAgainst(t, { noVersionHeader: true }), [CHECKED.noVersionHeader])
})
