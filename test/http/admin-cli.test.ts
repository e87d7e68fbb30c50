import t, { type Test } from 'tap'
import { runCli } from '../../src/cli-commands.js'
import { loadCliSettings } from '../../src/config.js'
import { KEY, SECRET, startHub } from '../helpers/hub.js'

interface Run {
  code: number
  out: string
  err: string
}

async function listening(t: Test) {
  const hub = await startHub(t)
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const settings = loadCliSettings({
    HUB_URL: address,
    HUB_ADMIN_KEY: KEY,
    HUB_ADMIN_SECRET: SECRET,
  })
  const run = async (...argv: string[]): Promise<Run> => {
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
  return { hub, address, run }
}

t.test("a platform's first connection, step by step, with the command line", async (t) => {
  const { address, run } = await listening(t)

  const added = await run(
    'platforms',
    'add',
    'moodle-hue',
    '--name',
    'Moodle Huế',
    '--scopes',
    'statements/write,state',
  )
  t.equal(added.code, 0, added.err)
  t.same(JSON.parse(added.out).scopes, ['statements/write', 'state'])

  const issued = await run('credentials', 'issue', 'moodle-hue', '--label', 'production')
  t.equal(issued.code, 0, issued.err)
  const { credential, secret } = JSON.parse(issued.out) as {
    credential: { id: string; key: string }
    secret: string
  }
  t.ok(secret, 'the secret is shown once')

  const authorization = `Basic ${Buffer.from(`${credential.key}:${secret}`).toString('base64')}`
  const statement = await fetch(`${address}/xapi/statements`, {
    method: 'POST',
    headers: {
      authorization,
      'x-experience-api-version': '2.0.0',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      actor: { mbox: 'mailto:lan@example.edu.vn' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
      object: { id: 'https://moodle.example.edu.vn/course/7' },
    }),
  })
  t.equal(statement.status, 200, 'the platform posts its first statement')

  t.equal((await run('platforms', 'suspend', 'moodle-hue')).code, 0)
  const refused = await fetch(`${address}/xapi/statements`, {
    method: 'POST',
    headers: {
      authorization,
      'x-experience-api-version': '2.0.0',
      'content-type': 'application/json',
    },
    body: '{}',
  })
  t.equal(refused.status, 401, 'suspension takes effect on the next request')

  t.equal((await run('platforms', 'resume', 'moodle-hue')).code, 0)
  t.equal((await run('credentials', 'revoke', 'moodle-hue', '--all')).code, 0)
  const listed = JSON.parse((await run('credentials', 'list', 'moodle-hue')).out).credentials
  t.ok(listed[0].revokedAt, 'revoked')

  const rotated = await run('keys', 'rotate')
  t.equal(rotated.code, 0)
  t.match(JSON.parse(rotated.out).rotated, [{ purpose: 'tokens' }, { purpose: 'credentials' }])
  t.equal(JSON.parse((await run('keys', 'list')).out).keys.length, 4, 'old and new, both purposes')
  const credentialsOnly = await run('keys', 'rotate', '--purpose', 'credentials')
  t.match(JSON.parse(credentialsOnly.out).rotated, [{ purpose: 'credentials', alg: 'RS256' }])
  t.equal(JSON.parse((await run('keys', 'list')).out).keys.length, 5, 'every key stays published')
  const wrong = await run('keys', 'rotate', '--purpose', 'everything')
  t.equal(wrong.code, 1, 'the hub refuses an unknown purpose')

  t.equal((await run('platforms', 'remove', 'moodle-hue')).code, 0)
})

t.test('usage mistakes exit 2 and refusals exit 1 with the hub answer', async (t) => {
  const { run } = await listening(t)
  const unknown = await run('platforms', 'fly')
  t.equal(unknown.code, 2)
  t.match(unknown.err, /unknown command/)
  t.equal((await run('platforms', 'add', 'x')).code, 2, '--name is required')

  const missing = await run('platforms', 'show', 'nobody')
  t.equal(missing.code, 1)
  t.match(missing.err, /404/)

  const wrong = await run('platforms', 'list', '--secret', 'not-the-admin-secret')
  t.equal(wrong.code, 1)
  t.match(wrong.err, /401/)
})

t.test('an unreachable hub is reported, not thrown', async (t) => {
  let err = ''
  const code = await runCli(['platforms', 'list'], {
    settings: loadCliSettings({
      HUB_URL: 'http://127.0.0.1:9',
      HUB_ADMIN_KEY: KEY,
      HUB_ADMIN_SECRET: SECRET,
    }),
    fetch,
    out: () => undefined,
    err: (text) => (err += text),
  })
  t.equal(code, 1)
  t.match(err, /cannot reach the hub at http:\/\/127\.0\.0\.1:9/)
})
