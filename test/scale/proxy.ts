import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy in front of PostgreSQL or Redis that a test can cut, as an outage would:
 * - `cut()`: the port stops listening and every connection drops (the server is down);
 * - `hang()`: connections are accepted but nothing flows (a partition: the worst case for timeouts);
 * - `restore()`: traffic flows again; connections held during a hang are dropped so clients reconnect.
 * Safer than stopping the shared server, which other engineers' tests use.
 */
export class TcpProxy {
  #server: Server
  #sockets = new Set<Socket>()
  #mode: 'pass' | 'hang' | 'cut' = 'pass'

  private constructor(
    private readonly targetPort: number,
    readonly port: number,
    server: Server,
  ) {
    this.#server = server
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const proxy = new TcpProxy(targetPort, (server.address() as { port: number }).port, server)
    proxy.#listen(server)
    return proxy
  }

  #listen(server: Server) {
    server.on('connection', (client) => {
      this.#track(client)
      if (this.#mode !== 'pass') return // hang: accepted, never answered
      const upstream = connect(this.targetPort, '127.0.0.1')
      this.#track(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      const drop = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('close', drop)
      upstream.on('close', drop)
    })
  }

  #track(socket: Socket) {
    this.#sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => this.#sockets.delete(socket))
  }

  #dropAll() {
    for (const socket of this.#sockets) socket.destroy()
  }

  get url(): string {
    return `127.0.0.1:${this.port}`
  }

  async cut(): Promise<void> {
    this.#mode = 'cut'
    // close() waits for open connections, so they are dropped after it stops the listening.
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#dropAll()
    await closed
  }

  hang(): void {
    this.#mode = 'hang'
    // Existing connections stop flowing too.
    for (const socket of this.#sockets) {
      socket.unpipe()
      socket.pause()
    }
  }

  async restore(): Promise<void> {
    const was = this.#mode
    this.#mode = 'pass'
    this.#dropAll()
    if (was === 'cut') {
      this.#server = createServer()
      this.#listen(this.#server)
      await new Promise<void>((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve))
    }
  }

  async close(): Promise<void> {
    const closed = this.#server.listening ? new Promise<void>((resolve) => this.#server.close(() => resolve())) : undefined
    this.#dropAll()
    await closed
  }
}
