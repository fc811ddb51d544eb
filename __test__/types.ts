// Type-checked with `tsc --strict` (never run): every export used with its real types.
import webpush, {
  WebPushError,
  encrypt,
  encryptAsync,
  generateVAPIDKeys,
  generateVAPIDKeysAsync,
  getVapidHeaders,
  getVapidHeadersAsync,
  setGCMAPIKey,
  setVapidDetails,
  supportedContentEncodings,
  supportedUrgency,
  type EncryptResult,
  type PushSubscription,
  type VapidHeaders,
  type VapidKeys,
} from '..'
import { decrypt, generateSubscriptionKeys, type GeneratedSubscription } from '../testing'

async function main(): Promise<void> {
  const keys: VapidKeys = generateVAPIDKeys()
  const asyncKeys: VapidKeys = await generateVAPIDKeysAsync()
  setVapidDetails('mailto:ops@example.com', keys.publicKey, keys.privateKey)
  setVapidDetails(null)
  setGCMAPIKey(null)
  setGCMAPIKey('key')

  const generated: GeneratedSubscription = generateSubscriptionKeys('https://push.example/1')
  const sub: PushSubscription = generated.subscription
  const p256dh: string = generated.subscription.keys.p256dh
  const auth: string = generated.subscription.keys.auth

  const enc: EncryptResult = encrypt(p256dh, auth, 'hi', supportedContentEncodings.AES_128_GCM)
  const bytes: Buffer = enc.cipherText
  const key: Buffer = enc.localPublicKey
  const salt: string = enc.salt
  const enc2: EncryptResult = await encryptAsync(p256dh, auth, new Uint8Array([1, 2]), 'aesgcm')

  const headers: VapidHeaders = getVapidHeaders('https://a.example', 'mailto:a@b.c', keys.publicKey, keys.privateKey, 'aesgcm', 123)
  const authorization: string = headers.Authorization
  const cryptoKey: string | undefined = headers['Crypto-Key']
  const headers2: VapidHeaders = await getVapidHeadersAsync('https://a.example', 'mailto:a@b.c', asyncKeys.publicKey, asyncKeys.privateKey)

  const plain: Buffer = decrypt(bytes, { privateKey: generated.privateKey, auth }, { 'Content-Encoding': 'aes128gcm' })
  const urgency: 'high' = supportedUrgency.HIGH

  try {
    webpush.encrypt(p256dh, auth, 'x')
  } catch (err) {
    if (err instanceof WebPushError) {
      const code: string | undefined = err.code
      const status: number | undefined = err.statusCode
      void [code, status]
    }
  }
  void [sub, key, salt, enc2, authorization, cryptoKey, headers2, plain, urgency]
}

void main
