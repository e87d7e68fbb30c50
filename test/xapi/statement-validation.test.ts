import t, { type Test } from 'tap'
import { isHubError } from '../../src/errors.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { validateStatement, validateStatements } from '../../src/xapi/statement-validation.js'
import type { XapiVersion } from '../../src/xapi/version.js'
import * as spec from './fixtures/spec-statements.js'

const BOTH: readonly XapiVersion[] = ['1.0.3', '2.0.0']

/** A mutable statement: the simplest valid one of the specification. */
type Mutable = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function statementWith(change: (s: Mutable) => void, base: JsonObject = spec.simplest): JsonObject {
  const statement = spec.copy(base) as Mutable
  change(statement)
  return statement as JsonObject
}

interface Case {
  title: string
  change: (s: Mutable) => void
  field: string
  rule: RegExp
  versions?: readonly XapiVersion[]
  base?: JsonObject
}

/** Asserts a 400 naming `field`, with a rule matching `rule`. */
function badRequest(t: Test, fn: () => unknown, field: string, rule: RegExp, title?: string): void {
  try {
    fn()
  } catch (error) {
    if (!isHubError(error) || error.code !== 'bad_request') throw error
    t.match({ field: error.field, rule: error.rule }, { field, rule }, title ?? field)
    return
  }
  t.fail(`${title ?? 'statement'}: accepted`)
}

function rejects(t: Test, cases: Case[]): void {
  for (const c of cases) {
    for (const version of c.versions ?? BOTH) {
      const statement = statementWith(c.change, c.base)
      const validate = () => validateStatements([spec.simplest, statement], version)
      badRequest(t, validate, `statements[1]${c.field}`, c.rule, `${c.title} (${version})`)
    }
  }
}

t.test('accepts the example statements of the specification in both versions', async (t) => {
  const examples = {
    simplest: spec.simplest,
    completion: spec.completion,
    long: spec.long,
    voiding: spec.voiding,
    subStatement: spec.subStatement,
    signed: spec.signed,
    oauthAuthority: statementWith((s) => {
      s.authority = spec.oauthAuthority
    }),
  }
  for (const version of BOTH) {
    for (const [name, statement] of Object.entries(examples)) {
      t.same(validateStatements(statement, version), [statement], `${name} (${version})`)
    }
    for (const [type, definition] of Object.entries(spec.interactions)) {
      const statement = statementWith((s) => {
        s.object.definition = definition
      })
      t.doesNotThrow(
        () => validateStatement(statement, version, 'statement'),
        `${type} interaction (${version})`,
      )
    }
  }
})

t.test('accepts one statement or an array and returns an array', async (t) => {
  t.same(validateStatements(spec.simplest, '1.0.3'), [spec.simplest])
  const batch = [spec.simplest, spec.completion]
  t.equal(validateStatements(batch, '2.0.0'), batch, 'the same array, not a copy')
})

t.test('rejects bodies that are not statements', async (t) => {
  badRequest(t, () => validateStatements([], '1.0.3'), 'statements', /at least one/)
  badRequest(
    t,
    () => validateStatements('x', '1.0.3'),
    'statements',
    /Statement object or an array/,
  )
  badRequest(t, () => validateStatements(null, '2.0.0'), 'statements', /./)
  badRequest(t, () => validateStatements([1], '2.0.0'), 'statements[0]', /Statement/)
  badRequest(t, () => validateStatements({}, '1.0.3'), 'statement.actor', /is required/)
})

t.test('names the single statement as "statement"', async (t) => {
  const statement = statementWith((s) => {
    s.actor.mbox = 'nobody'
  })
  badRequest(t, () => validateStatements(statement, '1.0.3'), 'statement.actor.mbox', /mailto/)
})

t.test('rejects duplicate ids within one batch, naming both indexes', async (t) => {
  const a = statementWith((s) => {
    s.id = 'fd41c918-b88b-4b20-a0a5-a4c32391aaa0'
  })
  const b = statementWith((s) => {
    s.id = 'FD41C918-B88B-4B20-A0A5-A4C32391AAA0'
  })
  const batch = () => validateStatements([a, spec.completion, b], '1.0.3')
  badRequest(t, batch, 'statements[2].id', /statements\[0\]/)
  const c = statementWith((s) => {
    s.id = '7ccd3322-e1a5-411a-a67d-6a735c76f118'
  })
  t.doesNotThrow(() => validateStatements([a, spec.completion, c], '1.0.3'), 'distinct ids pass')
})

t.test('statement structure (Data §2.2, §2.4)', async (t) => {
  rejects(t, [
    {
      title: 'missing actor',
      change: (s) => {
        delete s.actor
      },
      field: '.actor',
      rule: /is required/,
    },
    {
      title: 'missing verb',
      change: (s) => {
        delete s.verb
      },
      field: '.verb',
      rule: /is required/,
    },
    {
      title: 'missing object',
      change: (s) => {
        delete s.object
      },
      field: '.object',
      rule: /is required/,
    },
    {
      title: 'unknown property',
      change: (s) => {
        s.foo = 1
      },
      field: '.foo',
      rule: /unknown properties/,
    },
    {
      title: 'wrong key case',
      change: (s) => {
        s.Actor = s.actor
        delete s.actor
      },
      field: '.actor',
      rule: /required/,
    },
    {
      title: 'null value',
      change: (s) => {
        s.result = { response: null }
      },
      field: '.result.response',
      rule: /null/,
    },
    {
      title: 'non-UUID id',
      change: (s) => {
        s.id = 'abc'
      },
      field: '.id',
      rule: /UUID/,
    },
    {
      title: 'empty id',
      change: (s) => {
        s.id = ''
      },
      field: '.id',
      rule: /UUID/,
    },
    {
      title: 'number as string',
      change: (s) => {
        s.result = { score: { raw: '1' } }
      },
      field: '.result.score.raw',
      rule: /number/,
    },
    {
      title: 'boolean as string',
      change: (s) => {
        s.result = { success: 'true' }
      },
      field: '.result.success',
      rule: /boolean/,
    },
    {
      title: 'array as statement part',
      change: (s) => {
        s.verb = []
      },
      field: '.verb',
      rule: /Verb/,
    },
  ])
})

t.test('agents and groups (Data §2.4.2)', async (t) => {
  rejects(t, [
    {
      title: 'agent without IFI',
      change: (s) => {
        s.actor = { name: 'x' }
      },
      field: '.actor',
      rule: /exactly one IFI/,
    },
    {
      title: 'agent with two IFIs',
      change: (s) => {
        s.actor.openid = 'http://a.example/'
      },
      field: '.actor.openid',
      rule: /more than one IFI/,
    },
    {
      title: 'mbox without mailto',
      change: (s) => {
        s.actor.mbox = 'a@example.com'
      },
      field: '.actor.mbox',
      rule: /mailto/,
    },
    {
      title: 'mbox without address',
      change: (s) => {
        s.actor.mbox = 'mailto:'
      },
      field: '.actor.mbox',
      rule: /mailto/,
    },
    {
      title: 'short sha1sum',
      change: (s) => {
        s.actor = { mbox_sha1sum: 'abc' }
      },
      field: '.actor.mbox_sha1sum',
      rule: /40 hex/,
    },
    {
      title: 'non-hex sha1sum',
      change: (s) => {
        s.actor = { mbox_sha1sum: 'z'.repeat(40) }
      },
      field: '.actor.mbox_sha1sum',
      rule: /40 hex/,
    },
    {
      title: 'relative openid',
      change: (s) => {
        s.actor = { openid: 'toby' }
      },
      field: '.actor.openid',
      rule: /IRI/,
    },
    {
      title: 'account without name',
      change: (s) => {
        s.actor = { account: { homePage: 'http://a.example' } }
      },
      field: '.actor.account.name',
      rule: /required in an Account/,
    },
    {
      title: 'account with relative homePage',
      change: (s) => {
        s.actor = { account: { homePage: 'example', name: 'x' } }
      },
      field: '.actor.account.homePage',
      rule: /IRL/,
    },
    {
      title: 'unknown agent property',
      change: (s) => {
        s.actor.age = 3
      },
      field: '.actor.age',
      rule: /Agent/,
    },
    {
      title: 'lower-case objectType',
      change: (s) => {
        s.actor.objectType = 'agent'
      },
      field: '.actor.objectType',
      rule: /"Agent"/,
    },
    {
      title: 'anonymous group without members',
      change: (s) => {
        s.actor = { objectType: 'Group' }
      },
      field: '.actor.member',
      rule: /anonymous Group/,
    },
    {
      title: 'anonymous group with no members',
      change: (s) => {
        s.actor = { objectType: 'Group', member: [] }
      },
      field: '.actor.member',
      rule: /anonymous Group/,
    },
    {
      title: 'group with two IFIs',
      change: (s) => {
        s.actor = { objectType: 'Group', mbox: 'mailto:g@example.com', openid: 'http://g.example/' }
      },
      field: '.actor.openid',
      rule: /identified Group/,
    },
    {
      title: 'group as member',
      change: (s) => {
        s.actor = {
          objectType: 'Group',
          member: [{ objectType: 'Group', mbox: 'mailto:g@example.com' }],
        }
      },
      field: '.actor.member[0].objectType',
      rule: /members are Agents/,
    },
    {
      title: 'member without IFI',
      change: (s) => {
        s.actor = { objectType: 'Group', member: [{ mbox: 'mailto:a@example.com' }, { name: 'b' }] }
      },
      field: '.actor.member[1]',
      rule: /exactly one IFI/,
    },
    {
      title: 'member with two IFIs',
      base: spec.long,
      change: (s) => {
        s.actor.member[2].mbox = 'mailto:e@example.com'
      },
      field: '.actor.member[2].mbox_sha1sum',
      rule: /more than one IFI/,
    },
    {
      title: 'instructor without IFI',
      base: spec.long,
      change: (s) => {
        s.context.instructor = { name: 'x' }
      },
      field: '.context.instructor',
      rule: /exactly one IFI/,
    },
    {
      title: 'team that is an Agent',
      base: spec.long,
      change: (s) => {
        s.context.team = { mbox: 'mailto:t@example.com' }
      },
      field: '.context.team.objectType',
      rule: /is required in a Group/,
    },
    {
      title: 'agent object without objectType',
      change: (s) => {
        s.object = { mbox: 'mailto:a@example.com' }
      },
      field: '.object.id',
      rule: /required in an Activity/,
    },
  ])
})

t.test('authority (Data §2.4.9)', async (t) => {
  rejects(t, [
    {
      title: 'authority group of three',
      change: (s) => {
        s.authority = {
          objectType: 'Group',
          member: [
            { mbox: 'mailto:a@example.com' },
            { mbox: 'mailto:b@example.com' },
            { mbox: 'mailto:c@example.com' },
          ],
        }
      },
      field: '.authority.member',
      rule: /exactly two Agents/,
    },
    {
      title: 'authority group of one',
      change: (s) => {
        s.authority = { objectType: 'Group', member: [{ mbox: 'mailto:a@example.com' }] }
      },
      field: '.authority.member',
      rule: /exactly two Agents/,
    },
    {
      title: 'authority agent without IFI',
      change: (s) => {
        s.authority = { name: 'x' }
      },
      field: '.authority',
      rule: /exactly one IFI/,
    },
    {
      title: 'authority member without IFI',
      change: (s) => {
        s.authority = { objectType: 'Group', member: [{ mbox: 'mailto:a@example.com' }, {}] }
      },
      field: '.authority.member[1]',
      rule: /exactly one IFI/,
    },
    ...(['mbox', 'mbox_sha1sum', 'openid', 'account'] as const).map((ifi) => ({
      title: `authority group identified by ${ifi}`,
      change: (s: Mutable) => {
        const ifis = {
          mbox: 'mailto:group@example.com',
          mbox_sha1sum: 'a'.repeat(40),
          openid: 'http://openid.example.org/group',
          account: { homePage: 'http://example.com', name: 'group' },
        }
        s.authority = {
          objectType: 'Group',
          [ifi]: ifis[ifi],
          member: [
            { mbox: 'mailto:app@example.com' },
            { account: { homePage: 'http://example.com', name: 'user' } },
          ],
        }
      },
      field: `.authority.${ifi}`,
      rule: /anonymous/,
    })),
  ])
})

t.test('verbs and voiding (Data §2.3.2, §2.4.3)', async (t) => {
  rejects(t, [
    {
      title: 'verb without id',
      change: (s) => {
        delete s.verb.id
      },
      field: '.verb.id',
      rule: /required in a Verb/,
    },
    {
      title: 'relative verb id',
      change: (s) => {
        s.verb.id = 'created'
      },
      field: '.verb.id',
      rule: /IRI/,
    },
    {
      title: 'verb id with a space',
      change: (s) => {
        s.verb.id = 'http://a.example/x y'
      },
      field: '.verb.id',
      rule: /IRI/,
    },
    {
      title: 'bad language tag',
      change: (s) => {
        s.verb.display = { en_US: 'created' }
      },
      field: '.verb.display.en_US',
      rule: /RFC 5646/,
    },
    {
      title: 'language tag repeating an extension singleton (RFC 5646 §2.2.6)',
      change: (s) => {
        s.verb.display = { 'ar-a-aaa-b-bbb-a-ccc': 'x' }
      },
      field: '.verb.display["ar-a-aaa-b-bbb-a-ccc"]',
      rule: /RFC 5646/,
    },
    {
      title: 'too long language subtag',
      change: (s) => {
        s.verb.display = { 'en-abcdefghi': 'x' }
      },
      field: '.verb.display["en-abcdefghi"]',
      rule: /RFC 5646/,
    },
    {
      title: 'display value not a string',
      change: (s) => {
        s.verb.display = { en: 1 }
      },
      field: '.verb.display.en',
      rule: /string/,
    },
    {
      title: 'voiding an activity',
      change: (s) => {
        s.verb.id = 'http://adlnet.gov/expapi/verbs/voided'
      },
      field: '.object.objectType',
      rule: /voiding statement/,
    },
    {
      title: 'voiding an agent',
      base: spec.voiding,
      change: (s) => {
        s.object = { objectType: 'Agent', mbox: 'mailto:a@example.com' }
      },
      field: '.object.objectType',
      rule: /StatementRef/,
    },
  ])
})

t.test('objects (Data §2.4.4)', async (t) => {
  const sub = spec.subStatement
  rejects(t, [
    {
      title: 'unknown objectType',
      change: (s) => {
        s.object.objectType = 'Thing'
      },
      field: '.object.objectType',
      rule: /one of Activity/,
    },
    {
      title: 'activity without id',
      change: (s) => {
        s.object = { objectType: 'Activity' }
      },
      field: '.object.id',
      rule: /required in an Activity/,
    },
    {
      title: 'relative activity id',
      change: (s) => {
        s.object.id = 'activity'
      },
      field: '.object.id',
      rule: /IRI/,
    },
    {
      title: 'StatementRef with a bad id',
      change: (s) => {
        s.object = { objectType: 'StatementRef', id: 'x' }
      },
      field: '.object.id',
      rule: /UUID/,
    },
    {
      title: 'StatementRef with a definition',
      change: (s) => {
        s.object = { objectType: 'StatementRef', id: spec.simplest.id, definition: {} }
      },
      field: '.object.definition',
      rule: /Statement Reference/,
    },
    {
      title: 'SubStatement with an id',
      base: sub,
      change: (s) => {
        s.object.id = spec.simplest.id
      },
      field: '.object.id',
      rule: /no id, stored, version or authority/,
    },
    {
      title: 'SubStatement with stored',
      base: sub,
      change: (s) => {
        s.object.stored = '2015-01-01T00:00:00Z'
      },
      field: '.object.stored',
      rule: /SubStatement/,
    },
    {
      title: 'SubStatement with version',
      base: sub,
      change: (s) => {
        s.object.version = '1.0.0'
      },
      field: '.object.version',
      rule: /SubStatement/,
    },
    {
      title: 'SubStatement with authority',
      base: sub,
      change: (s) => {
        s.object.authority = { mbox: 'mailto:a@example.com' }
      },
      field: '.object.authority',
      rule: /SubStatement/,
    },
    {
      title: 'nested SubStatement',
      base: sub,
      change: (s) => {
        s.object.object = spec.copy(s.object)
      },
      field: '.object.object.objectType',
      rule: /cannot contain a SubStatement/,
    },
    {
      title: 'SubStatement actor without IFI',
      base: sub,
      change: (s) => {
        s.object.actor = { name: 'x' }
      },
      field: '.object.actor',
      rule: /exactly one IFI/,
    },
    {
      title: 'SubStatement bad timestamp',
      base: sub,
      change: (s) => {
        s.object.timestamp = '2015-02-29T00:00:00Z'
      },
      field: '.object.timestamp',
      rule: /calendar date/,
    },
    {
      title: 'SubStatement revision with agent object',
      base: sub,
      change: (s) => {
        s.object.object = { objectType: 'Agent', mbox: 'mailto:a@example.com' }
        s.object.context = { platform: 'x' }
      },
      field: '.object.context.platform',
      rule: /only allowed when the Statement's Object is an Activity/,
    },
  ])
})

t.test('activity definitions and interactions (Data §2.4.4.1)', async (t) => {
  const withDefinition = (definition: JsonObject) => (s: Mutable) => {
    s.object.definition = spec.copy(definition)
  }
  const choice = spec.interactions.choice as JsonObject
  rejects(t, [
    {
      title: 'unknown definition property',
      change: withDefinition({ title: 'x' }),
      field: '.object.definition.title',
      rule: /Activity Definition/,
    },
    {
      title: 'relative type',
      change: withDefinition({ type: 'meeting' }),
      field: '.object.definition.type',
      rule: /IRI/,
    },
    {
      title: 'relative moreInfo',
      change: withDefinition({ moreInfo: 'page.html' }),
      field: '.object.definition.moreInfo',
      rule: /IRL/,
    },
    {
      title: 'unknown interactionType',
      change: withDefinition({ interactionType: 'essay' }),
      field: '.object.definition.interactionType',
      rule: /interaction types/,
    },
    {
      title: 'interactionType in the wrong case',
      change: withDefinition({ interactionType: 'Choice' }),
      field: '.object.definition.interactionType',
      rule: /interaction types/,
    },
    {
      title: 'choices without interactionType',
      change: withDefinition({ choices: [] }),
      field: '.object.definition.choices',
      rule: /needs an interactionType/,
    },
    {
      title: 'pattern without interactionType',
      change: withDefinition({ correctResponsesPattern: ['a'] }),
      field: '.object.definition.correctResponsesPattern',
      rule: /needs an interactionType/,
    },
    {
      title: 'scale on a choice',
      change: withDefinition({ ...choice, scale: [] }),
      field: '.object.definition.scale',
      rule: /not a component list supported/,
    },
    {
      title: 'choices on true-false',
      change: withDefinition({ interactionType: 'true-false', choices: [] }),
      field: '.object.definition.choices',
      rule: /not a component list supported/,
    },
    {
      title: 'steps on matching',
      change: withDefinition({ interactionType: 'matching', steps: [] }),
      field: '.object.definition.steps',
      rule: /not a component list supported/,
    },
    {
      title: 'source on likert',
      change: withDefinition({ interactionType: 'likert', source: [] }),
      field: '.object.definition.source',
      rule: /not a component list supported/,
    },
    {
      title: 'duplicate component ids',
      change: withDefinition({
        interactionType: 'choice',
        choices: [{ id: 'a' }, { id: 'b' }, { id: 'a' }],
      }),
      field: '.object.definition.choices[2].id',
      rule: /distinct/,
    },
    {
      title: 'component without id',
      change: withDefinition({ interactionType: 'likert', scale: [{ description: { en: 'x' } }] }),
      field: '.object.definition.scale[0].id',
      rule: /required in an interaction component/,
    },
    {
      title: 'component with extra property',
      change: withDefinition({ interactionType: 'performance', steps: [{ id: 'a', name: 'x' }] }),
      field: '.object.definition.steps[0].name',
      rule: /interaction component/,
    },
    {
      title: 'pattern not an array',
      change: withDefinition({ interactionType: 'other', correctResponsesPattern: 'x' }),
      field: '.object.definition.correctResponsesPattern',
      rule: /array of strings/,
    },
    {
      title: 'extension key not an IRI',
      change: withDefinition({ extensions: { room: 1 } }),
      field: '.object.definition.extensions.room',
      rule: /not a valid key.*IRI/,
    },
    {
      title: 'context activity definition',
      base: spec.long,
      change: (s) => {
        s.context.contextActivities.category[0].definition.type = 'x'
      },
      field: '.context.contextActivities.category[0].definition.type',
      rule: /IRI/,
    },
  ])
})

t.test('results and scores (Data §2.4.5)', async (t) => {
  const score = (value: JsonObject) => (s: Mutable) => {
    s.result = { score: value }
  }
  rejects(t, [
    {
      title: 'scaled above 1',
      change: score({ scaled: 1.01 }),
      field: '.result.score.scaled',
      rule: /between -1 and 1/,
    },
    {
      title: 'scaled below -1',
      change: score({ scaled: -2 }),
      field: '.result.score.scaled',
      rule: /between -1 and 1/,
    },
    {
      title: 'raw below min',
      change: score({ raw: 1, min: 2, max: 5 }),
      field: '.result.score.raw',
      rule: /less than min/,
    },
    {
      title: 'raw above max',
      change: score({ raw: 6, min: 2, max: 5 }),
      field: '.result.score.raw',
      rule: /greater than max/,
    },
    {
      title: 'raw above max without min',
      change: score({ raw: 6, max: 5 }),
      field: '.result.score.raw',
      rule: /greater than max/,
    },
    {
      title: 'min equal to max',
      change: score({ min: 5, max: 5 }),
      field: '.result.score.min',
      rule: /less than max/,
    },
    {
      title: 'min above max',
      change: score({ raw: 3, min: 6, max: 5 }),
      field: '.result.score.min',
      rule: /less than max/,
    },
    {
      title: 'unknown score property',
      change: score({ percent: 5 }),
      field: '.result.score.percent',
      rule: /Score/,
    },
    {
      title: 'duration in seconds only without P',
      change: (s) => {
        s.result = { duration: '1234S' }
      },
      field: '.result.duration',
      rule: /ISO 8601 duration/,
    },
    {
      title: 'weeks with days',
      change: (s) => {
        s.result = { duration: 'P4W1D' }
      },
      field: '.result.duration',
      rule: /ISO 8601 duration/,
    },
    {
      title: 'empty duration',
      change: (s) => {
        s.result = { duration: 'P' }
      },
      field: '.result.duration',
      rule: /ISO 8601 duration/,
    },
    {
      title: 'T without time',
      change: (s) => {
        s.result = { duration: 'P1DT' }
      },
      field: '.result.duration',
      rule: /ISO 8601 duration/,
    },
    {
      title: 'alternative duration format',
      change: (s) => {
        s.result = { duration: 'P0003-01-29T04:35:59' }
      },
      field: '.result.duration',
      rule: /ISO 8601 duration/,
    },
    {
      title: 'result extension key',
      change: (s) => {
        s.result = { extensions: { 'no scheme': 1 } }
      },
      field: '.result.extensions["no scheme"]',
      rule: /IRI/,
    },
  ])
  for (const version of BOTH) {
    for (const duration of [
      'PT4H35M59.14S',
      'P16559.14S',
      'P3Y1M29DT4H35M59.14S',
      'P3Y',
      'P4W',
      'PT0S',
      'PT1,5S',
    ]) {
      t.doesNotThrow(
        () =>
          validateStatement(
            statementWith((s) => {
              s.result = { duration }
            }),
            version,
            's',
          ),
        `${duration} (${version})`,
      )
    }
    t.doesNotThrow(
      () =>
        validateStatement(
          statementWith((s) => {
            s.result = {
              score: { raw: 5, min: 5, max: 5.5 },
              extensions: { 'http://a.example/x': null },
            }
          }),
          version,
          's',
        ),
      `raw at min, null extension value (${version})`,
    )
  }
})

t.test('context (Data §2.4.6)', async (t) => {
  const agentObject = (s: Mutable) => {
    s.object = { objectType: 'Agent', mbox: 'mailto:a@example.com' }
  }
  rejects(t, [
    {
      title: 'revision with an agent object',
      change: (s) => {
        agentObject(s)
        s.context = { revision: '1' }
      },
      field: '.context.revision',
      rule: /only allowed when the Statement's Object is an Activity/,
    },
    {
      title: 'platform with a StatementRef object',
      base: spec.voiding,
      change: (s) => {
        s.context = { platform: 'x' }
      },
      field: '.context.platform',
      rule: /Object is an Activity/,
    },
    {
      title: 'unknown context activity key',
      change: (s) => {
        s.context = { contextActivities: { parents: [] } }
      },
      field: '.context.contextActivities.parents',
      rule: /contextActivities/,
    },
    {
      title: 'context activity without id',
      change: (s) => {
        s.context = { contextActivities: { parent: [{ objectType: 'Activity' }] } }
      },
      field: '.context.contextActivities.parent[0].id',
      rule: /required in an Activity/,
    },
    {
      title: 'single context activity without id',
      change: (s) => {
        s.context = { contextActivities: { other: { definition: {} } } }
      },
      field: '.context.contextActivities.other.id',
      rule: /required/,
    },
    {
      title: 'bad registration',
      change: (s) => {
        s.context = { registration: 'r1' }
      },
      field: '.context.registration',
      rule: /UUID/,
    },
    {
      title: 'bad language',
      change: (s) => {
        s.context = { language: 'english_uk' }
      },
      field: '.context.language',
      rule: /RFC 5646/,
    },
    {
      title: 'context statement not a ref',
      change: (s) => {
        s.context = { statement: { id: spec.simplest.id } }
      },
      field: '.context.statement.objectType',
      rule: /required in a Statement Reference/,
    },
    {
      title: 'contextAgents under 1.0.3',
      versions: ['1.0.3'],
      change: (s) => {
        s.context = { contextAgents: [] }
      },
      field: '.context.contextAgents',
      rule: /unknown properties/,
    },
    {
      title: 'contextGroups under 1.0.3',
      versions: ['1.0.3'],
      change: (s) => {
        s.context = { contextGroups: [] }
      },
      field: '.context.contextGroups',
      rule: /unknown properties/,
    },
  ])
  for (const version of BOTH) {
    t.doesNotThrow(
      () =>
        validateStatement(
          statementWith((s) => {
            s.context = {
              revision: '2',
              platform: 'web',
              contextActivities: { parent: { id: 'http://a.example/p' } },
            }
          }),
          version,
          's',
        ),
      `revision, platform, single context activity (${version})`,
    )
  }
})

t.test('2.0 context agents and groups (9274.1.1)', async (t) => {
  const contextAgent = {
    objectType: 'contextAgent',
    agent: { mbox: 'mailto:a@example.com' },
    relevantTypes: ['http://a.example/types/mentor'],
  }
  const contextGroup = {
    objectType: 'contextGroup',
    group: { objectType: 'Group', mbox: 'mailto:g@example.com' },
  }
  const valid = statementWith((s) => {
    s.context = { contextAgents: [contextAgent], contextGroups: [contextGroup] }
  })
  t.doesNotThrow(() => validateStatement(valid, '2.0.0', 's'))
  rejects(t, [
    {
      title: 'context agent without objectType',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextAgents: [{ agent: contextAgent.agent }] }
      },
      field: '.context.contextAgents[0].objectType',
      rule: /required in a Context Agent/,
    },
    {
      title: 'context agent wrong objectType',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextAgents: [{ ...contextAgent, objectType: 'Agent' }] }
      },
      field: '.context.contextAgents[0].objectType',
      rule: /"contextAgent"/,
    },
    {
      title: 'context agent without agent',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextAgents: [{ objectType: 'contextAgent' }] }
      },
      field: '.context.contextAgents[0].agent',
      rule: /required/,
    },
    {
      title: 'context agent without IFI',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextAgents: [{ objectType: 'contextAgent', agent: { name: 'x' } }] }
      },
      field: '.context.contextAgents[0].agent',
      rule: /exactly one IFI/,
    },
    {
      title: 'context agent that is a group',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextAgents: [{ objectType: 'contextAgent', agent: contextGroup.group }] }
      },
      field: '.context.contextAgents[0].agent.objectType',
      rule: /"Agent"/,
    },
    {
      title: 'empty relevantTypes',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextAgents: [{ ...contextAgent, relevantTypes: [] }] }
      },
      field: '.context.contextAgents[0].relevantTypes',
      rule: /non-empty array of IRIs/,
    },
    {
      title: 'relevantTypes not IRIs',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextAgents: [{ ...contextAgent, relevantTypes: ['mentor'] }] }
      },
      field: '.context.contextAgents[0].relevantTypes[0]',
      rule: /IRI/,
    },
    {
      title: 'context group without group',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = { contextGroups: [{ objectType: 'contextGroup' }] }
      },
      field: '.context.contextGroups[0].group',
      rule: /required/,
    },
    {
      title: 'context group with an agent',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = {
          contextGroups: [{ objectType: 'contextGroup', group: { mbox: 'mailto:a@example.com' } }],
        }
      },
      field: '.context.contextGroups[0].group.objectType',
      rule: /required in a Group/,
    },
    {
      title: 'anonymous context group without members',
      versions: ['2.0.0'],
      change: (s) => {
        s.context = {
          contextGroups: [{ objectType: 'contextGroup', group: { objectType: 'Group' } }],
        }
      },
      field: '.context.contextGroups[0].group.member',
      rule: /anonymous Group/,
    },
  ])
})

t.test('timestamps (Data §4.5; 9274.1.1 RFC 3339)', async (t) => {
  const at = (timestamp: string) => (s: Mutable) => {
    s.timestamp = timestamp
  }
  rejects(t, [
    { title: 'not a date', change: at('yesterday'), field: '.timestamp', rule: /timestamp/ },
    { title: 'date only', change: at('2015-01-01'), field: '.timestamp', rule: /timestamp/ },
    {
      title: '30 February',
      change: at('2015-02-30T10:00:00Z'),
      field: '.timestamp',
      rule: /calendar date/,
    },
    {
      title: '29 February of a common year',
      change: at('2100-02-29T10:00:00Z'),
      field: '.timestamp',
      rule: /calendar date/,
    },
    {
      title: 'month 13',
      change: at('2015-13-01T10:00:00Z'),
      field: '.timestamp',
      rule: /calendar date/,
    },
    {
      title: 'hour 24',
      change: at('2015-01-01T24:00:00Z'),
      field: '.timestamp',
      rule: /time of day/,
    },
    {
      title: 'offset -00:00',
      change: at('2015-01-01T10:00:00-00:00'),
      field: '.timestamp',
      rule: /-00:00/,
    },
    {
      title: 'offset hour 25',
      change: at('2015-01-01T10:00:00+25:00'),
      field: '.timestamp',
      rule: /offset/,
    },
    {
      title: 'stored not a timestamp',
      change: (s) => {
        s.stored = '1 Jan 2015'
      },
      field: '.stored',
      rule: /timestamp/,
    },
    {
      title: 'no time zone under 2.0',
      versions: ['2.0.0'],
      change: at('2015-01-01T10:00:00'),
      field: '.timestamp',
      rule: /RFC 3339/,
    },
    {
      title: 'no seconds under 2.0',
      versions: ['2.0.0'],
      change: at('2015-01-01T10:00Z'),
      field: '.timestamp',
      rule: /RFC 3339/,
    },
    {
      title: 'a space between date and time under 1.0.3 (ISO 8601 requires T)',
      versions: ['1.0.3'],
      change: at('2008-09-15 15:53:00.601+00:00'),
      field: '.timestamp',
      rule: /ISO 8601/,
    },
    {
      title: 'hour-only offset under 2.0',
      versions: ['2.0.0'],
      change: at('2015-01-01T10:00:00+07'),
      field: '.timestamp',
      rule: /RFC 3339/,
    },
  ])
  for (const timestamp of [
    '2015-01-01T10:00:00Z',
    '2015-01-01T10:00:00.123456+07:00',
    '2016-02-29T23:59:59.9-12:00',
    '2015-01-01t10:00:00z',
    // RFC 3339 §5.6 lets a space separate date and time "for the sake of readability".
    '2008-09-15 15:53:00.601+00:00',
  ]) {
    for (const version of BOTH) {
      if (version === '1.0.3' && /[tz ]/.test(timestamp)) continue
      t.doesNotThrow(
        () => validateStatement(statementWith(at(timestamp)), version, 's'),
        `${timestamp} (${version})`,
      )
    }
  }
  for (const timestamp of [
    '2015-01-01T10:00:00',
    '2015-01-01T10:00Z',
    '2015-01-01T10:00:00+0700',
    '2015-01-01T10:00:00+07',
  ]) {
    t.doesNotThrow(
      () => validateStatement(statementWith(at(timestamp)), '1.0.3', 's'),
      `${timestamp} is ISO 8601 (1.0.3)`,
    )
  }
})

t.test('version (Data §2.4.10; 9274.1.1)', async (t) => {
  const version = (value: unknown) => (s: Mutable) => {
    s.version = value
  }
  rejects(t, [
    {
      title: 'version 0.95',
      change: version('0.95'),
      field: '.version',
      rule: /version starting with 1\.0\./,
    },
    { title: 'version 1.1.0', change: version('1.1.0'), field: '.version', rule: /starting with/ },
    { title: 'version 1.', change: version('1.'), field: '.version', rule: /starting with/ },
    { title: 'version 1.0.x', change: version('1.0.x'), field: '.version', rule: /starting with/ },
    {
      title: 'version 2.0 on a 1.0.3 request',
      versions: ['1.0.3'],
      change: version('2.0'),
      field: '.version',
      rule: /starting with 1\.0\./,
    },
    { title: 'version as a number', change: version(1), field: '.version', rule: /starting with/ },
    {
      title: 'version 2.0.0 on a 1.0.3 request',
      versions: ['1.0.3'],
      change: version('2.0.0'),
      field: '.version',
      rule: /starting with 1\.0\./,
    },
    {
      title: 'version 3.0.0 on a 2.0 request',
      versions: ['2.0.0'],
      change: version('3.0.0'),
      field: '.version',
      rule: /1\.0\. or 2\.0\./,
    },
  ])
  // `1.0` alone is the version header's form of 1.0.0 (Comm. §3.3.s3.b3), which §2.4.10 adopts.
  for (const value of ['1.0', '1.0.0', '1.0.3', '1.0.27']) {
    t.doesNotThrow(
      () => validateStatement(statementWith(version(value)), '1.0.3', 's'),
      `${value} (1.0.3)`,
    )
    t.doesNotThrow(
      () => validateStatement(statementWith(version(value)), '2.0.0', 's'),
      `${value} (2.0.0)`,
    )
  }
  for (const value of ['2.0', '2.0.0']) {
    t.doesNotThrow(
      () => validateStatement(statementWith(version(value)), '2.0.0', 's'),
      `${value} (2.0.0)`,
    )
  }
})

t.test('attachments (Data §2.4.11)', async (t) => {
  const attachment = {
    usageType: 'http://adlnet.gov/expapi/attachments/signature',
    display: { 'en-US': 'Signature' },
    contentType: 'application/octet-stream',
    length: 4235,
    sha2: 'a'.repeat(64),
  }
  for (const version of BOTH) {
    const valid = statementWith((s) => {
      s.attachments = [
        attachment,
        {
          ...attachment,
          fileUrl: 'https://files.example/a.pdf',
          contentType: 'application/pdf; charset=binary',
        },
      ]
    })
    t.doesNotThrow(() => validateStatement(valid, version, 's'), `valid attachments (${version})`)
  }
  const only = (change: (a: Mutable) => void) => (s: Mutable) => {
    const copy: Mutable = { ...attachment }
    change(copy)
    s.attachments = [copy]
  }
  rejects(t, [
    {
      title: 'attachments not an array',
      change: (s) => {
        s.attachments = attachment
      },
      field: '.attachments',
      rule: /array of Attachment/,
    },
    {
      title: 'missing usageType',
      change: only((a) => {
        delete a.usageType
      }),
      field: '.attachments[0].usageType',
      rule: /required in an Attachment/,
    },
    {
      title: 'missing display',
      change: only((a) => {
        delete a.display
      }),
      field: '.attachments[0].display',
      rule: /required/,
    },
    {
      title: 'missing contentType',
      change: only((a) => {
        delete a.contentType
      }),
      field: '.attachments[0].contentType',
      rule: /required/,
    },
    {
      title: 'missing length',
      change: only((a) => {
        delete a.length
      }),
      field: '.attachments[0].length',
      rule: /required/,
    },
    {
      title: 'missing sha2',
      change: only((a) => {
        delete a.sha2
      }),
      field: '.attachments[0].sha2',
      rule: /required/,
    },
    {
      title: 'fractional length',
      change: only((a) => {
        a.length = 1.5
      }),
      field: '.attachments[0].length',
      rule: /integer/,
    },
    {
      title: 'negative length',
      change: only((a) => {
        a.length = -1
      }),
      field: '.attachments[0].length',
      rule: /non-negative integer/,
    },
    {
      title: 'sha2 of a wrong length',
      change: only((a) => {
        a.sha2 = 'a'.repeat(40)
      }),
      field: '.attachments[0].sha2',
      rule: /SHA-2/,
    },
    {
      title: 'contentType not a media type',
      change: only((a) => {
        a.contentType = 'pdf'
      }),
      field: '.attachments[0].contentType',
      rule: /Media Type/,
    },
    {
      title: 'relative fileUrl',
      change: only((a) => {
        a.fileUrl = 'a.pdf'
      }),
      field: '.attachments[0].fileUrl',
      rule: /IRL/,
    },
    {
      title: 'relative usageType',
      change: only((a) => {
        a.usageType = 'signature'
      }),
      field: '.attachments[0].usageType',
      rule: /IRI/,
    },
    {
      title: 'unknown attachment property',
      change: only((a) => {
        a.data = 'x'
      }),
      field: '.attachments[0].data',
      rule: /Attachment/,
    },
  ])
})

t.test('validateStatement returns the statement itself and names the given field', async (t) => {
  const statement = spec.copy(spec.completion)
  t.equal(validateStatement(statement, '2.0.0', 'body'), statement)
  badRequest(
    t,
    () => validateStatement({ ...statement, actor: {} }, '2.0.0', 'body'),
    'body.actor',
    /./,
  )
})
