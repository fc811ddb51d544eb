'use strict'

// web-push's (subscription, payload, options) → the binding's RequestInput (src/binding/send.rs).
// This file holds web-push's option vocabulary and the JS types of its options; every value
// rule (endpoint, keys, VAPID, TTL, urgency, topic, headers, timeout, proxy, ca) is Rust's.

const { invalid, typeError } = require('./errors.js')
const { checkOptions, describe, headerPairs, optionalPayload, subscriptionParts } = require('./args.js')

/** web-push's options and the JS types each may have. */
const OPTIONS = {
  headers: 'object', gcmAPIKey: 'any', vapidDetails: ['object', 'null'], TTL: ['number', 'string'], contentEncoding: 'any',
  urgency: 'any', topic: 'any', proxy: 'any', agent: 'any', timeout: ['number', 'null'], ca: ['pem', 'null'],
}
const VALID_OPTION_KEYS = Object.keys(OPTIONS)
const unknownOption = (key, keys) => `'${key}' is an invalid option. The valid options are ['${keys.join("', '")}'].`

/** web-push's `proxy`: a URL string or an http.Agent-style `{ protocol, host, port, auth }`. */
function proxyUrl(proxy) {
  if (typeof proxy === 'string') return proxy
  if (typeof proxy === 'object' && proxy !== null && typeof proxy.host === 'string') {
    const protocol = (proxy.protocol || 'http:').replace(/:?$/, ':')
    const auth = typeof proxy.auth === 'string' ? `${proxy.auth}@` : ''
    const port = proxy.port === undefined || proxy.port === null ? '' : `:${proxy.port}`
    const host = proxy.host.includes(':') && !proxy.host.startsWith('[') ? `[${proxy.host}]` : proxy.host
    return `${protocol}//${auth}${host}${port}`
  }
  throw invalid('ERR_INVALID_PROXY', `proxy must be a URL string or an object with a string host, got ${describe(proxy)}`)
}

/** `options.name` when it is given (web-push ignores falsy values) and a string, else a TypeError. */
function truthyString(options, name) {
  const value = options[name]
  if (value && typeof value !== 'string') throw typeError(`options.${name} must be a string, got ${describe(value)}`)
  return value || undefined
}

/**
 * web-push's arguments as the binding's input. `state` holds the `setVapidDetails` /
 * `setGCMAPIKey` globals. Returns `{ input, extras }`: `extras` are the values
 * `generateRequestDetails` echoes back (`proxy`, `timeout`).
 */
function requestInput(subscription, payload, options, state) {
  if (typeof subscription !== 'object' || subscription === null) {
    throw typeError(`subscription must be an object with an endpoint, got ${describe(subscription)}`)
  }
  const input = { ...subscriptionParts(subscription), payload: optionalPayload(payload), vapidDetails: state.vapidDetails ?? undefined, gcmAPIKey: state.gcmAPIKey || undefined }
  const extras = {}
  if (options === undefined || options === null) return { input, extras }
  checkOptions(options, OPTIONS, 'options', unknownOption)
  if (options.headers) {
    const duplicates = Object.keys(options.headers).filter((header) => options[header] !== undefined)
    if (duplicates.length > 0) {
      throw invalid('ERR_INVALID_OPTION', `Duplicated headers defined [${duplicates.join(',')}]. Please either define the header in the top level options OR in the 'headers' key.`)
    }
  }
  if (options.agent !== undefined && options.agent !== null) {
    throw invalid('ERR_UNSUPPORTED_OPTION', "options.agent is not supported: a Node http.Agent cannot drive web-push-rs's Rust HTTP stack. Use options.proxy for a proxy and options.ca for extra trusted certificates.")
  }
  if (options.proxy) extras.proxy = options.proxy
  if (options.timeout !== undefined && options.timeout !== null) extras.timeout = options.timeout
  Object.assign(input, {
    TTL: options.TTL,
    urgency: truthyString(options, 'urgency'),
    topic: truthyString(options, 'topic'),
    contentEncoding: truthyString(options, 'contentEncoding'),
    headers: options.headers ? headerPairs(options.headers, 'options.headers') : undefined,
    timeout: options.timeout ?? undefined,
    proxy: options.proxy ? proxyUrl(options.proxy) : undefined,
    ca: options.ca ?? undefined,
  })
  if (options.vapidDetails !== undefined) input.vapidDetails = options.vapidDetails ?? undefined
  if (options.gcmAPIKey) input.gcmAPIKey = truthyString(options, 'gcmAPIKey')
  return { input, extras }
}

module.exports = { requestInput, VALID_OPTION_KEYS }
