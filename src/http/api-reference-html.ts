/**
 * Renders the OpenAPI document as one self-contained HTML page: inline styles, no scripts, no
 * fonts or assets from elsewhere, because hubs often run on networks without internet access.
 * The page lists every operation with its parameters, request body, responses and examples, then
 * every schema of the document.
 */

type Node = Record<string, unknown>

const METHODS = ['get', 'head', 'put', 'post', 'delete', 'patch', 'options'] as const

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function node(value: unknown): Node {
  return isNode(value) ? value : {}
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function escape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** Paragraphs on blank lines and `code` spans: the only markup the document's texts use. */
function prose(value: unknown): string {
  const source = text(value)
  if (source === undefined || source.trim() === '') return ''
  return source
    .trim()
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${escape(paragraph).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('\n')
}

/** Anchor ids built from names the document chooses: letters, digits, `-` and `_` only. */
function anchor(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

class Renderer {
  constructor(private readonly document: Node) {}

  /** Follows local references (`#/components/...`); the document has no others. */
  resolve(value: unknown): Node {
    let current = node(value)
    for (let depth = 0; depth < 10; depth++) {
      const ref = text(current.$ref)
      if (ref === undefined || !ref.startsWith('#/')) return current
      let target: unknown = this.document
      for (const part of ref.slice(2).split('/')) {
        target = node(target)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
      }
      current = node(target)
    }
    return current
  }

  /** A short description of a schema: a link for a named schema, else its type and limits. */
  schemaSummary(value: unknown): string {
    const schema = node(value)
    const ref = text(schema.$ref)
    if (ref?.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length)
      return `<a href="#${anchor('schema', name)}">${escape(name)}</a>`
    }
    for (const combiner of ['oneOf', 'anyOf']) {
      const options = schema[combiner]
      if (Array.isArray(options))
        return options.map((option) => this.schemaSummary(option)).join(' | ')
    }
    if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`
    if (Array.isArray(schema.enum)) {
      return schema.enum.map((entry) => `<code>${escape(JSON.stringify(entry))}</code>`).join(' | ')
    }
    const type = text(schema.type) ?? (schema.properties === undefined ? 'any' : 'object')
    if (type === 'array') return `array of ${this.schemaSummary(schema.items)}`
    const format = text(schema.format)
    const fallback =
      schema.default === undefined
        ? ''
        : `, default <code>${escape(JSON.stringify(schema.default))}</code>`
    return `${escape(type)}${format === undefined ? '' : ` (${escape(format)})`}${fallback}`
  }

  examples(media: Node): string {
    const shown: string[] = []
    if (media.example !== undefined) shown.push(this.example('Example', media.example))
    for (const [name, raw] of Object.entries(node(media.examples))) {
      const example = this.resolve(raw)
      shown.push(this.example(text(example.summary) ?? name, example.value))
    }
    return shown.join('\n')
  }

  example(title: string, value: unknown): string {
    const body = typeof value === 'string' ? value : JSON.stringify(value, null, 2)
    return `<details class="example"><summary>${escape(title)}</summary><pre>${escape(body)}</pre></details>`
  }

  content(content: unknown): string {
    return Object.entries(node(content))
      .map(([type, raw]) => {
        const media = node(raw)
        return `<div class="media"><code>${escape(type)}</code> — ${this.schemaSummary(media.schema)}</div>\n${this.examples(media)}`
      })
      .join('\n')
  }

  parameters(list: unknown[]): string {
    if (list.length === 0) return ''
    const rows = list.map((raw) => {
      const parameter = this.resolve(raw)
      const media = node(Object.values(node(parameter.content))[0])
      const schema = parameter.schema ?? media.schema
      const json = parameter.content === undefined ? '' : ' (JSON)'
      const example = parameter.example ?? media.example
      const shown =
        example === undefined
          ? ''
          : `<p>Example: <code>${escape(JSON.stringify(example))}</code></p>`
      return (
        `<tr><td><code>${escape(text(parameter.name) ?? '')}</code></td><td>${escape(text(parameter.in) ?? '')}</td>` +
        `<td>${parameter.required === true ? 'yes' : 'no'}</td><td>${this.schemaSummary(schema)}${json}</td>` +
        `<td>${prose(parameter.description)}${shown}</td></tr>`
      )
    })
    return (
      `<h4>Parameters</h4>\n<table><thead><tr><th>Name</th><th>In</th><th>Required</th><th>Type</th>` +
      `<th>Description</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
    )
  }

  requestBody(raw: unknown): string {
    if (raw === undefined) return ''
    const body = this.resolve(raw)
    return `<h4>Request body${body.required === true ? '' : ' (optional)'}</h4>\n${prose(body.description)}\n${this.content(body.content)}`
  }

  responses(raw: unknown): string {
    const items = Object.entries(node(raw)).map(([status, value]) => {
      const response = this.resolve(value)
      const headers = Object.keys(node(response.headers))
      const headerLine =
        headers.length === 0
          ? ''
          : `<div class="headers">Headers: ${headers.map((h) => `<code>${escape(h)}</code>`).join(', ')}</div>`
      return (
        `<div class="response"><span class="status s${escape(status.charAt(0))}">${escape(status)}</span>` +
        `${prose(response.description)}${headerLine}\n${this.content(response.content)}</div>`
      )
    })
    return `<h4>Responses</h4>\n${items.join('\n')}`
  }

  operation(path: string, method: string, op: Node, shared: unknown[]): string {
    const id = text(op.operationId) ?? `${method}${path}`
    const security =
      Array.isArray(op.security) && op.security.length === 0
        ? '<span class="public">public</span>'
        : ''
    const parameters = [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]
    return `<section class="operation" id="${anchor('op', id)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code> ${security}</h3>
<p class="summary">${escape(text(op.summary) ?? '')}</p>
${prose(op.description)}
${this.parameters(parameters)}
${this.requestBody(op.requestBody)}
${this.responses(op.responses)}
</section>`
  }

  operations(): { index: string; body: string } {
    const index: string[] = []
    const body: string[] = []
    for (const [path, raw] of Object.entries(node(this.document.paths))) {
      const item = node(raw)
      const shared = Array.isArray(item.parameters) ? item.parameters : []
      for (const method of METHODS) {
        const op = item[method]
        if (!isNode(op)) continue
        const id = text(op.operationId) ?? `${method}${path}`
        index.push(
          `<li><a href="#${anchor('op', id)}"><span class="method ${method}">${method.toUpperCase()}</span> ${escape(path)}</a></li>`,
        )
        body.push(this.operation(path, method, op, shared))
      }
    }
    return { index: `<ul class="index">\n${index.join('\n')}\n</ul>`, body: body.join('\n') }
  }

  schemas(): string {
    const entries = Object.entries(node(node(this.document.components).schemas))
    return entries
      .map(
        ([name, schema]) =>
          `<section class="schema" id="${anchor('schema', name)}"><h3>${escape(name)}</h3>` +
          `${prose(node(schema).description)}<pre>${escape(JSON.stringify(schema, null, 2))}</pre></section>`,
      )
      .join('\n')
  }

  page(): string {
    const info = node(this.document.info)
    const title = `${text(info.title) ?? 'API'} ${text(info.version) ?? ''}`.trim()
    const { index, body } = this.operations()
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escape(title)}</h1>
<p class="links"><a href="/openapi.yaml">openapi.yaml</a> · <a href="/openapi.json">openapi.json</a></p>
${prose(info.description)}</header>
<nav><h2>Operations</h2>
${index}
<h2><a href="#schemas">Schemas</a></h2></nav>
<main>
<h2>Operations</h2>
${body}
<h2 id="schemas">Schemas</h2>
${this.schemas()}
</main>
</body>
</html>
`
  }
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header,main,nav{max-width:1000px;margin:0 auto;padding:0 1.25rem}
header{padding-top:1.5rem}
h1{margin:.2rem 0}h2{margin-top:2rem;border-bottom:2px solid #d8dde6}
h3{margin:.2rem 0}h4{margin:1rem 0 .3rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:#f1f3f7;padding:.6rem;overflow:auto;border-radius:4px}
p code,td code,.media code{background:#eef1f5;padding:0 .25rem;border-radius:3px}
.index{list-style:none;padding:0;columns:2}.index a{text-decoration:none;color:inherit}
.operation,.schema{background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.2em;text-align:center;border-radius:3px;color:#fff;font-size:12px;font-weight:600;padding:1px 4px}
.get{background:#2f6fb3}.head{background:#5b6b82}.put{background:#b4731d}.post{background:#2e8b57}.delete{background:#b3372f}
.patch,.options{background:#6b4fa3}
.public{font-size:12px;color:#2e8b57;border:1px solid #2e8b57;border-radius:3px;padding:0 4px}
.summary{font-weight:600}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #e2e6ec;padding:.3rem .5rem;text-align:left;vertical-align:top}
td p{margin:0}
.response{margin:.4rem 0;padding-left:.5rem;border-left:3px solid #d8dde6}
.status{font-weight:700;margin-right:.5rem}.s2{color:#2e8b57}.s4{color:#b4731d}.s5{color:#b3372f}
.response p{display:inline}.headers{font-size:13px;color:#4a5568}
details.example summary{cursor:pointer;color:#2f6fb3}
`

/** The reference page for an OpenAPI document (already parsed). */
export function renderApiReference(document: Node): string {
  return new Renderer(document).page()
}
