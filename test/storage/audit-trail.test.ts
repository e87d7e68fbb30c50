import t from 'tap'
import type { AuditFields } from '../../src/agency/audit-chain.js'
import { openAuditTrail } from '../../src/storage/audit-trail.js'
import { createTestDb } from '../helpers/test-db.js'

function read(n: number): AuditFields {
  return {
    actor: 'ministry',
    action: 'record.read',
    target: null,
    subject: null,
    purpose: `check ${n}`,
    outcome: 'ok',
    detail: { status: 200, nested: { b: 1, a: [n] } },
  }
}

t.test('a fresh chain of appended entries verifies', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const audit = await openAuditTrail(testDb.db)
  const empty = await audit.verify()
  t.same({ ok: empty.ok, entries: empty.entries }, { ok: true, entries: 0 })

  for (let i = 1; i <= 5; i++) await audit.record(read(i))
  const report = await audit.verify()
  t.equal(report.ok, true)
  t.equal(report.entries, 5)
  t.equal(report.head.seq, '5')
})

t.test('concurrent appends keep one chain', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const audit = await openAuditTrail(testDb.db)
  await Promise.all(Array.from({ length: 20 }, (_, i) => audit.record(read(i))))
  const report = await audit.verify()
  t.equal(report.ok, true)
  t.equal(report.entries, 20)
})

t.test(
  'verification finds an altered entry, a removed entry and removed newest entries',
  async (t) => {
    const testDb = await createTestDb()
    t.teardown(() => testDb.drop())
    const { db } = testDb
    const audit = await openAuditTrail(db)
    for (let i = 1; i <= 6; i++) await audit.record(read(i))

    await db.query("UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 3")
    t.same((await audit.verify()).broken, { seq: '3', reason: 'altered' }, 'a changed field')

    await db.query("UPDATE audit_log SET purpose = 'check 3' WHERE seq = 3")
    t.equal((await audit.verify()).ok, true, 'restored, it verifies again')

    await db.query('DELETE FROM audit_log WHERE seq = 4')
    t.same((await audit.verify()).broken, { seq: '5', reason: 'entry removed before it' }, 'a gap')

    await db.query('DELETE FROM audit_log WHERE seq >= 4')
    const truncated = await audit.verify()
    t.equal(truncated.ok, false, 'the head remembers entries removed from the end')
  },
)

t.test('an entry whose stored hash is replaced is found', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const { db } = testDb
  const audit = await openAuditTrail(db)
  for (let i = 1; i <= 3; i++) await audit.record(read(i))
  await db.query("UPDATE audit_log SET hash = repeat('a', 64) WHERE seq = 2")
  t.same((await audit.verify()).broken, { seq: '2', reason: 'altered' })
})

t.test('a citizen sees the accesses to their own record only', async (t) => {
  const testDb = await createTestDb()
  t.teardown(() => testDb.drop())
  const audit = await openAuditTrail(testDb.db)
  const ana = await audit.subjectOf('mbox:mailto:ana@example.org')
  t.notMatch(ana, /ana/, 'the subject is a salted hash')
  await audit.record({ ...read(1), subject: ana, purpose: 'benefit eligibility' })
  await audit.record({ ...read(2), subject: await audit.subjectOf('mbox:mailto:bo@example.org') })
  const seen = await audit.accessesTo('mbox:mailto:ana@example.org', 10)
  t.equal(seen.length, 1)
  t.match(seen[0], {
    actor: 'ministry',
    action: 'record.read',
    purpose: 'benefit eligibility',
    outcome: 'ok',
  })
  t.match(seen[0]?.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
})
