import type { LightMyRequestResponse } from 'fastify'
import type { Hub } from '../../src/app.js'
import { AUTH } from '../helpers/hub.js'

/** Shared steps of the auth tests: admin calls with the bootstrap credential, Basic headers. */

export function basicHeader(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`
}

export function admin(
  hub: Pick<Hub, 'app'>,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return hub.app.inject({
    method,
    url: `/admin${url}`,
    headers: { authorization: AUTH },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  })
}

export interface TestPlatform {
  id: string
  key: string
  secret: string
  credentialId: string
  authorization: string
}

/** Registers a platform with the given scopes and a Basic credential, through the admin API. */
export async function registerPlatform(
  hub: Pick<Hub, 'app'>,
  id: string,
  scopes: string[],
): Promise<TestPlatform> {
  const created = await admin(hub, 'POST', '/platforms', { id, name: `Platform ${id}`, scopes })
  if (created.statusCode !== 201)
    throw new Error(`register ${id}: ${created.statusCode} ${created.body}`)
  const issued = await admin(hub, 'POST', `/platforms/${id}/credentials`, { kind: 'basic' })
  if (issued.statusCode !== 201)
    throw new Error(`credential ${id}: ${issued.statusCode} ${issued.body}`)
  const { credential, secret } = issued.json() as {
    credential: { id: string; key: string }
    secret: string
  }
  return {
    id,
    key: credential.key,
    secret,
    credentialId: credential.id,
    authorization: basicHeader(credential.key, secret),
  }
}

/** GETs an xAPI resource as a platform. */
export function xapiGet(
  hub: Pick<Hub, 'app'>,
  url: string,
  authorization: string | undefined,
): Promise<LightMyRequestResponse> {
  return hub.app.inject({
    method: 'GET',
    url,
    headers: {
      'x-experience-api-version': '2.0.0',
      ...(authorization === undefined ? {} : { authorization }),
    },
  })
}
