import t from 'tap'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import {
  bestLanguage,
  formatStatement,
  parseAcceptLanguage,
} from '../../src/xapi/statement-format.js'
import * as spec from './fixtures/spec-statements.js'

t.test('exact returns the stored statement itself', async (t) => {
  t.equal(formatStatement(spec.long, 'exact', ['fr']), spec.long)
})

t.test('ids reduces agents, groups, activities and verbs to their identifiers', async (t) => {
  const ids = formatStatement(spec.long, 'ids', [])
  t.same(
    ids.actor,
    { objectType: 'Group', mbox: 'mailto:teampb@example.com' },
    'identified Group by IFI',
  )
  t.same(ids.verb, { id: 'http://adlnet.gov/expapi/verbs/attended' })
  t.same(
    ids.object,
    { id: 'http://www.example.com/meetings/occurances/34534' },
    'an Activity by its id alone (objectType defaults to Activity)',
  )
  const context = ids.context as JsonObject
  t.same(context.instructor, {
    objectType: 'Agent',
    account: { homePage: 'http://www.example.com', name: '13936749' },
  })
  t.same((context.contextActivities as JsonObject).category, [
    { id: 'http://www.example.com/meetings/categories/teammeeting' },
  ])
  t.same(ids.authority, {
    objectType: 'Agent',
    account: { homePage: 'http://cloud.scorm.com/', name: 'anonymous' },
  })
  t.equal(context.platform, 'Example virtual meeting software', 'other properties kept')
  t.same(ids.result, spec.long.result)
  t.equal(
    (spec.long.verb as JsonObject).display !== undefined,
    true,
    'the stored statement is not mutated',
  )

  const anonymous = formatStatement(
    {
      ...spec.simplest,
      actor: {
        objectType: 'Group',
        name: 'Team',
        member: [{ name: 'A', mbox: 'mailto:a@example.com' }],
      },
    },
    'ids',
    [],
  )
  t.same(
    anonymous.actor,
    { objectType: 'Group', member: [{ objectType: 'Agent', mbox: 'mailto:a@example.com' }] },
    'anonymous Group by its members',
  )

  const sub = formatStatement(spec.subStatement, 'ids', []).object as JsonObject
  t.same(sub.verb, { id: 'http://example.com/visited' }, 'inside a SubStatement too')
  t.same(sub.object, { id: 'http://example.com/website' })
  t.same(
    formatStatement(spec.voiding, 'ids', []).object,
    spec.voiding.object,
    'StatementRef unchanged',
  )
})

t.test('canonical keeps one language per map, chosen per map', async (t) => {
  const statement: JsonObject = {
    ...spec.simplest,
    verb: {
      id: 'http://a.example/v',
      display: { 'en-US': 'attended', fr: 'a assisté', 'vi-VN': 'đã tham dự' },
    },
    object: {
      id: 'http://a.example/a',
      definition: {
        name: { en: 'meeting', vi: 'cuộc họp' },
        description: { 'en-GB': 'a meeting' },
        interactionType: 'choice',
        choices: [{ id: 'x', description: { en: 'yes', vi: 'có' } }],
      },
    },
  }
  const vi = formatStatement(statement, 'canonical', ['vi', 'en'])
  t.same((vi.verb as JsonObject).display, { 'vi-VN': 'đã tham dự' }, 'vi matches vi-VN')
  const definition = (vi.object as JsonObject).definition as JsonObject
  t.same(definition.name, { vi: 'cuộc họp' })
  t.same(definition.description, { 'en-GB': 'a meeting' }, 'falls back to the next language')
  t.same(definition.choices, [{ id: 'x', description: { vi: 'có' } }], 'interaction components too')
  t.same(formatStatement(statement, 'canonical', []).actor, statement.actor, 'agents as in exact')
  t.same(
    (formatStatement(statement, 'canonical', ['de']).verb as JsonObject).display,
    { 'en-US': 'attended' },
    'no match: the first entry',
  )
  t.same(
    ((statement.object as JsonObject).definition as JsonObject).name,
    { en: 'meeting', vi: 'cuộc họp' },
    'input not mutated',
  )
})

t.test('bestLanguage follows RFC 4647 lookup', async (t) => {
  const map = { en: 'colour', 'en-US': 'color', 'zh-Hant-TW': '顏色' }
  t.same(bestLanguage(map, ['EN-us']), { 'en-US': 'color' }, 'exact, case-insensitive')
  t.same(bestLanguage(map, ['en-AU']), { en: 'colour' }, 'truncated range')
  t.same(bestLanguage(map, ['zh']), { 'zh-Hant-TW': '顏色' }, 'more specific tag')
  t.same(bestLanguage(map, ['fr', 'en-US']), { 'en-US': 'color' }, 'second preference')
  t.equal(bestLanguage({ en: 'x' }, ['fr']).en, 'x')
})

t.test('parseAcceptLanguage orders by quality', async (t) => {
  t.same(parseAcceptLanguage(undefined), [])
  t.same(parseAcceptLanguage(''), [])
  t.same(parseAcceptLanguage('da, en-gb;q=0.8, en;q=0.7'), ['da', 'en-gb', 'en'])
  t.same(parseAcceptLanguage('en;q=0.5, vi'), ['vi', 'en'])
  t.same(parseAcceptLanguage('fr;q=0, de;q=0.9, *;q=0.1, it'), ['it', 'de'], 'q=0 and * dropped')
  t.same(parseAcceptLanguage('en; q=0.5, fr; q=0.5'), ['en', 'fr'], 'ties keep header order')
  t.same(parseAcceptLanguage('not a tag, en'), ['en'])
})
