import { createHash, randomUUID } from 'node:crypto'
import { CompactSign, generateKeyPair } from 'jose'
import t from 'tap'
import { SIGNATURE_USAGE_TYPE } from '../../src/xapi/attachments.js'
import { buildMultipartMixed } from '../../src/xapi/multipart.js'
import { admin } from '../auth/fixtures.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { makeStatement } from '../helpers/statements.js'

const MBOX = 'mailto:erase-me@example.org'
const NAME = 'Nguyễn Thị Xoá'
const SSO = 'https://sso.example.gov.vn'
const ACCOUNT = { homePage: SSO, name: '079203001234' }
/** Anything that would identify the erased learner in a response. */
const TRACE = /erase-me|Nguyễn Thị Xoá|079203001234/

/** The learner as a platform names them: name and IFI. */
const learner = (ifi: Record<string, unknown>) => ({ objectType: 'Agent', name: NAME, ...ifi })

async function post(hub: TestHub, statement: unknown, version = '2.0.0'): Promise<void> {
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: statement, version })
  if (res.statusCode !== 200) throw new Error(`post: ${res.statusCode} ${res.body}`)
}

/** Posts `statement` with a JWS signature attachment (Data §2.6) over it. */
async function postSigned(hub: TestHub, statement: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256')
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(statement)))
    .setProtectedHeader({ alg: 'RS256' })
    .sign(privateKey)
  const content = Buffer.from(jws)
  const sha2 = createHash('sha256').update(content).digest('hex')
  const signature = {
    usageType: SIGNATURE_USAGE_TYPE,
    display: { 'en-US': 'Signature' },
    contentType: 'application/octet-stream',
    length: content.length,
    sha2,
  }
  const { body, contentType } = buildMultipartMixed(
    JSON.stringify({ ...statement, attachments: [signature] }),
    [{ contentType: 'application/octet-stream', sha2, content }],
  )
  const res = await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body,
    headers: { 'content-type': contentType },
  })
  if (res.statusCode !== 200) throw new Error(`signed post: ${res.statusCode} ${res.body}`)
  return sha2
}

t.test(
  'erasure redacts the learner from statements it keeps, in every format and version',
  async (t) => {
    const hub = await startHub(t)
    const other = { objectType: 'Agent', mbox: 'mailto:other@example.org' }
    const ids = {
      instructor: randomUUID(),
      team: randomUUID(),
      contextAgents: randomUUID(),
      subStatement: randomUUID(),
      signed: randomUUID(),
    }
    await post(
      hub,
      makeStatement({
        id: ids.instructor,
        actor: other,
        context: { instructor: learner({ mbox: MBOX }) },
      }),
      '1.0.3',
    )
    await post(
      hub,
      makeStatement({
        id: ids.team,
        actor: other,
        context: {
          team: { objectType: 'Group', name: 'Team', member: [learner({ account: ACCOUNT })] },
        },
      }),
    )
    await post(
      hub,
      makeStatement({
        id: ids.contextAgents,
        actor: other,
        context: {
          contextAgents: [{ objectType: 'contextAgent', agent: learner({ mbox: MBOX }) }],
        },
      }),
    )
    await post(
      hub,
      makeStatement({
        id: ids.subStatement,
        actor: other,
        verb: { id: 'http://adlnet.gov/expapi/verbs/planned', display: { 'en-US': 'planned' } },
        object: {
          objectType: 'SubStatement',
          actor: other,
          verb: { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'en-US': 'attended' } },
          object: { objectType: 'Activity', id: 'https://courses.example.org/sub' },
          context: { instructor: learner({ mbox: MBOX }) },
        },
      }),
    )
    const signatureHash = await postSigned(
      hub,
      makeStatement({
        id: ids.signed,
        actor: other,
        context: { instructor: learner({ mbox: MBOX }) },
      }),
    )

    // The learner is known by two identifiers to platforms; each is erased as its own learner.
    const erase = async (agent: unknown) =>
      admin(hub, 'DELETE', `/learners/${encodeURIComponent(JSON.stringify(agent))}`)
    const byMbox = await erase({ mbox: MBOX })
    t.equal(byMbox.statusCode, 200, byMbox.body)
    t.match(byMbox.json(), { statements: 0, relatedRedacted: 4, attachments: 1 })
    t.notOk('relatedKept' in byMbox.json())
    t.match((await erase({ account: ACCOUNT })).json(), { relatedRedacted: 1 })

    const subject = await hub.agency.audit.subjectOf(`mbox:${MBOX}`)
    const instructor = await hub.xapi({
      url: '/xapi/statements',
      query: { statementId: ids.instructor },
    })
    const pseudonym = instructor.json().context.instructor
    t.match(
      pseudonym,
      { objectType: 'Agent', account: { homePage: /\/erased-persons$/, name: subject } },
      "a pseudonymous Agent in its place: the hub's account for erased persons, the audit hash",
    )
    t.same(Object.keys(pseudonym).sort(), ['account', 'objectType'], 'no name')
    t.ok(instructor.json().authority, 'authority kept')

    for (const id of Object.values(ids)) {
      for (const version of ['1.0.3', '2.0.0']) {
        for (const format of ['exact', 'canonical', 'ids']) {
          const res = await hub.xapi({
            url: '/xapi/statements',
            query: { statementId: id, format },
            version,
          })
          t.equal(res.statusCode, 200, `${id} ${version} ${format}`)
          t.notMatch(res.body, TRACE, `no trace of the learner (${version}, ${format})`)
          t.equal(res.json().id, id, 'the same statement')
        }
      }
    }

    const signed = await hub.xapi({
      url: '/xapi/statements',
      query: { statementId: ids.signed, attachments: 'true' },
    })
    t.notMatch(signed.body, TRACE, 'the signature, whose payload named the learner, is gone')
    t.notMatch(signed.body, new RegExp(SIGNATURE_USAGE_TYPE), 'no signature attachment is served')
    const stored = await hub.db.query('SELECT 1 FROM attachments WHERE sha2 = $1', [signatureHash])
    t.equal(stored.rows.length, 0, 'its content is deleted')

    for (const agent of [{ mbox: MBOX }, { account: ACCOUNT }, pseudonym]) {
      const found = await hub.xapi({
        url: '/xapi/statements',
        query: { agent: JSON.stringify(agent), related_agents: 'true' },
      })
      t.same(found.json().statements, [], `no statement is found by ${JSON.stringify(agent)}`)
    }
    const person = await hub.xapi({
      url: '/xapi/agents',
      query: { agent: JSON.stringify({ mbox: MBOX }) },
    })
    t.notMatch(person.body, /Xoá/, 'the Agents Resource has no name for the learner any more')
    const everywhere = await hub.db.query(
      "SELECT 1 FROM statements WHERE body::text ~ 'erase-me|079203001234|Xoá'",
    )
    t.equal(everywhere.rows.length, 0, 'no stored body names the learner')
  },
)
