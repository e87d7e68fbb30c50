import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import t from 'tap'
import { competenceIri, EXTENSIONS } from '../../src/profile/vocabulary.js'
import { admin } from '../auth/fixtures.js'
import { startHub } from '../helpers/hub.js'
import { makeStatement } from '../helpers/statements.js'

const C11 = competenceIri('vn-tt02-2025-digital-competence', '2025', '1.1')

t.test(
  'an agency signs in with private_key_jwt, narrows its token, and reads attainment statistics',
  async (t) => {
    const hub = await startHub(t, { statisticsThreshold: 2 })

    // Four learners in HN; the skills evidence says three attained C11 at level 2 (as the skills
    // projector would have written it).
    const learners = ['a', 'b', 'c', 'd'].map((n) => `mailto:${n}@example.org`)
    const res = await hub.xapi({
      method: 'POST',
      url: '/xapi/statements',
      body: learners.map((mbox) =>
        makeStatement({
          actor: { mbox },
          verb: { id: 'http://adlnet.gov/expapi/verbs/passed', display: { 'en-US': 'passed' } },
          context: { extensions: { [EXTENSIONS.province]: 'HN' } },
        }),
      ),
    })
    t.equal(res.statusCode, 200)
    await hub.skills.projector.catchUp()
    await hub.db.query(
      `INSERT INTO skills_evidence (seq, competence_iri, learner_key, statement_id, level, client_id, achieved_at)
     SELECT seq, $1, actor_key, id, 2, client_id, stored FROM statements ORDER BY seq LIMIT 3`,
      [C11],
    )
    // The projectors ran when the statements were stored, before this evidence was written by hand:
    // rewind the attainments cursor, as if the evidence had been there when it passed.
    await hub.agency.projector.catchUp()
    await hub.db.query("UPDATE agency_projector SET seq = 0 WHERE name = 'attainments'")
    await hub.agency.projector.catchUp()

    const { privateKey, publicKey } = await generateKeyPair('ES256')
    t.equal(
      (
        await admin(hub, 'POST', '/platforms', {
          id: 'moet',
          name: 'Ministry',
          scopes: ['records:read', 'statistics:read'],
        })
      ).statusCode,
      201,
    )
    const issued = await admin(hub, 'POST', '/platforms/moet/credentials', {
      kind: 'private_key_jwt',
      publicJwk: await exportJWK(publicKey),
    })
    const clientId = issued.json().credential.key as string
    await admin(hub, 'PUT' as 'POST', '/agencies/moet', { national: true })
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience('urn:xapi-hub/oauth/token')
      .setIssuedAt()
      .setExpirationTime('2m')
      .setJti(randomUUID())
      .sign(privateKey)
    const token = await hub.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'statistics:read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    })
    t.equal(token.statusCode, 200, token.body)
    t.equal(token.json().scope, 'statistics:read')
    const bearer = `Bearer ${token.json().access_token as string}`

    const stats = await hub.app.inject({
      method: 'GET',
      url: '/agency/statistics',
      query: { metric: 'attainments', by: 'province,competence,level' },
      headers: { authorization: bearer },
    })
    t.equal(stats.statusCode, 200, stats.body)
    t.match(stats.json().cells, [
      { province: 'HN', competence: C11, level: 2, value: 3, suppressed: false, complete: true },
    ])

    const narrowed = await hub.app.inject({
      method: 'GET',
      url: '/agency/records',
      query: { agent: JSON.stringify({ mbox: learners[0] }), purpose: 'a purpose long enough' },
      headers: { authorization: bearer },
    })
    t.equal(narrowed.statusCode, 403, 'the token was narrowed to statistics:read')

    // Erasing one of them takes their attainment back out.
    await admin(hub, 'DELETE', `/learners/${encodeURIComponent(`mbox:${learners[0] ?? ''}`)}`)
    const after = await hub.db.query<{ count: string }>(
      'SELECT sum(count)::text AS count FROM stats_attainments_monthly',
    )
    t.equal(after.rows[0]?.count, '2')

    // A recount from the statements and evidence gives the same figures.
    const rollups = () =>
      hub.db.query(
        `SELECT (SELECT json_agg(s ORDER BY month, province, platform) FROM stats_platform_monthly s)::text AS p,
       (SELECT json_agg(s ORDER BY month, province) FROM stats_learners_monthly s WHERE count > 0)::text AS l,
       (SELECT json_agg(s ORDER BY month, province, competence_iri, level) FROM stats_attainments_monthly s
         WHERE count > 0)::text AS a`,
      )
    const counted = (await rollups()).rows
    const rebuilt = await admin(hub, 'POST', '/statistics/rebuild')
    t.equal(rebuilt.statusCode, 200, rebuilt.body)
    t.same((await rollups()).rows, counted, 'the rebuild equals the incremental counts')
  },
)
