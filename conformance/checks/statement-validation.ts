import { expectStatus, expectTrue } from '../lib/expect.js'
import { agent, activityId, statement, uuid, type Json } from '../lib/fixtures.js'
import { fetchStatement, postStatements } from '../lib/steps.js'
import { ALL_VERSIONS, type Check, type XapiVersion } from '../lib/types.js'

/**
 * The data model, rule by rule (xAPI Data 2.2 to 2.4 and 4.x; IEEE 9274.1.1 clause 2 for 2.0.0):
 * each invalid variant of an otherwise valid statement must be rejected with 400 Bad Request,
 * and each valid variant must be stored and retrievable.
 */

type Mutation = (s: Json) => void

function rejects(
  section: string,
  requirement: string,
  mutate: Mutation,
  versions: readonly XapiVersion[] = ALL_VERSIONS,
): Check {
  return {
    section,
    requirement,
    versions,
    async run({ lrs }) {
      const s = statement()
      mutate(s)
      expectStatus(await postStatements(lrs, s), 400, 'POST of the invalid statement')
    },
  }
}

function accepts(
  section: string,
  requirement: string,
  mutate: Mutation,
  versions: readonly XapiVersion[] = ALL_VERSIONS,
): Check {
  return {
    section,
    requirement,
    versions,
    async run({ lrs }) {
      const s = statement()
      mutate(s)
      expectStatus(await postStatements(lrs, s), 200, 'POST of the valid statement')
      const stored = await fetchStatement(lrs, String(s.id))
      expectTrue(stored.id === s.id, 'the stored statement must keep its id')
    },
  }
}

const obj = (s: Json, key: string): Json => s[key] as Json
const definition = (s: Json): Json => obj(obj(s, 'object'), 'definition')

const subStatement = (): Json => ({
  objectType: 'SubStatement',
  actor: agent(),
  verb: { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { 'en-US': 'attempted' } },
  object: { objectType: 'Activity', id: activityId() },
})

const interaction = (): Json => ({
  objectType: 'Activity',
  id: activityId(),
  definition: {
    type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
    interactionType: 'choice',
    correctResponsesPattern: ['golf[,]tetris'],
    choices: [
      { id: 'golf', description: { 'en-US': 'Golf' } },
      { id: 'tetris', description: { 'en-US': 'Tetris' } },
    ],
  },
})

const attachment = (extra: Json = {}): Json => ({
  usageType: 'http://adlnet.gov/expapi/attachments/signature',
  display: { 'en-US': 'A file' },
  contentType: 'text/plain',
  length: 5,
  sha2: 'f9e3a6b3a2cb3a1eb1ba6f5e7d4c24c8f0cb6f2a2a1b57e9c7b94e4e8a3a1a2c',
  fileUrl: 'http://conformance.example.org/files/a.txt',
  ...extra,
})

const V2: readonly XapiVersion[] = ['2.0.0']

export const statementValidationChecks: readonly Check[] = [
  // Data 2.2 Formatting Requirements
  rejects('Data 2.2', 'A Statement MUST use "actor"', (s) => delete s.actor),
  rejects('Data 2.2', 'A Statement MUST use "verb"', (s) => delete s.verb),
  rejects('Data 2.2', 'A Statement MUST use "object"', (s) => delete s.object),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements with any null values (except inside extensions)',
    (s) => {
      s.result = { success: null }
    },
  ),
  accepts('Data 2.2', 'Null values inside extensions are accepted', (s) => {
    s.result = { extensions: { 'http://conformance.example.org/ext/empty': null } }
  }),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements with strings where numbers are required',
    (s) => {
      s.result = { score: { raw: '5' } }
    },
  ),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements with strings where booleans are required',
    (s) => {
      s.result = { success: 'true' }
    },
  ),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements where the case of a key does not match the specification',
    (s) => {
      s.result = { Success: true }
    },
  ),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements where the case of an enumerated value does not match',
    (s) => {
      obj(s, 'actor').objectType = 'agent'
    },
  ),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements where a key is not allowed by this specification',
    (s) => {
      s.unknownProperty = 'not in the data model'
    },
  ),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements containing IRI values without a scheme',
    (s) => {
      obj(s, 'verb').id = 'conformance.example.org/verbs/no-scheme'
    },
  ),
  rejects('Data 2.2', 'The LRS MUST reject empty strings where an IRI is required', (s) => {
    obj(s, 'object').id = ''
  }),
  rejects('Data 2.2', 'The LRS MUST validate language map keys against RFC 5646', (s) => {
    obj(s, 'verb').display = { 'not a language tag': 'x' }
  }),
  accepts('Data 2.2', 'Language map keys that are valid RFC 5646 tags are accepted', (s) => {
    obj(s, 'verb').display = { 'en-US': 'a', 'zh-Hant-TW': 'b', 'es-419': 'c', und: 'd' }
  }),
  rejects(
    'Data 2.2',
    'The LRS MUST reject Statements with a string where an Object is required',
    (s) => {
      s.result = 'passed'
    },
  ),
  // Data 2.4.1 Id
  rejects('Data 2.4.1', 'A Statement id MUST be a UUID', (s) => {
    s.id = 'not-a-uuid'
  }),
  rejects('Data 2.4.1', 'A Statement id MUST NOT be an empty string', (s) => {
    s.id = ''
  }),
  accepts('Data 2.4.1', 'A Statement id in upper-case hexadecimal is a valid UUID', (s) => {
    s.id = uuid().toUpperCase()
  }),
  // Data 2.4.2.1 Agent and 2.4.2.3 IFIs
  rejects('Data 2.4.2.1', 'An Agent MUST NOT include more than one IFI', (s) => {
    obj(s, 'actor').account = { homePage: 'http://conformance.example.org', name: uuid() }
  }),
  rejects('Data 2.4.2.1', 'An Agent MUST be identified by one IFI', (s) => {
    s.actor = { objectType: 'Agent', name: 'Nobody in particular' }
  }),
  rejects('Data 2.4.2.1', 'An Agent name MUST be a string', (s) => {
    obj(s, 'actor').name = 42
  }),
  rejects('Data 2.4.2.3', 'An mbox MUST be a mailto IRI', (s) => {
    obj(s, 'actor').mbox = 'learner@conformance.example.org'
  }),
  rejects('Data 2.4.2.3', 'An mbox_sha1sum MUST be the hex-encoded SHA1 of a mailto IRI', (s) => {
    s.actor = { mbox_sha1sum: 'not-a-sha1' }
  }),
  accepts('Data 2.4.2.3', 'An Agent identified by mbox_sha1sum is accepted', (s) => {
    s.actor = { mbox_sha1sum: 'ebd31e95054c018b10727ccffd2ef2ec3a016ee9' }
  }),
  rejects('Data 2.4.2.3', 'An openid MUST be a URI', (s) => {
    s.actor = { openid: 'not a uri' }
  }),
  accepts('Data 2.4.2.3', 'An Agent identified by openid is accepted', (s) => {
    s.actor = { openid: `http://conformance.example.org/openid/${uuid()}` }
  }),
  accepts('Data 2.4.2.4', 'An Agent identified by an account is accepted', (s) => {
    s.actor = { account: { homePage: 'http://conformance.example.org', name: uuid() } }
  }),
  rejects('Data 2.4.2.4', 'An Account MUST have a homePage', (s) => {
    s.actor = { account: { name: uuid() } }
  }),
  rejects('Data 2.4.2.4', 'An Account MUST have a name', (s) => {
    s.actor = { account: { homePage: 'http://conformance.example.org' } }
  }),
  rejects('Data 2.4.2.4', 'An Account homePage MUST be an IRL', (s) => {
    s.actor = { account: { homePage: 'not an irl', name: uuid() } }
  }),
  // Data 2.4.2.2 Group
  accepts('Data 2.4.2.2', 'An Identified Group with members is accepted as actor', (s) => {
    s.actor = {
      objectType: 'Group',
      mbox: `mailto:${uuid()}@conformance.example.org`,
      member: [agent()],
    }
  }),
  accepts('Data 2.4.2.2', 'An Anonymous Group with members is accepted as actor', (s) => {
    s.actor = { objectType: 'Group', member: [agent(), agent()] }
  }),
  rejects('Data 2.4.2.2', 'An Anonymous Group MUST include a "member" property', (s) => {
    s.actor = { objectType: 'Group', name: 'Nobody' }
  }),
  rejects('Data 2.4.2.2', 'A Group MUST use objectType "Group"', (s) => {
    s.actor = { mbox: `mailto:${uuid()}@conformance.example.org`, member: [agent()] }
  }),
  rejects('Data 2.4.2.2', 'The member property MUST NOT contain Group Objects', (s) => {
    s.actor = { objectType: 'Group', member: [{ objectType: 'Group', member: [agent()] }] }
  }),
  rejects('Data 2.4.2.2', 'An Identified Group MUST NOT include more than one IFI', (s) => {
    s.actor = {
      objectType: 'Group',
      mbox: `mailto:${uuid()}@conformance.example.org`,
      openid: `http://conformance.example.org/openid/${uuid()}`,
    }
  }),
  rejects('Data 2.4.2.2', 'Every member of a Group MUST be a valid Agent', (s) => {
    s.actor = { objectType: 'Group', member: [{ objectType: 'Agent', name: 'No IFI' }] }
  }),
  // Data 2.4.3 Verb
  rejects('Data 2.4.3', 'A Verb MUST have an id', (s) => {
    s.verb = { display: { 'en-US': 'did' } }
  }),
  rejects('Data 2.4.3', 'A Verb display MUST be a Language Map', (s) => {
    obj(s, 'verb').display = 'did'
  }),
  accepts('Data 2.4.3', 'A Verb without a display is accepted', (s) => {
    s.verb = { id: 'http://adlnet.gov/expapi/verbs/attempted' }
  }),
  // Data 2.4.4 Object
  rejects('Data 2.4.4.1', 'An Activity MUST have an id', (s) => {
    s.object = { objectType: 'Activity', definition: { name: { 'en-US': 'x' } } }
  }),
  rejects('Data 2.4.4.1', 'An Activity id MUST be an IRI', (s) => {
    s.object = { objectType: 'Activity', id: 'not an iri' }
  }),
  accepts('Data 2.4.4', 'An Object without objectType is taken as an Activity', (s) => {
    s.object = { id: activityId() }
  }),
  rejects('Data 2.4.4.1', 'An Activity Definition name MUST be a Language Map', (s) => {
    definition(s).name = 'plain string'
  }),
  rejects('Data 2.4.4.1', 'An Activity Definition type MUST be an IRI', (s) => {
    definition(s).type = 'assessment'
  }),
  rejects('Data 2.4.4.1', 'An Activity Definition moreInfo MUST be an IRL', (s) => {
    definition(s).moreInfo = 'not an irl'
  }),
  rejects('Data 2.4.4.1', 'Activity Definition extension keys MUST be IRIs', (s) => {
    definition(s).extensions = { 'not-an-iri': 1 }
  }),
  accepts(
    'Data 2.4.4.1',
    'An interaction Activity with choices and a correct response pattern is accepted',
    (s) => {
      s.object = interaction()
    },
  ),
  rejects(
    'Data 2.4.4.1',
    'An interactionType MUST be one of the values the specification lists',
    (s) => {
      s.object = interaction()
      definition(s).interactionType = 'multiple-guess'
    },
  ),
  rejects('Data 2.4.4.1', 'correctResponsesPattern MUST be an array of strings', (s) => {
    s.object = interaction()
    definition(s).correctResponsesPattern = 'golf'
  }),
  rejects('Data 2.4.4.1', 'An interaction component MUST have an id', (s) => {
    s.object = interaction()
    definition(s).choices = [{ description: { 'en-US': 'Golf' } }]
  }),
  rejects(
    'Data 2.4.4.1',
    'Within an array of interaction components, all id values MUST be distinct',
    (s) => {
      s.object = interaction()
      definition(s).choices = [
        { id: 'golf', description: { 'en-US': 'Golf' } },
        { id: 'golf', description: { 'en-US': 'Golf again' } },
      ]
    },
  ),
  accepts('Data 2.4.4.2', 'An Agent is accepted as the Object', (s) => {
    s.object = agent()
  }),
  rejects('Data 2.4.4.2', 'An Agent used as the Object MUST use objectType "Agent"', (s) => {
    s.object = { mbox: `mailto:${uuid()}@conformance.example.org` }
  }),
  accepts('Data 2.4.4.3', 'A StatementRef is accepted as the Object', (s) => {
    s.object = { objectType: 'StatementRef', id: uuid() }
  }),
  rejects('Data 2.4.4.3', 'A StatementRef id MUST be a UUID', (s) => {
    s.object = { objectType: 'StatementRef', id: 'not-a-uuid' }
  }),
  accepts('Data 2.4.4.3', 'A SubStatement is accepted as the Object', (s) => {
    s.object = subStatement()
  }),
  rejects('Data 2.4.4.3', 'A SubStatement MUST be validated as a Statement', (s) => {
    s.object = { ...subStatement(), actor: { objectType: 'Agent', name: 'No IFI' } }
  }),
  rejects('Data 2.4.4.3', 'A SubStatement MUST NOT contain a SubStatement', (s) => {
    s.object = { ...subStatement(), object: subStatement() }
  }),
  rejects('Data 2.4.4.3', 'A SubStatement MUST NOT have the "id" property', (s) => {
    s.object = { ...subStatement(), id: uuid() }
  }),
  rejects('Data 2.4.4.3', 'A SubStatement MUST NOT have the "stored" property', (s) => {
    s.object = { ...subStatement(), stored: new Date().toISOString() }
  }),
  rejects('Data 2.4.4.3', 'A SubStatement MUST NOT have the "version" property', (s) => {
    s.object = { ...subStatement(), version: '1.0.0' }
  }),
  rejects('Data 2.4.4.3', 'A SubStatement MUST NOT have the "authority" property', (s) => {
    s.object = { ...subStatement(), authority: agent() }
  }),
  // Data 2.4.5 Result
  accepts('Data 2.4.5', 'A complete Result is accepted', (s) => {
    s.result = {
      score: { scaled: 0.95, raw: 95, min: 0, max: 100 },
      success: true,
      completion: true,
      response: 'golf',
      duration: 'PT1H0M0S',
      extensions: { 'http://conformance.example.org/ext/attempts': 2 },
    }
  }),
  rejects('Data 2.4.5.1', 'A scaled score MUST NOT be greater than 1', (s) => {
    s.result = { score: { scaled: 1.5 } }
  }),
  rejects('Data 2.4.5.1', 'A scaled score MUST NOT be less than -1', (s) => {
    s.result = { score: { scaled: -1.5 } }
  }),
  rejects('Data 2.4.5.1', 'A raw score MUST NOT be greater than max', (s) => {
    s.result = { score: { raw: 110, min: 0, max: 100 } }
  }),
  rejects('Data 2.4.5.1', 'A raw score MUST NOT be less than min', (s) => {
    s.result = { score: { raw: -5, min: 0, max: 100 } }
  }),
  rejects('Data 2.4.5.1', 'A min score MUST be less than max', (s) => {
    s.result = { score: { min: 100, max: 0 } }
  }),
  rejects('Data 4.6', 'A duration MUST be an ISO 8601 duration', (s) => {
    s.result = { duration: 'an hour' }
  }),
  rejects('Data 2.4.5', 'Result completion MUST be a boolean', (s) => {
    s.result = { completion: 'yes' }
  }),
  rejects('Data 4.1', 'Extension keys MUST be IRIs', (s) => {
    s.result = { extensions: { attempts: 2 } }
  }),
  accepts(
    'Data 4.1',
    'An LRS MUST NOT reject a Statement based on the values of the extensions map',
    (s) => {
      s.result = {
        extensions: {
          'http://conformance.example.org/ext/array': [1, 'two', { three: 3 }],
          'http://conformance.example.org/ext/object': { nested: { deeper: [true, false] } },
          'http://conformance.example.org/ext/number': -1.5e10,
          'http://conformance.example.org/ext/string': '',
        },
      }
    },
  ),
  accepts(
    'Data 4.6',
    'A duration with more than 0.01 second precision SHOULD* NOT be rejected',
    (s) => {
      s.result = { duration: 'PT1.23456S' }
    },
  ),
  rejects('Data 4.6', 'A duration MUST NOT use the ISO 8601 alternative format', (s) => {
    s.result = { duration: 'P0001-02-03T04:05:06' }
  }),
  rejects('Data 4.6', 'Weeks MUST NOT be combined with other units in a duration', (s) => {
    s.result = { duration: 'P4W1D' }
  }),
  // Data 2.4.6 Context
  accepts('Data 2.4.6', 'A complete Context is accepted', (s) => {
    s.context = {
      registration: uuid(),
      instructor: agent(),
      team: { objectType: 'Group', member: [agent()] },
      contextActivities: {
        parent: [{ id: activityId() }],
        grouping: [{ id: activityId() }],
        category: [{ id: activityId() }],
        other: [{ id: activityId() }],
      },
      revision: 'r1',
      platform: 'Conformance',
      language: 'en-US',
      statement: { objectType: 'StatementRef', id: uuid() },
      extensions: { 'http://conformance.example.org/ext/context': { deep: true } },
    }
  }),
  rejects('Data 2.4.6', 'A registration MUST be a UUID', (s) => {
    s.context = { registration: 'not-a-uuid' }
  }),
  rejects(
    'Data 2.4.6',
    'The revision property MUST only be used if the Object is an Activity',
    (s) => {
      s.object = agent()
      s.context = { revision: 'r1' }
    },
  ),
  rejects(
    'Data 2.4.6',
    'The platform property MUST only be used if the Object is an Activity',
    (s) => {
      s.object = agent()
      s.context = { platform: 'Conformance' }
    },
  ),
  rejects('Data 2.4.6', 'The team property MUST be a Group', (s) => {
    s.context = { team: agent() }
  }),
  rejects('Data 2.4.6', 'The instructor property MUST be an Agent or Group', (s) => {
    s.context = { instructor: { name: 'No IFI' } }
  }),
  rejects('Data 2.4.6', 'The context statement property MUST be a StatementRef', (s) => {
    s.context = { statement: { objectType: 'Activity', id: activityId() } }
  }),
  rejects('Data 2.4.6', 'The language property MUST be an RFC 5646 tag', (s) => {
    s.context = { language: 'not a language tag' }
  }),
  rejects(
    'Data 2.4.6.2',
    'contextActivities keys MUST be parent, grouping, category or other',
    (s) => {
      s.context = { contextActivities: { sibling: [{ id: activityId() }] } }
    },
  ),
  accepts('Data 2.4.6.2', 'A single Activity as a contextActivities value is accepted', (s) => {
    s.context = { contextActivities: { parent: { id: activityId() } } }
  }),
  rejects('Data 2.4.6.2', 'contextActivities values MUST be Activities', (s) => {
    s.context = { contextActivities: { parent: ['http://conformance.example.org/not-an-object'] } }
  }),
  // IEEE 9274.1.1 context agents and groups (xAPI 2.0.0 only)
  accepts(
    'Data 2.4.6 (2.0.0)',
    'contextAgents and contextGroups are accepted',
    (s) => {
      s.context = {
        contextAgents: [
          {
            objectType: 'contextAgent',
            agent: agent(),
            relevantTypes: ['http://conformance.example.org/types/peer'],
          },
        ],
        contextGroups: [
          { objectType: 'contextGroup', group: { objectType: 'Group', member: [agent()] } },
        ],
      }
    },
    V2,
  ),
  rejects(
    'Data 2.4.6 (2.0.0)',
    'A contextAgents entry MUST use objectType "contextAgent"',
    (s) => {
      s.context = { contextAgents: [{ agent: agent() }] }
    },
    V2,
  ),
  rejects(
    'Data 2.4.6 (2.0.0)',
    'A contextAgents entry MUST contain a valid Agent',
    (s) => {
      s.context = { contextAgents: [{ objectType: 'contextAgent', agent: { name: 'No IFI' } }] }
    },
    V2,
  ),
  rejects(
    'Data 2.4.6 (2.0.0)',
    'A contextGroups entry MUST contain a Group',
    (s) => {
      s.context = { contextGroups: [{ objectType: 'contextGroup', group: agent() }] }
    },
    V2,
  ),
  rejects(
    'Data 2.4.6 (2.0.0)',
    'relevantTypes MUST be a non-empty array of IRIs',
    (s) => {
      s.context = {
        contextAgents: [{ objectType: 'contextAgent', agent: agent(), relevantTypes: [] }],
      }
    },
    V2,
  ),
  // Data 2.4.7 Timestamp, 4.5
  accepts('Data 2.4.7', 'A timestamp with a time zone offset is accepted', (s) => {
    s.timestamp = '2024-05-01T10:20:30.123+02:00'
  }),
  rejects('Data 4.5', 'A timestamp MUST be an ISO 8601 date and time', (s) => {
    s.timestamp = 'yesterday afternoon'
  }),
  rejects('Data 4.5', 'A timestamp MUST be a complete date and time', (s) => {
    s.timestamp = '2024-13-45T99:00:00Z'
  }),
  accepts('Data 2.4.7', 'An LRS SHOULD* NOT reject a timestamp for being in the future', (s) => {
    s.timestamp = new Date(Date.now() + 3_600_000).toISOString()
  }),
  // Data 2.4.10 Version
  accepts(
    'Data 2.4.10',
    'An LRS MUST accept Statements whose version starts with "1.0."',
    (s) => {
      s.version = '1.0.0'
    },
    ['1.0.3'],
  ),
  rejects(
    'Data 2.4.10',
    'An LRS MUST reject Statements whose version does not start with "1.0."',
    (s) => {
      s.version = '1.1.0'
    },
    ['1.0.3'],
  ),
  accepts(
    'Data 2.4.10 (2.0.0)',
    'An LRS MUST accept Statements whose version starts with "2.0."',
    (s) => {
      s.version = '2.0.0'
    },
    V2,
  ),
  rejects(
    'Data 2.4.10',
    'The LRS MUST reject Statements with a version it does not support',
    (s) => {
      s.version = '0.95'
    },
  ),
  rejects('Data 2.4.10', 'The version property MUST be a semantic version string', (s) => {
    s.version = 'latest'
  }),
  // Data 2.4.11 Attachments (declarations)
  accepts(
    'Data 2.4.11',
    'An Attachment with a fileUrl is accepted in an application/json request',
    (s) => {
      s.attachments = [attachment()]
    },
  ),
  rejects('Data 2.4.11', 'An Attachment MUST have a usageType', (s) => {
    const a = attachment()
    delete a.usageType
    s.attachments = [a]
  }),
  rejects('Data 2.4.11', 'An Attachment MUST have a display Language Map', (s) => {
    const a = attachment()
    delete a.display
    s.attachments = [a]
  }),
  rejects('Data 2.4.11', 'An Attachment MUST have a contentType', (s) => {
    const a = attachment()
    delete a.contentType
    s.attachments = [a]
  }),
  rejects('Data 2.4.11', 'An Attachment length MUST be an integer', (s) => {
    s.attachments = [attachment({ length: 'five' })]
  }),
  rejects('Data 2.4.11', 'An Attachment MUST have a sha2', (s) => {
    const a = attachment()
    delete a.sha2
    s.attachments = [a]
  }),
  rejects(
    'Comm 1.5.1',
    'An application/json request MUST NOT declare Attachments without fileUrl',
    (s) => {
      const a = attachment()
      delete a.fileUrl
      s.attachments = [a]
    },
  ),
  // Data 2.4.8 / 2.4.9 properties the LRS sets
  accepts(
    'Data 2.4.8',
    'A statement with a "stored" value is accepted (the LRS overwrites it)',
    (s) => {
      s.stored = '2020-01-01T00:00:00.000Z'
    },
  ),
  rejects('Data 2.4.9', 'An authority MUST be an Agent or a Group', (s) => {
    s.authority = { name: 'No IFI' }
  }),
]
