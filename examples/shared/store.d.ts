// Types of store.js (for the Next.js example's TypeScript).
import type { BatchReport, SendManyOptions, WebPush } from 'web-push-rs'

/** What the store keeps of a browser's `PushSubscription.toJSON()`. */
export interface StoredSubscription {
  endpoint: string
  expirationTime: number | null
  keys: { p256dh: string; auth: string }
}

/** A stored subscription with its bookkeeping. */
export interface SubscriptionRecord extends StoredSubscription {
  createdAt: Date
  /** The last send the push service accepted, or null. */
  lastSuccessAt: Date | null
  /** Sends in a row that failed or were refused. */
  failureCount: number
}

/** Every subscription, read in pages by id; `lastId` is the last id read ('0' before the first). */
export declare class SubscriptionCursor implements AsyncIterable<StoredSubscription> {
  lastId: string
  [Symbol.asyncIterator](): AsyncIterator<StoredSubscription>
}

export declare class SubscriptionStore {
  /** PostgreSQL at `databaseUrl`, else PGlite with its files in `dataDir` (in memory without one). */
  static open(options?: { databaseUrl?: string; dataDir?: string }): Promise<SubscriptionStore>
  readonly kind: 'pglite' | 'postgres'
  /** Adds or replaces the subscription with this endpoint; resolves `true` if it is new. */
  put(subscription: StoredSubscription): Promise<boolean>
  /** Adds or replaces many in one statement (each endpoint once per call); resolves the rows written. */
  putMany(subscriptions: StoredSubscription[]): Promise<number>
  get(endpoint: string): Promise<SubscriptionRecord | undefined>
  count(): Promise<number>
  /** Removes these endpoints in one statement; resolves how many were stored. */
  delete(endpoints: string[]): Promise<number>
  cursor(options?: { batchSize?: number }): SubscriptionCursor
  /** Deletes the gone, counts failures, stamps successes; resolves the endpoints deleted. */
  recordSend(report: BatchReport, cursor: SubscriptionCursor): Promise<string[]>
  /** Streams every subscription into `push.sendMany` and records the outcome. */
  sendToAll(push: WebPush, payload: string | Buffer | Uint8Array | null, options?: SendManyOptions): Promise<{ report: BatchReport; removed: string[] }>
  close(): Promise<void>
}
