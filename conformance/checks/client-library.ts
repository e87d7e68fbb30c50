import * as xapiPackage from '@xapi/xapi'
import { expectEqual, expectTrue } from '../lib/expect.js'
import { activityId, agent, statement, uuid, type Json } from '../lib/fixtures.js'
import type { LrsClient } from '../lib/lrs-client.js'
import { ALL_VERSIONS, type Check } from '../lib/types.js'

/**
 * Round trips through a widely used client library, @xapi/xapi, so an LRS is also shown to work
 * with real client code and not only with hand-built requests.
 */

// The package is CommonJS: Node exposes its module object (the client class) as `default`, and
// the class carries itself again as a static `default`, which is what the typings describe.
const XAPI = xapiPackage.default.default
type Client = InstanceType<typeof XAPI>
type ClientAgent = Parameters<Client['getAgent']>[0]['agent']
type ClientStatement = Parameters<Client['sendStatement']>[0]['statement']

function client(lrs: LrsClient): Client {
  // The library's types only list 1.0.x; it sends whatever version string it is given.
  const version = lrs.version as unknown as ConstructorParameters<typeof XAPI>[0]['version']
  return new XAPI({ endpoint: lrs.endpoint, auth: lrs.authorization, version, adapter: 'fetch' })
}

function check(section: string, requirement: string, run: Check['run']): Check {
  return { section, requirement: `${requirement} (@xapi/xapi)`, versions: ALL_VERSIONS, run }
}

export const clientLibraryChecks: readonly Check[] = [
  check(
    'Comm 2.1.2',
    'A Statement sent by a client library is stored and read back',
    async ({ lrs }) => {
      const xapi = client(lrs)
      const s = statement()
      const sent = await xapi.sendStatement({ statement: s as unknown as ClientStatement })
      expectEqual(sent.data, [s.id], 'ids answered')
      const read = await xapi.getStatement({ statementId: String(s.id) })
      expectEqual(read.data.id, s.id, 'Statement read back')
    },
  ),
  check(
    'Comm 2.1.3',
    'A client library query by agent finds the Statements of that Agent',
    async ({ lrs }) => {
      const xapi = client(lrs)
      const learner = agent()
      const s = statement({ actor: learner })
      await xapi.sendStatement({ statement: s as unknown as ClientStatement })
      const result = await xapi.getStatements({ agent: learner as unknown as ClientAgent })
      expectEqual(
        result.data.statements.map((x: { id?: string }) => x.id),
        [s.id],
        'Statements found',
      )
    },
  ),
  check(
    'Comm 2.1.4',
    'A client library can void a Statement and read it as voided',
    async ({ lrs }) => {
      const xapi = client(lrs)
      const learner = agent()
      const s = statement({ actor: learner })
      await xapi.sendStatement({ statement: s as unknown as ClientStatement })
      await xapi.voidStatement({
        actor: learner as unknown as ClientAgent,
        statementId: String(s.id),
      })
      const voided = await xapi.getVoidedStatement({ voidedStatementId: String(s.id) })
      expectEqual(voided.data.id, s.id, 'voided Statement')
    },
  ),
  check('Comm 2.3', 'A client library stores and reads a State document', async ({ lrs }) => {
    const xapi = client(lrs)
    const params = {
      agent: agent() as unknown as ClientAgent,
      activityId: activityId(),
      stateId: `conformance-${uuid()}`,
    }
    await xapi.setState({ ...params, state: { bookmark: 'page-3' } })
    const read = await xapi.getState(params)
    expectEqual(read.data, { bookmark: 'page-3' }, 'State document')
  }),
  check(
    'Comm 2.7',
    'A client library stores and lists Activity Profile documents',
    async ({ lrs }) => {
      const xapi = client(lrs)
      const id = activityId()
      const profileId = `conformance-${uuid()}`
      await xapi.createActivityProfile({ activityId: id, profileId, profile: { level: 2 } })
      const ids = await xapi.getActivityProfiles({ activityId: id })
      expectEqual(ids.data, [profileId], 'profile ids')
    },
  ),
  check(
    'Comm 2.6',
    'A client library stores and reads an Agent Profile document',
    async ({ lrs }) => {
      const xapi = client(lrs)
      const who = agent() as unknown as ClientAgent
      const profileId = `conformance-${uuid()}`
      await xapi.createAgentProfile({ agent: who, profileId, profile: { theme: 'dark' } })
      const read = await xapi.getAgentProfile({ agent: who, profileId })
      expectEqual(read.data, { theme: 'dark' }, 'Agent Profile document')
    },
  ),
  check('Comm 2.8', 'A client library reads the About resource', async ({ lrs }) => {
    const about = await client(lrs).getAbout()
    expectTrue(Array.isArray((about.data as unknown as Json).version), 'About has no version array')
  }),
]
