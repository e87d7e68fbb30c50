import type { Config } from '../config.js'
import type { Db } from '../storage/db.js'
import { setUpBootstrapPlatform, type BootstrapResult } from './bootstrap-credential.js'
import { createClientAssertions, type ClientAssertions } from './client-assertion.js'
import { createHubAuthenticator, type HubAuthenticator } from './hub-authenticator.js'
import { createPlatformRegistry, type PlatformRegistry } from './platform-registry.js'
import { createRateLimiter } from './rate-limiter.js'
import { createRemoteKeySets, type RemoteKeySetOptions } from './remote-key-sets.js'
import { openKeyRing, type KeyRing } from './signing-keys.js'
import { createTrustedIssuers } from './trusted-issuers.js'

/** Everything the HTTP layer needs to authenticate requests and administer platforms. */
export interface HubAuth {
  authenticator: HubAuthenticator
  registry: PlatformRegistry
  keyRing: KeyRing
  clientAssertions: ClientAssertions
  bootstrap: BootstrapResult
}

/**
 * Opens the signing keys (generating the first one), ensures the bootstrap admin platform, and
 * wires the authenticator. `remoteKeySets` tunes how remote JWKS are cached (tests shorten it).
 */
export async function setUpAuth(
  db: Db,
  config: Config,
  remoteKeySets: RemoteKeySetOptions = {},
): Promise<HubAuth> {
  const registry = createPlatformRegistry(db, config)
  const bootstrap = await setUpBootstrapPlatform(db, config, registry)
  const keyRing = await openKeyRing(db, config)
  const keySets = createRemoteKeySets(remoteKeySets)
  const authenticator = createHubAuthenticator({
    db,
    config,
    keyRing,
    trustedIssuers: createTrustedIssuers(config.trustedIssuers, keySets),
    rateLimiter: createRateLimiter(),
  })
  const clientAssertions = createClientAssertions(db, config, keySets)
  return { authenticator, registry, keyRing, clientAssertions, bootstrap }
}
