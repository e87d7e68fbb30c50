import jsonld from 'jsonld'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { PROFILE_DIR } from '../../src/profile/national-profile.js'
import { PROFILE_ID, PROFILE_VERSIONS, TEMPLATES } from '../../src/profile/vocabulary.js'

/**
 * The profile is valid JSON-LD, read by an independent processor (the `jsonld` package) with the
 * xAPI Profiles context. That context (https://w3id.org/xapi/profiles/context) cannot be fetched
 * here, so the copy shipped in schemas/profile/ is served by a document loader that fetches
 * nothing else. `safe` mode makes any term the context does not define an error instead of a
 * silently dropped property (xAPI Profiles, Structure: every property MUST expand to an IRI).
 */

const CONTEXT_URL = 'https://w3id.org/xapi/profiles/context'
const CONTEXT = JSON.parse(
  readFileSync(join(PROFILE_DIR, 'xapi-profiles-context.jsonld'), 'utf8'),
) as object
const PROFILE = 'https://w3id.org/xapi/profiles/ontology#'
const SKOS = 'http://www.w3.org/2004/02/skos/core#'

const documentLoader = async (url: string) => {
  if (url !== CONTEXT_URL)
    throw new Error(`the test fetches nothing but the profiles context, asked for ${url}`)
  return { contextUrl: undefined, documentUrl: url, document: CONTEXT }
}
const options = { documentLoader, safe: true } as unknown as jsonld.Options.Expand

const files = readdirSync(PROFILE_DIR).filter((name) => /^digital-skills-v.*\.jsonld$/.test(name))

t.test('a profile document exists for every version the vocabulary names', async (t) => {
  for (const version of Object.keys(PROFILE_VERSIONS))
    t.ok(files.includes(`digital-skills-v${version}.jsonld`), version)
})

for (const file of files) {
  const document = JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8')) as Record<
    string,
    unknown
  >

  t.test(`${file} expands with the xAPI Profiles context, every term defined`, async (t) => {
    t.equal(document['@context'], CONTEXT_URL)
    const expanded = (await jsonld.expand(document as jsonld.JsonLdDocument, options)) as Array<
      Record<string, unknown>
    >
    t.equal(expanded.length, 1)
    const root = expanded[0] as Record<string, unknown>
    t.equal(root['@id'], PROFILE_ID)
    t.same(root['@type'], [`${PROFILE}Profile`])
    const labels = root[`${SKOS}prefLabel`] as Array<{ '@language': string }>
    t.same(
      labels.map((l) => l['@language']).sort(),
      ['en', 'vi'],
      'names in English and Vietnamese',
    )
  })

  t.test(
    `${file} converts to RDF: templates, rules, patterns and concepts are triples`,
    async (t) => {
      const nquads = (await jsonld.toRDF(
        document as jsonld.JsonLdDocument,
        {
          ...options,
          format: 'application/n-quads',
        } as jsonld.Options.ToRdf,
      )) as unknown as string
      const lines = nquads.trim().split('\n')
      const templates = lines.filter((l) =>
        l.endsWith(
          `<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <${PROFILE}StatementTemplate> .`,
        ),
      )
      t.equal(templates.length, (document.templates as unknown[]).length, 'each template is typed')
      t.ok(
        lines.some((l) =>
          l.startsWith(
            `<${TEMPLATES.courseCompleted}> <${PROFILE}verb> <http://adlnet.gov/expapi/verbs/completed>`,
          ),
        ),
        'verbs are IRIs',
      )
      t.ok(
        lines.some((l) => l.includes(`<${PROFILE}presence> "included"`)),
        'rules keep their presence',
      )
      t.ok(
        lines.some((l) => l.includes(`<${PROFILE}sequence>`)),
        'the primary pattern is an ordered list',
      )
      t.ok(
        lines.some((l) => l.includes(`<${SKOS}inScheme> <${PROFILE_ID}/v`)),
        'concepts are in the version scheme',
      )
    },
  )
}

t.test('a property outside the context is an error, so the test would catch a typo', async (t) => {
  const document = JSON.parse(
    readFileSync(join(PROFILE_DIR, files[0] as string), 'utf8'),
  ) as Record<string, unknown>
  await t.rejects(
    jsonld.expand({ ...document, prefLabell: { en: 'x' } } as jsonld.JsonLdDocument, options),
  )
})
