import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import { ERROR_STATUS, type ErrorCode } from '../errors.js'

/**
 * Answers requests that fail before any route sees them (a request not received in time,
 * headers too large, bytes that are not HTTP) in the hub's error format, like every other 4xx,
 * then closes the connection: after such an error the stream cannot be trusted to carry another
 * request.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [code, message, field, rule]: [ErrorCode, string, string, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [
          'request_timeout',
          'the request was not received in full in time',
          'request',
          'the whole request arrives within REQUEST_TIMEOUT_SECONDS',
        ]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [
            'headers_too_large',
            'the request headers are too large',
            'headers',
            'headers within the server limit (16 KiB)',
          ]
        : ['bad_request', 'the request is not valid HTTP/1.1', 'request', 'RFC 9112 message syntax']
  const status = ERROR_STATUS[code]
  const body = JSON.stringify({ error: { code, message, field, rule } })
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}
