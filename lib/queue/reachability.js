'use strict'

// Fails a Redis operation clearly when Redis cannot be reached, instead of waiting forever.
// ioredis queues commands while it (re)connects, and the campaign clients keep them queued
// through any outage (that is what lets a running worker ride out a Redis restart). The
// calls that answer a caller (start, report, outcomes, wait, cancel, remove, a worker's
// readiness) go through `guard()`: once the client has had no connection for `timeoutMs`,
// they reject with a WebPushError `ERR_QUEUE_UNREACHABLE` naming the address and how long
// it tried. A command already queued stays queued and runs if Redis comes back; each
// of them is idempotent (start resumes, cancel and remove can be repeated).

const { invalid } = require('../errors.js')

/** `host:port` (or the socket path) of ioredis connection options, for messages. */
function addressOf(options) {
  if (options.path) return options.path
  return `${options.host ?? 'localhost'}:${options.port ?? 6379}`
}

class Reachability {
  #address
  #timeoutMs
  #downSince = undefined // when the client last lost (or had not yet got) its connection
  #everUp = false
  #lastError
  #waiting = new Set() // guarded operations in progress: { reject, timer }
  #disposed = false

  /** Watches `redis` (an ioredis client) connecting to `options`. */
  constructor(redis, options, timeoutMs) {
    this.#address = addressOf(options)
    this.#timeoutMs = timeoutMs
    redis.on('ready', () => this.#up())
    for (const event of ['close', 'reconnecting', 'end']) redis.on(event, () => this.#down())
    redis.on('error', (err) => { this.#lastError = err })
    if (redis.status !== 'ready') this.#down()
  }

  #up() {
    this.#everUp = true
    this.#downSince = undefined
    for (const call of this.#waiting) {
      clearTimeout(call.timer)
      call.timer = null
    }
  }

  #down() {
    if (this.#downSince !== undefined || this.#disposed) return
    this.#downSince = Date.now()
    for (const call of this.#waiting) this.#arm(call)
  }

  /** The operation fails unless the connection is back within timeoutMs from now. */
  #arm(call) {
    call.timer ??= setTimeout(() => {
      this.#waiting.delete(call)
      call.reject(this.#error())
    }, this.#timeoutMs)
    call.timer.unref()
  }

  #error() {
    const what = this.#everUp ? `lost its connection to Redis at ${this.#address} and could not reconnect` : `could not connect to Redis at ${this.#address}`
    const last = this.#lastError?.message ? `; last error: ${this.#lastError.message}` : ''
    return invalid('ERR_QUEUE_UNREACHABLE', `web-push-rs/queue ${what} within connectTimeoutMs (${this.#timeoutMs} ms; no connection for ${Date.now() - this.#downSince} ms)${last}`)
  }

  /**
   * Resolves like `promise` (a Redis call in progress), or rejects with ERR_QUEUE_UNREACHABLE
   * when the client is without a connection for timeoutMs while it waits.
   */
  guard(promise) {
    return new Promise((resolve, reject) => {
      const call = { reject, timer: null }
      this.#waiting.add(call)
      if (this.#downSince !== undefined) this.#arm(call)
      promise.then(resolve, reject).finally(() => {
        clearTimeout(call.timer)
        this.#waiting.delete(call)
      })
    })
  }

  /** True while the client has a connection. */
  get connected() {
    return this.#downSince === undefined
  }

  /** Stops watching (the client is closing). */
  dispose() {
    this.#disposed = true
    for (const call of this.#waiting) clearTimeout(call.timer)
  }
}

module.exports = { Reachability, addressOf }
