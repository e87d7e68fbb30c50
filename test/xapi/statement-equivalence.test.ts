import t from 'tap'
import type { JsonObject } from '../../src/xapi/agent-key.js'
import { sameStatement } from '../../src/xapi/statement-equivalence.js'
import * as spec from './fixtures/spec-statements.js'

type Mutable = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function variant(base: JsonObject, change: (s: Mutable) => void): JsonObject {
  const copy = spec.copy(base) as Mutable
  change(copy)
  return copy as JsonObject
}

t.test('a statement matches itself and its deep copy', async (t) => {
  for (const statement of [
    spec.simplest,
    spec.long,
    spec.subStatement,
    spec.voiding,
    spec.signed,
  ]) {
    t.ok(sameStatement(statement, statement))
    t.ok(sameStatement(statement, spec.copy(statement)))
  }
})

t.test('ignores what the immutability exceptions allow (Data §2.3.1)', async (t) => {
  const ignored: [string, (s: Mutable) => void][] = [
    [
      'properties the LRS assigns',
      (s) => {
        s.stored = '2020-01-01T00:00:00Z'
        s.authority = { mbox: 'mailto:lrs@example.com' }
        s.version = '1.0.3'
      },
    ],
    [
      'a removed authority, stored and version',
      (s) => {
        delete s.authority
        delete s.stored
        delete s.version
      },
    ],
    [
      'an id on one side only',
      (s) => {
        delete s.id
      },
    ],
    [
      'a timestamp on one side only',
      (s) => {
        delete s.timestamp
      },
    ],
    [
      'the timestamp in another time zone',
      (s) => {
        s.timestamp = '2013-05-18T07:32:34.804+02:00'
      },
    ],
    [
      'timestamp precision',
      (s) => {
        s.timestamp = '2013-05-18T05:32:34.8040Z'
      },
    ],
    [
      'the id in upper case',
      (s) => {
        s.id = s.id.toUpperCase()
      },
    ],
    [
      'the registration in upper case',
      (s) => {
        s.context.registration = s.context.registration.toUpperCase()
      },
    ],
    [
      'the verb display',
      (s) => {
        s.verb.display = { fr: 'a assisté' }
      },
    ],
    [
      'the activity definition',
      (s) => {
        s.object.definition = { name: { en: 'other' } }
      },
    ],
    [
      'a context activity definition',
      (s) => {
        delete s.context.contextActivities.category[0].definition
      },
    ],
    [
      'the order of group members',
      (s) => {
        s.actor.member.reverse()
      },
    ],
    [
      'the case of the mbox domain',
      (s) => {
        s.actor.mbox = 'mailto:teampb@EXAMPLE.com'
      },
    ],
    [
      'the case of the mailto scheme',
      (s) => {
        s.context.team.mbox = 'MAILTO:teampb@example.com'
      },
    ],
    [
      'the case of an mbox_sha1sum',
      (s) => {
        s.actor.member[2].mbox_sha1sum = s.actor.member[2].mbox_sha1sum.toUpperCase()
      },
    ],
    [
      'attachments',
      (s) => {
        s.attachments = [
          {
            usageType: 'http://a.example/u',
            display: { en: 'x' },
            contentType: 'text/plain',
            length: 1,
            sha2: 'a'.repeat(64),
          },
        ]
      },
    ],
    [
      'an explicit default objectType',
      (s) => {
        s.context.instructor.objectType = undefined
        delete s.context.instructor.objectType
      },
    ],
    [
      'a single context activity for an array of one',
      (s) => {
        s.context.contextActivities.parent = s.context.contextActivities.parent[0]
      },
    ],
    [
      'duration precision beyond 0.01 second (Data §4.6)',
      (s) => {
        s.result.duration = 'PT1H0M0.001S'
      },
    ],
    [
      'key order',
      (s) => {
        s.result = { duration: s.result.duration, ...s.result }
      },
    ],
  ]
  for (const [title, change] of ignored)
    t.ok(sameStatement(spec.long, variant(spec.long, change)), title)
  t.ok(
    sameStatement(
      spec.simplest,
      variant(spec.simplest, (s) => {
        s.actor.objectType = 'Agent'
        s.object.objectType = 'Activity'
      }),
    ),
    'default objectTypes made explicit',
  )
})

t.test('does not ignore any other difference (Data §2.3.1.s9)', async (t) => {
  const differences: [string, (s: Mutable) => void][] = [
    [
      'another id',
      (s) => {
        s.id = '6690e6c9-3ef0-4ed3-8b37-7f3964730bef'
      },
    ],
    [
      'another instant',
      (s) => {
        s.timestamp = '2013-05-18T05:32:34.805+00:00'
      },
    ],
    [
      'another verb',
      (s) => {
        s.verb.id = 'http://adlnet.gov/expapi/verbs/attempted'
      },
    ],
    [
      'another activity',
      (s) => {
        s.object.id = 'http://www.example.com/meetings/occurances/1'
      },
    ],
    [
      'another actor name',
      (s) => {
        s.actor.name = 'Team QB'
      },
    ],
    [
      'a removed member',
      (s) => {
        s.actor.member.pop()
      },
    ],
    [
      'a changed member',
      (s) => {
        s.actor.member[1].openid = 'http://other.example/'
      },
    ],
    [
      'the case of the mbox local part',
      (s) => {
        s.actor.mbox = 'mailto:TeamPB@example.com'
      },
    ],
    [
      'the case of an account name',
      (s) => {
        s.context.instructor.account.name = 'X13936749'
      },
    ],
    [
      'a result duration written differently',
      (s) => {
        s.result.duration = 'PT3600S'
      },
    ],
    [
      'a result duration differing by 0.01 second',
      (s) => {
        s.result.duration = 'PT1H0M0.01S'
      },
    ],
    [
      'a result response',
      (s) => {
        s.result.response = 'Other.'
      },
    ],
    [
      'a removed result',
      (s) => {
        delete s.result
      },
    ],
    [
      'a result extension value',
      (s) => {
        s.result.extensions[
          'http://example.com/profiles/meetings/resultextensions/minuteslocation'
        ] = 'Y:'
      },
    ],
    [
      'a context platform',
      (s) => {
        s.context.platform = 'Other'
      },
    ],
    [
      'a context language',
      (s) => {
        s.context.language = 'en'
      },
    ],
    [
      'a context activity id',
      (s) => {
        s.context.contextActivities.other[1].id = 'http://a.example/x'
      },
    ],
    [
      'the order of context activities',
      (s) => {
        s.context.contextActivities.other.reverse()
      },
    ],
    [
      'a removed context activity list',
      (s) => {
        delete s.context.contextActivities.parent
      },
    ],
    [
      'another context statement',
      (s) => {
        s.context.statement.id = '7ccd3322-e1a5-411a-a67d-6a735c76f119'
      },
    ],
    [
      'another registration',
      (s) => {
        s.context.registration = 'ec531277-b57b-4c15-8d91-d292c5b2b8f8'
      },
    ],
    [
      'a team instead of none',
      (s) => {
        delete s.context.team
      },
    ],
    [
      'an agent object instead of an activity',
      (s) => {
        s.object = { objectType: 'Agent', mbox: 'mailto:teampb@example.com' }
      },
    ],
    [
      'an unknown top-level property',
      (s) => {
        s.extra = 1
      },
    ],
  ]
  for (const [title, change] of differences) {
    const other = variant(spec.long, change)
    t.notOk(sameStatement(spec.long, other), title)
    t.notOk(sameStatement(other, spec.long), `${title}, compared the other way`)
  }
})

t.test('compares SubStatements and StatementRefs by their own content', async (t) => {
  t.notOk(
    sameStatement(
      spec.subStatement,
      variant(spec.subStatement, (s) => {
        s.object.verb.id = 'http://example.com/left'
      }),
    ),
  )
  const timed = variant(spec.subStatement, (s) => {
    s.object.timestamp = '2030-01-01T00:00:00Z'
  })
  t.notOk(
    sameStatement(spec.subStatement, timed),
    'a SubStatement timestamp on one side only (the LRS never adds one)',
  )
  const shifted = variant(spec.subStatement, (s) => {
    s.object.timestamp = '2030-01-01T02:00:00+02:00'
  })
  t.ok(sameStatement(timed, shifted), 'the same SubStatement instant in another time zone')
  t.notOk(
    sameStatement(
      variant(spec.subStatement, (s) => {
        s.object.timestamp = '2030-01-01T00:00:00Z'
      }),
      variant(spec.subStatement, (s) => {
        s.object.timestamp = '2030-01-01T00:00:01Z'
      }),
    ),
    'different SubStatement timestamps',
  )
  t.ok(
    sameStatement(
      spec.subStatement,
      variant(spec.subStatement, (s) => {
        s.object.verb.display = { en: 'x' }
      }),
    ),
    'SubStatement verb display',
  )
  t.ok(
    sameStatement(
      spec.voiding,
      variant(spec.voiding, (s) => {
        s.object.id = s.object.id.toUpperCase()
      }),
    ),
    'StatementRef id case',
  )
  t.notOk(
    sameStatement(
      spec.voiding,
      variant(spec.voiding, (s) => {
        s.object.id = '7ccd3322-e1a5-411a-a67d-6a735c76f119'
      }),
    ),
    'another StatementRef',
  )
})

t.test('compares 2.0 context agents and groups', async (t) => {
  const base = variant(spec.simplest, (s) => {
    s.context = {
      contextAgents: [
        {
          objectType: 'contextAgent',
          agent: { mbox: 'mailto:a@example.com' },
          relevantTypes: ['http://a.example/t'],
        },
      ],
      contextGroups: [
        {
          objectType: 'contextGroup',
          group: {
            objectType: 'Group',
            member: [{ mbox: 'mailto:a@example.com' }, { mbox: 'mailto:b@example.com' }],
          },
        },
      ],
    }
  })
  t.ok(
    sameStatement(
      base,
      variant(base, (s) => {
        s.context.contextAgents[0].agent.mbox = 'mailto:a@EXAMPLE.COM'
        s.context.contextGroups[0].group.member.reverse()
      }),
    ),
  )
  t.notOk(
    sameStatement(
      base,
      variant(base, (s) => {
        s.context.contextAgents[0].relevantTypes = ['http://a.example/u']
      }),
    ),
  )
  t.notOk(
    sameStatement(
      base,
      variant(base, (s) => {
        s.context.contextGroups[0].group.member.pop()
      }),
    ),
  )
  t.notOk(
    sameStatement(
      base,
      variant(base, (s) => {
        delete s.context.contextAgents
      }),
    ),
  )
})
