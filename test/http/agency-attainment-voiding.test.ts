import t from 'tap'
import { competenceIri, EXTENSIONS, VERBS } from '../../src/profile/vocabulary.js'
import { admin } from '../auth/fixtures.js'
import { AUTH, startHub, type TestHub } from '../helpers/hub.js'
import { makeStatement, voiding } from '../helpers/statements.js'

const C11 = competenceIri('vn-tt02-2025-digital-competence', '2025', '1.1')
const COURSE = 'https://lms.example.vn/courses/search-skills'

/** A passed statement that is evidence of C11 at level 2, achieved at `timestamp`. */
function attains(email: string, timestamp: string, id: string): Record<string, unknown> {
  return makeStatement({
    id,
    timestamp,
    actor: { objectType: 'Agent', mbox: `mailto:${email}` },
    verb: { id: VERBS.passed, display: { 'en-US': 'passed' } },
    object: {
      objectType: 'Activity',
      id: COURSE,
      definition: { extensions: { [EXTENSIONS.competencies]: [C11] } },
    },
    result: { success: true, extensions: { [EXTENSIONS.proficiencyLevel]: 2 } },
    context: { extensions: { [EXTENSIONS.province]: 'HN' } },
  })
}

async function post(hub: TestHub, statements: unknown[]): Promise<void> {
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: statements })
  if (res.statusCode !== 200) throw new Error(`post: ${res.statusCode} ${res.body}`)
  // The skills projector writes (and withdraws) evidence, then the agency projector counts it.
  await hub.skills.projector.catchUp()
  await hub.agency.projector.catchUp()
}

async function attainments(hub: TestHub): Promise<{ learner: string; month: string }[]> {
  const { rows } = await hub.db.query<{ learner: string; month: string }>(
    `SELECT learner_key AS learner, to_char(month, 'YYYY-MM') AS month FROM learner_attainments
     ORDER BY learner_key`,
  )
  return rows
}

async function cells(hub: TestHub): Promise<{ month: string; count: string }[]> {
  const { rows } = await hub.db.query<{ month: string; count: string }>(
    `SELECT to_char(month, 'YYYY-MM') AS month, count::text AS count
     FROM stats_attainments_monthly WHERE count <> 0 ORDER BY month`,
  )
  return rows
}

const rollups = (hub: TestHub) =>
  hub.db.query(
    `SELECT (SELECT json_agg(s ORDER BY month, province, platform) FROM stats_platform_monthly s)::text AS p,
       (SELECT json_agg(s ORDER BY month, province) FROM stats_learners_monthly s WHERE count > 0)::text AS l,
       (SELECT json_agg(s ORDER BY month, province, competence_iri, level) FROM stats_attainments_monthly s
         WHERE count > 0)::text AS a,
       (SELECT json_agg(a ORDER BY learner_key, competence_iri, level) FROM learner_attainments a)::text AS r`,
  )

const ID = (n: number) => `5e1d0c3a-7b2f-4c11-9a40-00000000000${n}`

t.test('voiding evidence corrects first attainments as the projectors go', async (t) => {
  const hub = await startHub(t, { statisticsThreshold: 1 })
  await post(hub, [
    attains('only@example.org', '2026-01-10T09:00:00Z', ID(1)),
    attains('twice@example.org', '2026-01-12T09:00:00Z', ID(2)),
  ])
  await post(hub, [attains('twice@example.org', '2026-03-05T09:00:00Z', ID(3))])
  t.same(await attainments(hub), [
    { learner: 'mbox:mailto:only@example.org', month: '2026-01' },
    { learner: 'mbox:mailto:twice@example.org', month: '2026-01' },
  ])
  t.same(await cells(hub), [{ month: '2026-01', count: '2' }])

  await post(hub, [voiding(ID(1))])
  t.same(
    await attainments(hub),
    [{ learner: 'mbox:mailto:twice@example.org', month: '2026-01' }],
    'voiding the only evidence takes the attainment back',
  )
  t.same(await cells(hub), [{ month: '2026-01', count: '1' }], 'and its cell, with no rebuild')

  await post(hub, [voiding(ID(2))])
  t.same(
    await attainments(hub),
    [{ learner: 'mbox:mailto:twice@example.org', month: '2026-03' }],
    'voiding the earliest evidence moves the attainment to the next',
  )
  t.same(await cells(hub), [{ month: '2026-03', count: '1' }])
  const queue = await hub.db.query('SELECT 1 FROM attainment_rechecks')
  t.equal(queue.rows.length, 0, 'every queued recheck was applied')

  const counted = (await rollups(hub)).rows
  const rebuilt = await admin(hub, 'POST', '/statistics/rebuild')
  t.equal(rebuilt.statusCode, 200, rebuilt.body)
  t.same((await rollups(hub)).rows, counted, 'the rebuild equals the incremental counts')
})

t.test('a withdrawal is applied once whichever projector runs first', async (t) => {
  const hub = await startHub(t, { statisticsThreshold: 1 })
  // Voided in the flush that stores it: the evidence is withdrawn before it is ever counted.
  await post(hub, [attains('same@example.org', '2026-02-01T09:00:00Z', ID(4)), voiding(ID(4))])
  // Counted first, then voided while the agency projector is behind the skills projector.
  await post(hub, [attains('late@example.org', '2026-02-02T09:00:00Z', ID(5))])
  const res = await hub.xapi({ method: 'POST', url: '/xapi/statements', body: [voiding(ID(5))] })
  t.equal(res.statusCode, 200)
  await hub.skills.projector.catchUp()
  await hub.agency.projector.catchUp()
  await hub.agency.projector.catchUp()
  t.same(await attainments(hub), [])
  t.same(await cells(hub), [], 'no cell was decremented twice or left counted')

  const counted = (await rollups(hub)).rows
  t.equal((await admin(hub, 'POST', '/statistics/rebuild')).statusCode, 200)
  t.same((await rollups(hub)).rows, counted, 'the rebuild equals the incremental counts')
})

t.test('a mapping change corrects first attainments without a rebuild', async (t) => {
  const hub = await startHub(t, { statisticsThreshold: 1 })
  const MAPPED = 'https://lms.example.vn/courses/mapped-later'
  const C12 = competenceIri('vn-tt02-2025-digital-competence', '2025', '1.2')
  // A passed course the profile links to no competence: no evidence, no attainment.
  const plain = (email: string, id: string) =>
    makeStatement({
      id,
      timestamp: '2026-04-02T09:00:00Z',
      actor: { objectType: 'Agent', mbox: `mailto:${email}` },
      verb: { id: VERBS.passed, display: { 'en-US': 'passed' } },
      object: { objectType: 'Activity', id: MAPPED },
      result: { success: true },
      context: { extensions: { [EXTENSIONS.province]: 'DN' } },
    })
  await post(hub, [plain('a@example.org', ID(6)), plain('b@example.org', ID(7))])
  t.same(await attainments(hub), [])

  const map = (competences: { competenceIri: string; level: number }[]) =>
    hub.app.inject({
      method: 'PUT',
      url: '/admin/competence-map',
      headers: { authorization: AUTH },
      payload: { activityIri: MAPPED, competences },
    })
  t.equal((await map([{ competenceIri: C12, level: 3 }])).statusCode, 200)
  await hub.agency.projector.catchUp()
  t.same(
    (await attainments(hub)).map((a) => a.month),
    ['2026-04', '2026-04'],
    'mapping the course counts both learners as attaining it',
  )
  t.same(await cells(hub), [{ month: '2026-04', count: '2' }])

  t.equal((await map([{ competenceIri: C12, level: 2 }])).statusCode, 200)
  await hub.agency.projector.catchUp()
  const { rows: levels } = await hub.db.query<{ level: number }>(
    'SELECT DISTINCT level FROM learner_attainments',
  )
  t.same(levels, [{ level: 2 }], 'a changed level moves the attainments to it')

  const counted = (await rollups(hub)).rows
  t.equal((await admin(hub, 'POST', '/statistics/rebuild')).statusCode, 200)
  t.same((await rollups(hub)).rows, counted, 'the rebuild equals the incremental counts')

  const removed = await admin(
    hub,
    'DELETE',
    `/competence-map?activityIri=${encodeURIComponent(MAPPED)}`,
  )
  t.equal(removed.statusCode, 200, removed.body)
  await hub.agency.projector.catchUp()
  t.same(await attainments(hub), [], 'removing the mapping takes the attainments back')
  t.same(await cells(hub), [])
})
