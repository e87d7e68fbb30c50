/**
 * Conformance checks the hub fails today, as `[version] check name`, each with the reason the
 * suite gave. Fix the hub, then delete the line: hub-conformance.test.ts fails both on a new
 * failure and on a listed check that now passes.
 */
export const HUB_KNOWN_FAILURES: readonly string[] = []
