import type { Store } from '../auth/index.js'
import type { TokenSettings } from '../config/index.js'
import { createHmacKey, createKeyRing, isHmac, type KeyRing } from '../tokens/index.js'

/**
 * The key ring: with an HMAC algorithm, the key made from SECRET_KEY (as SimpleJWT does).
 */
export async function loadKeyRing(settings: TokenSettings, _store: Store, _now: () => number): Promise<KeyRing> {
  const hmac = createHmacKey(settings.secretKey, isHmac(settings.algorithm) ? settings.algorithm : 'HS256')
  return createKeyRing([hmac])
}
