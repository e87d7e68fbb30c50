import t from 'tap'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { prepareStatement, toUtc } from '../../src/xapi/statement-prepare.js'
import * as spec from './fixtures/spec-statements.js'

const stored = '2026-12-03T10:00:00.123Z'
const authority: JsonObject = {
  objectType: 'Agent',
  account: { homePage: 'https://hub.example', name: 'client-7' },
}

t.test('assigns id, timestamp, stored, authority and version to a bare statement', async (t) => {
  const input = spec.copy(spec.simplest)
  delete input.id
  const prepared = prepareStatement(input, { stored, authority, version: '1.0.3' })
  t.match(prepared.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(prepared.timestamp, stored, 'timestamp defaults to stored (Data §2.4.7)')
  t.equal(prepared.stored, stored)
  t.equal(prepared.authority, authority)
  t.equal(prepared.version, '1.0.0', '1.0.3 statements lacking a version get 1.0.0 (Data §2.4.10)')
  t.notOk('id' in input, 'the input is not mutated')
  t.not(
    prepareStatement(input, { stored, authority, version: '1.0.3' }).id,
    prepared.id,
    'a new id each time',
  )
})

t.test('keeps what the statement carries, except stored and authority', async (t) => {
  const prepared = prepareStatement(spec.long, { stored, authority, version: '1.0.3' })
  t.equal(prepared.id, spec.long.id)
  t.equal(prepared.timestamp, spec.long.timestamp, '1.0.3 keeps the timestamp as sent')
  t.equal(prepared.version, '1.0.0')
  t.equal(prepared.stored, stored, 'stored is overwritten (Data §2.4.8)')
  t.same(prepared.authority, authority, 'authority is overwritten (Data §2.4.9)')
  t.same(prepared.result, spec.long.result)
  t.equal(spec.long.stored, '2013-05-18T05:32:34.804+00:00', 'the input is not mutated')
})

t.test('2.0: version 2.0.0 when absent, timestamps in UTC', async (t) => {
  const input = { ...spec.simplest, timestamp: '2026-12-03T17:00:00.123456+07:00' }
  const prepared = prepareStatement(input, { stored, authority, version: '2.0.0' })
  t.equal(prepared.version, '2.0.0')
  t.equal(prepared.timestamp, '2026-12-03T10:00:00.123456Z')
  t.equal(input.timestamp, '2026-12-03T17:00:00.123456+07:00')
  const kept = prepareStatement(
    { ...spec.simplest, version: '1.0.0' },
    { stored, authority, version: '2.0.0' },
  )
  t.equal(kept.version, '1.0.0', 'a sent version is retained')
  const sub = spec.copy(spec.subStatement) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
  sub.object.timestamp = '2027-01-01T00:00:00-05:00'
  const preparedSub = prepareStatement(sub as JsonObject, { stored, authority, version: '2.0.0' })
  t.equal((preparedSub.object as JsonObject).timestamp, '2027-01-01T05:00:00.000Z')
  t.equal(
    sub.object.timestamp,
    '2027-01-01T00:00:00-05:00',
    'the SubStatement is copied, not mutated',
  )
})

t.test('returns single context activities as arrays of one (Data §2.4.6.2)', async (t) => {
  const activity = { id: 'http://a.example/parent' }
  const input: JsonObject = {
    ...spec.simplest,
    context: { contextActivities: { parent: activity, other: [activity] } },
  }
  const prepared = prepareStatement(input, { stored, authority, version: '1.0.3' })
  t.same((prepared.context as JsonObject).contextActivities, {
    parent: [activity],
    other: [activity],
  })
  t.same(
    (input.context as JsonObject).contextActivities,
    { parent: activity, other: [activity] },
    'input kept',
  )
  const arrays: JsonObject = {
    ...spec.simplest,
    context: { contextActivities: { other: [activity] } },
  }
  t.equal(
    prepareStatement(arrays, { stored, authority, version: '1.0.3' }).context,
    arrays.context,
    'no copy when nothing changes',
  )
})

t.test('toUtc converts any offset and keeps precision', async (t) => {
  t.equal(toUtc('2015-01-01T00:00:00Z'), '2015-01-01T00:00:00.000Z')
  t.equal(toUtc('2015-01-01T00:30:00+01:00'), '2014-12-31T23:30:00.000Z')
  t.equal(toUtc('2015-01-01T00:30:00.5-02:30'), '2015-01-01T03:00:00.500Z')
  t.equal(toUtc('2015-01-01t00:00:00.123456789z'), '2015-01-01T00:00:00.123456789Z')
  t.equal(toUtc('2015-01-01T10:00'), '2015-01-01T10:00', 'no offset: left as is')
})
