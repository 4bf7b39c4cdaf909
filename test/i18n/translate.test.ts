import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PLURALS, PLURAL_SAMPLES } from '../../src/i18n/catalog.js'
import { translate, translateBody } from '../../src/i18n/index.js'

describe('translate: Django, DRF and SimpleJWT messages in their own translations', () => {
  it('translates exact messages from each project', () => {
    assert.equal(translate('Authentication credentials were not provided.', 'ru'), 'Учетные данные не были предоставлены.')
    assert.equal(translate('Authentication credentials were not provided.', 'de'), 'Anmeldedaten fehlen.')
    assert.equal(translate('Token is blacklisted', 'fr'), 'Le jeton a été banni')
    assert.equal(translate('This password is too common.', 'de'), 'Dieses Passwort ist zu üblich.')
  })

  it('leaves unknown messages, untranslated ones and English alone', () => {
    assert.equal(translate('CSRF Failed: CSRF cookie not set.', 'de'), 'CSRF Failed: CSRF cookie not set.')
    assert.equal(translate('Not found.', 'en'), 'Not found.')
    assert.equal(translate('Something Tessera-only.', 'ru'), 'Something Tessera-only.')
  })

  it('fills placeholders of DRF and SimpleJWT templates', () => {
    assert.equal(translate('Method "DELETE" not allowed.', 'de'), 'Methode "DELETE" nicht erlaubt.')
    assert.equal(translate('Ensure this field has no more than 150 characters.', 'ru'), 'Убедитесь, что это значение содержит не более 150 символов.')
    assert.equal(translate("Token 'exp' claim has expired", 'es'), translate("Token 'exp' claim has expired", 'es'))
    assert.notEqual(translate("Token 'exp' claim has expired", 'es'), "Token 'exp' claim has expired")
    assert.match(translate("Token 'exp' claim has expired", 'es'), /'exp'/)
  })

  it("chooses plural forms by each catalogue's rule, as Django's ngettext does", () => {
    for (const [singular, languages] of Object.entries(PLURAL_SAMPLES)) {
      const plural = PLURALS[singular]!.plural
      for (const [lang, samples] of Object.entries(languages)) {
        for (const [n, expected] of samples) {
          const english = (n === 1 ? singular : plural).replace(/%\(\w+\)d/, String(n))
          assert.equal(translate(english, lang), expected.replace(/%\(\w+\)d/, String(n)), `${lang} n=${n}`)
        }
      }
    }
  })

  it('translates each sentence of a joined detail', () => {
    const joined = 'This password is too short. It must contain at least 8 characters. This password is too common.'
    assert.equal(translate(joined, 'de'), 'Dieses Passwort ist zu kurz. Es muss mindestens 8 Zeichen enthalten. Dieses Passwort ist zu üblich.')
    assert.equal(translate('Authentication credentials were not provided. Not found.', 'de'), 'Anmeldedaten fehlen. Nicht gefunden.')
  })

  it('translates a whole error body but never its codes', () => {
    const body = translateBody({ detail: 'Given token not valid for any token type', code: 'token_not_valid', messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }] }, 'ru')
    assert.equal(body.code, 'token_not_valid')
    assert.notEqual(body.detail, 'Given token not valid for any token type')
    assert.notEqual((body.messages as { message: string }[])[0]!.message, 'Token is invalid or expired')
    assert.deepEqual(translateBody({ username: ['This field is required.'] }, 'de'), { username: ['Dieses Feld ist erforderlich.'] })
  })
})
