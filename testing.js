'use strict'

// web-push-rs/testing: what a browser does with a push message, for your own test suites.

const binding = require('./lib/native.js')
const { callSync, callAsync, typeError } = require('./lib/errors.js')
const { checkOptions, notValid, requireBytes, requireObject, requireString, optionalString, describe } = require('./lib/args.js')

function decrypt(body, keys, headers) {
  const bytes = requireBytes(body, 'body')
  requireObject(keys, 'keys')
  const privateKey = requireString(keys.privateKey, 'keys.privateKey')
  const auth = requireString(keys.auth, 'keys.auth')
  if (headers !== undefined && headers !== null) requireObject(headers, 'headers')
  return callSync(binding.decryptBody, bytes, privateKey, auth, headers ?? undefined)
}

function generateSubscriptionKeys(endpoint) {
  return callSync(binding.generateSubscriptionKeys, optionalString(endpoint, 'endpoint'))
}

const FAULT_OPTIONS = { kind: 'string', status: 'number', retryAfter: ['string', 'number'], times: 'number', stall: 'boolean', reset: 'boolean', delayMs: 'number' }
const SERVICE_OPTIONS = { port: 'number', tls: 'boolean', sink: 'boolean', http2: 'boolean', profile: 'string', latencyMs: 'number', maxConcurrentStreams: 'number', overCapacity: 'object' }

/** A running local push service (see testing.d.ts). */
class PushService {
  #handle

  /** `origin`, `port`, `ca` (TLS only) and `webSocketUrl` are documented in testing.d.ts. */
  constructor(handle) {
    this.#handle = handle
    Object.assign(this, { origin: handle.origin, port: handle.port, ca: handle.ca ?? undefined, webSocketUrl: handle.webSocketUrl })
  }

  /** Creates a subscription as a browser would; `applicationServerKey` binds it to a VAPID key. */
  async subscribe(options = {}) {
    requireObject(options, 'options')
    const key = optionalString(options.applicationServerKey, 'options.applicationServerKey')
    return callSync(() => this.#handle.subscribe(key))
  }

  /** Accepted, decrypted messages (all, or those for one subscription/endpoint). */
  messages(subscriptionOrEndpoint) {
    const endpoint = endpointOf(subscriptionOrEndpoint, true)
    return this.#handle.messages(endpoint)
  }

  /** Makes later sends to this subscription answer 410 Gone. */
  expire(subscriptionOrEndpoint) {
    callSync(() => this.#handle.expire(endpointOf(subscriptionOrEndpoint, false)))
  }

  /**
   * Makes the next requests fail: `target` is a subscription/endpoint (its next `times`
   * requests, default 1) or a count (the next N requests to any endpoint). `fault` is one of
   * `{ status, retryAfter? }`, `{ kind, retryAfter? }` (answered as the service's profile
   * answers it), `{ stall: true }`, `{ reset: true }`, `{ delayMs }`. Rust checks the values.
   */
  failNext(target, fault = {}) {
    checkOptions(fault, FAULT_OPTIONS, 'fault', (key, keys) => `'${key}' is not a fault option; valid: ${keys.join(', ')}`)
    const scope = typeof target === 'number' ? { count: target } : { endpoint: endpointOf(target, false) }
    callSync(() => this.#handle.failNext({ ...fault, ...scope }))
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
async function startPushService(options = {}) {
  checkOptions(options, SERVICE_OPTIONS, 'options', notValid('startPushService'))
  if (options.overCapacity !== undefined) checkOptions(options.overCapacity, { maxInFlight: 'number', retryAfter: 'number' }, 'options.overCapacity', notValid('valid overCapacity'))
  return new PushService(await callAsync(binding.startPushService, options))
}

module.exports = { decrypt, generateSubscriptionKeys, startPushService, PushService }
