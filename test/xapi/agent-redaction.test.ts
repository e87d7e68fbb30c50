import t from 'tap'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { pseudonymousAgent, redactAgent } from '../../src/xapi/agent-redaction.js'
import { SIGNATURE_USAGE_TYPE } from '../../src/xapi/attachments.js'

const KEY = 'mbox:mailto:ana@example.org'
const PSEUDONYM = pseudonymousAgent('https://hub.example.vn/erased-persons', 'h4sh')
const ana = { objectType: 'Agent', name: 'Ana', mbox: 'mailto:ana@example.org' }
const binh = { objectType: 'Agent', mbox: 'mailto:binh@example.org' }

t.test('leaves a statement that does not name the person alone', async (t) => {
  t.equal(redactAgent({ actor: binh, context: { instructor: binh } }, KEY, PSEUDONYM), undefined)
})

t.test('replaces the person wherever an Agent or Identified Group names them', async (t) => {
  const statement: JsonObject = {
    actor: binh,
    context: {
      instructor: ana,
      team: {
        objectType: 'Group',
        mbox: 'mailto:ana@example.org',
        name: 'Ana',
        member: [ana, binh],
      },
      extensions: { 'https://example.org/x/mentor': ana },
    },
    attachments: [
      { usageType: SIGNATURE_USAGE_TYPE, sha2: 'abc' },
      { usageType: 'u', sha2: 'def' },
    ],
  }
  const result = redactAgent(statement, KEY, PSEUDONYM)
  t.same(result?.statement, {
    actor: binh,
    context: {
      instructor: PSEUDONYM,
      team: { objectType: 'Group', account: PSEUDONYM.account, member: [PSEUDONYM, binh] },
      extensions: { 'https://example.org/x/mentor': PSEUDONYM },
    },
    attachments: [{ usageType: 'u', sha2: 'def' }],
  })
  t.same(result?.droppedHashes, ['abc'], 'the signature no longer holds')
  t.same((statement.context as JsonObject).instructor, ana, 'the input is not changed')
  t.equal((statement.attachments as unknown[]).length, 2)
})
