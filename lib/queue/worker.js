'use strict'

// A campaign worker: takes chunk jobs from BullMQ and sends them with the Rust `WebPush`
// client. Each target's final outcome is written to Redis as soon as it is known (HSETNX, so
// a target has one outcome whoever writes it), so a crash re-sends at most what was in flight.
// Before sending, a chunk skips targets that already have an outcome, stops when the campaign
// is cancelled, marks targets whose TTL (counted from `start`) ran out as `expired`, and holds
// back targets whose push-service origin is paused by a shared Retry-After.

const { Worker, DelayedError } = require('./deps.js')
const { WebPush } = require('../client.js')
const { invalid, typeError } = require('../errors.js')
const { describe, requireObject } = require('../args.js')
const { QUEUE_NAME, keys, pauseKey, signalChannel, encodeOutcome } = require('./store.js')
const { sendRound } = require('./send-round.js')
const { decodeChunk } = require('./chunk.js')

const WORKER_KEYS = ['vapid', 'concurrency', 'chunksAtOnce', 'onGone', 'retry', 'lockDurationMs', 'stalledIntervalMs',
  'timeoutMs', 'proxy', 'ca', 'endpointPolicy']
const STATE_POLL_MS = 250
// A campaign's state and an origin's pause are read from Redis at most this often per worker
// between rounds; pub/sub signals update them at once.
const CACHE_MS = 100
// A chunk whose remaining targets must all wait longer than this (a long Retry-After, a
// backoff) goes back to BullMQ as delayed until then, so it does not hold a worker's slot.
const PARK_MS = 2000
const BASE_DELAY_MS = 250
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function integer(value, field, min, max, fallback) {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min || value > max) throw typeError(`${field} must be an integer from ${min} to ${max}, got ${describe(value)}`)
  return value
}

function workerSettings(options) {
  if (options === undefined || options === null) throw invalid('ERR_MISSING_VAPID', 'campaigns.worker(options) needs options.vapid { subject, publicKey, privateKey }: each worker signs with its own key (it is never stored in Redis)')
  requireObject(options, 'options')
  for (const key of Object.keys(options)) {
    if (!WORKER_KEYS.includes(key)) throw invalid('ERR_INVALID_OPTION', `'${key}' is not a valid campaign worker option; valid: ${WORKER_KEYS.join(', ')}`)
  }
  if (options.vapid === undefined || options.vapid === null) {
    throw invalid('ERR_MISSING_VAPID', 'campaigns.worker(options) needs options.vapid { subject, publicKey, privateKey }: each worker signs with its own key (it is never stored in Redis)')
  }
  if (options.onGone !== undefined && typeof options.onGone !== 'function') throw typeError(`options.onGone must be a function, got ${describe(options.onGone)}`)
  let attempts = 5
  let maxDelayMs = 10000
  if (options.retry === false) {
    attempts = 1
  } else if (options.retry !== undefined) {
    requireObject(options.retry, 'options.retry')
    attempts = integer(options.retry.attempts, 'options.retry.attempts', 1, 100, attempts)
    if (options.retry.maxDelayMs !== undefined) {
      if (typeof options.retry.maxDelayMs !== 'number' || !(options.retry.maxDelayMs >= 0)) throw typeError(`options.retry.maxDelayMs must be a non-negative number, got ${describe(options.retry.maxDelayMs)}`)
      maxDelayMs = options.retry.maxDelayMs
    }
  }
  const concurrency = integer(options.concurrency, 'options.concurrency', 1, 10000, 50)
  const lockDurationMs = integer(options.lockDurationMs, 'options.lockDurationMs', 500, 3600000, 30000)
  return {
    concurrency,
    chunksAtOnce: integer(options.chunksAtOnce, 'options.chunksAtOnce', 1, 100, 4),
    attempts,
    maxDelayMs,
    lockDurationMs,
    stalledIntervalMs: integer(options.stalledIntervalMs, 'options.stalledIntervalMs', 100, 3600000, lockDurationMs),
    onGone: options.onGone,
    // The campaign does the retrying (it shares Retry-After across workers): one attempt per send.
    client: {
      vapid: options.vapid,
      concurrency,
      retry: false,
      timeoutMs: options.timeoutMs,
      proxy: options.proxy,
      ca: options.ca,
      endpointPolicy: options.endpointPolicy,
    },
  }
}

function originOf(endpoint) {
  try {
    return new URL(endpoint).origin
  } catch {
    return ''
  }
}

/** A stored row → a sendMany item. */
function itemOf(row, messageOptions) {
  const [endpoint, p256dh, auth, payload, options] = row
  const subscription = { endpoint }
  if (p256dh !== null || auth !== null) subscription.keys = { p256dh: p256dh ?? undefined, auth: auth ?? undefined }
  // The round's options object is shared by its items (it is only read).
  const item = { subscription, options: messageOptions }
  if (payload !== undefined && payload !== null) item.payload = typeof payload === 'string' ? Buffer.from(payload, 'base64') : payload
  if (options !== undefined && options !== null) item.options = typeof options === 'object' ? { ...messageOptions, ...options, ttl: messageOptions.ttl } : options
  return item
}

class CampaignWorker {
  #owner
  #onClosed
  #settings
  #push
  #worker
  #campaigns = new Map()
  #rounds = new Set()
  #states = new Map()
  #pauses = new Map()
  #subscriber
  #closing = false
  #closed = false

  /** Use `campaigns.worker(options)`. */
  constructor(owner, options, onClosed) {
    this.#settings = workerSettings(options)
    this.#owner = owner
    this.#onClosed = onClosed
    this.#push = new WebPush(this.#settings.client)
    const s = this.#settings
    this.#worker = new Worker(QUEUE_NAME, (job, token) => this.#process(job, token), {
      connection: owner.connection,
      prefix: owner.prefix,
      concurrency: s.chunksAtOnce,
      lockDuration: s.lockDurationMs,
      stalledInterval: s.stalledIntervalMs,
      maxStalledCount: 1000,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 1000 },
    })
    this.#worker.on('error', () => {}) // connection errors: BullMQ reconnects and retries
    // A chunk whose lock could not be renewed (Redis was away longer than lockDurationMs) may
    // already be another worker's: stop sending it at once (in-flight sends finish).
    this.#worker.on('lockRenewalFailed', (jobIds) => {
      for (const round of this.#rounds) if (jobIds.includes(round.jobId)) round.controller.abort()
    })
    // Pauses and cancellations are published so running rounds stop at once; each round also
    // polls for them (covers messages missed while disconnected).
    this.#subscriber = owner.redis.duplicate()
    this.#subscriber.on('error', () => {})
    this.#subscriber.subscribe(signalChannel(owner.prefix)).catch(() => {})
    this.#subscriber.on('message', (_channel, message) => {
      let signal
      try {
        signal = JSON.parse(message)
      } catch {
        return
      }
      const now = Date.now()
      if (signal.cancel) this.#states.set(signal.cancel, { state: 'cancelled', at: now })
      if (signal.pause) this.#pauses.set(signal.pause, { until: Number(signal.until) || 0, at: now })
      for (const round of this.#rounds) {
        if (signal.cancel === round.id || (signal.pause && round.origins.has(signal.pause))) round.controller.abort()
      }
    })
  }

  /** The most targets this worker can have in flight (and so re-send after a crash). */
  get maxInFlight() {
    return this.#settings.concurrency * this.#settings.chunksAtOnce
  }

  /** Resolves when the worker is connected and taking jobs. */
  async ready() {
    await this.#worker.waitUntilReady()
  }

  /** Lets in-flight rounds finish and record; the rest of its chunks go back to the queue. */
  async close() {
    if (this.#closed) return
    this.#closed = true
    this.#closing = true // chunks stop between rounds and go back to the queue
    await this.#worker.close()
    await this.#subscriber.quit().catch(() => this.#subscriber.disconnect())
    await this.#push.close()
    this.#onClosed(this)
  }

  /** The campaign's payload and options (cached; a campaign removed and started again is re-read). */
  async #campaign(id, createdAt) {
    let c = this.#campaigns.get(id)
    if (!c || c.createdAt !== createdAt) {
      const redis = this.#owner.redis
      const k = keys(this.#owner.prefix, id)
      const [payload, hasPayload, options, createdAt] = await redis.hmgetBuffer(k.meta, 'payload', 'hasPayload', 'options', 'createdAt')
      if (createdAt === null) return undefined
      const opts = JSON.parse(options.toString())
      c = { id, keys: k, payload: hasPayload.toString() === '1' ? payload : undefined, options: opts, createdAt: Number(createdAt.toString()) }
      if (this.#campaigns.size > 32) this.#campaigns.delete(this.#campaigns.keys().next().value)
      if (this.#states.size > 1000) this.#states.delete(this.#states.keys().next().value)
      this.#campaigns.set(id, c)
    }
    return c
  }

  async #state(c) {
    const cached = this.#states.get(c.id)
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.state
    const state = await this.#owner.redis.hget(c.keys.meta, 'state')
    this.#states.set(c.id, { state, at: Date.now() })
    return state
  }

  /** origin → paused until (ms since the epoch; 0: not paused). */
  async #pausedUntil(origins) {
    const now = Date.now()
    const stale = origins.filter((o) => !(now - (this.#pauses.get(o)?.at ?? -Infinity) < CACHE_MS))
    if (stale.length > 0) {
      const values = await this.#owner.redis.mget(...stale.map((o) => pauseKey(this.#owner.prefix, o)))
      const at = Date.now()
      stale.forEach((o, i) => {
        this.#pauses.set(o, { until: Number(values[i] || 0), at })
      })
    }
    return new Map(origins.map((o) => [o, this.#pauses.get(o).until]))
  }

  /** Writes final outcomes (`[target, kind, outcome]`); calls onGone with the newly written gone ones. */
  async #record(c, entries) {
    if (entries.length === 0) return
    const args = [Date.now()]
    for (const [t, kind, o] of entries) args.push(t.index, kind, encodeOutcome(kind, { ...o, endpoint: t.row[0] }))
    const written = await this.#owner.redis.wpRecord(c.keys.meta, c.keys.out, ...args)
    for (const [t] of entries) t.final = true
    if (this.#settings.onGone) {
      const gone = entries.filter(([, kind], i) => kind === 'gone' && written[i] === 1)
        .map(([t, , o]) => ({ index: t.index, kind: 'gone', endpoint: t.row[0], statusCode: o.statusCode, attempts: o.attempts }))
      if (gone.length > 0) {
        try {
          await this.#settings.onGone(gone)
        } catch {
          // The outcome is recorded either way; the application's handler failing is its own.
        }
      }
    }
  }

  /**
   * Hands the chunk back to BullMQ, delayed until `at`. Outcomes so far are in Redis; the
   * attempts made for targets still pending go into the job (`a`: index → attempts).
   */
  async #park(job, token, pending, at) {
    const a = {}
    for (const t of pending) if (t.attempts > 0) a[t.index] = t.attempts
    await job.updateData({ ...job.data, a })
    await job.moveToDelayed(Math.max(at, Date.now() + 1), token)
    throw new DelayedError()
  }

  async #process(job, token) {
    const { c: id, s: createdAt, k: chunk, i: first } = job.data
    const c = await this.#campaign(id, createdAt)
    if (!c || c.createdAt !== createdAt) return 'no such campaign (removed)'
    const redis = this.#owner.redis
    const bytes = await redis.getBuffer(c.keys.chunk(chunk))
    if (bytes === null) return 'done already'
    const rows = decodeChunk(bytes)
    const indexes = rows.map((_, j) => first + j)
    const recorded = await redis.hmget(c.keys.out, ...indexes)
    const made = job.data.a ?? {}
    const lockKey = `${this.#owner.prefix}:${QUEUE_NAME}:${job.id}:lock`
    let pending = []
    for (let j = 0; j < rows.length; j++) {
      if (recorded[j] === null) pending.push({ index: first + j, row: rows[j], origin: originOf(rows[j][0]), attempts: made[first + j] ?? 0, notBefore: 0, final: false })
    }
    const ttl = c.options.ttl
    while (pending.length > 0) {
      const state = await this.#state(c)
      if (state === 'cancelled') {
        await this.#record(c, pending.map((t) => [t, 'cancelled', { attempts: t.attempts }]))
        break
      }
      const now = Date.now()
      const leftMs = c.createdAt + ttl * 1000 - now
      if (ttl > 0 && leftMs <= 0) {
        await this.#record(c, pending.map((t) => [t, 'expired', { attempts: t.attempts, code: 'ERR_TTL_EXPIRED', message: `the message TTL (${ttl} s from start) ran out before it was sent` }]))
        break
      }
      if (this.#closing) await this.#park(job, token, pending, now)
      // Still ours? After a Redis outage longer than the lock, another worker may have it.
      if ((await redis.get(lockKey)) !== token) throw new Error(`lost the lock of chunk ${job.id}; another worker takes it over`)
      const pausedUntil = await this.#pausedUntil([...new Set(pending.map((t) => t.origin))])
      // At most `concurrency` per round, and a round's outcomes are written before the next
      // starts: a crash leaves at most `concurrency` sent-but-unrecorded targets per chunk.
      const ready = pending.filter((t) => t.notBefore <= now && pausedUntil.get(t.origin) <= now).slice(0, this.#settings.concurrency)
      if (ready.length === 0) {
        const next = Math.min(...pending.map((t) => Math.max(t.notBefore, pausedUntil.get(t.origin))))
        const wakeAt = ttl > 0 ? Math.min(next, c.createdAt + ttl * 1000) : next
        if (wakeAt - now > PARK_MS) await this.#park(job, token, pending, wakeAt)
        await sleep(Math.max(10, Math.min(next - now, STATE_POLL_MS, ttl > 0 ? leftMs : Infinity)))
        continue
      }
      const ttlNow = ttl > 0 ? Math.max(1, Math.floor(leftMs / 1000)) : 0
      await this.#round(c, job.id, ready, { ...c.options, ttl: ttlNow })
      pending = pending.filter((t) => !t.final)
    }
    await redis.del(c.keys.chunk(chunk)) // every target of it has its outcome
    return 'done'
  }

  async #round(c, jobId, ready, messageOptions) {
    const s = this.#settings
    const redis = this.#owner.redis
    const items = ready.map((t) => itemOf(t.row, messageOptions))
    const controller = new AbortController()
    const origins = new Set(ready.map((t) => t.origin))
    const round = { id: c.id, jobId, origins, controller }
    this.#rounds.add(round)
    const originList = [...origins]
    const poll = setInterval(() => {
      redis.hget(c.keys.meta, 'state').then((state) => { if (state === 'cancelled') controller.abort() }, () => {})
      redis.mget(...originList.map((o) => pauseKey(this.#owner.prefix, o))).then((until) => {
        if (until.some((u) => Number(u || 0) > Date.now())) controller.abort()
      }, () => {})
    }, STATE_POLL_MS)
    const onOutcome = async (outcomes) => {
      const entries = []
      const pauses = new Map()
      const now = Date.now()
      for (const o of outcomes) {
        const t = ready[o.index]
        const attempts = t.attempts + (o.attempts || 0)
        if (o.kind !== 'failed') {
          entries.push([t, o.kind, { ...o, attempts }])
        } else if (o.code === 'ERR_ABORTED') {
          // The round stopped (cancelled, or an origin paused): not sent; the chunk loop decides.
          t.attempts = attempts
        } else if (attempts >= s.attempts) {
          entries.push([t, 'failed', { ...o, attempts }])
        } else {
          t.attempts = attempts
          if (o.retryAfterMs !== undefined && o.retryAfterMs !== null) {
            t.notBefore = now + o.retryAfterMs
            pauses.set(t.origin, Math.max(pauses.get(t.origin) || 0, t.notBefore))
          } else {
            const ceiling = Math.min(s.maxDelayMs, BASE_DELAY_MS * 2 ** (attempts - 1))
            t.notBefore = now + Math.random() * ceiling
          }
        }
      }
      const writes = [...pauses].map(([origin, until]) => {
        const prefix = this.#owner.prefix
        this.#pauses.set(origin, { until, at: now })
        return redis.wpPause(pauseKey(prefix, origin), signalChannel(prefix), origin, until, Math.max(1, until - now))
      })
      await Promise.all([this.#record(c, entries), ...writes])
    }
    try {
      await sendRound(this.#push, items, c.payload, { onOutcome, signal: controller.signal })
    } finally {
      clearInterval(poll)
      this.#rounds.delete(round)
    }
  }
}

module.exports = { CampaignWorker, workerSettings }
