import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  REASON_BAD_REFERER,
  REASON_INSECURE_REFERER,
  REASON_MALFORMED_REFERER,
  REASON_NO_REFERER,
  checkOrigin,
  checkReferer,
  isSameDomain,
  parseTrustedOrigins,
  type RefererContext,
} from '../../src/csrf/index.js'

describe('parseTrustedOrigins', () => {
  it('splits exact entries, wildcards and Referer hosts as Django does', () => {
    const trusted = parseTrustedOrigins([
      'https://dashboard.example.com',
      'https://*.example.com',
      'http://*.ports.test:8443',
      'https://app.example.net:8443',
    ])
    assert.deepEqual(trusted.exact, new Set(['https://dashboard.example.com', 'https://app.example.net:8443']))
    assert.deepEqual(trusted.wildcards, [
      { scheme: 'https', domain: '.example.com', port: '' },
      { scheme: 'http', domain: '.ports.test', port: '8443' },
    ])
    assert.deepEqual(trusted.hosts, [
      'dashboard.example.com',
      '.example.com',
      '.ports.test:8443',
      'app.example.net:8443',
    ])
  })

  it("treats any entry containing '*' as a wildcard, stripping leading stars like Django's lstrip('*')", () => {
    const trusted = parseTrustedOrigins(['https://*example.com', 'https://**.example.org'])
    assert.deepEqual(trusted.exact, new Set())
    assert.deepEqual(trusted.wildcards, [
      { scheme: 'https', domain: 'example.com', port: '' },
      { scheme: 'https', domain: '.example.org', port: '' },
    ])
  })

  it('accepts an empty list', () => {
    assert.deepEqual(parseTrustedOrigins([]), { exact: new Set(), wildcards: [], hosts: [] })
  })

  // Django 4.0 system check 4_0.E001: entries must start with a scheme.
  for (const entry of ['example.com', '.example.com', '*.example.com', 'example.com:8443']) {
    it(`refuses ${entry} without a scheme, naming it`, () => {
      assert.throws(() => parseTrustedOrigins(['https://ok.test', entry]), {
        message: `CSRF_TRUSTED_ORIGINS entry '${entry}' must start with a scheme (https://)`,
      })
    })
  }

  for (const entry of ['https://[', 'https://', 'https:///path', '1https://example.com']) {
    it(`refuses unparsable ${entry}, naming it`, () => {
      assert.throws(() => parseTrustedOrigins([entry]), (err: unknown) => {
        assert.ok(err instanceof Error)
        assert.ok(err.message.startsWith(`CSRF_TRUSTED_ORIGINS entry '${entry}' cannot be parsed`), err.message)
        return true
      })
    })
  }
})

describe('isSameDomain', () => {
  // Django's tests/utils_tests/test_http.py IsSameDomainTests, plus case and look-alike domains.
  const cases: [host: string, pattern: string, expected: boolean][] = [
    ['example.com', 'example.com', true],
    ['example.com', '.example.com', true],
    ['foo.example.com', '.example.com', true],
    ['a.b.example.com', '.example.com', true],
    ['example.com:8888', 'example.com:8888', true],
    ['example.com:8888', '.example.com:8888', true],
    ['foo.example.com:8888', '.example.com:8888', true],
    ['FOO.Example.COM', '.example.COM', true],
    ['example2.com', 'example.com', false],
    ['foo.example.com', 'example.com', false],
    ['example.com:9999', 'example.com:8888', false],
    ['foo.example.com:8888', '', false],
    ['', '', false],
    ['badexample.com', '.example.com', false],
    ['example.com.evil.org', '.example.com', false],
    ['foo.example.com:8888', '.example.com', false],
  ]
  for (const [host, pattern, expected] of cases) {
    it(`${JSON.stringify(host)} vs ${JSON.stringify(pattern)} → ${expected}`, () => {
      assert.equal(isSameDomain(host, pattern), expected)
    })
  }
})

describe('checkOrigin', () => {
  const trusted = parseTrustedOrigins([
    'https://dashboard.example.net',
    'https://*.example.com',
    'https://*.ports.test:8443',
    'http://no-match.com',
  ])
  const secure = { requestOrigin: 'https://www.site.test', trusted }
  const insecure = { requestOrigin: 'http://www.site.test', trusted }

  const cases: [name: string, origin: string, ctx: typeof secure, expected: boolean][] = [
    ['own origin over HTTPS (test_good_origin_secure)', 'https://www.site.test', secure, true],
    ['own origin over HTTP (test_good_origin_insecure)', 'http://www.site.test', insecure, true],
    ['own host with the other scheme (test_bad_origin_bad_protocol)', 'http://www.site.test', secure, false],
    ['own host with another port', 'https://www.site.test:8443', secure, false],
    ['another domain (test_bad_origin_bad_domain)', 'https://www.evil.org', secure, false],
    ['a subdomain of the own host', 'https://evil.www.site.test', secure, false],
    ['null (test_bad_origin_null_origin)', 'null', secure, false],
    ['unparsable (test_bad_origin_cannot_be_parsed)', 'https://[', secure, false],
    ['empty', '', secure, false],
    ['unbalanced bracket that would otherwise match the wildcard', 'https://[foo.example.com', secure, false],
    ['exact trusted (test_good_origin_csrf_trusted_origin_allowed)', 'https://dashboard.example.net', secure, true],
    ['exact trusted, other scheme', 'http://dashboard.example.net', secure, false],
    ['exact trusted with the default port spelled out', 'https://dashboard.example.net:443', secure, false],
    ['exact trusted over HTTP', 'http://no-match.com', secure, true],
    ['wildcard subdomain (test_good_origin_wildcard_...)', 'https://foo.example.com', secure, true],
    ['wildcard nested subdomain', 'https://a.b.example.com', secure, true],
    ['wildcard bare domain', 'https://example.com', secure, true],
    ['wildcard with the wrong scheme (test_bad_origin_csrf_trusted_origin_bad_protocol)', 'http://foo.example.com', secure, false],
    ['wildcard look-alike domain', 'https://badexample.com', secure, false],
    ['wildcard with a port it does not list', 'https://foo.example.com:8443', secure, false],
    ['wildcard with the default port spelled out', 'https://foo.example.com:443', secure, false],
    ['wildcard with its port', 'https://a.ports.test:8443', secure, true],
    ['wildcard without its port', 'https://a.ports.test', secure, false],
    ['wildcard with another port', 'https://a.ports.test:9443', secure, false],
  ]
  for (const [name, origin, ctx, expected] of cases) {
    it(`${name}: ${JSON.stringify(origin)} → ${expected}`, () => {
      assert.equal(checkOrigin(origin, ctx), expected)
    })
  }
})

describe('checkReferer', () => {
  const none = parseTrustedOrigins([])
  const base: RefererContext = { host: 'www.example.com', trusted: none }
  const dashboard = { ...base, trusted: parseTrustedOrigins(['https://dashboard.example.com']) }
  const wildcard = { ...base, trusted: parseTrustedOrigins(['https://*.example.com']) }
  const httpTrusted = { ...base, trusted: parseTrustedOrigins(['http://dashboard.example.com']) }
  const cookie443 = { host: 'foo.example.com', trusted: none, cookieDomain: '.example.com', serverPort: '443' }
  const cookie4443 = { host: 'foo.example.com:4443', trusted: none, cookieDomain: '.example.com', serverPort: '4443' }
  const cookieOtherHost = { host: 'www.other.com', trusted: none, cookieDomain: '.example.com', serverPort: '443' }
  const emptyCookieDomain = { ...base, cookieDomain: '', serverPort: '443' }

  const cases: [name: string, referer: string | undefined, ctx: RefererContext, expected: string | null][] = [
    ['missing (test_https_no_referer)', undefined, base, REASON_NO_REFERER],
    // test_https_malformed_referer
    ['empty', '', base, REASON_MALFORMED_REFERER],
    ['non-ASCII', 'ØBöIß', base, REASON_MALFORMED_REFERER],
    ['no scheme', '//www.example.com/', base, REASON_MALFORMED_REFERER],
    ['no netloc', 'https://', base, REASON_MALFORMED_REFERER],
    ['invalid IPv6 URL', 'https://[', base, REASON_MALFORMED_REFERER],
    ['relative path', '/somepage', base, REASON_MALFORMED_REFERER],
    // Other ValueErrors of Python's urlsplit (CPython main: unbalanced or invalid brackets, NFKC-smuggled delimiters).
    ['closing bracket only', 'https://]/', base, REASON_MALFORMED_REFERER],
    ['data before the bracket', 'https://x[::1]/', base, REASON_MALFORMED_REFERER],
    ['data after the bracket', 'https://[::1]x/', base, REASON_MALFORMED_REFERER],
    ['IPv4 in brackets', 'https://[1.2.3.4]/', base, REASON_MALFORMED_REFERER],
    ['not an IPv6 address', 'https://[zz]/', base, REASON_MALFORMED_REFERER],
    ['brackets in the userinfo only', 'https://u[x]@www.example.com/', base, REASON_MALFORMED_REFERER],
    ['fullwidth solidus in the host', 'https://evil.org\uFF0Fwww.example.com/', base, REASON_MALFORMED_REFERER],
    // Django parses http://http://x as scheme http, netloc 'http:' and reports it insecure, not malformed.
    ['http://http:// (Django: insecure)', 'http://http://www.example.com/', base, REASON_INSECURE_REFERER],
    ['https://http:// (netloc "http:")', 'https://http://www.example.com/', base, REASON_BAD_REFERER('https://http://www.example.com/')],
    // test_https_reject_insecure_referer
    ['insecure', 'http://example.com/', base, REASON_INSECURE_REFERER],
    ['insecure same host', 'http://www.example.com/', base, REASON_INSECURE_REFERER],
    ['other scheme', 'ftp://www.example.com/', base, REASON_INSECURE_REFERER],
    // test_https_bad_referer
    ['another domain', 'https://www.evil.org/somepage', base, REASON_BAD_REFERER('https://www.evil.org/somepage')],
    ['own host as a prefix', 'https://www.example.com.evil.org/', base, REASON_BAD_REFERER('https://www.example.com.evil.org/')],
    ['parent domain of the host', 'https://example.com/', base, REASON_BAD_REFERER('https://example.com/')],
    ['own host on another port', 'https://www.example.com:8443/', base, REASON_BAD_REFERER('https://www.example.com:8443/')],
    ['echoed as Python geturl() (scheme lowercased)', 'HTTPS://www.evil.org/a?b=1#c', base, REASON_BAD_REFERER('https://www.evil.org/a?b=1#c')],
    // test_https_good_referer, _2
    ['own host', 'https://www.example.com/somepage', base, null],
    ['own host, no trailing slash', 'https://www.example.com', base, null],
    ['own host with query and fragment', 'https://www.example.com/a?b=1#c', base, null],
    ['uppercase scheme (Python lowercases it)', 'HTTPS://www.example.com/', base, null],
    ['tab inside (Python strips tab, CR, LF)', 'https://www.exa\tmple.com/', base, null],
    ['IPv6 host with port', 'https://[::1]:8443/', { host: '[::1]:8443', trusted: none }, null],
    // test_https_csrf_trusted_origin_allowed
    ['trusted exact', 'https://dashboard.example.com', dashboard, null],
    ['trusted exact, other subdomain', 'https://other.example.com/', dashboard, REASON_BAD_REFERER('https://other.example.com/')],
    ['trusted over http: Django matches the host only', 'https://dashboard.example.com/', httpTrusted, null],
    // test_https_csrf_wildcard_trusted_origin_allowed
    ['trusted wildcard subdomain', 'https://dashboard.example.com', wildcard, null],
    ['trusted wildcard bare domain', 'https://example.com/', wildcard, null],
    ['trusted wildcard look-alike', 'https://badexample.com/', wildcard, REASON_BAD_REFERER('https://badexample.com/')],
    // test_https_good_referer_matches_cookie_domain(_with_different_port)
    ['cookie domain', 'https://foo.example.com/', cookie443, null],
    ['cookie domain, bare domain', 'https://example.com/', cookie443, null],
    ['cookie domain with a different port', 'https://foo.example.com:4443/', cookie4443, null],
    ['cookie domain, port missing', 'https://foo.example.com/', cookie4443, REASON_BAD_REFERER('https://foo.example.com/')],
    ['cookie domain, another domain', 'https://www.evil.org/', cookie443, REASON_BAD_REFERER('https://www.evil.org/')],
    ['cookie domain replaces the host', 'https://www.other.com/', cookieOtherHost, REASON_BAD_REFERER('https://www.other.com/')],
    ['empty cookie domain means the host', 'https://www.example.com/', emptyCookieDomain, null],
  ]
  for (const [name, referer, ctx, expected] of cases) {
    it(`${name}: ${JSON.stringify(referer)} → ${expected ?? 'ok'}`, () => {
      assert.equal(checkReferer(referer, ctx), expected)
    })
  }
})
