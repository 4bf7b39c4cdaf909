import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DEFAULT_CSRF_HEADER_NAME,
  REASON_BAD_ORIGIN,
  REASON_COOKIE_INCORRECT_LENGTH,
  REASON_COOKIE_INVALID_CHARACTERS,
  REASON_CROSS_SITE,
  REASON_CSRF_TOKEN_MISSING,
  REASON_INSECURE_REFERER,
  REASON_NO_CSRF_COOKIE,
  REASON_NO_REFERER,
  badTokenMessage,
  checkCsrf,
  checkOriginOnly,
  headerDisplayName,
  maskSecret,
  parseTrustedOrigins,
  type CsrfPolicy,
  type CsrfRequest,
} from '../../src/csrf/index.js'
import { MASKED_TEST_SECRET1, MASKED_TEST_SECRET2, OTHER_SECRET, TEST_SECRET } from './fixtures.js'

const policy: CsrfPolicy = {
  trusted: parseTrustedOrigins(['https://dashboard.example.net', 'https://*.example.com']),
  headerName: DEFAULT_CSRF_HEADER_NAME,
}

/** A valid same-origin HTTPS POST with the token in the header; each case overrides what it tests. */
function request(overrides: Partial<CsrfRequest> = {}): CsrfRequest {
  return {
    method: 'POST',
    isSecure: true,
    host: 'www.site.test',
    referer: 'https://www.site.test/page',
    cookie: TEST_SECRET,
    headerToken: MASKED_TEST_SECRET2,
    ...overrides,
  }
}

const HEADER = "the 'X-Csrftoken' HTTP header"
const WRONG_TOKEN = maskSecret(OTHER_SECRET)

type Case = [name: string, overrides: Partial<CsrfRequest>, expected: string | null]

type Check = (req: CsrfRequest, p: CsrfPolicy) => { ok: true } | { ok: false; reason: string }

function runCases(cases: Case[], check: Check = checkCsrf, p: CsrfPolicy = policy): void {
  for (const [name, overrides, expected] of cases) {
    it(`${name} → ${expected ?? 'ok'}`, () => {
      const result = check(request(overrides), p)
      if (expected === null) assert.equal(result.ok, true, result.ok ? '' : result.reason)
      else assert.deepEqual(result, { ok: false, reason: expected })
    })
  }
}

describe('headerDisplayName and badTokenMessage', () => {
  const names: [string, string][] = [
    ['X-CSRFToken', 'X-Csrftoken'],
    ['x-csrftoken', 'X-Csrftoken'],
    ['HTTP_X_CSRFTOKEN', 'X-Csrftoken'],
    ['HTTP_X_CSRFTOKEN_CUSTOMIZED', 'X-Csrftoken-Customized'],
    ['X-XSRF-TOKEN', 'X-Xsrf-Token'],
    ['X-CSRF2token', 'X-Csrf2Token'], // Python's str.title() starts a word after a digit
  ]
  for (const [input, expected] of names) {
    it(`${input} → ${expected}`, () => assert.equal(headerDisplayName(input), expected))
  }
  it('names POST and headers as Django does', () => {
    assert.equal(badTokenMessage('incorrect', 'POST'), 'CSRF token from POST incorrect.')
    assert.equal(
      badTokenMessage('has incorrect length', 'X-CSRFToken'),
      "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.",
    )
  })
})

describe('checkCsrf: masked and unmasked combinations (test_masked_unmasked_combinations)', () => {
  const cookies = { 'bare cookie': TEST_SECRET, 'legacy masked cookie': MASKED_TEST_SECRET1 }
  const tokens = { 'bare token': TEST_SECRET, 'masked token': MASKED_TEST_SECRET2 }
  for (const [cookieName, cookie] of Object.entries(cookies)) {
    for (const [tokenName, token] of Object.entries(tokens)) {
      for (const where of ['form', 'header'] as const) {
        it(`${cookieName} + ${tokenName} in the ${where} → ok with the unmasked secret`, () => {
          const overrides = where === 'form' ? { formToken: token, headerToken: undefined } : { headerToken: token }
          assert.deepEqual(checkCsrf(request({ cookie, ...overrides }), policy), { ok: true, secret: TEST_SECRET })
        })
      }
    }
  }
})

describe('checkCsrf: cookie', () => {
  runCases([
    ['no cookie (test_no_csrf_cookie, login CSRF)', { cookie: undefined }, REASON_NO_CSRF_COOKIE],
    ['empty cookie', { cookie: '' }, REASON_NO_CSRF_COOKIE],
    ['16-character cookie (test_bad_csrf_cookie_length)', { cookie: 'a'.repeat(16) }, REASON_COOKIE_INCORRECT_LENGTH],
    ['100 000-character cookie (test_process_view_token_too_long)', { cookie: 'x'.repeat(100_000) }, REASON_COOKIE_INCORRECT_LENGTH],
    ['64 invalid characters (test_bad_csrf_cookie_characters)', { cookie: '*'.repeat(64) }, REASON_COOKIE_INVALID_CHARACTERS],
    ['32 invalid characters', { cookie: `${TEST_SECRET.slice(0, 31)}!` }, REASON_COOKIE_INVALID_CHARACTERS],
    ['missing cookie is reported before a missing token', { cookie: undefined, headerToken: undefined }, REASON_NO_CSRF_COOKIE],
    ['PUT without a cookie (test_put_and_delete_rejected)', { method: 'PUT', cookie: undefined }, REASON_NO_CSRF_COOKIE],
    ['DELETE without a cookie', { method: 'DELETE', cookie: undefined }, REASON_NO_CSRF_COOKIE],
  ])
})

describe('checkCsrf: request token (test_csrf_cookie_bad_or_missing_token)', () => {
  runCases([
    ['no token', { headerToken: undefined }, REASON_CSRF_TOKEN_MISSING],
    ['16 characters in POST', { formToken: 'a'.repeat(16), headerToken: undefined }, `CSRF token from POST has incorrect length.`],
    ['64 asterisks in POST', { formToken: '*'.repeat(64), headerToken: undefined }, 'CSRF token from POST has invalid characters.'],
    ['64 a in POST', { formToken: 'a'.repeat(64), headerToken: undefined }, 'CSRF token from POST incorrect.'],
    ['16 characters in the header', { headerToken: 'a'.repeat(16) }, `CSRF token from ${HEADER} has incorrect length.`],
    ['64 asterisks in the header', { headerToken: '*'.repeat(64) }, `CSRF token from ${HEADER} has invalid characters.`],
    ['64 a in the header', { headerToken: 'a'.repeat(64) }, `CSRF token from ${HEADER} incorrect.`],
    ['token of another secret', { headerToken: WRONG_TOKEN }, `CSRF token from ${HEADER} incorrect.`],
    ['bare wrong secret', { headerToken: OTHER_SECRET }, `CSRF token from ${HEADER} incorrect.`],
    ['masked cookie, wrong token', { cookie: MASKED_TEST_SECRET1, headerToken: WRONG_TOKEN }, `CSRF token from ${HEADER} incorrect.`],
    ['100 000-character token', { headerToken: 'a'.repeat(100_000) }, `CSRF token from ${HEADER} has incorrect length.`],
    // A header that is present but empty is not "missing" in Django: it has an incorrect length.
    ['empty header', { headerToken: '' }, `CSRF token from ${HEADER} has incorrect length.`],
    // Django reads the form first; an empty form field falls back to the header.
    ['good form token wins over a bad header', { formToken: MASKED_TEST_SECRET2, headerToken: 'bad' }, null],
    ['bad form token wins over a good header', { formToken: 'bad', headerToken: MASKED_TEST_SECRET2 }, 'CSRF token from POST has incorrect length.'],
    ['empty form field falls back to the header', { formToken: '', headerToken: MASKED_TEST_SECRET2 }, null],
    ['empty form field, no header', { formToken: '', headerToken: undefined }, REASON_CSRF_TOKEN_MISSING],
    // Django only parses request.POST for POST: a PUT's form field is not read.
    ['PUT form field is ignored', { method: 'PUT', formToken: MASKED_TEST_SECRET2, headerToken: undefined }, REASON_CSRF_TOKEN_MISSING],
    ['PUT with the header (test_put_and_delete_allowed)', { method: 'PUT' }, null],
    ['DELETE with the header', { method: 'DELETE' }, null],
    ['PATCH with a wrong header', { method: 'PATCH', headerToken: WRONG_TOKEN }, `CSRF token from ${HEADER} incorrect.`],
  ])

  describe('custom header name (test_csrf_cookie_bad_token_custom_header)', () => {
    const custom = { ...policy, headerName: 'X-CSRFToken-Customized' }
    const customHeader = "the 'X-Csrftoken-Customized' HTTP header"
    runCases(
      [
        ['bad length', { headerToken: 'a'.repeat(16) }, `CSRF token from ${customHeader} has incorrect length.`],
        ['good token (test_csrf_token_in_header_with_customized_name)', {}, null],
      ],
      checkCsrf,
      custom,
    )
  })
})

describe('checkCsrf: Origin and Referer run before the token', () => {
  runCases([
    ['own origin', { origin: 'https://www.site.test' }, null],
    ['own origin needs no Referer', { origin: 'https://www.site.test', referer: undefined }, null],
    ['null origin', { origin: 'null' }, REASON_BAD_ORIGIN('null')],
    ['other scheme', { origin: 'http://www.site.test' }, REASON_BAD_ORIGIN('http://www.site.test')],
    ['other port', { origin: 'https://www.site.test:8443' }, REASON_BAD_ORIGIN('https://www.site.test:8443')],
    ['other domain', { origin: 'https://www.evil.org' }, REASON_BAD_ORIGIN('https://www.evil.org')],
    ['unparsable', { origin: 'https://[' }, REASON_BAD_ORIGIN('https://[')],
    ['empty origin', { origin: '' }, REASON_BAD_ORIGIN('')],
    ['trusted exact', { origin: 'https://dashboard.example.net' }, null],
    ['trusted wildcard', { origin: 'https://app.example.com' }, null],
    ['trusted wildcard bare domain', { origin: 'https://example.com' }, null],
    ['trusted wildcard, wrong scheme', { origin: 'http://app.example.com' }, REASON_BAD_ORIGIN('http://app.example.com')],
    ['a bad Origin is not rescued by a good Referer', { origin: 'https://www.evil.org', referer: 'https://www.site.test/' }, REASON_BAD_ORIGIN('https://www.evil.org')],
    ['bad Origin is reported before a missing cookie', { origin: 'https://www.evil.org', cookie: undefined }, REASON_BAD_ORIGIN('https://www.evil.org')],
    ['HTTPS without Origin or Referer', { referer: undefined }, REASON_NO_REFERER],
    ['no Referer is reported before a missing cookie', { referer: undefined, cookie: undefined }, REASON_NO_REFERER],
    ['insecure Referer', { referer: 'http://www.site.test/' }, REASON_INSECURE_REFERER],
    ['HTTP request without Origin or Referer (no Referer check)', { isSecure: false, referer: undefined }, null],
    ['HTTP request, own HTTP origin', { isSecure: false, origin: 'http://www.site.test' }, null],
    ['HTTP request, HTTPS origin of the same host', { isSecure: false, origin: 'https://www.site.test' }, REASON_BAD_ORIGIN('https://www.site.test')],
  ])

  describe('cookie domain and server port', () => {
    const withDomain = { ...policy, cookieDomain: '.site.test' }
    runCases(
      [
        ['cookie domain, default port', { host: 'www.site.test', referer: 'https://api.site.test/' }, null],
        ['port taken from the host', { host: 'www.site.test:4443', referer: 'https://api.site.test:4443/' }, null],
        ['explicit server port', { host: 'www.site.test', serverPort: '4443', referer: 'https://api.site.test:4443/' }, null],
        ['port missing from the Referer', { host: 'www.site.test:4443', referer: 'https://api.site.test/' }, 'Referer checking failed - https://api.site.test/ does not match any trusted origins.'],
      ],
      checkCsrf,
      withDomain,
    )
  })
})

describe('checkCsrf: Fetch Metadata', () => {
  runCases([
    ['cross-site, untrusted Origin, valid token', { secFetchSite: 'cross-site', origin: 'https://www.evil.org' }, REASON_CROSS_SITE],
    ['cross-site without Origin, valid token', { secFetchSite: 'cross-site' }, REASON_CROSS_SITE],
    ['cross-site, null Origin', { secFetchSite: 'cross-site', origin: 'null' }, REASON_CROSS_SITE],
    ['cross-site, any case', { secFetchSite: ' Cross-Site ', origin: 'https://www.evil.org' }, REASON_CROSS_SITE],
    ['cross-site, trusted Origin', { secFetchSite: 'cross-site', origin: 'https://app.example.com' }, null],
    ['cross-site, own Origin', { secFetchSite: 'cross-site', origin: 'https://www.site.test' }, null],
    ['cross-site, trusted Origin still needs the token', { secFetchSite: 'cross-site', origin: 'https://app.example.com', headerToken: undefined }, REASON_CSRF_TOKEN_MISSING],
    // same-origin and none are hints, never a reason to skip a check.
    ['same-origin does not skip the token', { secFetchSite: 'same-origin', headerToken: undefined }, REASON_CSRF_TOKEN_MISSING],
    ['same-origin does not skip a wrong token', { secFetchSite: 'same-origin', headerToken: WRONG_TOKEN }, `CSRF token from ${HEADER} incorrect.`],
    ['same-origin does not skip the cookie', { secFetchSite: 'same-origin', cookie: undefined }, REASON_NO_CSRF_COOKIE],
    ['same-origin does not skip the Origin check', { secFetchSite: 'same-origin', origin: 'https://www.evil.org' }, REASON_BAD_ORIGIN('https://www.evil.org')],
    ['same-origin does not skip the Referer check', { secFetchSite: 'same-origin', referer: undefined }, REASON_NO_REFERER],
    ['same-site does not skip the token', { secFetchSite: 'same-site', headerToken: undefined }, REASON_CSRF_TOKEN_MISSING],
    ['none does not skip the token', { secFetchSite: 'none', headerToken: undefined }, REASON_CSRF_TOKEN_MISSING],
  ])
})

describe('checkCsrf: safe methods', () => {
  const hostile: Partial<CsrfRequest> = {
    cookie: undefined,
    headerToken: undefined,
    referer: undefined,
    origin: 'https://www.evil.org',
    secFetchSite: 'cross-site',
  }
  for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) {
    it(`${method} passes with no cookie, no token and a hostile Origin`, () => {
      assert.deepEqual(checkCsrf(request({ ...hostile, method }), policy), { ok: true, secret: '' })
    })
  }
  const secrets: [name: string, cookie: string | undefined, secret: string][] = [
    ['a bare cookie', TEST_SECRET, TEST_SECRET],
    ['a legacy masked cookie (unmasked)', MASKED_TEST_SECRET1, TEST_SECRET],
    ['a malformed cookie (to be replaced)', 'a'.repeat(16), ''],
    ['a cookie with invalid characters', '*'.repeat(32), ''],
    ['an empty cookie', '', ''],
  ]
  for (const [name, cookie, secret] of secrets) {
    it(`GET with ${name} returns secret ${JSON.stringify(secret)}`, () => {
      assert.deepEqual(checkCsrf(request({ method: 'GET', cookie, headerToken: undefined }), policy), { ok: true, secret })
    })
  }
  it('a lowercase method is not safe (methods are case-sensitive)', () => {
    assert.deepEqual(checkCsrf(request({ ...hostile, method: 'get', secFetchSite: undefined }), policy), {
      ok: false,
      reason: REASON_BAD_ORIGIN('https://www.evil.org'),
    })
  })
})

describe('checkOriginOnly (login and refresh)', () => {
  const noCookie = { cookie: undefined, headerToken: undefined }
  runCases(
    [
      ['needs no cookie or token', { ...noCookie, origin: 'https://www.site.test' }, null],
      ['Referer is enough without Origin', noCookie, null],
      ['rejects a foreign Origin (login CSRF)', { ...noCookie, origin: 'https://www.evil.org' }, REASON_BAD_ORIGIN('https://www.evil.org')],
      ['rejects a missing Referer over HTTPS', { ...noCookie, referer: undefined }, REASON_NO_REFERER],
      ['rejects cross-site without Origin', { ...noCookie, secFetchSite: 'cross-site' }, REASON_CROSS_SITE],
      ['does not look at the method', { ...noCookie, method: 'GET', origin: 'null' }, REASON_BAD_ORIGIN('null')],
    ],
    checkOriginOnly,
  )
})
