import type { Kysely } from 'kysely'
import { usernameKey } from '../auth/username.js'
import type { Database } from './schema.js'

/** An account whose username collided with an older one's at migration 0002 (it has no key). */
export interface UsernameCollision {
  id: number
  username: string
  /** The account that holds the name's key. */
  holder: { id: number; username: string } | null
}

/** Every account without a username key, with the one holding its key. Cheap: collisions are rare. */
export async function findUsernameCollisions(db: Kysely<Database>): Promise<UsernameCollision[]> {
  const rows = await db.selectFrom('auth_user').select(['id', 'username']).where('username_key', 'is', null).orderBy('id').execute()
  const collisions: UsernameCollision[] = []
  for (const row of rows) {
    const holder = await db.selectFrom('auth_user').select(['id', 'username']).where('username_key', '=', usernameKey(row.username)).executeTakeFirst()
    collisions.push({ id: Number(row.id), username: row.username, holder: holder ? { id: Number(holder.id), username: holder.username } : null })
  }
  return collisions
}

/** One warning naming every collision and what to do about it; none when there are none. */
export function describeUsernameCollisions(collisions: readonly UsernameCollision[]): string[] {
  if (collisions.length === 0) return []
  const list = collisions.map((c) => `'${c.username}' (id ${c.id}) collides with ${c.holder ? `'${c.holder.username}' (id ${c.holder.id})` : 'nothing now'}`)
  return [
    `${collisions.length} account(s) cannot log in: usernames are unique without regard to case or width, and each of these ` +
      `names an older account too (${list.join('; ')}). Nothing was merged; give each a new name: tessera renameuser ID NEW_USERNAME.`,
  ]
}
