'use strict'

// The WebPush client: a configured, pooled sender with retries, and sendMany for fan-out.
// All per-message work (reading the options and items, validation, encryption, VAPID from the
// cache, HTTP, retries) runs in Rust; this file streams targets in chunks, applies a custom
// endpoint policy function, and reports.

const binding = require('./native.js')
const { answerError, invalid, typeError } = require('./errors.js')
const { describe } = require('./args.js')
const { warnAboutSubject } = require('./warnings.js')

const CHUNK = 256
const PROGRESS_INTERVAL_MS = 100

/**
 * A batch item (a subscription, or `{ subscription, payload?, options? }`) as one batch row
 * (the schema is described once, in src/batch_row.rs); an own payload goes to `payloads`.
 * Throws on input refused by its JS types or unknown options.
 */
function row(index, item, payloads) {
  const [target, own] = binding.batchRow(index, item)
  if (own !== undefined) target[4] = payloads.push(own) - 1
  return target
}

function iteratorOf(targets) {
  if (targets !== null && typeof targets === 'object' && (typeof targets[Symbol.asyncIterator] === 'function' || typeof targets[Symbol.iterator] === 'function')) return targets
  throw typeError(`targets must be an array or an (async) iterable, got ${describe(targets)}`)
}

/** Why a custom endpoint policy (a function of the parsed URL) refuses `endpoint`, or null. */
function policyRefusal(policy, endpoint) {
  if (!URL.canParse(endpoint)) return null // not a URL: the core rejects it with ERR_INVALID_ENDPOINT
  const host = JSON.stringify(new URL(endpoint).hostname)
  try {
    if (policy(new URL(endpoint)) === true) return null
  } catch (err) {
    return `subscription endpoint host ${host}: the endpoint policy threw: ${err?.message}`
  }
  return `subscription endpoint host ${host} is not allowed by the endpoint policy`
}

/** Throws ERR_ENDPOINT_NOT_ALLOWED when a custom endpoint policy refuses `endpoint`. */
function checkPolicy(policy, endpoint) {
  const refusal = policy ? policyRefusal(policy, endpoint) : null
  if (refusal) throw invalid('ERR_ENDPOINT_NOT_ALLOWED', refusal)
}

// web-push-rs/queue drives native batches itself (lib/queue/send-window.js): set below.
let internals

class WebPush {
  #native
  #policy
  #closed = false

  /** See index.d.ts. */
  constructor(options) {
    this.#native = new binding.NativeClient(options)
    if (options?.vapid?.subject) warnAboutSubject(options.vapid.subject)
    this.#policy = typeof options?.endpointPolicy === 'function' ? options.endpointPolicy : undefined
  }

  #checkOpen() {
    if (this.#closed) throw invalid('ERR_CLIENT_CLOSED', 'this WebPush client is closed')
  }

  /** Sends one message (with retries). Resolves like sendNotification; rejects WebPushError. */
  async send(subscription, payload, options) {
    this.#checkOpen()
    const [target, own] = binding.messageRow(subscription, payload, options)
    checkPolicy(this.#policy, target[1])
    const o = await this.#native.send(JSON.stringify([target]), own)
    if (o.kind === 'sent') return { statusCode: o.statusCode, body: o.body ?? '', headers: o.headers ?? {} }
    throw Object.assign(answerError(o, target[1]), { outcome: o.kind })
  }

  /** Sends to many targets; every target gets exactly one outcome. See index.d.ts. */
  async sendMany(targets, payload, options = {}) {
    this.#checkOpen()
    const iterable = iteratorOf(targets)
    const batch = this.#native.startSendMany(payload, options, (signal) => signal instanceof AbortSignal)
    const { onProgress, onOutcome, signal } = options
    const total = Array.isArray(targets) ? targets.length : undefined

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
    const policy = this.#policy ? (endpoint) => policyRefusal(this.#policy, endpoint) : undefined
    try {
      // Items go to the binding as given; it reads them (refusing bad ones as outcomes).
      let items = []
      let first = 0
      const flush = async () => {
        const chunk = items
        items = []
        first += chunk.length
        await batch.pushItems(chunk, first - chunk.length, policy)
      }
      if (Array.isArray(iterable)) {
        for (const item of iterable) if (items.push(item) === CHUNK) await flush()
      } else {
        for await (const item of iterable) if (items.push(item) === CHUNK) await flush()
      }
      if (items.length > 0) await flush()
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
    return this.#native.encrypt(subscription, payload)
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
