/**
 * A browser-like client over real HTTP (fetch): one cookie jar for every instance, as a browser has
 * for one site behind a load balancer; cookie paths are honoured.
 */
export class Browser {
  readonly cookies = new Map<string, { value: string; path: string }>()

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value
  }

  cookieHeader(path: string): string {
    return [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`).join('; ')
  }

  keep(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(/;\s*/)
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq)
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/'
      if (attributes.some((a) => a.toLowerCase() === 'max-age=0')) this.cookies.delete(name)
      else this.cookies.set(name, { value: pair!.slice(eq + 1), path })
    }
  }

  async request(base: string, method: string, path: string, options: { body?: unknown; csrf?: boolean; headers?: Record<string, string>; signal?: AbortSignal } = {}) {
    const headers: Record<string, string> = { ...options.headers }
    const cookie = this.cookieHeader(path)
    if (cookie) headers.cookie = cookie
    if (options.csrf && this.get('csrftoken')) headers['x-csrftoken'] = this.get('csrftoken')!
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(base + path, { method, headers, ...(options.body !== undefined && { body: JSON.stringify(options.body) }), ...(options.signal && { signal: options.signal }) })
    this.keep(response.headers.getSetCookie())
    const text = await response.text()
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }
  }

  login(base: string, username = 'alice', password = 'correct horse battery') {
    return this.request(base, 'POST', '/accounts/auth/login/', { body: { username, password } })
  }
}

/** The value of cookie `name` in a response's Set-Cookie lines. */
export function setCookieValue(headers: Headers, name: string): string | undefined {
  const line = headers.getSetCookie().find((l) => l.startsWith(`${name}=`))
  return line?.slice(name.length + 1).split(';')[0]
}

/** GET /accounts/user/ with a Bearer token: 200 while the access token is accepted. */
export async function userStatus(base: string, access: string): Promise<number> {
  const response = await fetch(`${base}/accounts/user/`, { headers: { authorization: `Bearer ${access}` } })
  await response.arrayBuffer()
  return response.status
}
