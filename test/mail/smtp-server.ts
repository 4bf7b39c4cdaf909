/** A real SMTP server in the test process (smtp-server), whose behaviour each test chooses, and what it received (mailparser). */
import type { Socket } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server'

export type Behaviour = 'accept' | 'refuse-recipient' | 'busy' | 'hang' | 'drop'

export interface TestSmtp {
  url: string
  port: number
  received: ParsedMail[]
  /** How many DATA commands started (a dropped or hung message counts too). */
  attempts: number
  behaviour: Behaviour
  close(): Promise<void>
}

export async function startSmtp(behaviour: Behaviour = 'accept', port = 0): Promise<TestSmtp> {
  const sockets = new Set<Socket>()
  const state: TestSmtp = { url: '', port: 0, received: [], attempts: 0, behaviour, close: async () => {} }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (state.behaviour === 'refuse-recipient') return callback(Object.assign(new Error(`No such user ${address.address}`), { responseCode: 550 }))
      if (state.behaviour === 'busy') return callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 }))
      callback()
    },
    onData(stream: SMTPServerDataStream, _session: SMTPServerSession, callback) {
      state.attempts++
      const chunks: Buffer[] = []
      if (state.behaviour === 'drop') {
        // The first bytes of the message arrive, then the connection is cut.
        stream.once('data', () => {
          for (const socket of sockets) socket.destroy()
        })
        stream.resume()
        return
      }
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (state.behaviour === 'hang') return // never answers the end of DATA
        void simpleParser(Buffer.concat(chunks)).then((mail) => {
          state.received.push(mail)
          callback()
        }, callback)
      })
    },
  })
  const net = (server as unknown as { server: import('node:net').Server }).server
  net.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  state.port = (net.address() as { port: number }).port
  state.url = `smtp://127.0.0.1:${state.port}`
  state.close = async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return state
}
