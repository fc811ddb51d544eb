// A small subscription store: a Map keyed by endpoint, saved to a JSON file (temp file +
// rename, so the file is always whole). It suits one long-running server (`next start`).
// On serverless or several instances the file is neither shared nor kept: use a database
// with the same three functions.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateRequestDetails } from 'web-push-rs'
import { isRecord } from '@/lib/push'

/** What we keep of a browser's `PushSubscription.toJSON()`. */
export interface StoredSubscription {
  endpoint: string
  expirationTime: number | null
  keys: { p256dh: string; auth: string }
}

const file = process.env.PUSH_SUBSCRIPTIONS_FILE ?? join(process.cwd(), '.data', 'subscriptions.json')

let loading: Promise<Map<string, StoredSubscription>> | undefined
let writing: Promise<void> = Promise.resolve()

function load(): Promise<Map<string, StoredSubscription>> {
  loading ??= readFile(file, 'utf8').then(
    (text) => new Map(Object.entries(JSON.parse(text) as Record<string, StoredSubscription>)),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return new Map<string, StoredSubscription>()
      throw err
    },
  )
  return loading
}

// Writes go one after another, each with the state at the time of its change.
function save(subscriptions: Map<string, StoredSubscription>): Promise<void> {
  const json = JSON.stringify(Object.fromEntries(subscriptions), null, 2) + '\n'
  const write = writing.then(async () => {
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    try {
      await writeFile(tmp, json, { mode: 0o600 })
      await rename(tmp, file)
    } finally {
      await rm(tmp, { force: true })
    }
  })
  writing = write.catch(() => {})
  return write
}

export async function listSubscriptions(): Promise<StoredSubscription[]> {
  return [...(await load()).values()]
}

/** Adds or replaces the subscription with this endpoint; resolves `true` if it is new. */
export async function saveSubscription(subscription: StoredSubscription): Promise<boolean> {
  const subscriptions = await load()
  const created = !subscriptions.has(subscription.endpoint)
  subscriptions.set(subscription.endpoint, subscription)
  await save(subscriptions)
  return created
}

/** Removes these endpoints; resolves how many were stored. */
export async function deleteSubscriptions(endpoints: string[]): Promise<number> {
  const subscriptions = await load()
  const removed = endpoints.filter((endpoint) => subscriptions.delete(endpoint)).length
  if (removed > 0) await save(subscriptions)
  return removed
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
