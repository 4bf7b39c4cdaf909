import { isIP } from 'node:net'

/** proxy-addr's names for address ranges (Fastify's `trustProxy` takes them). */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** Whether `entry` is an address, a CIDR or a range name that Fastify's `trustProxy` accepts. */
export function isProxyAddress(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true
  const slash = entry.indexOf('/')
  const address = slash < 0 ? entry : entry.slice(0, slash)
  const version = isIP(address)
  if (version === 0) return false
  if (slash < 0) return true
  const bits = entry.slice(slash + 1)
  // A prefix length, or (IPv4, as proxy-addr allows) a netmask such as 255.255.255.0.
  if (/^\d{1,3}$/.test(bits)) return Number(bits) <= (version === 4 ? 32 : 128)
  return version === 4 && isIP(bits) === 4
}

/**
 * An ALLOWED_HOSTS entry as Django matches it: `*`, a host name, `.example.com` (the domain and every
 * subdomain), an IPv4 address, or an IPv6 address in brackets (`[::1]`). No port: Django compares the
 * request's host without its port, so an entry with one would never match.
 */
export function isAllowedHostEntry(entry: string): boolean {
  if (entry === '*') return true
  if (entry.startsWith('[') && entry.endsWith(']')) return isIP(entry.slice(1, -1)) === 6
  return /^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(entry)
}

/** Django's development hosts (ALLOWED_HOSTS empty with DEBUG = True). */
export const DEVELOPMENT_HOSTS: readonly string[] = ['.localhost', '127.0.0.1', '[::1]']
