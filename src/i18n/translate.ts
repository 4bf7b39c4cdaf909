import { LANGUAGES, MESSAGES, PLURALS } from './catalog.js'

/**
 * Django's, DRF's and SimpleJWT's own translations of the messages Tessera answers with, so that a
 * front end comparing `detail` strings sees what the Django backend would have said in its language.
 * Messages are matched by their English text (with placeholders filled in); a message that none of
 * those projects has, or that its catalogue leaves untranslated, stays English.
 */

/** A message with placeholders, compiled to a pattern over the English text and a filler for the translation. */
interface Template {
  pattern: RegExp
  names: string[]
  translations: Partial<Record<string, string>> | ((lang: string, values: string[]) => string | undefined)
}

// `{max_length}`, `{}`, `%(min_length)d`, `%(verbose_name)s`, `%s`: Python's format and %-style placeholders.
const PLACEHOLDER = /\{(\w*)\}|%\((\w+)\)[ds]|%s/g

const hasPlaceholder = (text: string) => new RegExp(PLACEHOLDER.source).test(text)

/** The pattern, the placeholders' names, and the index of the first numeric one (`%(n)d`: a plural's count). */
function compile(source: string): { pattern: RegExp; names: string[]; count: number } {
  const names: string[] = []
  let regex = ''
  let last = 0
  let count = -1
  for (const match of source.matchAll(PLACEHOLDER)) {
    regex += escapeRegExp(source.slice(last, match.index))
    names.push(match[1] ?? match[2] ?? '')
    const numeric = match[0].endsWith(')d')
    if (numeric && count < 0) count = names.length - 1
    regex += numeric ? '(\\d+)' : '(.+?)'
    last = match.index + match[0].length
  }
  return { pattern: new RegExp(`^${regex}${escapeRegExp(source.slice(last))}$`, 's'), names, count }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Fills a translated template's placeholders, in the order of their names in the English source. */
function fill(template: string, names: string[], values: string[]): string {
  let positional = 0
  return template.replace(PLACEHOLDER, (whole, brace?: string, percent?: string) => {
    const name = brace ?? percent
    const index = name ? names.indexOf(name) : positional++
    return index >= 0 && index < values.length ? values[index]! : whole
  })
}

const exact = new Map<string, Partial<Record<string, string>>>()
const templates: Template[] = []
for (const [message, translations] of Object.entries(MESSAGES)) {
  if (Object.keys(translations).length === 0) continue
  if (hasPlaceholder(message)) templates.push({ ...compile(message), translations })
  else exact.set(message, translations)
}
for (const [singular, { plural, languages }] of Object.entries(PLURALS)) {
  for (const source of [singular, plural]) {
    const { pattern, names, count } = compile(source)
    templates.push({
      pattern,
      names,
      translations: (lang, values) => {
        const forms = languages[lang]
        if (!forms) return undefined
        const n = Number(values[Math.max(0, count)])
        return forms.forms[Math.min(forms.rule(n), forms.forms.length - 1)]
      },
    })
  }
}

/** Translates one message into `lang` (a code of LANGUAGES); anything unknown comes back unchanged. */
export function translate(message: string, lang: string): string {
  const whole = translateOne(message, lang)
  return whole !== message ? whole : translateSentences(message, lang)
}

/** One known message, or the message itself. */
function translateOne(message: string, lang: string): string {
  const direct = exact.get(message)?.[lang]
  if (direct !== undefined) return direct
  for (const template of templates) {
    const match = template.pattern.exec(message)
    if (!match) continue
    const values = match.slice(1)
    const translated = typeof template.translations === 'function' ? template.translations(lang, values) : template.translations[lang]
    return translated === undefined ? message : fill(translated, template.names, values)
  }
  return message
}

function translateSentences(message: string, lang: string): string {
  // DRF joins sentences into one detail ("Request was throttled. Expected available in 5 seconds."):
  // translate each sentence when the whole is not a known message.
  const sentences = message.split(/(?<=\.) (?=[A-Z])/)
  if (sentences.length < 2) return message
  const out: string[] = []
  for (let i = 0; i < sentences.length; ) {
    let j = sentences.length - (i === 0 ? 1 : 0)
    let translated: string | undefined
    for (; j > i; j--) {
      const run = sentences.slice(i, j).join(' ')
      const candidate = translateOne(run, lang)
      if (candidate !== run || j === i + 1) {
        translated = candidate
        break
      }
    }
    out.push(translated ?? sentences[i]!)
    i = Math.max(j, i + 1)
  }
  return out.join(' ')
}

/** Translates every message of an error body: `detail`, and each field's list of messages. */
export function translateBody(body: Record<string, unknown>, lang: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    if (key === 'code') out[key] = value
    // SimpleJWT's per-token-class list: `[{token_class, token_type, message}]`.
    else if (key === 'messages' && Array.isArray(value)) out[key] = value.map((item) => (item && typeof item === 'object' && typeof item.message === 'string' ? { ...item, message: translate(item.message, lang) } : item))
    else if (typeof value === 'string') out[key] = translate(value, lang)
    else if (Array.isArray(value)) out[key] = value.map((item) => (typeof item === 'string' ? translate(item, lang) : item))
    else out[key] = value
  }
  return out
}

export const SUPPORTED_LANGUAGES: readonly string[] = LANGUAGES
