import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { languageFromRequest, parseAcceptLanguage, supportedLanguageVariant } from '../../src/i18n/index.js'

describe("language of a request, by Django's LocaleMiddleware rules", () => {
  it('parses Accept-Language by quality, stable for equal qualities', () => {
    assert.deepEqual(parseAcceptLanguage('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5'), ['fr-ch', 'fr', 'en', 'de', '*'])
    assert.deepEqual(parseAcceptLanguage('de;q=0.5,ru'), ['ru', 'de'])
    assert.deepEqual(parseAcceptLanguage('en-us;q=1.5'), [])
    assert.deepEqual(parseAcceptLanguage('a-b-c-d-e-f-g-h-i-j'), ['a-b-c-d-e-f-g-h-i-j'])
    assert.deepEqual(parseAcceptLanguage('@@@'), [])
  })

  it('picks a supported variant: exact, fallback, generic, then any variant', () => {
    assert.equal(supportedLanguageVariant('de-AT'), 'de')
    assert.equal(supportedLanguageVariant('pt-BR'), 'pt-br')
    assert.equal(supportedLanguageVariant('pt'), 'pt')
    assert.equal(supportedLanguageVariant('zh-cn'), 'zh-hans')
    assert.equal(supportedLanguageVariant('zh-tw'), 'zh-hant')
    assert.equal(supportedLanguageVariant('zh'), 'zh-hans')
    assert.equal(supportedLanguageVariant('xx'), undefined)
  })

  it('prefers the django_language cookie, then Accept-Language, then LANGUAGE_CODE', () => {
    assert.equal(languageFromRequest('ru', 'de', 'en-us'), 'de')
    assert.equal(languageFromRequest('xx, ru;q=0.5', undefined, 'en-us'), 'ru')
    assert.equal(languageFromRequest('*, ru', undefined, 'fr'), 'fr')
    assert.equal(languageFromRequest(undefined, undefined, 'en-us'), 'en')
    assert.equal(languageFromRequest('garbage;;', 'xx', 'es'), 'es')
  })
})
