'use strict'

// web-push-rs/testing: what a browser does with a push message, for your own test suites.
// Argument types and values are checked by the binding.

const binding = require('./lib/native.js')
const { typeError } = require('./lib/errors.js')
const { describe } = require('./lib/args.js')

/** Decrypts a push message body with a subscription's keys (see testing.d.ts). */
const decrypt = (body, keys, headers) => binding.decryptBody(body, keys, headers)

/** A subscription as a browser would create it, with its private key (see testing.d.ts). */
const generateSubscriptionKeys = (endpoint) => binding.generateSubscriptionKeys(endpoint)

/** A running local push service (see testing.d.ts). */
class PushService {
  #handle

  /** `origin`, `port`, `ca` (TLS only) and `webSocketUrl` are documented in testing.d.ts. */
  constructor(handle) {
    this.#handle = handle
    Object.assign(this, { origin: handle.origin, port: handle.port, ca: handle.ca ?? undefined, webSocketUrl: handle.webSocketUrl })
  }

  /** Creates a subscription as a browser would; `applicationServerKey` binds it to a VAPID key. */
  async subscribe(options) {
    return this.#handle.subscribe(options)
  }

  /** Accepted, decrypted messages (all, or those for one subscription/endpoint). */
  messages(subscriptionOrEndpoint) {
    return this.#handle.messages(endpointOf(subscriptionOrEndpoint, true))
  }

  /** Makes later sends to this subscription answer 410 Gone. */
  expire(subscriptionOrEndpoint) {
    this.#handle.expire(endpointOf(subscriptionOrEndpoint, false))
  }

  /**
   * Makes the next requests fail: `target` is a subscription/endpoint (its next `times`
   * requests, default 1) or a count (the next N requests to any endpoint). `fault` is one of
   * `{ status, retryAfter? }`, `{ kind, retryAfter? }` (answered as the service's profile
   * answers it), `{ stall: true }`, `{ reset: true }`, `{ delayMs }`. Rust checks the values.
   */
  failNext(target, fault = {}) {
    this.#handle.failNext(typeof target === 'number' ? target : endpointOf(target, false), fault)
  }

  /** Request counters: `{ requests, accepted, byStatus: { '201': n, … } }`. */
  stats() {
    return this.#handle.stats()
  }

  /** Stops the service and closes its connections. */
  async close() {
    this.#handle.close()
  }
}

function endpointOf(value, optional) {
  if (optional && (value === undefined || value === null)) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'object' && value !== null && typeof value.endpoint === 'string') return value.endpoint
  throw typeError(`expected a subscription or an endpoint string, got ${describe(value)}`)
}

/** Starts a local RFC 8030 push service on 127.0.0.1 (see testing.d.ts). */
async function startPushService(options) {
  return new PushService(await binding.startPushService(options))
}

module.exports = { decrypt, generateSubscriptionKeys, startPushService, PushService }
