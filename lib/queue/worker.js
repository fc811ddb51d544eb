'use strict'

// A campaign worker: takes chunk jobs from BullMQ and sends them with the Rust `WebPush`
// client. Each target's final outcome is written to Redis as soon as it is known (the RECORD
// script writes only targets without one, so a target has one outcome whoever writes it), so a crash re-sends at most what was in flight.
// Before sending, a chunk skips targets that already have an outcome, stops when the campaign
// is cancelled, marks targets whose TTL (counted from `start`) ran out as `expired`, and holds
// back targets whose push-service origin is paused by a shared Retry-After.

const { Worker, DelayedError } = require('./deps.js')
const { WebPush, row } = require('../client.js')
const { BATCH_PAYLOAD_SHARED } = require('../native.js')
const { invalid, typeError } = require('../errors.js')
const { describe, requireObject } = require('../args.js')
const { QUEUE_NAME, keys, pauseKey, signalChannel, createClient, sentOutcome } = require('./store.js')
const { Reachability } = require('./reachability.js')
const { SendWindow, Ticks } = require('./send-window.js')
const { Recorder } = require('./recorder.js')
const { decodeChunkRaw } = require('./chunk.js')

const WORKER_KEYS = ['vapid', 'concurrency', 'chunksAtOnce', 'onGone', 'retry', 'lockDurationMs', 'stalledIntervalMs',
  'timeoutMs', 'proxy', 'ca', 'endpointPolicy']
const STATE_POLL_MS = 250
// A campaign's state and an origin's pause are read from Redis at most this often per worker
// (a chunk checks them before it starts more targets); pub/sub signals update them at once.
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
  // 300 × 2: a slot is held from the send until its outcome is in Redis (a poll tick, then a
  // RECORD write with its fsync), so the window must cover that wait as well as the send.
  // Measured 1 worker at 0.65, 0.77, 0.79 of sendMany's msg/s with 100, 200, 300 per chunk
  // (bench/queue.js, 30,000 targets, medians of 3); 400 × 1 chunk 0.73 (chunk ends stall it).
  const concurrency = integer(options.concurrency, 'options.concurrency', 1, 10000, 300)
  const lockDurationMs = integer(options.lockDurationMs, 'options.lockDurationMs', 500, 3600000, 30000)
  return {
    concurrency,
    chunksAtOnce: integer(options.chunksAtOnce, 'options.chunksAtOnce', 1, 100, 2),
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

/** A target with its own payload or options → a sendMany item (checked by `row()` like one). */
function itemOf(t, messageOptions) {
  const [payload, options] = t.own
  const subscription = { endpoint: t.endpoint }
  if (t.p256dh !== null || t.auth !== null) subscription.keys = { p256dh: t.p256dh ?? undefined, auth: t.auth ?? undefined }
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
  #runs = new Set()
  #redis
  #reach
  #ticks = new Ticks()
  #recorder
  #states = new Map()
  #pauses = new Map()
  #subscriber
  #closing = false
  #abandoned = false
  #closed = false

  /** Use `campaigns.worker(options)`. */
  constructor(owner, options, onClosed) {
    this.#settings = workerSettings(options)
    this.#owner = owner
    this.#onClosed = onClosed
    this.#push = new WebPush(this.#settings.client)
    // Its own Redis client: its commands wait through any outage (a running worker rides out
    // a Redis restart); only ready() gives up, after owner.connectTimeoutMs.
    this.#redis = createClient(owner.connection)
    this.#reach = new Reachability(this.#redis, owner.connection, owner.connectTimeoutMs)
    this.#recorder = new Recorder(this.#redis, this.#settings.onGone)
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
    // already be another worker's: stop starting its targets at once (in-flight sends finish).
    this.#worker.on('lockRenewalFailed', (jobIds) => {
      for (const run of this.#runs) if (jobIds.includes(run.jobId)) run.lost = true
    })
    // Pauses and cancellations are published so running chunks stop starting targets at once;
    // each chunk also reads them from Redis at least every CACHE_MS (covers messages missed
    // while disconnected).
    this.#subscriber = this.#redis.duplicate()
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
      if (signal.pause) this.#pauses.set(signal.pause, { until: Math.max(Number(signal.until) || 0, this.#pauses.get(signal.pause)?.until ?? 0), at: now })
    })
  }

  /** The most targets this worker can have in flight (and so re-send after a crash). */
  get maxInFlight() {
    return this.#settings.concurrency * this.#settings.chunksAtOnce
  }

  /**
   * Resolves when the worker is connected and taking jobs; rejects with ERR_QUEUE_UNREACHABLE
   * when Redis cannot be reached within connectTimeoutMs (the worker keeps trying until closed).
   */
  async ready() {
    await this.#reach.guard(Promise.all([this.#worker.waitUntilReady(), this.#redis.ping()]))
  }

  /** Lets in-flight sends finish and record; the rest of its chunks go back to the queue. */
  async close() {
    if (this.#closed) return
    this.#closed = true
    this.#closing = true // chunks stop starting targets and go back to the queue
    if (this.#reach.connected) {
      await this.#worker.close()
    } else {
      // Without Redis nothing it holds can be recorded or handed back: stop at once (BullMQ
      // gives the chunks to another worker once their locks run out).
      this.#abandoned = true
      await this.#worker.close(true)
    }
    this.#reach.dispose()
    if (this.#reach.connected) {
      await this.#subscriber.quit().catch(() => this.#subscriber.disconnect())
      await this.#redis.quit().catch(() => this.#redis.disconnect())
    } else {
      this.#subscriber.disconnect()
      this.#redis.disconnect()
    }
    await this.#push.close()
    this.#onClosed(this)
  }

  /** The campaign's payload and options (cached; a campaign removed and started again is re-read). */
  async #campaign(id, createdAt) {
    let c = this.#campaigns.get(id)
    if (!c || c.createdAt !== createdAt) {
      const redis = this.#redis
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
    const state = await this.#redis.hget(c.keys.meta, 'state')
    this.#states.set(c.id, { state, at: Date.now() })
    return state
  }

  /** origin → paused until (ms since the epoch; 0: not paused). */
  async #pausedUntil(origins) {
    const now = Date.now()
    const stale = origins.filter((o) => !(now - (this.#pauses.get(o)?.at ?? -Infinity) < CACHE_MS))
    if (stale.length > 0) {
      const values = await this.#redis.mget(...stale.map((o) => pauseKey(this.#owner.prefix, o)))
      const at = Date.now()
      stale.forEach((o, i) => {
        this.#pauses.set(o, { until: Number(values[i] || 0), at })
      })
    }
    return new Map(origins.map((o) => [o, this.#pauses.get(o).until]))
  }

  /** Writes final outcomes (`{ t, kind, o, attempts }`): see recorder.js. */
  #record(c, entries) {
    return this.#recorder.recordEntries(c, entries)
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

  /** The chunk's targets that have no outcome yet. */
  async #pendingTargets(c, job, bytes) {
    const { prefixes, rows } = decodeChunkRaw(bytes)
    const first = job.data.i
    const recorded = new Set(await this.#redis.wpRecorded(c.keys.out, first, rows.length))
    const made = job.data.a ?? {}
    const origins = prefixes.map(originOf)
    const pending = []
    for (let j = 0; j < rows.length; j++) {
      if (recorded.has(first + j)) continue
      const [n, rest, p256dh, auth] = rows[j]
      const index = first + j
      const own = rows[j].length > 4 ? rows[j].slice(4) : undefined // [payload, options] of its own
      pending.push({ index, endpoint: prefixes[n] + rest, p256dh, auth, own, origin: origins[n], attempts: made[index] ?? 0, notBefore: 0 })
    }
    return { pending, origins: [...new Set(origins)] }
  }

  /**
   * Why a chunk must stop starting targets now, if it must: 'cancelled', 'expired', 'closing'
   * or 'lost' (its lock; after a Redis outage longer than the lock another worker may have it).
   */
  async #stopReason(c, run, now) {
    if ((await this.#state(c)) === 'cancelled') return 'cancelled'
    if (c.options.ttl > 0 && c.createdAt + c.options.ttl * 1000 <= now) return 'expired'
    if (this.#closing) return 'closing'
    if (run.lost) return 'lost'
    // Checked again after every `concurrency` starts (as often as a round of them) and at
    // least every second.
    if (run.startedSinceLockCheck >= this.#settings.concurrency || now - run.lockCheckedAt >= 1000) {
      const holder = await this.#redis.get(run.lockKey)
      run.lockCheckedAt = Date.now()
      run.startedSinceLockCheck = 0
      if (holder !== run.token) return 'lost'
    }
    return undefined
  }

  async #process(job, token) {
    const { c: id, s: createdAt, k: chunk } = job.data
    const c = await this.#campaign(id, createdAt)
    if (!c || c.createdAt !== createdAt) return 'no such campaign (removed)'
    const redis = this.#redis
    const bytes = await redis.getBuffer(c.keys.chunk(chunk))
    if (bytes === null) return 'done already'
    const { pending, origins } = await this.#pendingTargets(c, job, bytes)
    const run = {
      id: c.id, jobId: job.id, token, lost: false, lockCheckedAt: 0, startedSinceLockCheck: Infinity,
      lockKey: `${this.#owner.prefix}:${QUEUE_NAME}:${job.id}:lock`,
    }
    this.#runs.add(run)
    try {
      const left = await this.#send(c, run, pending, origins)
      if (left.stop === 'cancelled') {
        await this.#record(c, left.pending.map((t) => ({ t, kind: 'cancelled', o: {}, attempts: t.attempts })))
      } else if (left.stop === 'expired') {
        const o = { code: 'ERR_TTL_EXPIRED', message: `the message TTL (${c.options.ttl} s from start) ran out before it was sent` }
        await this.#record(c, left.pending.map((t) => ({ t, kind: 'expired', o, attempts: t.attempts })))
      } else if (left.stop === 'closing') {
        await this.#park(job, token, left.pending, Date.now())
      } else if (left.stop === 'lost') {
        throw new Error(`lost the lock of chunk ${job.id}; another worker takes it over`)
      } else if (left.stop !== undefined) {
        await this.#park(job, token, left.pending, left.stop.wakeAt)
      }
    } finally {
      this.#runs.delete(run)
    }
    await redis.del(c.keys.chunk(chunk)) // every target of it has its outcome
    return 'done'
  }

  /**
   * Sends `pending` through a sliding window of `concurrency` sent-but-unrecorded targets.
   * Returns once every target has a recorded outcome, or a stop reason with the targets
   * still pending (nothing in flight by then): 'cancelled', 'expired', 'closing', 'lost', or
   * `{ wakeAt }` when all that is left must wait longer than PARK_MS.
   */
  async #send(c, run, pending, origins) {
    const s = this.#settings
    const window = await SendWindow.open(this.#push, c.payload, s.concurrency, this.#ticks)
    const inFlight = new Map() // index → target
    const writes = new Set()
    let failure
    let stop
    let waiting = pending.some((t) => t.attempts > 0) // targets may have a notBefore
    // Outcomes from the batch: `sent` as index/attempts/statusCode triples (the bulk of them,
    // encoded straight into lines for Redis, no object each), `others` as objects.
    const settle = ({ sent, others }) => {
      const lines = []
      const gone = []
      const pauses = new Map()
      const now = Date.now()
      for (let i = 0; i < sent.length; i += 3) {
        const index = sent[i]
        const t = inFlight.get(index)
        inFlight.delete(index)
        lines.push(`${index} sent ${sentOutcome(t.attempts + sent[i + 1], sent[i + 2], t.endpoint)}`)
      }
      for (const o of others) {
        const t = inFlight.get(o.index)
        inFlight.delete(o.index)
        const attempts = t.attempts + (o.attempts || 0)
        if (o.kind !== 'failed' || (o.code !== 'ERR_ABORTED' && attempts >= s.attempts)) {
          lines.push(Recorder.line(t.index, o.kind, o, attempts, t.endpoint))
          if (o.kind === 'gone') gone.push({ index: t.index, endpoint: t.endpoint, statusCode: o.statusCode, attempts })
          continue
        }
        // Pending again: aborted (not sent), or a transient failure with attempts left.
        window.free(1)
        t.attempts = attempts
        pending.push(t)
        if (o.code === 'ERR_ABORTED') continue
        waiting = true
        if (o.retryAfterMs !== undefined && o.retryAfterMs !== null) {
          t.notBefore = now + o.retryAfterMs
          pauses.set(t.origin, Math.max(pauses.get(t.origin) || 0, t.notBefore))
        } else {
          const ceiling = Math.min(s.maxDelayMs, BASE_DELAY_MS * 2 ** (attempts - 1))
          t.notBefore = now + Math.random() * ceiling
        }
      }
      const prefix = this.#owner.prefix
      for (const [origin, until] of pauses) {
        this.#pauses.set(origin, { until, at: now })
        track(this.#redis.wpPause(pauseKey(prefix, origin), signalChannel(prefix), origin, until, Math.max(1, until - now)))
      }
      if (lines.length > 0) track(this.#recorder.record(c, lines, gone).then(() => window.free(lines.length)))
    }
    const track = (promise) => {
      const write = promise.catch((err) => { failure ??= err }).finally(() => writes.delete(write))
      writes.add(write)
    }
    try {
      for (;;) {
        const now = Date.now()
        if (failure) throw failure
        if (this.#abandoned) throw new Error('the worker closed while Redis was unreachable')
        if (stop === undefined && pending.length > 0) stop = await this.#stopReason(c, run, now)
        let next = Infinity // when a pending target may start, if none can now
        if (stop === undefined && pending.length > 0 && window.room > 0) {
          const pausedUntil = await this.#pausedUntil(origins)
          let ready
          if (!waiting && origins.every((o) => pausedUntil.get(o) <= now)) {
            ready = pending.splice(0, window.room)
          } else {
            ready = []
            const rest = []
            for (const t of pending) {
              const at = Math.max(t.notBefore, pausedUntil.get(t.origin))
              if (at <= now && ready.length < window.room) ready.push(t)
              else {
                rest.push(t)
                if (at > now) next = Math.min(next, at)
              }
            }
            pending.length = 0
            pending.push(...rest)
            waiting = pending.some((t) => t.notBefore > now)
          }
          if (ready.length > 0) {
            const { rows, payloads, started, refused } = this.#rows(c, window, ready, now)
            if (refused.length > 0) track(this.#record(c, refused))
            if (rows.length > 0) {
              for (const t of started) inFlight.set(t.index, t)
              run.startedSinceLockCheck += rows.length
              await window.start(rows, payloads)
            }
          }
        }
        if (window.taken > 0) {
          const outcomes = await window.outcomes()
          if (outcomes.sent.length > 0 || outcomes.others.length > 0) settle(outcomes)
          continue
        }
        if (writes.size > 0) await Promise.all(writes)
        if (failure) throw failure
        if (window.taken > 0) continue
        if (pending.length === 0) return { pending }
        if (stop !== undefined) return { stop, pending }
        if (next === Infinity) continue // (re)computed on the next turn
        // Nothing can start yet: wait here, or give the slot back to BullMQ for a long wait.
        const ttl = c.options.ttl
        const wakeAt = ttl > 0 ? Math.min(next, c.createdAt + ttl * 1000) : next
        if (wakeAt - now > PARK_MS) return { stop: { wakeAt }, pending }
        await sleep(Math.max(10, Math.min(wakeAt - now, STATE_POLL_MS)))
      }
    } finally {
      await window.close()
    }
  }

  /**
   * Batch rows for `ready` targets (and those targets), and the outcomes of those refused in
   * JS (types, the endpoint policy), which are never sent.
   */
  #rows(c, window, ready, now) {
    const ttl = c.options.ttl
    const ttlNow = ttl > 0 ? Math.max(1, Math.floor((c.createdAt + ttl * 1000 - now) / 1000)) : 0
    const options = { ...c.options, ttl: ttlNow }
    const rows = []
    const payloads = []
    const started = []
    const refused = []
    for (const t of ready) {
      try {
        const r = t.own === undefined
          ? [t.index, t.endpoint, t.p256dh || null, t.auth || null, BATCH_PAYLOAD_SHARED, options]
          : row(t.index, itemOf(t, options), payloads)
        if (window.checkPolicy) window.checkPolicy(t.endpoint)
        rows.push(r)
        started.push(t)
      } catch (err) {
        refused.push({ t, kind: 'rejected', o: { code: err.code, message: err.message }, attempts: t.attempts })
      }
    }
    return { rows, payloads, started, refused }
  }
}

module.exports = { CampaignWorker, workerSettings }
