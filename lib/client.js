'use strict'

// The WebPush client: a configured, pooled sender with retries, and sendMany for fan-out.
// All per-message work (encryption, VAPID from the cache, HTTP, retries) runs in Rust; this
// file only turns JS values into targets, streams them in chunks, and reports.

const binding = require('./native.js')
const { WebPushError, callAsync, callSync, invalid, typeError } = require('./errors.js')
const { describe, requirePayload, requireObject } = require('./args.js')
const { warnAboutSubject } = require('./warnings.js')

const CLIENT_OPTION_KEYS = ['vapid', 'ttl', 'urgency', 'contentEncoding', 'timeoutMs', 'concurrency', 'retry', 'proxy', 'ca', 'endpointPolicy']
const MESSAGE_OPTION_KEYS = ['ttl', 'urgency', 'topic', 'contentEncoding', 'headers']
const CHUNK = 256
const PROGRESS_INTERVAL_MS = 100

function checkKeys(object, allowed, what) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw invalid('ERR_INVALID_OPTION', `'${key}' is not a valid ${what} option; valid: ${allowed.join(', ')}`)
    }
  }
}

function positiveInteger(value, field, max) {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw typeError(`${field} must be an integer from 1 to ${max}, got ${describe(value)}`)
  }
  return value
}

function clientInput(options) {
  requireObject(options, 'options')
  checkKeys(options, CLIENT_OPTION_KEYS, 'WebPush')
  const input = {}
  if (options.vapid !== undefined && options.vapid !== null) {
    requireObject(options.vapid, 'options.vapid')
    for (const name of ['subject', 'publicKey', 'privateKey']) {
      if (typeof options.vapid[name] !== 'string' || options.vapid[name].length === 0) {
        throw typeError(`options.vapid.${name} must be a non-empty string, got ${describe(options.vapid[name])}`)
      }
    }
    input.vapidSubject = options.vapid.subject
    input.vapidPublicKey = options.vapid.publicKey
    input.vapidPrivateKey = options.vapid.privateKey
  }
  if (options.ttl !== undefined) {
    if (typeof options.ttl !== 'number') throw typeError(`options.ttl must be a number of seconds, got ${describe(options.ttl)}`)
    input.ttl = options.ttl
  }
  for (const name of ['urgency', 'contentEncoding', 'proxy']) {
    if (options[name] !== undefined) {
      if (typeof options[name] !== 'string') throw typeError(`options.${name} must be a string, got ${describe(options[name])}`)
      input[name] = options[name]
    }
  }
  if (options.timeoutMs !== undefined) {
    if (typeof options.timeoutMs !== 'number' || !(options.timeoutMs > 0)) throw typeError(`options.timeoutMs must be a positive number, got ${describe(options.timeoutMs)}`)
    input.timeoutMs = options.timeoutMs
  }
  input.concurrency = positiveInteger(options.concurrency, 'options.concurrency', 10000)
  if (options.retry === false) {
    input.retryAttempts = 1
  } else if (options.retry !== undefined) {
    requireObject(options.retry, 'options.retry')
    checkKeys(options.retry, ['attempts', 'maxDelayMs'], 'retry')
    input.retryAttempts = positiveInteger(options.retry.attempts, 'options.retry.attempts', 100)
    if (options.retry.maxDelayMs !== undefined) {
      if (typeof options.retry.maxDelayMs !== 'number' || options.retry.maxDelayMs < 0) throw typeError(`options.retry.maxDelayMs must be a non-negative number, got ${describe(options.retry.maxDelayMs)}`)
      input.retryMaxDelayMs = options.retry.maxDelayMs
    }
  }
  if (typeof options.endpointPolicy === 'function') input.customEndpointPolicy = true
  if (options.endpointPolicy !== undefined && typeof options.endpointPolicy !== 'function') {
    if (typeof options.endpointPolicy !== 'string') {
      throw typeError(`options.endpointPolicy must be 'https', 'push-services' or a function, got ${describe(options.endpointPolicy)}`)
    }
    input.endpointPolicy = options.endpointPolicy
  }
  if (options.ca !== undefined) {
    const list = Array.isArray(options.ca) ? options.ca : [options.ca]
    input.ca = list.map((c) => (typeof c === 'string' ? c : Buffer.isBuffer(c) ? c.toString('utf8') : (() => { throw typeError(`options.ca must be PEM text or a Buffer, got ${describe(c)}`) })())).join('\n')
  }
  return input
}

/** Strict conversion for `send` (throws on bad input, as sendNotification rejects). */
function messageFields(options, into) {
  if (options === undefined || options === null) return into
  requireObject(options, 'options')
  checkKeys(options, MESSAGE_OPTION_KEYS, 'message')
  if (options.ttl !== undefined) {
    if (typeof options.ttl !== 'number' || !Number.isFinite(options.ttl)) {
      throw invalid('ERR_INVALID_TTL', `TTL must be a non-negative integer number of seconds, got ${describe(options.ttl)}`)
    }
    into.ttl = options.ttl
  }
  for (const name of ['urgency', 'topic', 'contentEncoding']) {
    if (options[name] !== undefined) into[name] = String(options[name])
  }
  if (options.headers !== undefined) {
    requireObject(options.headers, 'options.headers')
    into.headers = Object.entries(options.headers).map(([k, v]) => [k, String(v)])
  }
  return into
}

function payloadBuffer(payload) {
  if (payload === undefined || payload === null || payload === '') return undefined
  const bytes = requirePayload(payload)
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes
}

function subscriptionFields(subscription, index) {
  const keys = subscription && typeof subscription.keys === 'object' && subscription.keys !== null ? subscription.keys : {}
  return {
    index,
    endpoint: typeof subscription?.endpoint === 'string' ? subscription.endpoint : '',
    p256dh: typeof keys.p256dh === 'string' ? keys.p256dh : undefined,
    auth: typeof keys.auth === 'string' ? keys.auth : undefined,
  }
}

const OWN_NONE = -2 // the target has its own, empty payload
const SHARED = -1 // the target uses the batch payload

/** A target → a JSON row for the native batch (see src/binding/client.rs CompactTarget). */
function row(target, payloads) {
  let slot = SHARED
  if (target.ownPayload) {
    slot = target.payload ? payloads.push(target.payload) - 1 : OWN_NONE
  }
  const { ttl, urgency, topic, contentEncoding, headers } = target
  const options = ttl === undefined && urgency === undefined && topic === undefined && contentEncoding === undefined && headers === undefined
    ? null
    : { ttl, urgency, topic, contentEncoding, headers }
  return [target.index, target.endpoint, target.p256dh ?? null, target.auth ?? null, slot, options]
}

/**
 * A batch item → target. Never throws: anything malformed becomes a target the core rejects
 * locally (with a code naming the problem), so one bad subscriber never fails the batch.
 */
function batchTarget(item, index) {
  const isWrapped = item !== null && typeof item === 'object' && 'subscription' in item
  const target = subscriptionFields(isWrapped ? item.subscription : item, index)
  if (!isWrapped) return target
  try {
    if (item.payload !== undefined) {
      target.ownPayload = true
      target.payload = payloadBuffer(item.payload)
    }
    messageFields(item.options, target)
  } catch (err) {
    target.invalid = err
  }
  return target
}

/** A target refused by the JS layer, as an outcome (never sent to the core). */
function rejectedLocally(target) {
  return { kind: 'rejected', endpoint: target.endpoint, index: target.index, attempts: 0, code: target.invalid.code, message: target.invalid.message }
}

/** An outcome as `onOutcome` sees it: the report's fields plus `kind`. */
function streamedOutcome(o) {
  return { kind: o.kind, ...outcome(o) }
}

function outcome(o) {
  const out = { endpoint: o.endpoint, index: o.index, attempts: o.attempts }
  if (o.statusCode !== undefined && o.statusCode !== null) out.statusCode = o.statusCode
  if (o.retryAfterMs !== undefined && o.retryAfterMs !== null) out.retryAfterMs = o.retryAfterMs
  if (o.code) out.code = o.code
  if (o.message) out.message = o.message
  if (o.body) out.body = o.body
  if (o.reason) out.reason = o.reason
  if (o.errno !== undefined && o.errno !== null) out.errno = o.errno
  return out
}

function iteratorOf(targets) {
  if (targets !== null && typeof targets === 'object') {
    if (typeof targets[Symbol.asyncIterator] === 'function') return targets
    if (typeof targets[Symbol.iterator] === 'function') return targets
  }
  throw typeError(`targets must be an array or an (async) iterable, got ${describe(targets)}`)
}

/**
 * Applies a custom endpoint policy (a function of the parsed URL) to a target. Never throws:
 * a refused endpoint (or a policy that throws) turns the target into a local rejection.
 */
function applyPolicy(policy, target) {
  if (!policy || target.invalid) return target
  let url
  try {
    url = new URL(target.endpoint)
  } catch {
    return target // not a URL: the core rejects it with ERR_INVALID_ENDPOINT
  }
  let allowed
  try {
    allowed = policy(url) === true
  } catch (err) {
    target.invalid = invalid('ERR_ENDPOINT_NOT_ALLOWED', `subscription endpoint host ${JSON.stringify(url.hostname)}: the endpoint policy threw: ${err && err.message}`)
  }
  if (!allowed && !target.invalid) {
    target.invalid = invalid('ERR_ENDPOINT_NOT_ALLOWED', `subscription endpoint host ${JSON.stringify(url.hostname)} is not allowed by the endpoint policy`)
  }
  return target
}

class WebPush {
  #native
  #contentEncoding
  #policy
  #closed = false

  /** See index.d.ts. */
  constructor(options = {}) {
    const input = clientInput(options)
    this.#native = callSync(() => new binding.NativeClient(input))
    if (input.vapidSubject) warnAboutSubject(input.vapidSubject)
    this.#contentEncoding = input.contentEncoding ?? 'aes128gcm'
    this.#policy = typeof options.endpointPolicy === 'function' ? options.endpointPolicy : undefined
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
    const target = subscriptionFields(subscription, 0)
    target.ownPayload = true
    target.payload = payloadBuffer(payload)
    messageFields(options, target)
    applyPolicy(this.#policy, target)
    if (target.invalid) throw target.invalid
    const payloads = []
    const o = await callAsync(() => this.#native.send(JSON.stringify([row(target, payloads)]), payloads[0]))
    if (o.kind === 'sent') return { statusCode: o.statusCode, body: o.body ?? '', headers: o.headers ?? {} }
    const message = o.statusCode ? 'Received unexpected response code' : o.message
    const err = new WebPushError(message, o.statusCode ?? undefined, o.headers ?? undefined, o.body ?? undefined, target.endpoint, o.code)
    err.attempts = o.attempts
    err.outcome = o.kind
    if (o.statusCode) err.detail = o.message
    if (o.reason) err.reason = o.reason
    if (o.errno !== undefined && o.errno !== null) err.errno = o.errno
    if (o.retryAfterMs !== undefined && o.retryAfterMs !== null) err.retryAfterMs = o.retryAfterMs
    throw err
  }

  /** Sends to many targets; every target gets exactly one outcome. See index.d.ts. */
  async sendMany(targets, payload, options = {}) {
    this.#checkOpen()
    const iterable = iteratorOf(targets)
    requireObject(options, 'options')
    checkKeys(options, ['onProgress', 'onOutcome', 'signal'], 'sendMany')
    const { onProgress, onOutcome, signal } = options
    if (onProgress !== undefined && typeof onProgress !== 'function') throw typeError(`options.onProgress must be a function, got ${describe(onProgress)}`)
    if (onOutcome !== undefined && typeof onOutcome !== 'function') throw typeError(`options.onOutcome must be a function, got ${describe(onOutcome)}`)
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(`options.signal must be an AbortSignal, got ${describe(signal)}`)
    const total = Array.isArray(targets) ? targets.length : undefined
    const batch = await callAsync(() => this.#native.startBatch(payloadBuffer(payload), onOutcome !== undefined))

    // Targets refused here (malformed options, endpoint policy) never reach the core.
    const local = []
    const onAbort = () => batch.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()

    // onOutcome calls run one after another; sendMany resolves after the last one settled.
    let delivering = Promise.resolve()
    let outcomeError
    let localStreamed = 0
    const deliver = () => {
      if (!onOutcome) return
      const list = batch.takeOutcomes().map(streamedOutcome)
      while (localStreamed < local.length) list.push(local[localStreamed++])
      if (list.length === 0) return
      delivering = delivering.then(() => onOutcome(list)).catch((err) => {
        if (outcomeError === undefined) outcomeError = err
        batch.abort()
      })
    }

    let lastReported = -1
    const report = () => {
      const p = batch.progress()
      const done = p.done + local.length
      if (done === lastReported) return
      lastReported = done
      onProgress({ done, total, sent: p.sent, gone: p.gone, rejected: p.rejected + local.length, failed: p.failed })
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
      const add = async (item) => {
        const target = applyPolicy(this.#policy, batchTarget(item, index++))
        if (target.invalid) {
          local.push(rejectedLocally(target))
        } else {
          rows.push(row(target, payloads))
          if (rows.length === CHUNK) await flush()
        }
      }
      const flush = async () => {
        const json = JSON.stringify(rows)
        const buffers = payloads
        rows = []
        payloads = []
        await batch.pushJson(json, buffers)
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
      const rejected = result.rejected.map(outcome).concat(local.map(({ kind, ...o }) => o))
      rejected.sort((a, b) => a.index - b.index)
      return {
        total: result.total + local.length,
        sent: result.sent,
        gone: result.gone.map(outcome),
        rejected,
        failed: result.failed.map(outcome),
        durationMs: result.durationMs,
      }
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
    const { encryptAsync } = require('../index.js')
    return encryptAsync(subscription.keys.p256dh, subscription.keys.auth, payload, this.#contentEncoding)
  }

  /** Releases the connection pool; later calls reject with ERR_CLIENT_CLOSED. */
  async close() {
    this.#closed = true
    this.#native = null
  }
}

module.exports = { WebPush }
