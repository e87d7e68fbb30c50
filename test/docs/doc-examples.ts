/**
 * Executable examples in Markdown documents. A fenced block whose info string carries one of
 * these attributes is part of the contract the document states:
 *
 * - `example=<id>`: something to run. `http` blocks hold a raw HTTP request (request line,
 *   headers, blank line, body); `sh` blocks hold `export` lines and one `hub` command.
 * - `response=<id>`: what the hub must answer to the example of that id. `http` blocks hold a
 *   status line, the headers that must be present and, optionally, a body; `json` blocks hold the
 *   command line's output; `text` blocks its plain output.
 * - `jwt=<id>`: the claims of a JWT the reader signs; the runner signs them and `{{<id>}}` then
 *   stands for the signed token.
 *
 * Placeholders `{{name}}` stand for values the reader has (the hub's URL, a key, a token). In a
 * response, a placeholder not yet known captures the value the hub answered, and later examples
 * use it; `{{*}}` matches anything. Expected JSON is partial: objects need only the properties
 * shown, arrays must have the elements shown, in order, and no more.
 */

export interface DocBlock {
  kind: 'example' | 'response' | 'jwt'
  id: string
  /** The info string's language: `http`, `sh`, `json`, `text`. */
  lang: string
  text: string
  /** 1-based line of the opening fence, for messages. */
  line: number
}

const FENCE = /^```(\w+)((?:\s+[\w-]+=[\w.-]+)*)\s*$/
const ATTRIBUTE = /([\w-]+)=([\w.-]+)/g

/** The tagged fenced blocks of a Markdown document, in document order. */
export function parseDocBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split('\n')
  const blocks: DocBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (open === null) {
      if ((lines[i] ?? '').startsWith('```')) i = closingFence(lines, i)
      continue
    }
    const end = closingFence(lines, i)
    const attributes = new Map([...(open[2] ?? '').matchAll(ATTRIBUTE)].map((m) => [m[1], m[2]]))
    for (const kind of ['example', 'response', 'jwt'] as const) {
      const id = attributes.get(kind)
      if (id !== undefined) {
        const text = lines.slice(i + 1, end).join('\n')
        blocks.push({ kind, id, lang: open[1] ?? '', text, line: i + 1 })
      }
    }
    i = end
  }
  return blocks
}

function closingFence(lines: string[], open: number): number {
  for (let j = open + 1; j < lines.length; j++) if (lines[j] === '```') return j
  throw new Error(`unclosed code block at line ${open + 1}`)
}

const PLACEHOLDER = /\{\{([^{}]+)\}\}/g

/** Values known so far; `resolve` may add new ones (fresh UUIDs, clock values). */
export interface Variables {
  get(name: string): string | undefined
  set(name: string, value: string): void
}

/** Replaces every placeholder by its value; an unknown one is an error in the document. */
export function fill(text: string, vars: Variables): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = vars.get(name)
    if (value === undefined) throw new Error(`placeholder {{${name}}} is used before it is known`)
    return value
  })
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Matches `actual` against a template string. Known placeholders must equal their value,
 * `{{*}}` matches anything, unknown placeholders capture. Returns the captures, or undefined.
 */
export function matchTemplate(
  template: string,
  actual: string,
  vars: Variables,
): Map<string, string> | undefined {
  const names: string[] = []
  let pattern = ''
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    pattern += escapeRegExp(template.slice(last, match.index))
    const name = match[1] ?? ''
    const known = name === '*' ? undefined : vars.get(name)
    if (name === '*') pattern += '[\\s\\S]*?'
    else if (known !== undefined) pattern += escapeRegExp(known)
    else {
      names.push(name)
      pattern += '([\\s\\S]+?)'
    }
    last = match.index + match[0].length
  }
  pattern += escapeRegExp(template.slice(last))
  const found = new RegExp(`^${pattern}$`).exec(actual)
  if (found === null) return undefined
  return new Map(names.map((name, n) => [name, found[n + 1] ?? '']))
}

/**
 * Partial match of a JSON value against an expected one whose strings may hold placeholders.
 * Returns a list of mismatches (empty when it matches) and records captures in `vars`.
 */
export function matchJson(
  expected: unknown,
  actual: unknown,
  vars: Variables,
  path = '$',
): string[] {
  const mismatch = [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`]
  if (typeof expected === 'string') {
    if (typeof actual !== 'string') return mismatch
    const captures = matchTemplate(expected, actual, vars)
    if (captures === undefined) return mismatch
    for (const [name, value] of captures) vars.set(name, value)
    return []
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`]
    if (actual.length !== expected.length)
      return [`${path}: expected ${expected.length} elements, got ${actual.length}`]
    return expected.flatMap((item, n) => matchJson(item, actual[n], vars, `${path}[${n}]`))
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`]
    const record = actual as Record<string, unknown>
    return Object.entries(expected).flatMap(([key, value]) =>
      key in record
        ? matchJson(value, record[key], vars, `${path}.${key}`)
        : [`${path}.${key}: missing`],
    )
  }
  return Object.is(expected, actual) ? [] : mismatch
}

export interface HttpMessage {
  /** The request line or the status line. */
  startLine: string
  headers: Array<[string, string]>
  body: string
}

/** Splits a raw HTTP message into its start line, headers and body. */
export function parseHttpMessage(text: string): HttpMessage {
  const lines = text.split('\n')
  const blank = lines.indexOf('')
  const head = blank === -1 ? lines : lines.slice(0, blank)
  const headers = head.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':')
    if (colon === -1) throw new Error(`not a header line: ${line}`)
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()]
  })
  return {
    startLine: head[0] ?? '',
    headers,
    body:
      blank === -1
        ? ''
        : lines
            .slice(blank + 1)
            .join('\n')
            .trim(),
  }
}

/** Splits a shell command line into words, honouring single and double quotes. */
export function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: '"' | "'" | undefined
  for (const char of line) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined
      else word = (word ?? '') + char
    } else if (char === '"' || char === "'") {
      quote = char
      word ??= ''
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else word = (word ?? '') + char
  }
  if (quote !== undefined) throw new Error(`unclosed quote in: ${line}`)
  if (word !== undefined) words.push(word)
  return words
}

/** The commands of a shell block: continuation lines joined, comments and blank lines dropped. */
export function shellCommands(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}
