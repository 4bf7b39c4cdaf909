/**
 * Prepares a better-auth database: its migrations, one user (signed up through better-auth, so with
 * the configured hash), one real sign-in, then SESSIONS more sessions cloned from that sign-in's row
 * with fresh ids and tokens, and their cookies signed as better-auth signs them (HMAC-SHA256 of the
 * token with the secret; checked against the real sign-in's cookie before any is written).
 * Usage: node seed.mjs SESSIONS OUT.json   (settings: see auth.mjs). Writes { login, cookieName, cookies, seededUpdatedAt }.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { getMigrations } from 'better-auth/db/migration'
import { makeAuth } from './auth.mjs'

const [sessions, out] = [Number(process.argv[2]), process.argv[3]]
const { auth, db } = makeAuth()
const { runMigrations } = await getMigrations(auth.options)
await runMigrations()

const login = { email: 'bench-login@example.com', password: 'correct horse battery staple' }
await auth.api.signUpEmail({ body: { ...login, name: 'Bench Login' } })
const signedIn = await auth.api.signInEmail({ body: login, returnHeaders: true })
const setCookie = signedIn.headers.getSetCookie().find((c) => c.includes('session_token='))
const [cookieName, cookieValue] = setCookie.split(';')[0].split('=')
const sign = (token) => encodeURIComponent(`${token}.${createHmac('sha256', process.env.BA_SECRET).update(token).digest('base64')}`)
const row = db.prepare('SELECT * FROM session WHERE token = ?').get(signedIn.response.token)
if (!row || sign(row.token) !== cookieValue) throw new Error(`cannot reproduce better-auth's session cookie (${setCookie})`)

const columns = Object.keys(row)
const insert = db.prepare(`INSERT INTO session (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
const cookies = [sign(row.token)]
// better-auth's ids and tokens are 32 alphanumeric characters.
const alnum = (n) => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, n)
db.transaction(() => {
  for (let i = 1; i < sessions; i++) {
    const token = alnum(32)
    insert.run(...columns.map((c) => (c === 'id' ? alnum(32) : c === 'token' ? token : row[c])))
    cookies.push(sign(token))
  }
})()
db.close()
writeFileSync(out, JSON.stringify({ login, cookieName, cookies, seededUpdatedAt: row.updatedAt }))
