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
  generateRequestDetails,
  sendNotification,
  type RequestDetails,
  type RequestOptions,
  type SendResult,
  WebPush,
  type BatchReport,
  type Outcome,
  type SendTarget,
} from '..'
import {
  decrypt,
  generateSubscriptionKeys,
  startPushService,
  type GeneratedSubscription,
  type PushService,
  type ReceivedMessage,
} from '../testing'

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
  const service: PushService = await startPushService({ port: 0, tls: true })
  const ca: string | undefined = service.ca
  const subscribed = await service.subscribe({ applicationServerKey: keys.publicKey })
  const options: RequestOptions = {
    TTL: 60,
    urgency: 'high',
    topic: 'abc',
    contentEncoding: 'aesgcm',
    vapidDetails: { subject: 'mailto:a@b.c', publicKey: keys.publicKey, privateKey: keys.privateKey },
    headers: { 'X-Trace': 1 },
    proxy: { host: '127.0.0.1', port: 3128 },
    timeout: 5000,
    ca: ca ?? [],
  }
  const details: RequestDetails = generateRequestDetails(subscribed, 'hi', options)
  const body: Buffer | null = details.body
  const sent: SendResult = await sendNotification(subscribed, Buffer.from('hi'), { vapidDetails: null })
  const status: number = sent.statusCode
  const received: ReceivedMessage[] = service.messages(subscribed)
  const text: string | undefined = received[0].text
  const ack: number | undefined = received[0].ack
  const wsUrl: string = service.webSocketUrl
  const aud: string | undefined = received[0].vapid?.aud
  const push = new WebPush({ vapid: { subject: 'mailto:a@b.c', publicKey: keys.publicKey, privateKey: keys.privateKey }, concurrency: 10, retry: { attempts: 2 }, ca, endpointPolicy: (url: URL) => url.hostname.endsWith('.push.apple.com') })
  const strict = new WebPush({ endpointPolicy: 'push-services', retry: false })
  void strict
  const one: SendResult = await push.send(subscribed, 'x', { ttl: 5, topic: 't' })
  async function* many(): AsyncGenerator<SendTarget> {
    yield subscribed
    yield { subscription: subscribed, payload: 'own', options: { urgency: 'low' } }
  }
  const report: BatchReport = await push.sendMany(many(), 'shared', { onProgress: (p) => void p.done, signal: new AbortController().signal })
  const gone: Outcome[] = report.gone
  const retryAfter: number | undefined = report.failed[0]?.retryAfterMs
  service.failNext(subscribed, { status: 429, retryAfter: 1 })
  service.failNext(3, { reset: true })
  const stats: number = service.stats().requests
  await push.close()
  void [one, gone, retryAfter, stats]
  service.expire(subscribed.endpoint)
  await service.close()
  void [details, body, status, text, aud, ack, wsUrl]

  void [sub, key, salt, enc2, authorization, cryptoKey, headers2, plain, urgency]
}

void main

// Declarative Web Push: declarativePayload and what the testing service shows of a received one.
import { declarativePayload, type DeclarativeMessage, type DeclarativeNotification, type DeclarativePayloadOptions } from '..'

function declarative(received: ReceivedMessage): void {
  const notification: DeclarativeNotification = {
    title: 'Order shipped',
    navigate: 'https://example.com/orders/42',
    dir: 'ltr',
    requireInteraction: true,
    vibrate: [100, 50],
    timestamp: Date.now(),
    data: { order: 42, tags: ['a'] },
    actions: [{ action: 'track', title: 'Track', navigate: 'https://example.com/track/42', icon: 'https://example.com/t.png' }],
  }
  const options: DeclarativePayloadOptions = { appBadge: 3, mutable: true }
  const text: string = declarativePayload(notification, options)
  const same: string = webpush.declarativePayload({ title: 't', navigate: 'https://e.com/' })
  const seen = received.declarative
  if (typeof seen === 'string') {
    const why: string = seen
    void why
  } else if (seen !== undefined) {
    const message: DeclarativeMessage = seen
    const badge: number | undefined = message.app_badge
    const flag: boolean | undefined = message.notification.require_interaction
    const web: 8030 = message.web_push
    void [badge, flag, web]
  }
  void [text, same]
}
void declarative
