/**
 * The network an address belongs to, for the per-network login budgets: its /24 for IPv4, its /64 for
 * IPv6 (what one subscriber gets: a single IPv6 address means nothing, a /64 hands out 2^64 of them).
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, a dual-stack socket's) is its IPv4 address. Anything
 * unparseable has no network and meets the per-address budget only.
 */
export function networkOf(ip: string): string | undefined {
  const address = ip.split('%')[0]!.toLowerCase()
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address)
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(mapped ? mapped[1]! : address)
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255) ? `${Number(v4[1])}.${Number(v4[2])}.${Number(v4[3])}.0/24` : undefined
  const groups = ipv6Groups(address)
  return groups && `${groups.slice(0, 4).join(':')}::/64`
}

/** The hexadecimal groups of an IPv6 address, `::` expanded, without leading zeros (six when it ends in dotted IPv4). */
function ipv6Groups(address: string): string[] | undefined {
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves[1] ? halves[1].split(':') : []
  // An embedded IPv4 tail (`64:ff9b::192.0.2.1`) is the last 32 bits, two groups; the /64 never reaches it.
  const end = halves.length === 2 ? tail : head
  const dotted = end.at(-1)?.includes('.') ? 2 : 0
  if (dotted && !/^\d{1,3}(\.\d{1,3}){3}$/.test(end.pop()!)) return undefined
  const given = head.length + tail.length + dotted
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined
  const groups = [...head, ...Array<string>(8 - given).fill('0'), ...tail]
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined
  return groups.map((group) => Number.parseInt(group, 16).toString(16))
}
