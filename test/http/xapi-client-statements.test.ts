import type { StatementsResponse } from '@xapi/xapi'
import { XAPI } from '../helpers/xapi-client.js'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { KEY, SECRET, startHub } from '../helpers/hub.js'

/** Drives the Statement Resource with @xapi/xapi, a real client, over a real port. */
t.test('a real xAPI client stores, reads, queries, pages and voids statements', async (t) => {
  const hub = await startHub(t)
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' })

  for (const version of ['1.0.3', '2.0.0'] as const) {
    const xapi = new XAPI({
      endpoint: `${address}/xapi/`,
      auth: XAPI.toBasicAuth(KEY, SECRET),
      version: version as ConstructorParameters<typeof XAPI>[0]['version'],
    })
    const actor = {
      objectType: 'Agent' as const,
      name: 'Binh',
      mbox: `mailto:binh-${randomUUID()}@example.org`,
    }
    const activity = `https://courses.example.org/${randomUUID()}`
    const statement = (n: number) => ({
      actor,
      verb: XAPI.Verbs.PROGRESSED,
      object: { objectType: 'Activity' as const, id: activity },
      result: { extensions: { 'https://hub.example.org/ext/step': n } },
    })

    const sent = await xapi.sendStatement({ statement: statement(0) })
    t.equal(sent.data.length, 1, `${version}: one id back`)
    const many = await xapi.sendStatements({ statements: [1, 2, 3, 4].map(statement) })
    t.equal(many.data.length, 4)

    const one = await xapi.getStatement({ statementId: sent.data[0]! })
    t.equal(one.data.id, sent.data[0])
    t.same(one.data.actor, actor)

    const page1 = await xapi.getStatements({ agent: actor, limit: 2 })
    t.equal(page1.data.statements.length, 2)
    t.ok(page1.data.more, 'a more link is given')
    const more = async (link: string) =>
      (await xapi.getMoreStatements({ more: link })).data as StatementsResponse
    const page2 = await more(page1.data.more!)
    const page3 = await more(page2.more!)
    const seen = [...page1.data.statements, ...page2.statements, ...page3.statements].map(
      (s: { id?: string }) => s.id,
    )
    t.equal(new Set(seen).size, 5, `${version}: five distinct statements over three pages`)
    t.equal(page3.more ?? '', '', 'the last page has no more link')

    await xapi.voidStatement({ actor, statementId: sent.data[0]! })
    const voided = await xapi.getVoidedStatement({ voidedStatementId: sent.data[0]! })
    t.equal(voided.data.id, sent.data[0])
    const after = await xapi.getStatements({ activity, limit: 10 })
    const ids = after.data.statements.map((s: { id?: string }) => s.id)
    t.notOk(ids.includes(sent.data[0]!), 'a voided statement leaves query results')
  }
})
