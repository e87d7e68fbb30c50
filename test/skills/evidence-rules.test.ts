import { readFileSync } from 'node:fs'
import t from 'tap'
import { competenceIri, EXTENSIONS, VERBS } from '../../src/profile/vocabulary.js'
import {
  extractEvidence,
  type EvidenceContext,
  type MappedCompetence,
} from '../../src/skills/evidence-rules.js'
import { normaliseLevel, parseFramework } from '../../src/skills/framework.js'
import { encodeStatusList, statusListBit } from '../../src/skills/status-list.js'
import type { JsonObject } from '../../src/xapi/agent-key.js'

const TT02 = parseFramework(
  JSON.parse(
    readFileSync(
      new URL('../../src/skills/frameworks/vn-tt02-2025-digital-competence.json', import.meta.url),
      'utf8',
    ),
  ),
)
const C11 = competenceIri('vn-tt02-2025-digital-competence', '2025', '1.1')
const C21 = competenceIri('vn-tt02-2025-digital-competence', '2025', '2.1')
const COURSE = 'https://lms.example.vn/courses/search-skills'

function context(mapping: Record<string, MappedCompetence[]> = {}): EvidenceContext {
  const known = new Set(TT02.competences.map((c) => c.iri))
  return {
    frameworkOf: (iri) => (known.has(iri) ? TT02 : undefined),
    mapped: (iri) => mapping[iri] ?? [],
  }
}

function statement(
  verb: string,
  result: JsonObject | undefined,
  definition: JsonObject = {},
): JsonObject {
  return {
    actor: { mbox: 'mailto:an@example.vn' },
    verb: { id: verb },
    object: { objectType: 'Activity', id: COURSE, definition },
    ...(result === undefined ? {} : { result }),
    timestamp: '2026-03-01T08:00:00.000Z',
    stored: '2026-03-01T08:00:01.000Z',
  }
}

const linked = { extensions: { [EXTENSIONS.competencies]: [C11] } }

t.test(
  'the framework shipped by default has 6 domains, 24 competences and 4 levels over 8 steps',
  async (t) => {
    t.equal(TT02.competences.length, 24)
    t.equal(new Set(TT02.competences.map((c) => c.domainCode)).size, 6)
    t.same(
      TT02.levels.map((l) => l.steps),
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
    )
    t.equal(TT02.competences[0]?.iri, C11, 'competence IRIs come from the profile vocabulary')
  },
)

t.test('a level or a step code normalises to the framework level', async (t) => {
  t.same(normaliseLevel(TT02, 2), { level: 2, step: null })
  t.same(normaliseLevel(TT02, '3'), { level: 3, step: null })
  t.same(normaliseLevel(TT02, 'TC1'), { level: 2, step: 3 })
  t.same(normaliseLevel(TT02, 'cs2'), { level: 4, step: 8 })
  t.same(normaliseLevel(TT02, 'step:5'), { level: 3, step: 5 })
  t.equal(normaliseLevel(TT02, 5), undefined, 'no fifth level')
  t.equal(normaliseLevel(TT02, 'XX1'), undefined)
})

t.test(
  'passed, and completed with success, are evidence; failure and plain completion are not',
  async (t) => {
    const passed = extractEvidence(
      statement(VERBS.passed, { score: { scaled: 0.8 } }, linked),
      context(),
    )
    t.same(passed, [
      {
        competenceIri: C11,
        level: 1,
        step: null,
        scoreScaled: 0.8,
        achievedAt: '2026-03-01T08:00:00.000Z',
      },
    ])
    t.equal(
      extractEvidence(statement(VERBS.completed, { success: true }, linked), context()).length,
      1,
    )
    t.same(extractEvidence(statement(VERBS.completed, { completion: true }, linked), context()), [])
    t.same(extractEvidence(statement(VERBS.completed, { success: false }, linked), context()), [])
    t.same(extractEvidence(statement(VERBS.passed, { success: false }, linked), context()), [])
    t.same(extractEvidence(statement(VERBS.failed, { success: false }, linked), context()), [])
    t.same(extractEvidence(statement(VERBS.progressed, { success: true }, linked), context()), [])
  },
)

t.test('the level comes from the result, then the definition, then the mapping', async (t) => {
  const definition = {
    extensions: { [EXTENSIONS.competencies]: [C11], [EXTENSIONS.proficiencyLevel]: 'NC1' },
  }
  const fromDefinition = extractEvidence(statement(VERBS.passed, {}, definition), context())
  t.same(
    fromDefinition.map((e) => [e.level, e.step]),
    [[3, 5]],
  )
  const fromResult = extractEvidence(
    statement(VERBS.passed, { extensions: { [EXTENSIONS.proficiencyLevel]: 'TC2' } }, definition),
    context(),
  )
  t.same(
    fromResult.map((e) => [e.level, e.step]),
    [[2, 4]],
  )
  const mapped = extractEvidence(
    statement(VERBS.passed, {}),
    context({ [COURSE]: [{ competenceIri: C21, level: 4 }] }),
  )
  t.same(
    mapped.map((e) => [e.competenceIri, e.level]),
    [[C21, 4]],
  )
})

t.test('unknown competences and unknown levels give no evidence rather than a guess', async (t) => {
  const unknown = {
    extensions: { [EXTENSIONS.competencies]: ['https://example.org/not-a-competence'] },
  }
  t.same(extractEvidence(statement(VERBS.passed, {}, unknown), context()), [])
  const badLevel = {
    extensions: { [EXTENSIONS.competencies]: [C11], [EXTENSIONS.proficiencyLevel]: 9 },
  }
  t.same(extractEvidence(statement(VERBS.passed, {}, badLevel), context()), [])
})

t.test('a framework document is checked field by field', async (t) => {
  const missingVersion = { id: 'x', title: { en: 'X' } }
  t.throws(() => parseFramework(missingVersion), { code: 'bad_request', field: 'version' })
  const misnumbered = {
    id: 'x',
    version: '1',
    title: { en: 'X' },
    levels: [{ order: 2, title: { en: 'L' }, steps: [1] }],
  }
  t.throws(() => parseFramework(misnumbered), { code: 'bad_request', field: 'levels[0].order' })
})

t.test('a status list sets exactly the revoked entries, most significant bit first', async (t) => {
  const encoded = encodeStatusList(131072, [0, 9, 131071])
  t.match(encoded, /^u/)
  t.equal(statusListBit(encoded, 0), true)
  t.equal(statusListBit(encoded, 1), false)
  t.equal(statusListBit(encoded, 9), true)
  t.equal(statusListBit(encoded, 131071), true)
  t.equal(statusListBit(encoded, 131072), undefined)
  t.equal(Buffer.from(encoded.slice(1), 'base64url')[0], 0x1f, 'GZIP')
})
