import t from 'tap'
import { mergeActivityDefinition } from '../../src/xapi/activity-definition.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'

t.test('keeps the first definition as it came', async (t) => {
  const incoming = { name: { en: 'Course' }, type: 'http://adlnet.gov/expapi/activities/course' }
  t.same(mergeActivityDefinition(undefined, incoming), incoming)
})

t.test('merges language maps by tag, the latest statement winning per tag', async (t) => {
  const stored = { name: { en: 'Course', vi: 'Khóa học' }, description: { en: 'Old' } }
  const merged = mergeActivityDefinition(stored, { name: { en: 'Course 1', fr: 'Cours' } })
  t.same(merged, {
    name: { en: 'Course 1', vi: 'Khóa học', fr: 'Cours' },
    description: { en: 'Old' },
  })
  t.same(stored.name, { en: 'Course', vi: 'Khóa học' }, 'inputs are not modified')
})

t.test('replaces other properties and keeps the ones the statement leaves out', async (t) => {
  const stored = {
    type: 'urn:type:a',
    moreInfo: 'https://example.org/a',
    extensions: { 'urn:x:a': 1, 'urn:x:b': 2 },
  }
  const merged = mergeActivityDefinition(stored, {
    type: 'urn:type:b',
    extensions: { 'urn:x:b': 3 },
  })
  t.same(merged, {
    type: 'urn:type:b',
    moreInfo: 'https://example.org/a',
    extensions: { 'urn:x:a': 1, 'urn:x:b': 3 },
  })
})

t.test(
  'replaces interaction components, keeping languages of components that keep their id',
  async (t) => {
    const stored: JsonObject = {
      interactionType: 'choice',
      choices: [
        { id: 'a', description: { en: 'Apple', vi: 'Táo' } },
        { id: 'b', description: { en: 'Banana' } },
      ],
    }
    const merged = mergeActivityDefinition(stored, {
      interactionType: 'choice',
      choices: [
        { id: 'a', description: { en: 'Green apple' } },
        { id: 'c', description: { en: 'Cherry' } },
      ],
    })
    t.same(merged.choices, [
      { id: 'a', description: { en: 'Green apple', vi: 'Táo' } },
      { id: 'c', description: { en: 'Cherry' } },
    ])
  },
)

t.test('treats a "__proto__" key from JSON as a plain property', async (t) => {
  const incoming = JSON.parse('{"__proto__": {"polluted": true}, "type": "urn:t"}')
  const merged = mergeActivityDefinition({ type: 'urn:s' }, incoming)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  t.ok(Object.hasOwn(merged, '__proto__'))
  t.equal(merged.type, 'urn:t')
})
