import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli-commands.js'

/** Runs the CLI against a fake hub that records the one admin call it receives. */
async function call(
  argv: string[],
): Promise<{ code: number; method?: string; url?: string; body?: unknown }> {
  const seen: { method?: string; url?: string; body?: unknown } = {}
  const code = await runCli([...argv, '--key', 'k', '--secret', 'secret-12345678'], {
    settings: { url: 'http://hub.test', key: undefined, secret: undefined },
    fetch: (async (url: string, init: RequestInit) => {
      seen.url = url
      seen.method = init.method
      seen.body = init.body === undefined ? undefined : JSON.parse(String(init.body))
      return new Response('{}', { status: 200 })
    }) as typeof fetch,
    out: () => {},
    err: () => {},
  })
  return { code, ...seen }
}

t.test('skills commands call the admin API', async (t) => {
  t.match(await call(['frameworks', 'list']), {
    code: 0,
    method: 'GET',
    url: 'http://hub.test/admin/frameworks',
  })
  const dir = mkdtempSync(join(tmpdir(), 'hub-framework-'))
  writeFileSync(join(dir, 'f.json'), '{"id":"x","version":"1"}')
  t.match(await call(['frameworks', 'load', join(dir, 'f.json')]), {
    method: 'POST',
    body: { id: 'x', version: '1' },
  })
  t.match(await call(['records', 'rebuild', '--apply']), {
    method: 'POST',
    url: 'http://hub.test/admin/records/rebuild',
    body: { apply: true },
  })
  t.match(
    await call([
      'competence-map',
      'set',
      'https://lms.example/c1',
      'https://p.example/comp/1.1=2,https://p.example/comp/2.1=3',
    ]),
    {
      method: 'PUT',
      body: {
        activityIri: 'https://lms.example/c1',
        competences: [
          { competenceIri: 'https://p.example/comp/1.1', level: 2 },
          { competenceIri: 'https://p.example/comp/2.1', level: 3 },
        ],
      },
    },
  )
  t.match(await call(['competence-map', 'remove', 'https://lms.example/c1']), {
    method: 'DELETE',
    url: 'http://hub.test/admin/competence-map?activityIri=https%3A%2F%2Flms.example%2Fc1',
  })
  t.equal(
    (await call(['competence-map', 'set', 'https://lms.example/c1', 'no-level'])).code,
    2,
    'a malformed pair is a usage error',
  )
})
