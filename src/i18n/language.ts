import { LANGUAGES } from './catalog.js'

/**
 * Which language a request is answered in, by the rules of Django's LocaleMiddleware
 * (`django.utils.translation.get_language_from_request` without i18n URL patterns): the
 * `django_language` cookie, then `Accept-Language` by quality, then LANGUAGE_CODE.
 */

/** Languages with a catalogue here, plus English (whose messages are the source text). */
const SUPPORTED = ['en', 'en-au', 'en-gb', ...LANGUAGES].sort()

// Django's LANG_INFO fallbacks for Chinese.
const FALLBACKS: Record<string, string[]> = {
  'zh-cn': ['zh-hans'], 'zh-sg': ['zh-hans'], 'zh-my': ['zh-hans'],
  'zh-tw': ['zh-hant'], 'zh-hk': ['zh-hant'], 'zh-mo': ['zh-hant'],
}

/** Django's get_supported_language_variant (not strict): the code, its fallbacks, its generic form, then any variant of it. */
export function supportedLanguageVariant(code: string | undefined): string | undefined {
  if (!code) return undefined
  const lower = code.toLowerCase()
  const generic = lower.split('-')[0]!
  for (const candidate of [lower, ...(FALLBACKS[lower] ?? []), generic]) {
    if (SUPPORTED.includes(candidate)) return candidate
  }
  return SUPPORTED.find((supported) => supported.startsWith(`${generic}-`))
}

const ACCEPT_LANGUAGE = /([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)(?:\s*;\s*q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?))?(?:\s*,\s*|$)/gy
const LANGUAGE_CODE = /^[a-z]{1,8}(?:-[a-z0-9]{1,8})*(?:@[a-z0-9]{1,20})?$/i

/** Django's parse_accept_lang_header: the languages by descending quality, or none when the header is malformed. */
export function parseAcceptLanguage(header: string): string[] {
  const entries: { lang: string; q: number; i: number }[] = []
  const text = header.toLowerCase()
  ACCEPT_LANGUAGE.lastIndex = 0
  let match: RegExpExecArray | null
  while (ACCEPT_LANGUAGE.lastIndex < text.length && (match = ACCEPT_LANGUAGE.exec(text)) !== null) {
    if (match[0] === '') break
    entries.push({ lang: match[1]!, q: match[2] === undefined ? 1 : Number(match[2]), i: entries.length })
  }
  if (ACCEPT_LANGUAGE.lastIndex !== text.length) return []
  return entries.sort((a, b) => b.q - a.q || a.i - b.i).map((entry) => entry.lang)
}

/** The language of one request (LocaleMiddleware), with `fallback` = LANGUAGE_CODE. */
export function languageFromRequest(acceptLanguage: string | undefined, cookie: string | undefined, fallback: string): string {
  const fromCookie = supportedLanguageVariant(cookie)
  if (fromCookie) return fromCookie
  for (const lang of parseAcceptLanguage(acceptLanguage ?? '')) {
    if (lang === '*') break
    if (!LANGUAGE_CODE.test(lang)) continue
    const variant = supportedLanguageVariant(lang)
    if (variant) return variant
  }
  return supportedLanguageVariant(fallback) ?? fallback
}

/** True when messages in this language are the English source text (no lookup needed). */
export const isEnglish = (lang: string): boolean => lang === 'en' || lang.startsWith('en-')
