import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { importDjangoUsers, readDjangoUsers } from '../../src/migrate/index.js'
import { createTestApp, Jar, type TestApp } from '../support/app.js'
import { FIXTURE, FIXTURE_INFO, fixtureUser } from './support.js'

let t: TestApp
before(async () => {
  t = await createTestApp()
  const report = await importDjangoUsers(t.opened.store, await readDjangoUsers(FIXTURE))
  assert.equal(report.created, FIXTURE_INFO.users.length)
})
after(() => t.close())

const hashOf = async (username: string) => (await t.opened.store.findUserByUsername(username))!.password

const canLogIn = FIXTURE_INFO.users.filter((u) => u.password !== null && u.is_active)

for (const user of canLogIn) {
  test(`${user.username} (Django ${user.hasher}) logs in with the Django password, and the hash becomes argon2id`, async () => {
    const before = await hashOf(user.username)
    assert.ok(before!.startsWith(`${user.hasher}$`), before!)

    const wrong = await new Jar(t.app).login(user.username, `${user.password}x`)
    assert.equal(wrong.statusCode, 401)
    assert.equal(await hashOf(user.username), before, 'a failed login must not touch the hash')

    const jar = new Jar(t.app)
    const ok = await jar.login(user.username, user.password!)
    assert.equal(ok.statusCode, 200, ok.body)
    const me = await jar.request('GET', '/accounts/user/')
    assert.deepEqual(me.json(), { id: user.id, username: user.username, first_name: user.first_name, last_name: user.last_name, email: user.email, email_verified: false })
    const upgraded = await hashOf(user.username)
    assert.match(upgraded!, /^\$argon2id\$/)

    // The upgraded hash is the one checked from now on.
    assert.equal((await new Jar(t.app).login(user.username, user.password!)).statusCode, 200)
    assert.equal(await hashOf(user.username), upgraded)
  })
}

test('an inactive Django user is refused with the right password, and keeps the Django hash', async () => {
  const erin = fixtureUser('erin')
  const before = await hashOf('erin')
  const response = await new Jar(t.app).login('erin', erin.password!)
  assert.equal(response.statusCode, 401)
  assert.equal(response.json().detail, 'No active account found with the given credentials')
  assert.equal(await hashOf('erin'), before)
})

test("a Django unusable password ('!' + random) never matches, not even itself", async () => {
  const stored = (await hashOf('frank'))!
  assert.ok(stored.startsWith('!'))
  for (const attempt of [stored, stored.slice(1), '!', ...canLogIn.map((u) => u.password!)]) {
    assert.equal((await new Jar(t.app).login('frank', attempt)).statusCode, 401, attempt)
  }
})

test('importing again after those logins keeps the upgraded hashes and changes nothing else', async () => {
  const report = await importDjangoUsers(t.opened.store, await readDjangoUsers(FIXTURE))
  assert.equal(report.created, 0)
  assert.equal(report.updated, 0)
  assert.deepEqual(report.passwordsKept.sort(), canLogIn.map((u) => u.username).sort())
  for (const user of canLogIn) assert.match((await hashOf(user.username))!, /^\$argon2id\$/)
})
