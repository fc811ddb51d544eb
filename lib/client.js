'use strict'

// The WebPush client: a configured, pooled sender with retries, and sendMany for fan-out.
// All per-message work (validation, encryption, VAPID from the cache, HTTP, retries) runs in
// Rust; this file checks JS types, streams targets in chunks of batch rows, and reports.

const binding = require('./native.js')
const { answerError, callAsync, callSync, invalid, typeError } = require('./errors.js')
const { checkOptions, describe, headerPairs, notValid, optionalPayload, requirePayload, requireString, subscriptionParts } = require('./args.js')
const { warnAboutSubject } = require('./warnings.js')

const CLIENT_OPTIONS = {
  vapid: ['object', 'null'], ttl: 'number', urgency: 'string', contentEncoding: 'string', timeoutMs: 'number', concurrency: ['number', 'string'],
  maxConcurrency: 'number', maxConnectionsPerOrigin: 'number', retry: ['false', 'object'], proxy: 'string', ca: 'pem', endpointPolicy: ['string', 'function'],
}
const RETRY_OPTIONS = { attempts: 'number', maxDelayMs: 'number' }
const MESSAGE_OPTIONS = { ttl: 'any', urgency: 'any', topic: 'any', contentEncoding: 'any', headers: 'object' }
const SEND_MANY_OPTIONS = { onProgress: 'function', onOutcome: 'function', signal: 'any' }
const CHUNK = 256
const PROGRESS_INTERVAL_MS = 100

/** A target's options as a batch row's `options` (null when none). Throws on bad input. */
function messageOptions(options) {
  if (options === undefined || options === null) return null
  checkOptions(options, MESSAGE_OPTIONS, 'options', notValid('valid message'))
  const out = {}
  // JSON cannot carry NaN or Infinity: anything but a finite number is refused here.
  if (options.ttl !== undefined && !Number.isFinite(options.ttl)) {
    throw invalid('ERR_INVALID_TTL', `TTL must be a non-negative integer number of seconds, got ${describe(options.ttl)}`)
  }
  if (options.ttl !== undefined) out.ttl = options.ttl
  for (const name of ['urgency', 'topic', 'contentEncoding']) if (options[name] !== undefined) out[name] = String(options[name])
  if (options.headers !== undefined) out.headers = headerPairs(options.headers, 'options.headers')
  return Object.keys(out).length > 0 ? out : null
}

/**
 * A batch item (a subscription, or `{ subscription, payload?, options? }`) as one batch row.
 * The row schema is described once, in src/batch_row.rs; own payloads go to `payloads`.
 * Throws on input the JS layer refuses (wrong types, unknown options).
 */
function row(index, item, payloads) {
  const wrapped = item !== null && typeof item === 'object' && 'subscription' in item
  const { endpoint, p256dh, auth } = subscriptionParts(wrapped ? item.subscription : item)
  let slot = binding.BATCH_PAYLOAD_SHARED
  let options = null
  if (wrapped) {
    options = messageOptions(item.options)
    if (item.payload === null) slot = binding.BATCH_PAYLOAD_NONE
    else if (item.payload !== undefined) slot = payloads.push(requirePayload(item.payload)) - 1
  }
  return [index, endpoint, p256dh ?? null, auth ?? null, slot, options]
}

/** The endpoint of a batch item, for the outcome of a target refused before it had a row. */
function endpointOf(item) {
  const subscription = item !== null && typeof item === 'object' && 'subscription' in item ? item.subscription : item
  return typeof subscription?.endpoint === 'string' ? subscription.endpoint : ''
}

function iteratorOf(targets) {
  if (targets !== null && typeof targets === 'object' && (typeof targets[Symbol.asyncIterator] === 'function' || typeof targets[Symbol.iterator] === 'function')) return targets
  throw typeError(`targets must be an array or an (async) iterable, got ${describe(targets)}`)
}

/** Applies a custom endpoint policy (a function of the parsed URL); throws when it refuses. */
function checkPolicy(policy, endpoint) {
  if (!policy || !URL.canParse(endpoint)) return // not a URL: the core rejects it with ERR_INVALID_ENDPOINT
  const { hostname } = new URL(endpoint)
  let allowed
  try {
    allowed = policy(new URL(endpoint)) === true
  } catch (err) {
    throw invalid('ERR_ENDPOINT_NOT_ALLOWED', `subscription endpoint host ${JSON.stringify(hostname)}: the endpoint policy threw: ${err?.message}`)
  }
  if (!allowed) throw invalid('ERR_ENDPOINT_NOT_ALLOWED', `subscription endpoint host ${JSON.stringify(hostname)} is not allowed by the endpoint policy`)
}

// web-push-rs/queue drives native batches itself (lib/queue/send-window.js): set below.
let internals

class WebPush {
  #native
  #contentEncoding
  #policy
  #closed = false

  /** See index.d.ts. */
  constructor(options = {}) {
    checkOptions(options, CLIENT_OPTIONS, 'options', notValid('valid WebPush'))
    if (options.retry) checkOptions(options.retry, RETRY_OPTIONS, 'options.retry', notValid('valid retry'))
    const custom = typeof options.endpointPolicy === 'function'
    this.#native = callSync(() => new binding.NativeClient({ ...options, vapid: options.vapid ?? undefined, endpointPolicy: custom ? undefined : options.endpointPolicy, customEndpointPolicy: custom }))
    if (options.vapid?.subject) warnAboutSubject(options.vapid.subject)
    this.#contentEncoding = options.contentEncoding ?? 'aes128gcm'
    this.#policy = custom ? options.endpointPolicy : undefined
  }

  #checkOpen() {
    if (this.#closed) throw invalid('ERR_CLIENT_CLOSED', 'this WebPush client is closed')
  }

  /** Sends one message (with retries). Resolves like sendNotification; rejects WebPushError. */
  async send(subscription, payload, options) {
    this.#checkOpen()
    if (typeof subscription !== 'object' || subscription === null) {
      throw typeError(`subscription must be an object with an endpoint, got ${describe(subscription)}`)
    }
    const payloads = []
    const target = row(0, { subscription, payload: payload ?? null, options }, payloads)
    checkPolicy(this.#policy, target[1])
    const o = await callAsync(() => this.#native.send(JSON.stringify([target]), payloads[0]))
    if (o.kind === 'sent') return { statusCode: o.statusCode, body: o.body ?? '', headers: o.headers ?? {} }
    throw Object.assign(answerError(o, target[1]), { outcome: o.kind })
  }

  /** Sends to many targets; every target gets exactly one outcome. See index.d.ts. */
  async sendMany(targets, payload, options = {}) {
    this.#checkOpen()
    const iterable = iteratorOf(targets)
    const { onProgress, onOutcome, signal } = checkOptions(options, SEND_MANY_OPTIONS, 'options', notValid('valid sendMany'))
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(`options.signal must be an AbortSignal, got ${describe(signal)}`)
    const total = Array.isArray(targets) ? targets.length : undefined
    const shared = optionalPayload(payload)
    const batch = await callAsync(() => this.#native.startBatch(shared, onOutcome !== undefined))

    const onAbort = () => batch.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()

    // onOutcome calls run one after another; sendMany resolves after the last one settled.
    let delivering = Promise.resolve()
    let outcomeError
    const deliver = () => {
      const list = onOutcome ? batch.takeOutcomes() : []
      if (list.length === 0) return
      delivering = delivering.then(() => onOutcome(list)).catch((err) => {
        if (outcomeError === undefined) outcomeError = err
        batch.abort()
      })
    }
    let lastReported = -1
    const report = () => {
      const { done, sent, gone, rejected, failed, inFlight, origins } = batch.progress()
      if (done !== lastReported) onProgress({ done, total, sent, gone, rejected, failed, inFlight, origins })
      lastReported = done
    }
    const tick = () => {
      deliver()
      if (onProgress) report()
    }
    const timer = onProgress || onOutcome ? setInterval(tick, PROGRESS_INTERVAL_MS) : undefined
    try {
      let index = 0
      let rows = []
      let payloads = []
      const flush = async () => {
        const json = JSON.stringify(rows)
        const chunkPayloads = payloads
        rows = []
        payloads = []
        await batch.pushJson(json, chunkPayloads)
      }
      const add = async (item) => {
        const at = index++
        try {
          const target = row(at, item, payloads)
          checkPolicy(this.#policy, target[1])
          rows.push(target)
        } catch (err) {
          // Refused here (JS types, the endpoint policy): never sent, but it has its outcome.
          batch.refuse(at, endpointOf(item), err.code, err.message)
          return
        }
        if (rows.length === CHUNK) await flush()
      }
      if (Array.isArray(iterable)) {
        for (const item of iterable) await add(item)
      } else {
        for await (const item of iterable) await add(item)
      }
      if (rows.length > 0) await flush()
      const result = await batch.finish()
      if (timer) clearInterval(timer)
      deliver()
      await delivering
      if (outcomeError !== undefined) throw outcomeError
      return result
    } finally {
      if (timer) clearInterval(timer)
      signal?.removeEventListener('abort', onAbort)
      if (onProgress) report()
    }
  }

  /** Encrypts for one subscription, off the event loop, with the client's content encoding. */
  async encrypt(subscription, payload) {
    this.#checkOpen()
    if (typeof subscription !== 'object' || subscription === null || typeof subscription.keys !== 'object' || subscription.keys === null) {
      throw typeError(`subscription must be an object with keys.p256dh and keys.auth, got ${describe(subscription)}`)
    }
    const { p256dh, auth } = subscriptionParts(subscription)
    const args = [requireString(p256dh, 'subscription.keys.p256dh'), requireString(auth, 'subscription.keys.auth'), requirePayload(payload), this.#contentEncoding]
    return callAsync(() => binding.encryptAsync(...args))
  }

  /** Releases the connection pool; later calls reject with ERR_CLIENT_CLOSED. */
  async close() {
    this.#closed = true
    this.#native = null
  }

  static {
    /** @internal `push`'s native client and its custom endpoint policy check (null when none). */
    internals = (push) => {
      push.#checkOpen()
      const policy = push.#policy
      return { native: push.#native, checkPolicy: policy ? (endpoint) => checkPolicy(policy, endpoint) : null }
    }
  }
}

module.exports = { WebPush, row, internals: (push) => internals(push) }
