// The server's push client and the notification format, shared by the route handlers.
import { MAX_PAYLOAD_BYTES, WebPush } from 'web-push-rs'

/** The notification the service worker shows. */
export interface Notification {
  title: string
  body: string
  icon?: string
  tag?: string
  url?: string
}

// Every server instance must sign with the key pair the browsers subscribed with, so it comes
// from the environment: `npx web-push-rs generate-vapid-keys`, once.
function vapidFromEnv() {
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey } = process.env
  if (!publicKey || !privateKey) throw new Error('set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (npx web-push-rs generate-vapid-keys)')
  return { subject: process.env.VAPID_SUBJECT ?? 'mailto:admin@example.com', publicKey, privateKey }
}

// Subscriptions come from anyone, and each endpoint is a URL the server will POST to: by
// default only the browsers' push services are contacted (SSRF guard). ENDPOINT_POLICY=https
// also allows any https: host and http: to loopback (a local push service in tests).
function endpointPolicyFromEnv(): 'push-services' | 'https' {
  const policy = process.env.ENDPOINT_POLICY ?? 'push-services'
  if (policy !== 'push-services' && policy !== 'https') throw new Error(`ENDPOINT_POLICY must be push-services or https, got ${policy}`)
  return policy
}

// One client per server process (it holds the connection pool), kept on globalThis so that
// `next dev` reloads reuse it.
const cache = globalThis as typeof globalThis & { webPush?: WebPush }

export function getPush(): WebPush {
  cache.webPush ??= new WebPush({ vapid: vapidFromEnv(), endpointPolicy: endpointPolicyFromEnv() })
  return cache.webPush
}

/** The applicationServerKey for `pushManager.subscribe()`. */
export function vapidPublicKey(): string {
  return vapidFromEnv().publicKey
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Validates a request body as a notification and encodes it; `status` is the HTTP status of an error. */
export function parseNotification(body: unknown): { payload: string } | { error: string; status: number } {
  if (!isRecord(body) || typeof body.title !== 'string' || body.title === '') return { error: 'title must be a non-empty string', status: 400 }
  if (typeof body.body !== 'string') return { error: 'body must be a string', status: 400 }
  const notification: Notification = { title: body.title, body: body.body }
  for (const field of ['icon', 'tag', 'url'] as const) {
    const value = body[field]
    if (typeof value === 'string') notification[field] = value
    else if (value !== undefined) return { error: `${field} must be a string when given`, status: 400 }
  }
  const payload = JSON.stringify(notification)
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    return { error: `the notification is ${Buffer.byteLength(payload)} bytes as JSON; at most ${MAX_PAYLOAD_BYTES} fit in a push message`, status: 413 }
  }
  return { payload }
}
