import { randomUUID } from 'node:crypto'

/** A small valid statement with a fresh actor and activity unless given. */
export function makeStatement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    actor: { objectType: 'Agent', name: 'Ana', mbox: `mailto:ana-${randomUUID()}@example.org` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: { objectType: 'Activity', id: `https://courses.example.org/${randomUUID()}` },
    ...overrides,
  }
}

export function voiding(
  targetId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return makeStatement({
    verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: targetId },
    ...overrides,
  })
}
