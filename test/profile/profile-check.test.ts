import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import {
  compileProfile,
  declaredVersions,
  fieldOf,
  parseJsonPath,
  selectPath,
} from '../../schemas/profile/profile-check.js'
import { PROFILE_DIR } from '../../src/profile/national-profile.js'
import { EXTENSIONS, PROFILE_ID, TEMPLATES } from '../../src/profile/vocabulary.js'
import { courseAttempt, newAttempt, profileStatement, V1, withoutProvince } from './fixtures.js'

const DOCUMENT = JSON.parse(
  readFileSync(join(PROFILE_DIR, 'digital-skills-v1.0.0.jsonld'), 'utf8'),
) as Record<string, unknown>
const profile = compileProfile(DOCUMENT)
const PROVINCE = `$.context.extensions['${EXTENSIONS.province}']`

t.test(
  'JSONPath: names, quoted names, indexes, unions and wildcards select in document order',
  async (t) => {
    const doc = { a: { 'b.c': [10, 20, 30], d: 1 }, e: [{ f: 1 }, { f: 2 }, { g: 3 }] }
    t.same(selectPath(parseJsonPath('$.a.d'), doc), [1])
    t.same(selectPath(parseJsonPath("$.a['b.c'][1]"), doc), [20])
    t.same(selectPath(parseJsonPath('$.a["b.c"][0,2]'), doc), [10, 30])
    t.same(selectPath(parseJsonPath('$.e[*].f'), doc), [1, 2])
    t.same(selectPath(parseJsonPath("$.a['d', 'x']"), doc), [1], 'an absent member selects nothing')
    t.same(selectPath(parseJsonPath('$.a.*'), doc), [[10, 20, 30], 1])
    t.same(selectPath(parseJsonPath('$.a.d.x'), doc), [], 'nothing below a scalar')
  },
)

t.test(
  'JSONPath: filters, scripts and recursive descent are refused when the profile is compiled',
  async (t) => {
    for (const path of [
      '$..f',
      '$.e[?(@.f)]',
      '$.e[(@.length-1)]',
      'e.f',
      "$.a['b",
      '$.a[1,"x"]',
    ]) {
      t.throws(() => parseJsonPath(path), /JSONPath/, path)
    }
  },
)

t.test('a rule location becomes the field the hub names in errors', async (t) => {
  t.equal(
    fieldOf(PROVINCE, 'statements[2]'),
    `statements[2].context.extensions["${EXTENSIONS.province}"]`,
  )
  t.equal(fieldOf('$.result.success', 'statement'), 'statement.result.success')
})

t.test('a statement of a course attempt follows its template', async (t) => {
  for (const statement of courseAttempt()) {
    const result = profile.check(statement, 'statements[0]')
    t.equal(result.templates.length, 1, 'matches exactly one template')
    t.same(result.findings, [], String((statement.verb as { id: string }).id))
  }
})

t.test(
  'included: a missing required extension is a finding naming the template and the rule',
  async (t) => {
    const statement = withoutProvince(
      profileStatement(newAttempt(), 'completed', 'course', { result: { completion: true } }),
    )
    const { findings } = profile.check(statement, 'statements[3]')
    t.equal(findings.length, 1)
    t.match(findings[0], {
      templateId: TEMPLATES.courseCompleted,
      templateLabel: 'completed a course',
      location: PROVINCE,
      presence: 'included',
      requirement: 'presence',
      field: `statements[3].context.extensions["${EXTENSIONS.province}"]`,
    })
  },
)

t.test(
  'all: a value outside the allowed ones breaks the rule; the learner must be a national account',
  async (t) => {
    const failed = profileStatement(newAttempt(), 'failed', 'course', { result: { success: true } })
    t.match(profile.check(failed).findings, [
      { templateId: TEMPLATES.courseFailed, location: '$.result.success', requirement: 'all' },
    ])

    const mbox = {
      ...profileStatement(newAttempt(), 'launched'),
      actor: { mbox: 'mailto:ana@example.org' },
    }
    const findings = profile.check(mbox).findings.map((f) => f.location)
    t.same(findings, ['$.actor.account.homePage', '$.actor.account.name'])
  },
)

t.test('any: a module outside any course or programme breaks the grouping rule', async (t) => {
  const statement = profileStatement(newAttempt(), 'completed', 'module', {
    result: { completion: true },
  })
  const context = statement.context as Record<string, Record<string, unknown>>
  context.contextActivities = {
    category: [{ id: V1 }],
    grouping: [{ id: 'https://x.example/g', definition: { type: 'https://x.example/type' } }],
  }
  t.match(profile.check(statement).findings, [
    { requirement: 'any', location: '$.context.contextActivities.grouping[*].definition.type' },
  ])
})

t.test(
  'none: progressed must not claim completion; recommended rules apply only when present',
  async (t) => {
    const progressed = profileStatement(newAttempt(), 'progressed', 'course', {
      result: { completion: true },
    })
    t.match(profile.check(progressed).findings, [
      { requirement: 'none', location: '$.result.completion' },
    ])

    const quiet = profileStatement(newAttempt(), 'launched')
    const extensions = (quiet.context as { extensions: Record<string, unknown> }).extensions
    delete extensions[EXTENSIONS.language]
    t.same(profile.check(quiet).findings, [], 'a recommended value may be absent')
  },
)

t.test(
  'excluded and selectors follow the specification, including unmatchable values',
  async (t) => {
    const doc = structuredClone(DOCUMENT) as {
      templates: Array<{ rules: unknown[] }>
      patterns?: unknown
    }
    delete doc.patterns
    doc.templates = [
      {
        ...doc.templates[1],
        rules: [
          { location: '$.result', presence: 'excluded' },
          {
            location: '$.context.contextActivities.category[*]',
            selector: '$.definition.type',
            presence: 'included',
          },
        ],
      },
    ]
    const custom = compileProfile(doc)
    const statement = {
      ...profileStatement(newAttempt(), 'launched'),
      result: { completion: false },
    }
    t.same(
      custom.check(statement).findings.map((f) => `${f.location} ${f.requirement}`),
      ['$.result presence', '$.context.contextActivities.category[*] presence'],
    )
  },
)

t.test(
  'extension values are checked against their inlineSchema when a schema compiler is given',
  async (t) => {
    const strict = compileProfile(DOCUMENT, {
      compileSchema: (schema) => (value) =>
        (schema as { pattern?: string }).pattern === undefined ||
        new RegExp((schema as { pattern: string }).pattern).test(String(value)),
    })
    const statement = profileStatement(newAttempt(), 'launched')
    ;(statement.context as { extensions: Record<string, unknown> }).extensions[
      EXTENSIONS.province
    ] = '1'
    t.match(strict.check(statement).findings, [
      { templateId: EXTENSIONS.province, requirement: 'schema' },
    ])
    t.same(
      profile.check(statement).findings,
      [],
      'without a compiler extension values are not checked',
    )
  },
)

t.test('a statement that declares the profile but matches no template is a finding', async (t) => {
  const statement = {
    ...profileStatement(newAttempt(), 'launched'),
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
  }
  t.match(profile.check(statement).findings, [{ requirement: 'template', templateId: V1 }])
})

t.test(
  'declared versions come from category context activities, single or in an array',
  async (t) => {
    t.same(declaredVersions(profileStatement(newAttempt(), 'launched'), PROFILE_ID), [V1])
    t.same(
      declaredVersions(
        { context: { contextActivities: { category: { id: `${PROFILE_ID}/v9.0.0` } } } },
        PROFILE_ID,
      ),
      [`${PROFILE_ID}/v9.0.0`],
    )
    t.same(
      declaredVersions(
        { context: { contextActivities: { category: [{ id: 'https://other.example/profile' }] } } },
        PROFILE_ID,
      ),
      [],
    )
    t.same(declaredVersions({ actor: {} }, PROFILE_ID), [])
  },
)

t.test('the identity provider of the learner rule can be configured', async (t) => {
  const local = compileProfile(DOCUMENT, { identityHomePage: 'https://id.example.vn' })
  t.match(local.check(profileStatement(newAttempt(), 'launched')).findings, [
    { location: '$.actor.account.homePage', requirement: 'all' },
  ])
  t.equal(
    (DOCUMENT.templates as Array<{ rules: Array<{ all?: string[] }> }>)[0]?.rules[0]?.all?.[0],
    'https://vneid.gov.vn',
    'the published document is not modified',
  )
})

const templatesOf = (statements: Record<string, unknown>[]) =>
  statements.map((s) => ({ id: String(s.id), templates: profile.check(s).templates }))

t.test(
  'patterns: a course attempt follows the primary pattern; registration is optional',
  async (t) => {
    const attempt = courseAttempt()
    t.match(profile.matchPatterns(templatesOf(attempt)), { ok: true })
    t.match(profile.matchPatterns(templatesOf(attempt.slice(1))), { ok: true })
    t.match(
      profile.matchPatterns(templatesOf(attempt.slice(1, 2).concat(attempt.slice(5)))),
      { ok: true },
      'no learning steps',
    )
  },
)

t.test('patterns: an attempt out of order or unfinished says what was expected', async (t) => {
  const attempt = courseAttempt()
  const swapped = [attempt[0], attempt[5], attempt[1]] as Record<string, unknown>[]
  const out = profile.matchPatterns(templatesOf(swapped))
  t.equal(out.ok, false)
  t.match(out.message, /statement 2 .* cannot come here; expected: .*launched a course/)

  const unfinished = profile.matchPatterns(templatesOf(attempt.slice(0, 3)))
  t.equal(unfinished.ok, false)
  t.match(unfinished.message, /end before the pattern does; expected next: .*completed a course/)
})

t.test('patterns: an allowed-solo template is an implied pattern on its own', async (t) => {
  const competency = profileStatement(newAttempt(), 'passed', 'competency', {
    result: { success: true, extensions: { [EXTENSIONS.proficiencyLevel]: 'CB2' } },
  })
  t.same(profile.check(competency).findings, [])
  t.match(profile.matchPatterns(templatesOf([competency])), {
    ok: true,
    pattern: TEMPLATES.competencyAttained,
  })
  t.match(profile.matchPatterns(templatesOf([courseAttempt()[1] as Record<string, unknown>])), {
    ok: false,
  })
})

t.test('a profile whose pattern refers to itself, or to nothing, is refused', async (t) => {
  const loop = structuredClone(DOCUMENT) as { patterns: Array<Record<string, unknown>> }
  const first = loop.patterns[0] as Record<string, unknown>
  loop.patterns.push({
    ...first,
    id: 'https://x.example/p',
    primary: true,
    sequence: ['https://x.example/p', TEMPLATES.courseLaunched],
  })
  t.throws(() => compileProfile(loop), /refers to itself/)
  const dangling = structuredClone(DOCUMENT) as { patterns: Array<Record<string, unknown>> }
  dangling.patterns.push({
    ...first,
    id: 'https://x.example/q',
    sequence: ['https://x.example/none', TEMPLATES.courseLaunched],
  })
  t.throws(() => compileProfile(dangling), /neither a template nor a pattern/)
})
