import type { Db } from '../storage/db.js'
import { selectProfileMode, type ProfileMode } from '../storage/profile-store.js'

/**
 * Each platform's profile mode, remembered for a few seconds so that checking statements costs
 * no query per request. It is read only when a request holds a statement that breaks the
 * profile, so platforms whose statements conform never cause the lookup at all. A change made
 * through this process applies at once; one made through another hub process within TTL_MS.
 */
const TTL_MS = 5_000
const MAX_ENTRIES = 10_000

export class ProfileModes {
  private readonly known = new Map<string, { mode: ProfileMode; until: number }>()

  constructor(private readonly db: Db) {}

  /** The platform's mode; `record` for a principal that is not a registered platform. */
  async get(platformId: string): Promise<ProfileMode> {
    const entry = this.known.get(platformId)
    if (entry !== undefined && entry.until > Date.now()) return entry.mode
    const mode = (await selectProfileMode(this.db, platformId)) ?? 'record'
    this.remember(platformId, mode)
    return mode
  }

  /** Records a change this process made, so its next request already sees it. */
  remember(platformId: string, mode: ProfileMode): void {
    if (this.known.size >= MAX_ENTRIES) this.known.clear()
    this.known.set(platformId, { mode, until: Date.now() + TTL_MS })
  }
}
