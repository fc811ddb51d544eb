'use strict'

// Campaigns: durable, resumable fan-out on BullMQ and Redis. The producer side (`start`)
// streams targets into chunk jobs; `report`, `outcomes`, `wait` and `cancel` read and steer a
// campaign from any process; `worker()` makes a worker (any number, in any process).

const crypto = require('node:crypto')
const { Queue } = require('./deps.js')
const { invalid, typeError } = require('../errors.js')
const { describe, requireObject, requirePayload } = require('../args.js')
const { QUEUE_NAME, keys, signalChannel, connectionOptions, createClient, reportFrom, encodeOutcome, packOutcomes, decodeOutcome, KINDS } = require('./store.js')
const { CampaignWorker } = require('./worker.js')
const { ChunkBuilder, decodeChunk } = require('./chunk.js')
const { Reachability } = require('./reachability.js')

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const MESSAGE_KEYS = ['ttl', 'urgency', 'topic', 'contentEncoding']
const DEFAULT_TTL = 2419200
// 1000 (was 500): half the BullMQ jobs, chunk reads and batch starts per target; measured 7%
// more throughput and 5 µs less worker CPU a message (bench/queue.js harness, 1 worker).
const DEFAULT_CHUNK = 1000
const DEFAULT_CONNECT_TIMEOUT_MS = 5000
const REPORT_FIELDS = ['state', 'total', 'stored', 'done', 'createdAt', 'finishedAt', ...KINDS]
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const unlessUnreachable = (err) => {
  if (err?.code === 'ERR_QUEUE_UNREACHABLE') throw err
}

function checkId(id) {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw invalid('ERR_INVALID_CAMPAIGN_ID', `campaign id must be 1 to 100 characters of A-Z a-z 0-9 _ . - starting with a letter or digit (no ':'), got ${describe(id)}`)
  }
  return id
}

function payloadBuffer(payload) {
  if (payload === undefined || payload === null || payload === '') return undefined
  const bytes = requirePayload(payload)
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes
}

let probe
/** Checks payload and message options with the same rules as a send (one place: the core). */
function checkMessage(payload, options) {
  if (!probe) probe = require('../../testing.js').generateSubscriptionKeys('https://campaign-check.invalid/').subscription
  const { generateRequestDetails } = require('../../index.js')
  const { ttl, urgency, topic, contentEncoding } = options
  const webPushOptions = { TTL: ttl, vapidDetails: null }
  if (urgency !== undefined) webPushOptions.urgency = urgency
  if (topic !== undefined) webPushOptions.topic = topic
  if (contentEncoding !== undefined) webPushOptions.contentEncoding = contentEncoding
  generateRequestDetails(probe, payload, webPushOptions)
}

function messageOptions(options) {
  if (options === undefined || options === null) return { ttl: DEFAULT_TTL }
  requireObject(options, 'options')
  for (const key of Object.keys(options)) {
    if (!MESSAGE_KEYS.includes(key)) throw invalid('ERR_INVALID_OPTION', `'${key}' is not a valid campaign message option; valid: ${MESSAGE_KEYS.join(', ')}`)
  }
  const out = { ttl: options.ttl ?? DEFAULT_TTL }
  for (const key of ['urgency', 'topic', 'contentEncoding']) if (options[key] !== undefined) out[key] = options[key]
  return out
}

/** A target → `[endpoint, p256dh, auth]`, plus `[payload base64, options]` when it has its own (see chunk.js). */
function rowOf(item) {
  const wrapped = item !== null && typeof item === 'object' && 'subscription' in item
  const sub = wrapped ? item.subscription : item
  const k = sub !== null && typeof sub === 'object' && sub.keys !== null && typeof sub.keys === 'object' ? sub.keys : {}
  const row = [
    sub !== null && typeof sub === 'object' && typeof sub.endpoint === 'string' ? sub.endpoint : '',
    typeof k.p256dh === 'string' ? k.p256dh : null,
    typeof k.auth === 'string' ? k.auth : null,
  ]
  if (wrapped && (item.payload !== undefined || item.options !== undefined)) {
    let payload = null
    if (item.payload !== undefined) {
      try {
        const bytes = payloadBuffer(item.payload)
        payload = bytes ? bytes.toString('base64') : ''
      } catch {
        payload = 0 // kept invalid: the worker's sendMany rejects this target with the reason
      }
    }
    row.push(payload, item.options === undefined ? null : item.options)
  }
  return row
}

function iterableOf(targets) {
  if (targets !== null && typeof targets === 'object' && (typeof targets[Symbol.asyncIterator] === 'function' || typeof targets[Symbol.iterator] === 'function')) return targets
  throw invalid('ERR_INVALID_TARGETS', `targets must be an array or an (async) iterable of subscriptions or { subscription, payload?, options? }, got ${describe(targets)}`)
}

class Campaigns {
  #queue
  #reach
  #workers = new Set()
  #closed = false

  /** See queue.d.ts. */
  constructor(options) {
    if (options === undefined || options === null || typeof options !== 'object') {
      throw invalid('ERR_INVALID_CONNECTION', 'new Campaigns(options) needs options.connection: Redis connection options ({ host, port, … } as for BullMQ / ioredis) or a redis:// URL')
    }
    for (const key of Object.keys(options)) {
      if (!['connection', 'prefix', 'connectTimeoutMs'].includes(key)) throw invalid('ERR_INVALID_OPTION', `'${key}' is not a valid Campaigns option; valid: connection, prefix, connectTimeoutMs`)
    }
    const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600000) {
      throw typeError(`options.connectTimeoutMs must be an integer number of milliseconds from 1 to 3600000, got ${describe(options.connectTimeoutMs)}`)
    }
    if (options.prefix !== undefined && (typeof options.prefix !== 'string' || !PREFIX.test(options.prefix))) {
      throw invalid('ERR_INVALID_OPTION', `options.prefix must be 1 to 64 characters of A-Z a-z 0-9 _ . - (no ':'), got ${describe(options.prefix)}`)
    }
    /** Redis connection options shared by the queue and the workers. */
    this.connection = connectionOptions(options.connection)
    /** Key prefix of everything this library stores. */
    this.prefix = options.prefix ?? 'webpush'
    /** How long start, report, outcomes, wait, cancel, remove and worker.ready() wait for a Redis connection. */
    this.connectTimeoutMs = timeout
    /** @internal the ioredis client with the campaign scripts (the API's; each worker has its own). */
    this.redis = createClient(this.connection)
    this.#reach = new Reachability(this.redis, this.connection, timeout)
    // The queue shares the API's client: one connection, watched by one Reachability, closed here.
    this.#queue = new Queue(QUEUE_NAME, {
      connection: this.redis,
      prefix: this.prefix,
      streams: { events: { maxLen: 100 } },
      defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 100, backoff: { type: 'fixed', delay: 1000 } },
    })
    this.#queue.on('error', () => {})
  }

  /** A Redis call of the API: rejects with ERR_QUEUE_UNREACHABLE when Redis stays unreachable. */
  #r(promise) {
    return this.#reach.guard(promise)
  }

  #checkOpen() {
    if (this.#closed) throw invalid('ERR_CLIENT_CLOSED', 'this Campaigns instance is closed')
  }

  /** Stores a campaign's payload once and its targets in chunk jobs. Idempotent per id. */
  async start(spec) {
    this.#checkOpen()
    if (spec === null || typeof spec !== 'object') throw typeError(`campaigns.start(spec) needs { id, payload?, options?, targets }, got ${describe(spec)}`)
    for (const key of Object.keys(spec)) {
      if (!['id', 'payload', 'options', 'targets', 'chunkSize'].includes(key)) throw invalid('ERR_INVALID_OPTION', `'${key}' is not a valid campaign field; valid: id, payload, options, targets, chunkSize`)
    }
    const id = checkId(spec.id)
    const iterable = iterableOf(spec.targets)
    const payload = payloadBuffer(spec.payload)
    const options = messageOptions(spec.options)
    checkMessage(payload, options)
    if (spec.chunkSize !== undefined && (!Number.isInteger(spec.chunkSize) || spec.chunkSize < 1 || spec.chunkSize > 10000)) {
      throw typeError(`chunkSize must be an integer from 1 to 10000, got ${describe(spec.chunkSize)}`)
    }
    const k = keys(this.prefix, id)
    // Without a chunkSize, a campaign that exists keeps its own (one started with an earlier
    // default resumes instead of mismatching).
    const chunkSize = spec.chunkSize ?? (Number(await this.#r(this.redis.hget(k.meta, 'chunkSize'))) || DEFAULT_CHUNK)
    const optionsJson = JSON.stringify(options)
    const fp = crypto.createHash('sha256').update(payload ?? '').update('\0').update(optionsJson).update(`\0${chunkSize}`).digest('hex')
    const [state, stored, , createdAt] = await this.#r(this.redis.wpInit(k.meta, fp, payload ?? '', payload ? 1 : 0, optionsJson, Date.now(), chunkSize))
    if (state === 'mismatch') {
      throw invalid('ERR_CAMPAIGN_MISMATCH', `campaign '${id}' already exists with a different payload, options or chunk size; use a new id`)
    }
    if (state !== 'new' && state !== 'starting') {
      const report = await this.report(id)
      return { id, total: report.total }
    }
    // Resume after the chunks already stored (whole chunks: `stored` grows a chunk at a time).
    let index = 0
    let chunk = Math.floor(stored / chunkSize)
    const skip = chunk * chunkSize
    let rows = new ChunkBuilder()
    let stopped = false
    const flush = async () => {
      // The targets first, then the job that names them: a job never exists without its chunk.
      const job = { name: 'chunk', data: { c: id, s: Number(createdAt), k: chunk, i: chunk * chunkSize, n: rows.length }, opts: { jobId: `${id}.${chunk}` } }
      await this.#r(this.redis.set(k.chunk(chunk), rows.encode()))
      rows = new ChunkBuilder()
      await this.#r(this.#queue.addBulk([job]))
      chunk += 1
      stopped = (await this.#r(this.redis.wpStored(k.meta, chunk, index))) === 'cancelled'
    }
    const add = async (item) => {
      if (index++ < skip) return
      rows.add(rowOf(item))
      if (rows.length === chunkSize) await flush()
    }
    if (Array.isArray(iterable)) {
      for (const item of iterable) {
        await add(item)
        if (stopped) break
      }
    } else {
      for await (const item of iterable) {
        await add(item)
        if (stopped) break
      }
    }
    if (rows.length > 0 && !stopped) await flush()
    const total = stopped ? Number(await this.#r(this.redis.hget(k.meta, 'stored'))) : index
    await this.#r(this.redis.wpFinish(k.meta, total, Date.now()))
    return { id, total }
  }

  /** `{ id, total, done, sent, gone, rejected, failed, expired, cancelled, pending, state, createdAt, finishedAt? }` */
  async report(id) {
    checkId(id)
    const values = await this.#r(this.redis.hmget(keys(this.prefix, id).meta, ...REPORT_FIELDS))
    const m = {}
    REPORT_FIELDS.forEach((f, i) => { if (values[i] !== null) m[f] = values[i] })
    const report = reportFrom(id, m)
    if (!report) throw invalid('ERR_CAMPAIGN_NOT_FOUND', `no campaign '${id}' under prefix '${this.prefix}'`)
    return report
  }

  /** Every final outcome recorded so far (all of them once the campaign is finished). */
  async *outcomes(id, { kind } = {}) {
    checkId(id)
    if (kind !== undefined && !KINDS.includes(kind)) throw invalid('ERR_INVALID_OPTION', `kind must be one of ${KINDS.join(', ')}, got ${describe(kind)}`)
    const out = keys(this.prefix, id).out
    let cursor = '0'
    do {
      const [next, flat] = await this.#r(this.redis.hscan(out, cursor, 'COUNT', 1000))
      cursor = next
      for (let i = 0; i < flat.length; i += 2) {
        const o = decodeOutcome(flat[i], flat[i + 1])
        if (kind === undefined || o.kind === kind) yield o
      }
    } while (cursor !== '0')
  }

  /** Resolves with the final report once every target has an outcome. */
  async wait(id, { onProgress, signal, intervalMs = 200 } = {}) {
    if (onProgress !== undefined && typeof onProgress !== 'function') throw typeError(`options.onProgress must be a function, got ${describe(onProgress)}`)
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(`options.signal must be an AbortSignal, got ${describe(signal)}`)
    let last = -1
    for (;;) {
      if (signal?.aborted) throw invalid('ERR_ABORTED', `stopped waiting for campaign '${id}' (the campaign goes on)`)
      const report = await this.report(id)
      if (onProgress && report.done !== last) {
        last = report.done
        onProgress(report)
      }
      if ((report.state === 'done' || report.state === 'cancelled') && report.pending === 0) return report
      await sleep(intervalMs)
    }
  }

  /** Stops a campaign: pending targets become `cancelled`; nothing is sent once this resolves. */
  async cancel(id) {
    checkId(id)
    const k = keys(this.prefix, id)
    const state = await this.#r(this.redis.wpCancel(k.meta, Date.now()))
    if (!state) throw invalid('ERR_CAMPAIGN_NOT_FOUND', `no campaign '${id}' under prefix '${this.prefix}'`)
    if (state !== 'cancelled') return this.report(id)
    await this.#r(this.redis.publish(signalChannel(this.prefix), JSON.stringify({ cancel: id })))
    let chunk = 0
    let idle = 0
    for (;;) {
      const chunks = Number(await this.#r(this.redis.hget(k.meta, 'chunks')))
      if (chunk >= chunks) {
        // A producer still storing stops after its current chunk; give it a moment. A chunk it
        // adds later anyway is marked cancelled by the worker that takes it.
        if (idle++ >= 5 || (await this.#r(this.redis.hexists(k.meta, 'total')))) break
        await sleep(100)
        continue
      }
      idle = 0
      for (; chunk < chunks; chunk++) await this.#cancelChunk(id, chunk)
    }
    return this.report(id)
  }

  async #cancelChunk(id, chunk) {
    const jobId = `${id}.${chunk}`
    let lockless = 0
    for (;;) {
      const job = await this.#r(this.#queue.getJob(jobId))
      if (!job) return // completed (outcomes are written before a chunk completes)
      const state = await this.#r(job.getState())
      if (state === 'completed') return
      if (state === 'active') {
        // A worker holds it: it sees the cancellation within 250 ms, lets in-flight sends finish
        // and records them. A job without a lock belongs to a dead worker.
        const locked = await this.#r(this.redis.exists(`${this.prefix}:${QUEUE_NAME}:${jobId}:lock`))
        lockless = locked ? 0 : lockless + 1
        if (lockless < 3) {
          await sleep(100)
          continue
        }
      }
      await this.#markChunk(id, job.data, 'cancelled')
      await this.#r(job.remove()).catch(unlessUnreachable)
      return
    }
  }

  async #markChunk(id, data, kind) {
    const k = keys(this.prefix, id)
    const bytes = await this.#r(this.redis.getBuffer(k.chunk(data.k)))
    if (bytes === null) return // done: every target of it has its outcome
    const lines = decodeChunk(bytes).map((row, j) => `${data.i + j} ${kind} ${encodeOutcome(kind, {}, 0, row[0])}`)
    await this.#r(this.redis.wpRecord(k.meta, k.out, Date.now(), packOutcomes(lines)))
    await this.#r(this.redis.del(k.chunk(data.k)))
  }

  /** Deletes a campaign's record (meta, outcomes, its remaining chunk jobs). */
  async remove(id) {
    checkId(id)
    const k = keys(this.prefix, id)
    const chunks = Number(await this.#r(this.redis.hget(k.meta, 'chunks')) || 0)
    for (let chunk = 0; chunk < chunks; chunk++) {
      const job = await this.#r(this.#queue.getJob(`${id}.${chunk}`))
      if (job) await this.#r(job.remove()).catch(unlessUnreachable)
      await this.#r(this.redis.del(k.chunk(chunk)))
    }
    await this.#r(this.redis.del(k.meta, k.out))
  }

  /** A worker taking chunks of every campaign under this prefix. See queue.d.ts. */
  worker(options) {
    this.#checkOpen()
    const worker = new CampaignWorker(this, options, (closed) => this.#workers.delete(closed))
    this.#workers.add(worker)
    return worker
  }

  /** Closes its workers (each finishes what it holds), the queue and the Redis connection. */
  async close() {
    if (this.#closed) return
    this.#closed = true
    await Promise.all([...this.#workers].map((w) => w.close()))
    await this.#queue.close()
    this.#reach.dispose()
    if (this.#reach.connected) await this.redis.quit().catch(() => this.redis.disconnect())
    else this.redis.disconnect() // queued commands are dropped: nothing to wait for
  }
}

module.exports = { Campaigns }
