import type { Session } from '../auth/index.js'

/** The User-Agent is the client's to choose; PostgreSQL would refuse a NUL in it (every store keeps it without). */
export const storableAgent = (userAgent: string): string => userAgent.replaceAll('\0', '')
/** `auth_user.id` is a 32-bit integer on PostgreSQL: another number is a miss in every store (the memory store too), not an error. */
export const isUserId = (id: number): boolean => Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647
export const storableSession = (session: Session): Session => ({ ...session, user_agent: storableAgent(session.user_agent) })
