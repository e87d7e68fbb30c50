import { expectEqual, expectStatus, expectTrue, jsonBody } from '../lib/expect.js'
import { activity, activityId, agent, statement, type Json } from '../lib/fixtures.js'
import { store } from '../lib/steps.js'
import { ALL_VERSIONS, type Check } from '../lib/types.js'

/** The Activities and Agents resources (Comm 2.4, 2.5). */

function check(section: string, requirement: string, run: Check['run']): Check {
  return { section, requirement, versions: ALL_VERSIONS, run }
}

export const activityAgentChecks: readonly Check[] = [
  check(
    'Comm 2.5',
    'GET activities returns the Activity with the definition it was stored with',
    async ({ lrs }) => {
      const a = activity()
      await store(lrs, statement({ object: a }))
      const response = await lrs.request({
        path: 'activities',
        query: { activityId: String(a.id) },
      })
      expectStatus(response, 200, 'GET activities')
      const returned = jsonBody<Json>(response, 'GET activities')
      expectEqual(returned.id, a.id, 'Activity id')
      expectEqual(
        (returned.definition as Json | undefined)?.name,
        (a.definition as Json).name,
        'definition name',
      )
    },
  ),
  check(
    'Comm 2.5',
    'GET activities of an unknown Activity still returns an Activity Object',
    async ({ lrs }) => {
      const id = activityId()
      const response = await lrs.request({ path: 'activities', query: { activityId: id } })
      expectStatus(response, 200, 'GET activities of an unknown Activity')
      expectEqual(jsonBody<Json>(response, 'GET activities').id, id, 'Activity id')
    },
  ),
  check(
    'Comm 2.5',
    'GET activities without activityId MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'activities' }),
        400,
        'GET activities without activityId',
      )
    },
  ),
  check(
    'Comm 2.5',
    'GET activities with an activityId that is not an IRI MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'activities', query: { activityId: 'not an iri' } }),
        400,
        'GET activities with a bad id',
      )
    },
  ),
  check(
    'Comm 2.4',
    'GET agents returns a Person Object with arrays of the Agent identifiers',
    async ({ lrs }) => {
      const learner = agent()
      await store(lrs, statement({ actor: learner }))
      const response = await lrs.request({ path: 'agents', query: { agent: learner } })
      expectStatus(response, 200, 'GET agents')
      const person = jsonBody<Json>(response, 'GET agents')
      expectEqual(person.objectType, 'Person', 'objectType')
      expectTrue(
        Array.isArray(person.mbox) && (person.mbox as unknown[]).includes(learner.mbox),
        `mbox is ${JSON.stringify(person.mbox)}`,
      )
    },
  ),
  check(
    'Comm 2.4',
    'A Person Object has only Person properties, each an array',
    async ({ lrs }) => {
      const learner = agent()
      await store(lrs, statement({ actor: learner }))
      const person = jsonBody<Json>(
        await lrs.request({ path: 'agents', query: { agent: learner } }),
        'GET agents',
      )
      for (const [key, value] of Object.entries(person)) {
        if (key === 'objectType') continue
        expectTrue(
          ['name', 'mbox', 'mbox_sha1sum', 'openid', 'account'].includes(key),
          `unexpected Person property "${key}"`,
        )
        expectTrue(Array.isArray(value), `Person property "${key}" is not an array`)
      }
    },
  ),
  check(
    'Comm 2.4',
    'GET agents of an Agent never seen still returns a Person Object',
    async ({ lrs }) => {
      const learner = agent()
      const response = await lrs.request({ path: 'agents', query: { agent: learner } })
      expectStatus(response, 200, 'GET agents of an unknown Agent')
      expectEqual(jsonBody<Json>(response, 'GET agents').objectType, 'Person', 'objectType')
    },
  ),
  check(
    'Comm 1.1',
    'HEAD on activities and agents answers like GET without a body',
    async ({ lrs }) => {
      const activityResponse = await lrs.request({
        method: 'HEAD',
        path: 'activities',
        query: { activityId: activityId() },
      })
      expectStatus(activityResponse, 200, 'HEAD activities')
      expectEqual(activityResponse.bytes.length, 0, 'HEAD activities body length')
      const agentResponse = await lrs.request({
        method: 'HEAD',
        path: 'agents',
        query: { agent: agent() },
      })
      expectStatus(agentResponse, 200, 'HEAD agents')
      expectEqual(agentResponse.bytes.length, 0, 'HEAD agents body length')
    },
  ),
  check('Comm 2.4', 'GET agents without agent MUST be rejected with 400', async ({ lrs }) => {
    expectStatus(await lrs.request({ path: 'agents' }), 400, 'GET agents without agent')
  }),
  check(
    'Comm 2.4',
    'GET agents with an agent that has no IFI MUST be rejected with 400',
    async ({ lrs }) => {
      expectStatus(
        await lrs.request({ path: 'agents', query: { agent: { name: 'No IFI' } } }),
        400,
        'GET agents with an invalid agent',
      )
    },
  ),
]
