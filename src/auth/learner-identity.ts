import { agentKey } from '../xapi/agent-key.js'
import { unauthorized } from './auth-errors.js'
import type { TrustedIssuers } from './trusted-issuers.js'

/**
 * The learner a request comes from: a citizen signed in through a trusted identity provider (the
 * national IdP), known as the Agent `{"account": {"homePage": <issuer>, "name": <sub>}}`. Returns
 * that agent's IFI key; any other credential is a 401.
 */
export async function learnerFromBearer(
  authorization: string | undefined,
  issuers: TrustedIssuers,
): Promise<string> {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(authorization ?? '')
  const token = match?.[1]
  if (token === undefined) {
    throw unauthorized(
      'sign in through the national identity provider',
      'requires a Bearer token of a trusted identity provider',
    )
  }
  const issuer = issuers.find(token)
  if (issuer === undefined) {
    throw unauthorized(
      'the bearer token is not from a trusted identity provider',
      'iss must be a trusted issuer',
    )
  }
  const identity = await issuers.verify(token, issuer)
  return agentKey({ account: { homePage: identity.issuer, name: identity.subject } }) ?? ''
}
