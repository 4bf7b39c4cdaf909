import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { cookieValue } from '../../src/client/csrf.js'

describe("reading the csrftoken cookie from document.cookie's string", () => {
  test('finds the value and decodes it', () => {
    assert.equal(cookieValue('a=1; csrftoken=abc%2Bdef; b=2', 'csrftoken'), 'abc+def')
    assert.equal(cookieValue('xcsrftoken=1; csrftoken2=2', 'csrftoken'), undefined)
  })

  test('skips a malformed value (%E0%A4%A, settable from a sibling subdomain) instead of throwing, and finds the real one', () => {
    assert.equal(cookieValue('csrftoken=%E0%A4%A', 'csrftoken'), undefined)
    assert.equal(cookieValue('csrftoken=%E0%A4%A; csrftoken=real', 'csrftoken'), 'real')
    assert.equal(cookieValue('csrftoken=%; csrftoken=; csrftoken=%ZZ; csrftoken=ok', 'csrftoken'), 'ok')
  })
})
