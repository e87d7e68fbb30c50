import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { runCli } from '../../src/cli-commands.js'
import { loadCliSettings, testConfig } from '../../src/config.js'
import { KEY, SECRET } from '../helpers/hub.js'
import { createTestDb } from '../helpers/test-db.js'
import {
  fill,
  matchJson,
  matchTemplate,
  parseDocBlocks,
  parseHttpMessage,
  shellCommands,
  shellWords,
  type DocBlock,
  type Variables,
} from './doc-examples.js'

/**
 * docs/connection-standard.md and its Vietnamese translation are a contract with the platforms
 * that connect: every tagged example in them (see doc-examples.ts) runs here, in document order,
 * against a real hub on a real port, and the hub must answer what the document says.
 */

const ROOT = new URL('../../', import.meta.url)
const DOCS = ['docs/connection-standard.md', 'docs/connection-standard.vi.md']

/** The national identity provider the documents name; the test serves its key set. */
const SSO_ISSUER = 'https://sso.example.gov.vn/realms/national'
const SSO_AUDIENCE = 'xapi-hub'
const SSO_CERTS = '/realms/national/protocol/openid-connect/certs'
/** The file name the documents give the platform's public key; the test writes it. */
const PLATFORM_JWK_FILE = 'moodle-hue.jwk.json'

async function blocksOf(path: string): Promise<DocBlock[]> {
  return parseDocBlocks(await readFile(new URL(path, ROOT), 'utf8'))
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

interface SigningKey {
  alg: string
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

async function signingKey(alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey, publicJwk }
}

/** Serves a key set the way an OpenID provider publishes it. */
async function serveKeySet(t: Test, key: SigningKey): Promise<string> {
  const server: Server = createServer((request, response) => {
    if (request.url !== SSO_CERTS) return response.writeHead(404).end()
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ keys: [key.publicJwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return `http://127.0.0.1:${port}${SSO_CERTS}`
}

/** Known values; `uuid:<name>` is a fresh UUID per name, `now` and `now+N` are Unix seconds. */
function variables(initial: Record<string, string>): Variables {
  const values = new Map(Object.entries(initial))
  return {
    get(name) {
      const known = values.get(name)
      if (known !== undefined) return known
      if (name.startsWith('uuid:')) {
        const fresh = randomUUID()
        values.set(name, fresh)
        return fresh
      }
      const clock = /^now(?:\+(\d+))?$/.exec(name)
      if (clock !== null) return String(Math.floor(Date.now() / 1000) + Number(clock[1] ?? 0))
      return undefined
    },
    set(name, value) {
      values.set(name, value)
    },
  }
}

/** `base64(text)` in a header stands for the text's base64, as HTTP Basic sends it. */
function base64Calls(text: string): string {
  return text.replace(/base64\(([^)]*)\)/g, (_match, inner: string) =>
    Buffer.from(inner).toString('base64'),
  )
}

function expectedJson(block: DocBlock, text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new Error(`response=${block.id} (line ${block.line}) is not JSON: ${String(error)}`)
  }
}

interface Answer {
  status: number | undefined
  headers: Headers | undefined
  text: string
}

/** Checks an answer against the documented response block; returns the mismatches. */
function compare(response: DocBlock, answer: Answer, vars: Variables): string[] {
  const problems: string[] = []
  let body = response.text.trim()
  if (response.lang === 'http') {
    const message = parseHttpMessage(response.text)
    const status = /^HTTP\/1\.1 (\d{3})\b/.exec(message.startLine)
    if (status === null) return [`bad status line: ${message.startLine}`]
    if (Number(status[1]) !== answer.status)
      problems.push(`status ${answer.status ?? '?'}, documented ${status[1]}: ${answer.text}`)
    for (const [name, template] of message.headers) {
      const actual = answer.headers?.get(name)
      const captures = actual == null ? undefined : matchTemplate(template, actual, vars)
      if (captures === undefined)
        problems.push(`header ${name}: ${actual ?? '(absent)'}, documented ${template}`)
      else for (const [key, value] of captures) vars.set(key, value)
    }
    body = message.body
  }
  if (body === '') return problems
  if (response.lang === 'text') {
    const captures = matchTemplate(body, answer.text.trim(), vars)
    if (captures === undefined)
      return [...problems, `output ${answer.text.trim()}, documented ${body}`]
    for (const [key, value] of captures) vars.set(key, value)
    return problems
  }
  let actual: unknown
  try {
    actual = JSON.parse(answer.text) as unknown
  } catch {
    return [...problems, `the answer is not JSON: ${answer.text}`]
  }
  return [...problems, ...matchJson(expectedJson(response, body), actual, vars)]
}

/** Sends an HTTP example over the network, as a platform would. */
async function runHttp(block: DocBlock, vars: Variables): Promise<Answer> {
  const request = parseHttpMessage(fill(block.text, vars))
  const line = /^(GET|HEAD|PUT|POST|DELETE|OPTIONS) (\S+) HTTP\/1\.1$/.exec(request.startLine)
  if (line === null) throw new Error(`example=${block.id}: bad request line ${request.startLine}`)
  const headers = new Headers(request.headers.map(([name, value]) => [name, base64Calls(value)]))
  const response = await fetch(line[2] ?? '', {
    method: line[1] ?? 'GET',
    headers,
    ...(request.body === '' ? {} : { body: request.body }),
  })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

/** Runs a shell example: `export` sets the command line's environment, `hub` runs runCli. */
async function runShell(
  block: DocBlock,
  vars: Variables,
  env: Record<string, string>,
  files: Map<string, string>,
): Promise<Answer> {
  let output = ''
  let errors = ''
  let ran = false
  for (const command of shellCommands(block.text)) {
    const words = shellWords(command).map((word) => fill(word, vars))
    if (words[0] === 'export') {
      for (const assignment of words.slice(1)) {
        const equals = assignment.indexOf('=')
        env[assignment.slice(0, equals)] = assignment.slice(equals + 1)
      }
      continue
    }
    const args =
      words.slice(0, 4).join(' ') === 'npm run hub --'
        ? words.slice(4)
        : words[0] === 'hub'
          ? words.slice(1)
          : undefined
    if (args === undefined) throw new Error(`example=${block.id}: not a hub command: ${command}`)
    if (ran) throw new Error(`example=${block.id}: one hub command per example`)
    ran = true
    const code = await runCli(
      args.map((arg) => files.get(arg) ?? arg),
      {
        settings: loadCliSettings(env),
        fetch,
        out: (text) => (output += text),
        err: (text) => (errors += text),
      },
    )
    if (code !== 0) throw new Error(`example=${block.id}: hub exited ${code}: ${errors}`)
  }
  return { status: undefined, headers: undefined, text: output }
}

t.test('both language versions hold the same examples, identical, in the same order', async (t) => {
  const [english, vietnamese] = await Promise.all(DOCS.map(blocksOf))
  const key = (block: DocBlock) => `${block.kind}=${block.id}`
  t.same(vietnamese?.map(key), english?.map(key), 'same example ids in the same order')
  for (const [n, block] of (english ?? []).entries()) {
    t.equal(vietnamese?.[n]?.text, block.text, `${key(block)} is the same in both documents`)
  }
  const ids = (english ?? []).filter((block) => block.kind === 'example').map((block) => block.id)
  t.equal(new Set(ids).size, ids.length, 'example ids are unique')
  for (const block of english ?? []) {
    if (block.kind === 'response')
      t.ok(ids.includes(block.id), `response=${block.id} answers an example`)
  }
})

for (const path of DOCS) {
  const title = `every example of ${path} runs against a hub and gets the documented answer`
  t.test(title, async (t) => {
    const blocks = await blocksOf(path)
    t.ok(blocks.length > 0, 'the document has examples')

    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const sso = await signingKey('RS256', 'sso-2026')
    const platformKey = await signingKey('ES256', 'moodle-hue-2026')
    const signers = new Map([
      ['client-assertion', platformKey],
      ['idp-token', sso],
    ])
    const dir = await mkdtemp(join(tmpdir(), 'connection-standard-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const files = new Map([[PLATFORM_JWK_FILE, join(dir, PLATFORM_JWK_FILE)]])
    await writeFile(join(dir, PLATFORM_JWK_FILE), JSON.stringify(platformKey.publicJwk))

    const testDb = await createTestDb()
    const config = testConfig({
      basicKey: KEY,
      basicSecret: SECRET,
      publicUrl: base,
      tokenIssuer: base,
      trustedIssuers: [
        { issuer: SSO_ISSUER, audience: SSO_AUDIENCE, jwksUrl: await serveKeySet(t, sso) },
      ],
    })
    const hub = await buildApp(config, { db: testDb.db })
    t.teardown(async () => {
      await hub.app.close()
      await testDb.drop()
    })
    await hub.app.listen({ port, host: '127.0.0.1' })

    const vars = variables({ base, admin_key: KEY, admin_secret: SECRET })
    const env: Record<string, string> = {}
    const responses = new Map(blocks.filter((b) => b.kind === 'response').map((b) => [b.id, b]))

    for (const block of blocks) {
      if (block.kind === 'jwt') {
        const signer = signers.get(block.id)
        if (signer === undefined) throw new Error(`jwt=${block.id}: no key to sign it with`)
        const claims = JSON.parse(fill(block.text, vars)) as Record<string, unknown>
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' })
          .sign(signer.privateKey)
        vars.set(block.id, token)
        continue
      }
      if (block.kind !== 'example') continue

      const answer =
        block.lang === 'http'
          ? await runHttp(block, vars)
          : block.lang === 'sh'
            ? await runShell(block, vars, env, files)
            : undefined
      if (answer === undefined)
        throw new Error(`example=${block.id}: cannot run a ${block.lang} block`)
      const response = responses.get(block.id)
      const problems = response === undefined ? [] : compare(response, answer, vars)
      t.same(problems, [], `example=${block.id} (line ${block.line}) gets the documented answer`)
    }
  })
}
