/**
 * Upserts Django users into Tessera's store by username: planned with reads only (so a dry run is
 * the same code minus the writes), then applied. Running it again changes only what changed in Django.
 */
import { usernameKey, type Store, type User, type UserPatch } from '../auth/index.js'
import { TesseraError } from '../errors.js'
import { isDjangoHashProblem, parseDjangoHash } from '../passwords/index.js'
import type { DjangoUser } from './django-source.js'

export interface ImportOptions {
  /** Plan and count only: nothing is written. */
  dryRun?: boolean
  /** Replace hashes that Tessera already manages (argon2id) with Django's; see `planUser`. */
  overwritePasswords?: boolean
  now?: () => number
}

/** A user who does not have their Django id in Tessera: SimpleJWT's tokens would not name them. */
export interface IdMismatch {
  username: string
  djangoId: number
  /** Null in a dry run for a user that would be created under a new id. */
  tesseraId: number | null
}

/**
 * A Django user not imported because their name is another account's without regard to case or width
 * (Tessera's usernames are unique that way; Django's are not). Never merged: the operator decides.
 */
export interface NameCollision {
  username: string
  djangoId: number
  /** The name that already holds the key: an earlier Django user's, or a Tessera account's. */
  takenBy: string
}

/** A Django user not imported because checking their hash would cost more than Tessera allows. */
export interface CostlyHash {
  username: string
  djangoId: number
  /** What the hash demands and the cap, e.g. `pbkdf2_sha256 with 10000000 iterations (at most 2000000)`. */
  detail: string
}

export interface ImportReport {
  read: number
  created: number
  updated: number
  unchanged: number
  /** Users whose Tessera password (argon2id, set by Tessera) was left in place though Django's differs. */
  passwordsKept: string[]
  /** Users who had Tessera sessions, now revoked: deactivated in Django, or their password replaced. */
  revokedUsers: string[]
  idMismatches: IdMismatch[]
  nameCollisions: NameCollision[]
  costlyHashes: CostlyHash[]
  /** Users whose address and verified flag came from django-allauth's account_emailaddress, and how many are verified. */
  allauth: { users: number; verified: number }
  dryRun: boolean
}

type Action =
  | { kind: 'create'; user: DjangoUser; keepId: boolean }
  | { kind: 'update'; user: DjangoUser; id: number; patch: UserPatch; revoke: boolean }
  | { kind: 'unchanged'; user: DjangoUser }
  | { kind: 'skipped'; user: DjangoUser }

/** A hash Tessera wrote: the user has logged in to Tessera (which upgrades the hash) or set it there. */
const isTesseraManaged = (encoded: string | null): boolean => encoded?.startsWith('$argon2id$') ?? false

/**
 * What to do with one Django user. Django is the source of truth for every field (allauth's
 * account_emailaddress for the address and its verified flag, where it has a row), with two
 * exceptions that never lose newer information:
 * - `last_login` only moves forward (a login to Tessera since the last import is kept);
 * - a password hash Tessera manages is kept unless `overwritePasswords`: it is either the same password
 *   upgraded at login (replacing it would only cost one more upgrade) or a password changed in Tessera
 *   (replacing it would bring back the old one).
 */
async function planUser(store: Store, user: DjangoUser, options: ImportOptions, report: ImportReport): Promise<Action> {
  const existing = await store.findUserByUsername(user.username)
  if (existing && existing.username !== user.username) {
    report.nameCollisions.push({ username: user.username, djangoId: user.id, takenBy: existing.username })
    return { kind: 'skipped', user }
  }
  if (!existing) {
    const holder = await store.findUserById(user.id)
    if (holder) report.idMismatches.push({ username: user.username, djangoId: user.id, tesseraId: null })
    return { kind: 'create', user, keepId: !holder }
  }
  if (existing.id !== user.id) report.idMismatches.push({ username: user.username, djangoId: user.id, tesseraId: existing.id })
  const patch: UserPatch = {}
  for (const field of ['email', 'first_name', 'last_name', 'is_active', 'is_staff', 'is_superuser', 'date_joined'] as const) {
    if (existing[field] !== user[field]) (patch as Record<string, unknown>)[field] = user[field]
  }
  if (user.last_login !== null && (existing.last_login === null || user.last_login > existing.last_login)) patch.last_login = user.last_login
  // allauth's flag when it has one; without it, a confirmation belongs to an address: a new one is unconfirmed.
  const verified = user.email_verified ?? (patch.email === undefined ? existing.email_verified : false)
  if (verified !== existing.email_verified) patch.email_verified = verified
  if (existing.password !== user.password) {
    if (isTesseraManaged(existing.password) && !options.overwritePasswords) report.passwordsKept.push(user.username)
    else patch.password = user.password
  }
  if (Object.keys(patch).length === 0) return { kind: 'unchanged', user }
  // As in Tessera itself: a new password or a deactivation ends the user's sessions.
  return { kind: 'update', user, id: existing.id, patch, revoke: patch.password !== undefined || patch.is_active === false }
}

function newUser(user: DjangoUser, keepId: boolean) {
  return {
    ...(keepId && { id: user.id }),
    username: user.username,
    email: user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    // Kept as Django wrote it: Tessera verifies Django's formats and upgrades them at the first login.
    password: user.password,
    is_active: user.is_active,
    is_staff: user.is_staff,
    is_superuser: user.is_superuser,
    date_joined: user.date_joined,
    last_login: user.last_login,
    email_verified: user.email_verified ?? false,
  }
}

/** Imports `users` into `store`; returns the counts. Throws a TesseraError on a username or id race. */
export async function importDjangoUsers(store: Store, users: readonly DjangoUser[], options: ImportOptions = {}): Promise<ImportReport> {
  const now = options.now ?? Date.now
  const report: ImportReport = { read: users.length, created: 0, updated: 0, unchanged: 0, passwordsKept: [], revokedUsers: [], idMismatches: [], nameCollisions: [], costlyHashes: [], allauth: { users: 0, verified: 0 }, dryRun: options.dryRun ?? false }
  for (const user of users) {
    if (user.email_verified === null) continue
    report.allauth.users++
    if (user.email_verified) report.allauth.verified++
  }
  // Key → the first Django name with it; users come ordered by id, so the oldest account keeps the name.
  const seen = new Map<string, string>()
  const actions: Action[] = []
  for (const user of users) {
    if (user.username === '') throw new TesseraError('ERR_VALIDATION', `Django user ${user.id} has an empty username`)
    // Every login of such a user would hold a hashing slot for seconds (a stall for everyone): refused.
    const hash = parseDjangoHash(user.password)
    if (isDjangoHashProblem(hash) && hash.problem === 'too-costly') {
      report.costlyHashes.push({ username: user.username, djangoId: user.id, detail: hash.detail })
      continue
    }
    const key = usernameKey(user.username)
    const first = seen.get(key)
    if (first !== undefined) {
      report.nameCollisions.push({ username: user.username, djangoId: user.id, takenBy: first })
      continue
    }
    seen.set(key, user.username)
    actions.push(await planUser(store, user, options, report))
  }
  for (const action of actions) if (action.kind !== 'skipped') report[action.kind === 'create' ? 'created' : action.kind === 'update' ? 'updated' : 'unchanged']++
  if (report.dryRun) return report

  // Creates under a new id go last, so that the ids they take cannot be ones the others keep.
  const order = (a: Action) => (a.kind === 'update' ? 0 : a.kind === 'create' && a.keepId ? 1 : 2)
  for (const action of [...actions].sort((a, b) => order(a) - order(b))) {
    if (action.kind === 'update') {
      await store.updateUser(action.id, action.patch)
      if (action.revoke && (await store.revokeUserSessions(action.id, 'django_import', now())).length > 0) report.revokedUsers.push(action.user.username)
    } else if (action.kind === 'create') {
      let created: User
      try {
        created = await store.createUser(newUser(action.user, action.keepId))
      } catch (error) {
        if (error instanceof TesseraError && error.code === 'ERR_CONFLICT') {
          throw new TesseraError('ERR_CONFLICT', `user '${action.user.username}' (id ${action.user.id}) was created in Tessera while importing: run the import again`, { cause: error })
        }
        throw error
      }
      const mismatch = report.idMismatches.find((m) => m.username === action.user.username)
      if (mismatch) mismatch.tesseraId = created.id
    }
  }
  return report
}
