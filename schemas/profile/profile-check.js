// @ts-check
/**
 * Checks xAPI statements against an xAPI Profile's Statement Templates and Patterns (xAPI
 * Profiles 1.0, Structure §Statement Templates, §Patterns).
 *
 * Shared by the hub (src/profile/, on the ingest path) and the conformance suite (conformance/,
 * run by auditors without the hub's code). It is plain JavaScript with no imports so that both
 * can load the same file: the hub's TypeScript build (rootDir src/) cannot compile a TypeScript
 * file outside src/, and the suite must not import src/. Its types are in profile-check.d.ts.
 *
 * Everything expensive happens once, in compileProfile: JSONPath locations are parsed into
 * steps, determining properties into sets, patterns into a small automaton. Checking a statement
 * is then a walk over a few object properties per rule.
 */

const XAPI_CONTEXT_KEYS = ['parent', 'grouping', 'category', 'other']

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** @param {Record<string, string> | undefined} map */
function label(map) {
  if (map === undefined) return ''
  return map.en ?? map['en-US'] ?? Object.values(map)[0] ?? ''
}

// ---------------------------------------------------------------------------------------------
// JSONPath, the subset xAPI Profiles allows (Structure §Statement Template Rules): `$`, child
// names (`.name`, `['name']`, `["name"]`), array indexes (`[0]`), `*` (`.*`, `[*]`) and unions
// of these inside brackets (`['a','b']`, `[0,2]`). Filter and script expressions are forbidden
// by the specification; recursive descent (`..`) is refused too, so a profile never depends on
// behaviour this evaluator does not have.
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {{ kind: 'all' } | { kind: 'names', names: string[] } | { kind: 'indexes', indexes: number[] }} Step
 */

/** @param {string} path @returns {Step[]} */
export function parseJsonPath(path) {
  /** @type {Step[]} */
  const steps = []
  let i = 0
  const fail = (/** @type {string} */ why) => {
    throw new Error(`JSONPath ${JSON.stringify(path)}: ${why} at character ${i}`)
  }
  if (path[i] !== '$') fail('must start with $')
  i++
  while (i < path.length) {
    const c = path[i]
    if (c === '.') {
      i++
      if (path[i] === '.') fail('recursive descent (..) is not supported')
      if (path[i] === '*') {
        steps.push({ kind: 'all' })
        i++
        continue
      }
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(path.slice(i))
      if (match === null) fail('expected a property name')
      const name = /** @type {RegExpExecArray} */ (match)[0]
      steps.push({ kind: 'names', names: [name] })
      i += name.length
      continue
    }
    if (c !== '[') fail('expected . or [')
    i++
    if (path[i] === '*' && path[i + 1] === ']') {
      steps.push({ kind: 'all' })
      i += 2
      continue
    }
    /** @type {string[]} */
    const names = []
    /** @type {number[]} */
    const indexes = []
    for (;;) {
      while (path[i] === ' ') i++
      const quote = path[i]
      if (quote === "'" || quote === '"') {
        const end = path.indexOf(quote, i + 1)
        if (end < 0) fail('unterminated string')
        names.push(path.slice(i + 1, end))
        i = end + 1
      } else {
        const match = /^\d+/.exec(path.slice(i))
        if (match === null) fail('expected a quoted name, an index or *')
        const digits = /** @type {RegExpExecArray} */ (match)[0]
        indexes.push(Number(digits))
        i += digits.length
      }
      while (path[i] === ' ') i++
      if (path[i] === ',') {
        i++
        continue
      }
      if (path[i] === ']') {
        i++
        break
      }
      fail('expected , or ]')
    }
    if (names.length > 0 && indexes.length > 0) fail('a union mixes names and indexes')
    steps.push(names.length > 0 ? { kind: 'names', names } : { kind: 'indexes', indexes })
  }
  return steps
}

/**
 * The values a parsed path selects in `root`, in document order; absent members select nothing.
 * @param {Step[]} steps @param {unknown} root @returns {unknown[]}
 */
export function selectPath(steps, root) {
  let current = [root]
  for (const step of steps) {
    /** @type {unknown[]} */
    const next = []
    for (const value of current) {
      if (step.kind === 'all') {
        if (Array.isArray(value)) next.push(...value)
        else if (isObject(value)) next.push(...Object.values(value))
      } else if (step.kind === 'names') {
        if (!isObject(value)) continue
        for (const name of step.names) if (Object.hasOwn(value, name)) next.push(value[name])
      } else if (Array.isArray(value)) {
        for (const index of step.indexes) if (index < value.length) next.push(value[index])
      }
    }
    current = next
  }
  return current
}

// ---------------------------------------------------------------------------------------------
// Statement Templates
// ---------------------------------------------------------------------------------------------

/** @param {unknown} a @param {unknown} b @returns {boolean} */
function jsonEqual(a, b) {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]))
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => jsonEqual(a[k], b[k]))
  }
  return false
}

/**
 * contextActivities as xAPI Profiles requires them before rules are evaluated: a single Activity
 * is an array of one (Structure §Statement Template Rules, after Data §2.4.6.2).
 * @param {Record<string, unknown>} statement
 */
function normalised(statement) {
  const context = statement.context
  if (!isObject(context) || !isObject(context.contextActivities)) return statement
  const activities = { ...context.contextActivities }
  for (const key of XAPI_CONTEXT_KEYS) {
    const value = activities[key]
    if (isObject(value)) activities[key] = [value]
  }
  return { ...statement, context: { ...context, contextActivities: activities } }
}

/** @param {Record<string, unknown>} statement @param {string} key @returns {Set<string>} */
function contextActivityTypes(statement, key) {
  const types = new Set()
  const context = statement.context
  if (!isObject(context) || !isObject(context.contextActivities)) return types
  const list = context.contextActivities[key]
  for (const activity of Array.isArray(list) ? list : []) {
    if (isObject(activity) && isObject(activity.definition) && typeof activity.definition.type === 'string') {
      types.add(activity.definition.type)
    }
  }
  return types
}

/**
 * The field a rule location names, in the hub's error notation: `$.context.extensions['x']`
 * under `statements[2]` is `statements[2].context.extensions["x"]`.
 * @param {string} location @param {string} prefix
 */
export function fieldOf(location, prefix) {
  return `${prefix}${location.slice(1).replace(/\['([^']*)'\]/g, (_m, name) => `[${JSON.stringify(name)}]`)}`
}

/** @param {unknown} value */
function show(value) {
  const text = JSON.stringify(value)
  return text === undefined ? 'undefined' : text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/**
 * @param {any} rule
 * @param {string} where
 */
function compileRule(rule, where) {
  if (!isObject(rule) || typeof rule.location !== 'string') throw new Error(`${where}: a rule needs a location`)
  const presence = rule.presence
  if (presence !== undefined && presence !== 'included' && presence !== 'excluded' && presence !== 'recommended') {
    throw new Error(`${where}: presence must be included, excluded or recommended`)
  }
  if (presence === undefined && rule.any === undefined && rule.all === undefined && rule.none === undefined) {
    throw new Error(`${where}: a rule needs one of presence, any, all, none`)
  }
  return {
    location: rule.location,
    locationSteps: parseJsonPath(rule.location),
    selectorSteps: typeof rule.selector === 'string' ? parseJsonPath(rule.selector) : undefined,
    selector: typeof rule.selector === 'string' ? rule.selector : undefined,
    presence,
    any: Array.isArray(rule.any) ? rule.any : undefined,
    all: Array.isArray(rule.all) ? rule.all : undefined,
    none: Array.isArray(rule.none) ? rule.none : undefined,
  }
}

/**
 * Evaluates one rule (Structure §Statement Template Rules and the validation algorithm of the
 * Communication part): a location yields values; with a selector each value yields the values
 * matched, and one that yields nothing is "unmatchable". Returns why the rule is broken, or
 * undefined when it holds.
 * @param {ReturnType<typeof compileRule>} rule
 * @param {Record<string, unknown>} statement
 * @returns {{ requirement: string, message: string } | undefined}
 */
function breaks(rule, statement) {
  const located = selectPath(rule.locationSteps, statement)
  let values = located
  let unmatchable = false
  if (rule.selectorSteps !== undefined) {
    const steps = rule.selectorSteps
    values = []
    for (const item of located) {
      const selected = selectPath(steps, item)
      if (selected.length === 0) unmatchable = true
      values.push(...selected)
    }
  }

  if (rule.presence === 'included' && (values.length === 0 || unmatchable)) {
    return { requirement: 'presence', message: 'must be included' }
  }
  if (rule.presence === 'excluded') {
    return values.length > 0 ? { requirement: 'presence', message: 'must be excluded' } : undefined
  }
  if (rule.presence === 'recommended' && values.length === 0) return undefined

  const matches = (/** @type {unknown} */ value, /** @type {unknown[]} */ list) => list.some((allowed) => jsonEqual(value, allowed))
  if (rule.any !== undefined && !values.some((value) => matches(value, /** @type {unknown[]} */ (rule.any)))) {
    return { requirement: 'any', message: `must hold one of ${show(rule.any)}, got ${show(values)}` }
  }
  if (rule.all !== undefined) {
    const bad = values.find((value) => !matches(value, /** @type {unknown[]} */ (rule.all)))
    if (values.length === 0 || unmatchable || bad !== undefined) {
      return { requirement: 'all', message: `must only hold values of ${show(rule.all)}, got ${show(values)}` }
    }
  }
  if (rule.none !== undefined) {
    const bad = values.find((value) => matches(value, /** @type {unknown[]} */ (rule.none)))
    if (bad !== undefined) return { requirement: 'none', message: `must not hold ${show(bad)}` }
  }
  return undefined
}

/** @param {any} template */
function compileTemplate(template) {
  const where = `template ${template.id}`
  /** @type {Array<[string, Set<string>]>} */
  const contextTypes = []
  for (const key of XAPI_CONTEXT_KEYS) {
    const name = `context${key[0]?.toUpperCase()}${key.slice(1)}ActivityType`
    if (Array.isArray(template[name])) contextTypes.push([key, new Set(template[name])])
  }
  return {
    id: String(template.id),
    label: label(template.prefLabel),
    allowedSolo: template.allowedSolo === true,
    verb: typeof template.verb === 'string' ? template.verb : undefined,
    objectActivityType: typeof template.objectActivityType === 'string' ? template.objectActivityType : undefined,
    contextTypes,
    attachmentUsageTypes: Array.isArray(template.attachmentUsageType) ? new Set(template.attachmentUsageType) : undefined,
    rules: (Array.isArray(template.rules) ? template.rules : []).map((/** @type {unknown} */ rule, /** @type {number} */ i) => compileRule(rule, `${where} rule ${i}`)),
  }
}

/**
 * Whether a statement has every determining property of a template (Structure §Statement
 * Templates: verb, object activity type, context activity types, attachment usage types).
 * @param {ReturnType<typeof compileTemplate>} template @param {Record<string, unknown>} statement
 */
function determines(template, statement) {
  if (template.verb !== undefined && !(isObject(statement.verb) && statement.verb.id === template.verb)) return false
  if (template.objectActivityType !== undefined) {
    const object = statement.object
    const type = isObject(object) && isObject(object.definition) ? object.definition.type : undefined
    if (type !== template.objectActivityType) return false
  }
  for (const [key, wanted] of template.contextTypes) {
    const present = contextActivityTypes(statement, key)
    for (const type of wanted) if (!present.has(type)) return false
  }
  if (template.attachmentUsageTypes !== undefined) {
    const usage = new Set((Array.isArray(statement.attachments) ? statement.attachments : []).map((a) => (isObject(a) ? a.usageType : undefined)))
    for (const type of template.attachmentUsageTypes) if (!usage.has(type)) return false
  }
  return true
}

// ---------------------------------------------------------------------------------------------
// Patterns: compiled to a nondeterministic automaton over template ids and run with state sets
// (Thompson's construction), so alternates, optional and repetition need no backtracking.
// ---------------------------------------------------------------------------------------------

/**
 * @param {Map<string, any>} patterns @param {Set<string>} templates @param {string} rootId
 */
function compilePattern(patterns, templates, rootId) {
  /** @type {Array<{ eps: number[], edges: Array<[string, number]> }>} */
  const states = []
  const state = () => states.push({ eps: [], edges: [] }) - 1
  const at = (/** @type {number} */ s) => /** @type {{ eps: number[], edges: Array<[string, number]> }} */ (states[s])
  const eps = (/** @type {number} */ from, /** @type {number} */ to) => at(from).eps.push(to)
  /** @param {string} ref @param {number} start @param {Set<string>} path @returns {number} */
  const build = (ref, start, path) => {
    if (templates.has(ref)) {
      const end = state()
      at(start).edges.push([ref, end])
      return end
    }
    const pattern = patterns.get(ref)
    if (pattern === undefined) throw new Error(`pattern ${rootId} refers to ${ref}, neither a template nor a pattern of the profile`)
    if (path.has(ref)) throw new Error(`pattern ${ref} refers to itself`)
    const inner = new Set(path).add(ref)
    const entry = state()
    eps(start, entry)
    const exit = state()
    if (Array.isArray(pattern.sequence)) {
      let at = entry
      for (const part of pattern.sequence) at = build(part, at, inner)
      eps(at, exit)
    } else if (Array.isArray(pattern.alternates)) {
      for (const part of pattern.alternates) eps(build(part, entry, inner), exit)
    } else if (typeof pattern.optional === 'string') {
      eps(build(pattern.optional, entry, inner), exit)
      eps(entry, exit)
    } else if (typeof pattern.zeroOrMore === 'string') {
      eps(build(pattern.zeroOrMore, entry, inner), entry)
      eps(entry, exit)
    } else if (typeof pattern.oneOrMore === 'string') {
      const end = build(pattern.oneOrMore, entry, inner)
      eps(end, entry)
      eps(end, exit)
    } else {
      throw new Error(`pattern ${ref} needs one of sequence, alternates, optional, zeroOrMore, oneOrMore`)
    }
    return exit
  }
  const start = state()
  const accept = build(rootId, start, new Set())
  return { states, start, accept }
}

/** @param {ReturnType<typeof compilePattern>} nfa @param {Iterable<number>} from */
function closure(nfa, from) {
  const seen = new Set(from)
  const stack = [...seen]
  while (stack.length > 0) {
    const s = /** @type {number} */ (stack.pop())
    for (const next of /** @type {{ eps: number[] }} */ (nfa.states[s]).eps) {
      if (!seen.has(next)) {
        seen.add(next)
        stack.push(next)
      }
    }
  }
  return seen
}

// ---------------------------------------------------------------------------------------------
// Compiling a profile version
// ---------------------------------------------------------------------------------------------

/**
 * A copy of a profile document whose learner rules name another identity provider. The learner's
 * identity provider is deployment configuration: the published document holds the national
 * default, and a hub configured otherwise checks, and serves, its own.
 * @param {any} published @param {string} homePage @returns {any}
 */
export function withIdentityProvider(published, homePage) {
  const document = structuredClone(published)
  for (const template of Array.isArray(document.templates) ? document.templates : []) {
    for (const rule of Array.isArray(template.rules) ? template.rules : []) {
      if (rule.location === '$.actor.account.homePage' && Array.isArray(rule.all)) rule.all = [homePage]
    }
  }
  return document
}

/**
 * Compiles one profile document (one version) for checking.
 * @param {any} published the document as parsed from JSON; it is not modified
 * @param {import('./profile-check.js').CompileOptions} [options]
 * @returns {import('./profile-check.js').CompiledProfile}
 */
export function compileProfile(published, options = {}) {
  const document = options.identityHomePage === undefined ? published : withIdentityProvider(published, options.identityHomePage)
  if (!isObject(document) || document.type !== 'Profile' || typeof document.id !== 'string') {
    throw new Error('not an xAPI Profile document (type Profile with an id)')
  }
  const versions = Array.isArray(document.versions) ? document.versions : []
  const versionId = isObject(versions[0]) && typeof versions[0].id === 'string' ? versions[0].id : undefined
  if (versionId === undefined) throw new Error('the profile lists no version')
  const prefLabel = /** @type {Record<string, string>} */ (document.prefLabel ?? {})

  const templateDocs = Array.isArray(document.templates) ? document.templates : []
  const templates = templateDocs.map(compileTemplate)
  const templateIds = new Set(templates.map((t) => t.id))

  /** @type {Array<{ id: string, label: string, type: string, check: (value: unknown) => boolean }>} */
  const extensions = []
  for (const concept of Array.isArray(document.concepts) ? document.concepts : []) {
    if (!isObject(concept) || typeof concept.inlineSchema !== 'string' || options.compileSchema === undefined) continue
    if (concept.type !== 'ContextExtension' && concept.type !== 'ResultExtension' && concept.type !== 'ActivityExtension') continue
    extensions.push({
      id: String(concept.id),
      label: label(/** @type {Record<string, string>} */ (concept.prefLabel)),
      type: concept.type,
      check: options.compileSchema(JSON.parse(concept.inlineSchema)),
    })
  }

  const patternDocs = new Map((Array.isArray(document.patterns) ? document.patterns : []).map((p) => [String(p.id), p]))
  const primary = [...patternDocs.values()]
    .filter((p) => p.primary === true)
    .map((p) => ({ id: String(p.id), label: label(p.prefLabel), nfa: compilePattern(patternDocs, templateIds, String(p.id)) }))
  const labels = new Map(templates.map((t) => [t.id, t.label]))

  /** @type {import('./profile-check.js').CompiledProfile['check']} */
  function check(sent, prefix = 'statement') {
    const statement = normalised(sent)
    /** @type {import('./profile-check.js').Finding[]} */
    const findings = []
    const matched = templates.filter((template) => determines(template, statement))
    if (matched.length === 0) {
      findings.push({
        templateId: versionId ?? '',
        templateLabel: label(prefLabel),
        location: '$.verb.id',
        presence: undefined,
        requirement: 'template',
        field: `${prefix}.verb`,
        message: 'the statement declares the profile but matches none of its statement templates (verb and object activity type)',
      })
    }
    for (const template of matched) {
      for (const rule of template.rules) {
        const broken = breaks(rule, statement)
        if (broken === undefined) continue
        findings.push({
          templateId: template.id,
          templateLabel: template.label,
          location: rule.location,
          presence: rule.presence,
          requirement: broken.requirement,
          field: fieldOf(rule.location, prefix),
          message: broken.message,
        })
      }
    }
    for (const extension of extensions) {
      const location = extensionLocation(extension.type, extension.id)
      for (const value of selectPath(location.steps, statement)) {
        if (extension.check(value)) continue
        findings.push({
          templateId: extension.id,
          templateLabel: extension.label,
          location: location.path,
          presence: undefined,
          requirement: 'schema',
          field: fieldOf(location.path, prefix),
          message: `does not match the inlineSchema of the ${extension.label} extension: ${show(value)}`,
        })
      }
    }
    return { templates: matched.map((t) => t.id), findings }
  }

  return { profileId: document.id, versionId, label: label(prefLabel), templates: templates.map((t) => ({ id: t.id, label: t.label, allowedSolo: t.allowedSolo })), patterns: primary.map((p) => ({ id: p.id, label: p.label })), check, matchPatterns: (sequence) => matchPatterns(primary, templates, labels, sequence) }
}

/** @param {string} type @param {string} id */
function extensionLocation(type, id) {
  const key = `['${id}']`
  const path =
    type === 'ContextExtension' ? `$.context.extensions${key}` : type === 'ResultExtension' ? `$.result.extensions${key}` : `$.object.definition.extensions${key}`
  return { path, steps: parseJsonPath(path) }
}

/**
 * Whether a sequence of statements (one registration, in timestamp order), each given as the ids
 * of the templates it matched, follows one of the primary patterns (Structure §Patterns). A
 * sequence of one statement matching an allowedSolo template is an Implied Pattern.
 * @param {Array<{ id: string, label: string, nfa: ReturnType<typeof compilePattern> }>} primary
 * @param {Array<ReturnType<typeof compileTemplate>>} templates
 * @param {Map<string, string>} labels
 * @param {ReadonlyArray<{ id: string, templates: readonly string[] }>} sequence
 * @returns {import('./profile-check.js').PatternResult}
 */
function matchPatterns(primary, templates, labels, sequence) {
  const first = sequence[0]
  if (sequence.length === 1 && first !== undefined) {
    const solo = templates.find((t) => t.allowedSolo && first.templates.includes(t.id))
    if (solo !== undefined) return { ok: true, pattern: solo.id, message: `implied pattern: ${solo.label} is allowed solo` }
  }
  if (primary.length === 0) return { ok: false, pattern: undefined, message: 'the profile has no primary pattern' }
  /** @type {string | undefined} */
  let best
  let bestAt = -1
  for (const pattern of primary) {
    const { nfa } = pattern
    let current = closure(nfa, [nfa.start])
    let index = 0
    for (; index < sequence.length; index++) {
      const item = /** @type {{ id: string, templates: readonly string[] }} */ (sequence[index])
      /** @type {number[]} */
      const next = []
      for (const s of current) {
        for (const [template, to] of /** @type {{ edges: Array<[string, number]> }} */ (nfa.states[s]).edges) {
          if (item.templates.includes(template)) next.push(to)
        }
      }
      if (next.length === 0) break
      current = closure(nfa, next)
    }
    if (index === sequence.length && current.has(nfa.accept)) return { ok: true, pattern: pattern.id, message: `follows ${pattern.label}` }
    if (index > bestAt) {
      bestAt = index
      const expected = new Set()
      for (const s of current) for (const [template] of /** @type {{ edges: Array<[string, number]> }} */ (nfa.states[s]).edges) expected.add(labels.get(template) ?? template)
      const wanted = [...expected].join(', ')
      const item = sequence[index]
      best =
        item === undefined
          ? `${pattern.label}: the statements end before the pattern does; expected next: ${wanted}`
          : `${pattern.label}: statement ${index + 1} (${item.id}, ${item.templates.map((t) => labels.get(t) ?? t).join(' / ') || 'no template'}) cannot come here; expected: ${wanted}`
    }
  }
  return { ok: false, pattern: primary[0]?.id, message: best ?? 'no primary pattern matched' }
}

/**
 * The versions of `profileId` a statement declares: category context activities whose id is the
 * profile's IRI or starts with it followed by `/` (Structure §Using Profiles in Statements: a
 * statement names the profile version it follows as a category activity).
 * @param {unknown} statement @param {string} profileId @returns {string[]}
 */
export function declaredVersions(statement, profileId) {
  if (!isObject(statement) || !isObject(statement.context) || !isObject(statement.context.contextActivities)) return []
  const category = statement.context.contextActivities.category
  const list = Array.isArray(category) ? category : isObject(category) ? [category] : []
  /** @type {string[]} */
  const found = []
  for (const activity of list) {
    if (!isObject(activity) || typeof activity.id !== 'string') continue
    if (activity.id === profileId || activity.id.startsWith(`${profileId}/`)) found.push(activity.id)
  }
  return found
}
