/**
 * A cookie jar over fetch for the end-to-end tests, keeping what a browser would: name → value and path;
 * `Max-Age=0` deletes; a cookie is sent back only under its path.
 */
export class FetchJar {
  readonly cookies = new Map<string, { value: string; path: string }>()

  constructor(private readonly base: string) {}

  get(name: string) {
    return this.cookies.get(name)?.value
  }
  delete(name: string) {
    this.cookies.delete(name)
  }
  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(/;\s*/)
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq)
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/'
      if (attrs.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(name)
      else this.cookies.set(name, { value: pair!.slice(eq + 1), path })
    }
  }
  header(path: string) {
    return [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`).join('; ')
  }
  async fetch(path: string, init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string>; csrf?: boolean } = {}) {
    const headers: Record<string, string> = { ...init.headers }
    const cookie = this.header(path)
    if (cookie) headers.cookie = cookie
    if (init.csrf) headers['x-csrftoken'] = this.get('csrftoken')!
    if (init.json !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(`${this.base}${path}`, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
      ...(init.body !== undefined && { body: init.body }),
    })
    this.store(response)
    return response
  }
}

