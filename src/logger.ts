import type { FastifyRequest } from 'fastify'
import type { LoggerOptions } from 'pino'
import type { LogLevel } from './config.js'

/**
 * pino options for the whole hub. Query strings can hold personal identifiers (an agent's mbox,
 * an account name), so requests are logged by path and parameter names only; credentials are
 * redacted wherever they could appear.
 */
export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
        '*.secret',
        '*.password',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        const [path, query] = request.url.split('?', 2)
        return {
          method: request.method,
          path,
          params: query === undefined ? undefined : [...new URLSearchParams(query).keys()],
          remoteAddress: request.ip,
        }
      },
    },
  }
}
