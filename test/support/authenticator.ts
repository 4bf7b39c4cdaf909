/**
 * A software passkey authenticator for HTTP tests: ES256, discoverable credentials, user verification, a
 * signature counter. It builds attestations and assertions byte by byte as WebAuthn Level 2 specifies, so
 * the server's checks (challenge, origin, RP ID, flags, counter, signature) are tested without a browser.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { isoCBOR } from '@simplewebauthn/server/helpers'

type Json = Record<string, unknown>
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest()

export interface SoftCredential {
  id: Buffer
  key: KeyObject
  publicJwk: { x: string; y: string }
  userHandle: string
  counter: number
}

export interface Tamper {
  origin?: string
  rpId?: string
  /** Leave the user-verified flag out. */
  noUv?: boolean
  /** Sign over this challenge instead of the options' one. */
  challenge?: string
  counter?: number
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = []

  constructor(
    readonly origin: string,
    readonly rpId = new URL(origin).hostname,
  ) {}

  #authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4)
    count.writeUInt32BE(counter)
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])])
  }

  #clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  }

  /** navigator.credentials.create(): a new key pair (or `reuse`'s, to register one credential twice). */
  create(options: Json, tamper: Tamper = {}, reuse?: SoftCredential): Json {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string }
    const user = options.user as { id: string }
    const credential: SoftCredential = reuse ?? { id: randomBytes(16), key: privateKey, publicJwk: jwk, userHandle: user.id, counter: 0 }
    const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(credential.publicJwk.x, 'base64url')], [-3, Buffer.from(credential.publicJwk.y, 'base64url')]]))
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(credential.id.length)
    const attested = Buffer.concat([Buffer.alloc(16), idLength, credential.id, Buffer.from(cose)])
    const authData = this.#authData(tamper.rpId ?? this.rpId, 0x01 | (tamper.noUv ? 0 : 0x04) | 0x40, credential.counter, attested)
    const attestation = isoCBOR.encode(new Map<string, string | Uint8Array | Map<string, never>>([['fmt', 'none'], ['attStmt', new Map<string, never>()], ['authData', authData]]))
    if (!reuse) this.credentials.push(credential)
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key',
      response: { clientDataJSON: b64u(this.#clientData('webauthn.create', tamper.challenge ?? (options.challenge as string), tamper.origin ?? this.origin)), attestationObject: b64u(attestation), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }

  /** navigator.credentials.get() with `credential` (default: the newest); the counter goes up by one. */
  get(options: Json, tamper: Tamper = {}, credential = this.credentials.at(-1)!): Json {
    credential.counter = tamper.counter ?? credential.counter + 1
    const authData = this.#authData(tamper.rpId ?? this.rpId, 0x01 | (tamper.noUv ? 0 : 0x04), credential.counter)
    const clientData = this.#clientData('webauthn.get', tamper.challenge ?? (options.challenge as string), tamper.origin ?? this.origin)
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), credential.key)
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key',
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: credential.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }
}
