/**
 * Conformance checks the hub fails today, as `[version] check name`, each with the reason the
 * suite gave. Fix the hub, then delete the line: hub-conformance.test.ts fails both on a new
 * failure and on a listed check that now passes.
 */
export const HUB_KNOWN_FAILURES: readonly string[] = [
  // POST statements answers without the X-Experience-API-Consistent-Through header, which Comm
  // 2.1.3 requires "on all responses to Statements Resource requests".
  '[1.0.3] Comm 2.1.3 X-Experience-API-Consistent-Through is also sent on POST responses',
  '[2.0.0] Comm 2.1.3 X-Experience-API-Consistent-Through is also sent on POST responses',
  // POST of a JSON array to a document that does not exist yet answers 204 and stores it; Comm
  // 2.2 requires 400 when the posted document "cannot be parsed as a JSON Object".
  '[1.0.3] Comm 2.2 State: POST of a JSON array or scalar MUST be rejected with 400',
  '[2.0.0] Comm 2.2 State: POST of a JSON array or scalar MUST be rejected with 400',
  '[1.0.3] Comm 2.2 Agent Profile: POST of a JSON array or scalar MUST be rejected with 400',
  '[2.0.0] Comm 2.2 Agent Profile: POST of a JSON array or scalar MUST be rejected with 400',
  '[1.0.3] Comm 2.2 Activity Profile: POST of a JSON array or scalar MUST be rejected with 400',
  '[2.0.0] Comm 2.2 Activity Profile: POST of a JSON array or scalar MUST be rejected with 400',
]
