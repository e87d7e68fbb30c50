import t from 'tap'
import { runCli } from '../../src/cli-commands.js'
import { loadCliSettings } from '../../src/config.js'
import { KEY, SECRET, startHub } from '../helpers/hub.js'
import { makeStatement } from '../helpers/statements.js'

t.test('hub agencies, hub audit verify and hub learners erase', async (t) => {
  const hub = await startHub(t)
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const settings = loadCliSettings({
    HUB_URL: address,
    HUB_ADMIN_KEY: KEY,
    HUB_ADMIN_SECRET: SECRET,
  })
  const run = async (...argv: string[]) => {
    let out = ''
    let err = ''
    const code = await runCli(argv, {
      settings,
      fetch,
      out: (s) => (out += s),
      err: (s) => (err += s),
    })
    return { code, out, err }
  }

  t.equal(
    (
      await run(
        'platforms',
        'add',
        'ministry',
        '--name',
        'Ministry',
        '--scopes',
        'records:read,statistics:read',
      )
    ).code,
    0,
  )
  const set = await run('agencies', 'set', 'ministry', '--provinces', 'HN,HP')
  t.equal(set.code, 0, set.err)
  t.same(JSON.parse(set.out).jurisdiction, { national: false, provinces: ['HN', 'HP'] })
  t.equal((await run('agencies', 'set', 'ministry')).code, 2, 'a jurisdiction is required')

  const intact = await run('audit', 'verify')
  t.equal(intact.code, 0, intact.err)
  t.match(JSON.parse(intact.out), { ok: true, entries: 2 })

  await hub.xapi({
    method: 'POST',
    url: '/xapi/statements',
    body: makeStatement({ actor: { mbox: 'mailto:gone@example.org' } }),
  })
  const erased = await run('learners', 'erase', '{"mbox":"mailto:gone@example.org"}')
  t.equal(erased.code, 0, erased.err)
  t.match(JSON.parse(erased.out), { statements: 1, relatedRedacted: 0 })

  await hub.db.query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
  const tampered = await run('audit', 'verify')
  t.equal(tampered.code, 1, 'a broken chain fails the command')
  t.match(JSON.parse(tampered.out), { ok: false, broken: { seq: '2', reason: 'altered' } })
})
