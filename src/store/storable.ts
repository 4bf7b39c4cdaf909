import type { Session } from '../auth/index.js'

/** The User-Agent is the client's to choose; PostgreSQL would refuse a NUL in it (every store keeps it without). */
export const storableAgent = (userAgent: string): string => userAgent.replaceAll('\0', '')
export const storableSession = (session: Session): Session => ({ ...session, user_agent: storableAgent(session.user_agent) })
