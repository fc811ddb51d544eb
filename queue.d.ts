// web-push-rs/queue: durable, resumable campaigns across processes, on BullMQ and Redis.
// Needs the optional peer dependencies `bullmq` and `ioredis` (npm install bullmq ioredis).
import type { PushSubscription, Urgency, ContentEncoding, WebPushOptions, VapidDetails } from './index'

/** Redis connection options (as for BullMQ / ioredis: host, port, username, password, db, tls, …) or a `redis://` / `rediss://` URL. */
export type CampaignConnection = string | ({ host?: string; port?: number; username?: string; password?: string; db?: number; tls?: object } & Record<string, unknown>)

/** Options of `new Campaigns()`. */
export interface CampaignsOptions {
  /** Where Redis is. Required. */
  connection: CampaignConnection
  /** Prefix of every key this library (and BullMQ under it) stores. Default `webpush`. No `:`. */
  prefix?: string
  /**
   * How long `start`, `report`, `outcomes`, `wait`, `cancel`, `remove` and `worker.ready()` wait for a
   * Redis connection (connecting, or reconnecting after a loss) before they reject with `ERR_QUEUE_UNREACHABLE`
   * naming the address and how long they tried. Default 5000 ms; 1..3600000. A running worker never gives up:
   * it waits through any outage.
   */
  connectTimeoutMs?: number
}

/** Message options of a campaign (the same for every target; a target may override urgency, topic, encoding). */
export interface CampaignMessageOptions {
  /** Seconds, counted from `start`: a target still pending after that is `expired`, never sent. Default 2419200. 0: send with TTL 0, never expire. */
  ttl?: number
  urgency?: Urgency
  topic?: string
  contentEncoding?: ContentEncoding
}

/** One target: a subscription, or a subscription with its own payload and options (as in `sendMany`). */
export type CampaignTarget = PushSubscription | { subscription: PushSubscription; payload?: string | Buffer | Uint8Array | null; options?: Omit<CampaignMessageOptions, 'ttl'> & { ttl?: number } }

/** What `start` stores. */
export interface CampaignSpec {
  /** 1–100 characters of `A-Z a-z 0-9 _ . -` (no `:`). The same id again resumes (idempotent), never duplicates. */
  id: string
  /** Stored once per campaign. */
  payload?: string | Buffer | Uint8Array | null
  options?: CampaignMessageOptions
  /** Consumed as a stream; stored in chunks as they come. */
  targets: Iterable<CampaignTarget> | AsyncIterable<CampaignTarget>
  /** Targets per chunk job (default 1000). */
  chunkSize?: number
}

/** Final outcome kinds. */
export type CampaignOutcomeKind = 'sent' | 'gone' | 'rejected' | 'failed' | 'expired' | 'cancelled'

/** A target's final outcome (exactly one per target per campaign). */
export interface CampaignOutcome {
  /** Position of the target in `targets`. */
  index: number
  kind: CampaignOutcomeKind
  endpoint: string
  /** Sends made for it (0: never sent). */
  attempts: number
  statusCode?: number
  code?: string
  message?: string
  /** The push service's own reason, when its answer carried one (as in `sendMany` outcomes). */
  reason?: string
}

/** The state of a campaign. */
export interface CampaignReport {
  id: string
  /** Targets stored so far (all of them once `start` resolved). */
  total: number
  /** Targets with a final outcome. */
  done: number
  sent: number
  gone: number
  rejected: number
  failed: number
  expired: number
  cancelled: number
  /** `total - done`. */
  pending: number
  state: 'starting' | 'running' | 'done' | 'cancelled'
  /** When the campaign was first started (ms since the epoch): TTLs count from here. */
  createdAt: number
  finishedAt?: number
}

/** Options of `campaigns.worker()`. */
export interface CampaignWorkerOptions extends Pick<WebPushOptions, 'timeoutMs' | 'proxy' | 'ca' | 'endpointPolicy'> {
  /** The VAPID key pair this worker signs with. Required; never written to Redis. */
  vapid: VapidDetails
  /** Sent-but-unrecorded targets per chunk at most (default 300): a chunk's next target starts as soon as an earlier one's outcome is in Redis. */
  concurrency?: number
  /** Chunks worked on at once (default 2). A crashed worker re-sends at most `concurrency × chunksAtOnce` messages (600 by default). */
  chunksAtOnce?: number
  /** Called after gone (404/410) outcomes are recorded, once per gone target: delete those subscriptions. */
  onGone?: (outcomes: CampaignOutcome[]) => unknown
  /** Attempts per target (default 5; 429/503 Retry-After and 5xx/408/network errors count) and the longest 5xx backoff (default 10000 ms), or `false` for one attempt. */
  retry?: { attempts?: number; maxDelayMs?: number } | false
  /** BullMQ lock of a chunk (default 30000 ms): a killed worker's chunk is taken over after it runs out. */
  lockDurationMs?: number
  /** How often stalled chunks are looked for (default = lockDurationMs). */
  stalledIntervalMs?: number
}

/** A worker: takes chunks of every campaign under the prefix. */
export declare class CampaignWorker {
  private constructor()
  /** `concurrency × chunksAtOnce`: the most messages this worker has in flight. */
  readonly maxInFlight: number
  /** Resolves once connected and taking chunks; rejects `ERR_QUEUE_UNREACHABLE` after `connectTimeoutMs` without Redis (it keeps trying until closed). */
  ready(): Promise<void>
  /** Lets in-flight sends finish and record their outcomes, hands the rest of its chunks back to the queue, then stops (at once when Redis is unreachable). */
  close(): Promise<void>
}

/** Campaigns on one Redis (any number of producers, workers and observers, in any process). */
export declare class Campaigns {
  constructor(options: CampaignsOptions)
  /** Stores the payload once and the targets in chunk jobs; resolves once every target is stored. */
  start(spec: CampaignSpec): Promise<{ id: string; total: number }>
  /** Counters and state. Rejects `ERR_CAMPAIGN_NOT_FOUND` for an unknown id. */
  report(id: string): Promise<CampaignReport>
  /** Every final outcome recorded so far (unordered), optionally of one kind. */
  outcomes(id: string, options?: { kind?: CampaignOutcomeKind }): AsyncIterableIterator<CampaignOutcome>
  /** Resolves with the final report once every target has an outcome. `signal` stops the waiting, not the campaign. */
  wait(id: string, options?: { onProgress?: (report: CampaignReport) => void; signal?: AbortSignal; intervalMs?: number }): Promise<CampaignReport>
  /** Pending targets become `cancelled`; once it resolves, nothing more of the campaign is sent. */
  cancel(id: string): Promise<CampaignReport>
  /** Deletes a campaign's record (meta, outcomes, remaining chunk jobs). */
  remove(id: string): Promise<void>
  /** A worker in this process. */
  worker(options: CampaignWorkerOptions): CampaignWorker
  /** Closes this instance's workers (each finishes what it holds), the queue and the connection. */
  close(): Promise<void>
}
