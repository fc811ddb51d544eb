// The subscription store: the examples' shared SQL store (../shared, installed as web-push-rs-example-shared), one per server
// process. Embedded PGlite by default, with its files in PUSH_DATA_DIR (default .data/pglite
// under the working directory); a PostgreSQL server when DATABASE_URL is set, which is what
// several instances or a serverless deployment need (PGlite's files belong to one process).
import { join } from 'node:path'
import { generateRequestDetails } from 'web-push-rs'
import { SubscriptionStore, type StoredSubscription } from 'web-push-rs-example-shared'
import { isRecord } from '@/lib/push'

export type { StoredSubscription }

// Kept on globalThis so that `next dev` reloads reuse the open database.
const cache = globalThis as typeof globalThis & { pushStore?: Promise<SubscriptionStore> }

export function getStore(): Promise<SubscriptionStore> {
  cache.pushStore ??= SubscriptionStore.open(
    process.env.DATABASE_URL
      ? { databaseUrl: process.env.DATABASE_URL }
      : { dataDir: process.env.PUSH_DATA_DIR ?? join(process.cwd(), '.data', 'pglite') },
  ).catch((err: unknown) => {
    cache.pushStore = undefined // the next request tries again
    throw err
  })
  return cache.pushStore
}

/** Validates a request body as a PushSubscription, keeping only the fields we store. */
export function parseSubscription(body: unknown): { subscription: StoredSubscription } | { error: string } {
  if (!isRecord(body) || typeof body.endpoint !== 'string') return { error: 'endpoint must be a string' }
  const keys = body.keys
  if (!isRecord(keys) || typeof keys.p256dh !== 'string' || typeof keys.auth !== 'string') {
    return { error: 'keys.p256dh and keys.auth must be strings' }
  }
  const subscription: StoredSubscription = {
    endpoint: body.endpoint,
    expirationTime: typeof body.expirationTime === 'number' ? body.expirationTime : null,
    keys: { p256dh: keys.p256dh, auth: keys.auth },
  }
  try {
    // Builds a request and drops it: the library's own checks of the endpoint URL and the keys.
    generateRequestDetails(subscription, ' ', { vapidDetails: null })
  } catch (err) {
    return { error: (err as Error).message }
  }
  return { subscription }
}
