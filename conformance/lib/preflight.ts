import { agent } from './fixtures.js'
import { LrsClient, type LrsTarget } from './lrs-client.js'
import type { XapiVersion } from './types.js'

/**
 * Checks, before the suite runs, that the endpoint answers and accepts the credential. Without
 * this, an unreachable LRS or a mistyped secret would be reported as hundreds of failed
 * requirements instead of one clear problem. Returns the problem, or undefined when all is well.
 */
export async function preflight(
  target: LrsTarget,
  version: XapiVersion,
): Promise<string | undefined> {
  const lrs = new LrsClient({ ...target, timeoutMs: target.timeoutMs ?? 15_000 }, version)
  try {
    await lrs.request({ path: 'about', authorization: null })
  } catch (error) {
    const cause =
      error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : ''
    return `cannot reach ${lrs.endpoint}: ${error instanceof Error ? error.message : String(error)}${cause}`
  }
  const response = await lrs.request({ path: 'statements', query: { agent: agent(), limit: 1 } })
  if (response.status === 401 || response.status === 403) {
    return `the LRS refused the credential for key "${target.key}" (HTTP ${response.status}); the suite needs a credential allowed to read and write everything`
  }
  return undefined
}
