'use strict'

// web-push-rs/testing: what a browser does with a push message, for your own test suites.

const crypto = require('node:crypto')
const binding = require('./lib/native.js')
const { callSync, callAsync, invalid, typeError } = require('./lib/errors.js')
const { requireBytes, requireObject, requireString, optionalString, header, describe } = require('./lib/args.js')

function decrypt(body, keys, headers) {
  const bytes = requireBytes(body, 'body')
  requireObject(keys, 'keys')
  const privateKey = requireString(keys.privateKey, 'keys.privateKey')
  const auth = requireString(keys.auth, 'keys.auth')
  if (headers !== undefined && headers !== null) requireObject(headers, 'headers')
  return callSync(binding.decryptBody, bytes, privateKey, auth, {
    contentEncoding: header(headers, 'content-encoding'),
    encryption: header(headers, 'encryption'),
    cryptoKey: header(headers, 'crypto-key'),
  })
}

function generateSubscriptionKeys(endpoint) {
  const url = optionalString(endpoint, 'endpoint') ?? `https://push.invalid/${crypto.randomUUID()}`
  if (!URL.canParse(url)) throw invalid('ERR_INVALID_ENDPOINT', 'endpoint must be an absolute URL')
  const { p256dh, auth, privateKey } = callSync(binding.generateSubscriptionKeyMaterial)
  return { subscription: { endpoint: url, keys: { p256dh, auth } }, privateKey }
}


const MAX_U32 = 0xffffffff

/** A running local push service (see testing.d.ts). */
class PushService {
  #handle

  constructor(handle) {
    this.#handle = handle
    /** `http://127.0.0.1:PORT` (or `https://…` with `tls`). */
    this.origin = handle.origin
    /** The bound port. */
    this.port = handle.port
    /** PEM of the CA to trust when `tls` is on (pass it as the `ca` option). */
    this.ca = handle.ca ?? undefined
    /** Firefox's push WebSocket endpoint (the `dom.push.serverURL` pref). */
    this.webSocketUrl = handle.webSocketUrl
  }

  /** Creates a subscription as a browser would; `applicationServerKey` binds it to a VAPID key. */
  async subscribe(options = {}) {
    requireObject(options, 'options')
    const key = optionalString(options.applicationServerKey, 'options.applicationServerKey')
    const { endpoint, p256dh, auth } = callSync(() => this.#handle.subscribe(key))
    return { endpoint, expirationTime: null, keys: { p256dh, auth } }
  }

  /** Accepted, decrypted messages (all, or those for one subscription/endpoint). */
  messages(subscriptionOrEndpoint) {
    const endpoint = endpointOf(subscriptionOrEndpoint, true)
    return this.#handle.messages(endpoint).map((m) => ({
      endpoint: m.endpoint,
      payload: m.payload ?? undefined,
      text: m.payload ? m.payload.toString('utf8') : undefined,
      ack: m.ack ?? undefined,
      headers: m.headers,
      ttl: m.ttl,
      urgency: m.urgency ?? undefined,
      topic: m.topic ?? undefined,
      encoding: m.encoding ?? undefined,
      vapid: m.vapid ?? undefined,
      httpVersion: m.httpVersion,
      declarative: m.declarative ? (m.declarative.error ?? JSON.parse(m.declarative.message)) : undefined,
    }))
  }

  /** Makes later sends to this subscription answer 410 Gone. */
  expire(subscriptionOrEndpoint) {
    const endpoint = endpointOf(subscriptionOrEndpoint, false)
    if (!this.#handle.expire(endpoint)) {
      throw invalid('ERR_INVALID_ENDPOINT', `subscription endpoint ${endpoint} does not belong to this push service`)
    }
  }

  /**
   * Makes the next requests fail: `target` is a subscription/endpoint (its next `times`
   * requests, default 1) or a count (the next N requests to any endpoint). `fault` is one of
   * `{ status, retryAfter? }`, `{ kind, retryAfter? }` (answered as the service's profile
   * answers it), `{ stall: true }`, `{ reset: true }`, `{ delayMs }`.
   */
  failNext(target, fault = {}) {
    requireObject(fault, 'fault')
    for (const key of Object.keys(fault)) {
      if (!['kind', 'status', 'retryAfter', 'times', 'stall', 'reset', 'delayMs'].includes(key)) {
        throw invalid('ERR_INVALID_OPTION', `'${key}' is not a fault option; valid: kind, status, retryAfter, times, stall, reset, delayMs`)
      }
    }
    let endpoint
    let times
    if (typeof target === 'number') {
      if (fault.times !== undefined) throw typeError('fault.times is only for a subscription target; the count already says how many')
      times = target
    } else {
      endpoint = endpointOf(target, false)
      times = fault.times ?? 1
    }
    if (!Number.isInteger(times) || times < 1 || times > MAX_U32) {
      throw typeError(`${typeof target === 'number' ? 'count' : 'fault.times'} must be an integer from 1 to ${MAX_U32}, got ${describe(times)}`)
    }
    if (fault.status !== undefined && (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599)) {
      throw typeError(`fault.status must be an HTTP status (an integer from 100 to 599), got ${describe(fault.status)}`)
    }
    if (fault.delayMs !== undefined && (typeof fault.delayMs !== 'number' || !(fault.delayMs >= 0) || !Number.isFinite(fault.delayMs))) {
      throw typeError(`fault.delayMs must be a non-negative number of milliseconds, got ${describe(fault.delayMs)}`)
    }
    if (fault.kind !== undefined && typeof fault.kind !== 'string') throw typeError(`fault.kind must be a string, got ${describe(fault.kind)}`)
    const input = { endpoint, times }
    if (fault.kind !== undefined) input.kind = fault.kind
    if (fault.status !== undefined) input.status = fault.status
    if (fault.retryAfter !== undefined) input.retryAfter = String(fault.retryAfter)
    if (fault.stall) input.stall = true
    if (fault.reset) input.reset = true
    if (fault.delayMs !== undefined) input.delayMs = fault.delayMs
    callSync(() => this.#handle.failNext(input))
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
  requireObject(options, 'options')
  for (const key of Object.keys(options)) {
    if (!['port', 'tls', 'sink', 'http2', 'profile'].includes(key)) {
      throw invalid('ERR_INVALID_OPTION', `'${key}' is not a startPushService option; valid: port, tls, sink, http2, profile`)
    }
  }
  const { port, tls, sink, http2, profile } = options
  if (profile !== undefined && typeof profile !== 'string') throw typeError(`options.profile must be a string, got ${describe(profile)}`)
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw typeError(`options.port must be an integer 0..65535, got ${describe(port)}`)
  }
  if (tls !== undefined && typeof tls !== 'boolean') throw typeError(`options.tls must be a boolean, got ${describe(tls)}`)
  if (sink !== undefined && typeof sink !== 'boolean') throw typeError(`options.sink must be a boolean, got ${describe(sink)}`)
  if (http2 !== undefined && typeof http2 !== 'boolean') throw typeError(`options.http2 must be a boolean, got ${describe(http2)}`)
  const handle = await callAsync(binding.startPushService, port, tls, sink, http2, profile)
  return new PushService(handle)
}

module.exports = { decrypt, generateSubscriptionKeys, startPushService, PushService }
