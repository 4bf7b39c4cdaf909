/**
 * better-auth configured as the benchmark's peer target: email + password sign-in, database sessions
 * (no cookie cache), SQLite through better-sqlite3 with Tessera's pragmas (WAL, synchronous=NORMAL),
 * its rate limit off, telemetry off. Settings from the environment:
 *   BA_DATABASE   SQLite file
 *   BA_SECRET     the signing secret
 *   BA_BASE_URL   its own origin (default http://127.0.0.1:PORT)
 *   BA_HASH       `default` (better-auth's own scrypt) or `argon2id` (@node-rs/argon2 with Tessera's
 *                 default parameters, through emailAndPassword.password.hash/verify)
 *   BA_UPDATE_AGE seconds; `0` makes every get-session extend the session (a write per request)
 */
import { hash, verify } from '@node-rs/argon2'
import { betterAuth } from 'better-auth'
import Database from 'better-sqlite3'

// Tessera's defaults (src/config): argon2id m=19456 KiB, t=2, p=1. Algorithm.Argon2id is 2.
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }

export function openDatabase(file) {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  return db
}

export function makeAuth(env = process.env) {
  const db = openDatabase(env.BA_DATABASE)
  const argon2 = env.BA_HASH === 'argon2id'
  const baseURL = env.BA_BASE_URL ?? `http://127.0.0.1:${env.PORT ?? 80}`
  const auth = betterAuth({
    database: db,
    secret: env.BA_SECRET,
    baseURL,
    trustedOrigins: [baseURL],
    emailAndPassword: {
      enabled: true,
      ...(argon2 && { password: { hash: (password) => hash(password, ARGON2), verify: ({ hash: encoded, password }) => verify(encoded, password) } }),
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: Number(env.BA_UPDATE_AGE ?? 60 * 60 * 24) },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { disabled: true },
  })
  return { auth, db }
}
