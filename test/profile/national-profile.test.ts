import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { NationalProfile, PROFILE_DIR } from '../../src/profile/national-profile.js'
import { EXTENSIONS, PROFILE_ID, TEMPLATES } from '../../src/profile/vocabulary.js'
import { newAttempt, profileStatement, V1 } from './fixtures.js'

const V1_FILE = join(PROFILE_DIR, 'digital-skills-v1.0.0.jsonld')
const V2 = `${PROFILE_ID}/v2.0.0`

/**
 * A profile directory with v1.0.0 as shipped and a v2.0.0 that also requires `result.duration`
 * on completed courses: statements declaring v1.0.0 must still be checked by v1.0.0's rules.
 */
function twoVersions(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-profile-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(V1_FILE, join(dir, 'digital-skills-v1.0.0.jsonld'))
  const next = JSON.parse(readFileSync(V1_FILE, 'utf8')) as {
    versions: Array<Record<string, unknown>>
    templates: Array<{ id: string; rules: Array<Record<string, unknown>> }>
  }
  next.versions = [
    { id: V2, wasRevisionOf: [V1], generatedAtTime: '2027-01-01T00:00:00Z' },
    ...next.versions,
  ]
  const completed = next.templates.find((template) => template.id === TEMPLATES.courseCompleted)
  completed?.rules.push({ location: '$.result.duration', presence: 'included' })
  writeFileSync(join(dir, 'digital-skills-v2.0.0.jsonld'), JSON.stringify(next))
  writeFileSync(join(dir, 'notes.jsonld'), '{}')
  return dir
}

const completed = (version: string) =>
  profileStatement(newAttempt(), 'completed', 'course', { result: { completion: true }, version })

t.test('every shipped version loads; the latest is served at the bare path', async (t) => {
  const profile = NationalProfile.load({ identityHomePage: 'https://vneid.gov.vn' })
  t.same(
    profile.versions.map((v) => v.iri),
    [V1],
  )
  t.equal(profile.latest.version, '1.0.0')
  t.equal(profile.version('9.9.9'), undefined)
})

t.test('a statement declaring an older supported version is checked by that version', async (t) => {
  const profile = NationalProfile.load({
    identityHomePage: 'https://vneid.gov.vn',
    dir: twoVersions(t),
  })
  t.same(
    profile.versions.map((v) => v.version),
    ['1.0.0', '2.0.0'],
    'oldest first, other files ignored',
  )
  t.equal(profile.latest.iri, V2)

  t.same(profile.check(completed(V1), 'statement'), [{ version: V1, findings: [] }])
  const [verdict] = profile.check(completed(V2), 'statement')
  t.match(verdict, {
    version: V2,
    findings: [{ location: '$.result.duration', presence: 'included' }],
  })
})

t.test('an unsupported version of the profile is itself a finding', async (t) => {
  const profile = NationalProfile.load({ identityHomePage: 'https://vneid.gov.vn' })
  const [verdict] = profile.check(completed(`${PROFILE_ID}/v0.9.0`), 'statements[1]')
  t.match(verdict, {
    version: `${PROFILE_ID}/v0.9.0`,
    findings: [
      { requirement: 'version', field: 'statements[1].context.contextActivities.category' },
    ],
  })
  t.match(
    verdict?.findings[0]?.message,
    /not a version of the national profile this hub supports \(.*v1\.0\.0\)/,
  )
})

t.test('statements that do not declare the profile are not checked', async (t) => {
  const profile = NationalProfile.load({ identityHomePage: 'https://vneid.gov.vn' })
  t.same(
    profile.check(
      { actor: { mbox: 'mailto:a@example.org' }, verb: { id: 'http://x.example/v' } },
      'statement',
    ),
    [],
  )
})

t.test(
  'served documents name the configured identity provider; inline schemas are enforced',
  async (t) => {
    const profile = NationalProfile.load({ identityHomePage: 'https://id.example.vn' })
    t.match(profile.latest.document, '"https://id.example.vn"')
    t.notMatch(profile.latest.document, 'vneid.gov.vn')

    const statement = completed(V1)
    ;(statement.actor as { account: { homePage: string } }).account.homePage =
      'https://id.example.vn'
    ;(statement.context as { extensions: Record<string, unknown> }).extensions[
      EXTENSIONS.province
    ] = 'Hà Nội'
    t.match(profile.check(statement, 'statement'), [
      { findings: [{ requirement: 'schema', templateId: EXTENSIONS.province }] },
    ])
  },
)

t.test('a profile document with another id stops the hub at start-up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-profile-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const document = JSON.parse(readFileSync(V1_FILE, 'utf8')) as Record<string, unknown>
  writeFileSync(
    join(dir, 'digital-skills-v1.0.0.jsonld'),
    JSON.stringify({ ...document, id: 'https://other.example/p' }),
  )
  t.throws(
    () => NationalProfile.load({ identityHomePage: 'https://vneid.gov.vn', dir }),
    /profile id must be/,
  )
})
