import { connect } from 'node:net'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { AUTH, startHub, type TestHub } from '../helpers/hub.js'

/**
 * Requests that fail before a route sees them. A client trickling a request (slowloris) must not
 * hold a connection for ever: past REQUEST_TIMEOUT_SECONDS the hub answers 408 and closes it.
 * Oversized headers and bytes that are not HTTP are answered too, in the hub's error format.
 */

async function listening(hub: TestHub): Promise<number> {
  await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const address = hub.app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Writes raw bytes and collects everything the hub sends until it closes the connection. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString()))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    socket.write(raw)
    setTimeout(() => reject(new Error('the connection stayed open')), 10_000).unref()
  })
}

function errorBody(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
}

t.test('a request not sent in time is answered 408 and its connection closed', async (t) => {
  const hub = await startHub(t, { requestTimeoutSeconds: 1 })
  const port = await listening(hub)
  const started = Date.now()
  // A valid request whose headers promise a body that never comes in full.
  const answer = await exchange(
    port,
    `POST /xapi/statements HTTP/1.1\r\nHost: hub\r\nAuthorization: ${AUTH}\r\n` +
      'X-Experience-API-Version: 2.0.0\r\nContent-Type: application/json\r\n' +
      'Content-Length: 1000\r\n\r\n{"actor":',
  )
  const elapsed = Date.now() - started
  t.match(answer, /^HTTP\/1\.1 408 /, 'answered 408 Request Timeout')
  t.match(answer, /\r\nConnection: close\r\n/i)
  t.same(errorBody(answer), {
    error: {
      code: 'request_timeout',
      message: 'the request was not received in full in time',
      field: 'request',
      rule: 'the whole request arrives within REQUEST_TIMEOUT_SECONDS',
    },
  })
  t.ok(elapsed >= 1000, `not before the timeout (${elapsed} ms)`)
  t.ok(elapsed < 5000, `soon after it (${elapsed} ms)`)
  const { rows } = await hub.db.query<{ n: string }>('SELECT count(*) AS n FROM statements')
  t.equal(rows[0]?.n, '0', 'nothing was stored')
})

t.test('oversized headers get 431 and bytes that are not HTTP get 400', async (t) => {
  const hub = await startHub(t)
  const port = await listening(hub)
  const big = await exchange(
    port,
    `GET /xapi/about HTTP/1.1\r\nHost: hub\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
  )
  t.match(big, /^HTTP\/1\.1 431 /)
  t.match(errorBody(big), { error: { code: 'headers_too_large', field: 'headers' } })
  const garbage = await exchange(port, 'HELLO THERE\r\n\r\n')
  t.match(garbage, /^HTTP\/1\.1 400 /)
  t.match(errorBody(garbage), { error: { code: 'bad_request', rule: 'RFC 9112 message syntax' } })
})

t.test('REQUEST_TIMEOUT_SECONDS is checked at start-up', async (t) => {
  t.equal(loadConfig({}).requestTimeoutSeconds, 120)
  t.equal(loadConfig({ REQUEST_TIMEOUT_SECONDS: '30' }).requestTimeoutSeconds, 30)
  t.throws(() => loadConfig({ REQUEST_TIMEOUT_SECONDS: '0' }), /REQUEST_TIMEOUT_SECONDS/)
  t.throws(() => loadConfig({ REQUEST_TIMEOUT_SECONDS: 'soon' }), /REQUEST_TIMEOUT_SECONDS/)
})
