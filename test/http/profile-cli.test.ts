import t from 'tap'
import { runCli } from '../../src/cli-commands.js'
import { loadCliSettings } from '../../src/config.js'
import { KEY, SECRET, startHub } from '../helpers/hub.js'
import { newAttempt, profileStatement, withoutProvince } from '../profile/fixtures.js'

/** The operator sets a platform's profile mode and reads its findings with the command line. */

t.test('set-profile-mode and profile-findings drive the admin API', async (t) => {
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
      out: (text) => (out += text),
      err: (text) => (err += text),
    })
    return { code, out, err }
  }

  const set = await run('platforms', 'set-profile-mode', 'hub-admin', 'reject')
  t.equal(set.code, 0, set.err)
  t.same(JSON.parse(set.out), { platform: 'hub-admin', profileMode: 'reject' })
  const bad = withoutProvince(profileStatement(newAttempt(), 'launched'))
  t.equal((await hub.xapi({ method: 'POST', url: '/xapi/statements', body: bad })).statusCode, 400)

  t.equal((await run('platforms', 'set-profile-mode', 'hub-admin', 'record')).code, 0)
  t.equal((await hub.xapi({ method: 'POST', url: '/xapi/statements', body: bad })).statusCode, 200)
  const report = await run('platforms', 'profile-findings', 'hub-admin', '--limit', '10')
  t.equal(report.code, 0, report.err)
  t.match(JSON.parse(report.out), {
    findings: [{ statementId: bad.id, requirement: 'presence' }],
    more: '',
  })

  const wrong = await run('platforms', 'set-profile-mode', 'hub-admin', 'strict')
  t.equal(wrong.code, 2)
  t.match(wrong.err, 'the profile mode must be reject or record')
  t.equal(
    (await run('platforms', 'set-profile-mode', 'nobody', 'reject')).code,
    1,
    'an unknown platform is refused by the hub',
  )
})
