'use strict'

// web-push's (subscription, payload, options) → the binding's normalized RequestInput,
// with web-push's validation rules and messages where they are right, and errors (never
// silent warnings) where web-push ignored a bad option.

const { invalid, typeError } = require('./errors.js')
const { describe, requirePayload } = require('./args.js')

const VALID_OPTION_KEYS = ['headers', 'gcmAPIKey', 'vapidDetails', 'TTL', 'contentEncoding', 'urgency', 'topic', 'proxy', 'agent', 'timeout', 'ca']

function subscriptionParts(subscription) {
  if (typeof subscription !== 'object' || subscription === null) {
    throw typeError(`subscription must be an object with an endpoint, got ${describe(subscription)}`)
  }
  const { endpoint, keys } = subscription
  if (typeof endpoint !== 'string' || endpoint.length === 0) {
    throw invalid('ERR_INVALID_ENDPOINT', `subscription endpoint must be a non-empty URL string, got ${describe(endpoint)}`)
  }
  if (keys === undefined || keys === null) return { endpoint }
  if (typeof keys !== 'object') throw typeError(`subscription.keys must be an object, got ${describe(keys)}`)
  for (const name of ['p256dh', 'auth']) {
    if (keys[name] !== undefined && typeof keys[name] !== 'string') {
      throw typeError(`subscription.keys.${name} must be a base64url string, got ${describe(keys[name])}`)
    }
  }
  return { endpoint, p256dh: keys.p256dh || undefined, auth: keys.auth || undefined }
}

function payloadBytes(payload) {
  // web-push treats any falsy payload ('' included) as "no payload".
  if (payload === undefined || payload === null || payload === '') return undefined
  const bytes = requirePayload(payload)
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes
}

function headerPairs(headers) {
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw typeError(`options.headers must be an object of header names to values, got ${describe(headers)}`)
  }
  return Object.entries(headers).map(([name, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw typeError(`options.headers[${JSON.stringify(name)}] must be a string or a number, got ${describe(value)}`)
    }
    return [name, String(value)]
  })
}

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

function caPem(ca) {
  const list = Array.isArray(ca) ? ca : [ca]
  return list
    .map((entry) => {
      if (typeof entry === 'string') return entry
      if (Buffer.isBuffer(entry) || entry instanceof Uint8Array) return Buffer.from(entry).toString('utf8')
      throw typeError(`options.ca must be PEM text, a Buffer, or an array of those, got ${describe(entry)}`)
    })
    .join('\n')
}

function vapidFields(vapidDetails, field) {
  if (!vapidDetails) return {}
  if (typeof vapidDetails !== 'object') throw typeError(`${field} must be an object, got ${describe(vapidDetails)}`)
  const { subject, publicKey, privateKey } = vapidDetails
  for (const [name, value] of Object.entries({ subject, publicKey, privateKey })) {
    if (typeof value !== 'string' || value.length === 0) {
      throw typeError(`${field}.${name} must be a non-empty string, got ${describe(value)}`)
    }
  }
  return { vapidSubject: subject, vapidPublicKey: publicKey, vapidPrivateKey: privateKey }
}

/**
 * Normalizes web-push's arguments. `defaults` holds the global `setVapidDetails` /
 * `setGCMAPIKey` state. Returns `{ input, extras }`: `input` for the binding, `extras` the
 * values `generateRequestDetails` echoes back (`proxy`, `timeout`).
 */
function requestInput(subscription, payload, options, defaults) {
  const input = subscriptionParts(subscription)
  input.payload = payloadBytes(payload)
  if (input.payload && !(input.p256dh && input.auth)) {
    throw invalid('ERR_MISSING_KEYS', "To send a message with a payload, the subscription must have 'auth' and 'p256dh' keys.")
  }
  let vapidDetails = defaults.vapidDetails
  let gcmAPIKey = defaults.gcmAPIKey
  const extras = {}
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' || Array.isArray(options)) throw typeError(`options must be an object, got ${describe(options)}`)
    for (const key of Object.keys(options)) {
      if (!VALID_OPTION_KEYS.includes(key)) {
        throw invalid('ERR_INVALID_OPTION', `'${key}' is an invalid option. The valid options are ['${VALID_OPTION_KEYS.join("', '")}'].`)
      }
    }
    if (options.headers) {
      const duplicates = Object.keys(options.headers).filter((header) => options[header] !== undefined)
      if (duplicates.length > 0) {
        throw invalid('ERR_INVALID_OPTION', `Duplicated headers defined [${duplicates.join(',')}]. Please either define the header in the top level options OR in the 'headers' key.`)
      }
      input.headers = headerPairs(options.headers)
    }
    if (options.gcmAPIKey) {
      if (typeof options.gcmAPIKey !== 'string') throw typeError(`options.gcmAPIKey must be a string, got ${describe(options.gcmAPIKey)}`)
      gcmAPIKey = options.gcmAPIKey
    }
    if (options.vapidDetails !== undefined) vapidDetails = options.vapidDetails
    if (options.TTL !== undefined) {
      if (typeof options.TTL !== 'number' && typeof options.TTL !== 'string') {
        throw typeError(`options.TTL must be a number of seconds, got ${describe(options.TTL)}`)
      }
      // Number('') is 0: an empty or blank string is not a TTL.
      input.ttl = typeof options.TTL === 'string' && options.TTL.trim() === '' ? NaN : Number(options.TTL)
    }
    if (options.contentEncoding) input.contentEncoding = String(options.contentEncoding)
    if (options.urgency) input.urgency = String(options.urgency)
    if (options.topic) {
      if (typeof options.topic !== 'string') throw typeError(`options.topic must be a string, got ${describe(options.topic)}`)
      input.topic = options.topic
    }
    if (options.proxy) {
      input.proxy = proxyUrl(options.proxy)
      extras.proxy = options.proxy
    }
    if (options.agent !== undefined && options.agent !== null) {
      throw invalid('ERR_UNSUPPORTED_OPTION', "options.agent is not supported: a Node http.Agent cannot drive web-push-rs's Rust HTTP stack. Use options.proxy for a proxy and options.ca for extra trusted certificates.")
    }
    if (options.timeout !== undefined && options.timeout !== null) {
      if (typeof options.timeout !== 'number' || !(options.timeout > 0) || !Number.isFinite(options.timeout)) {
        throw typeError(`options.timeout must be a positive number of milliseconds, got ${describe(options.timeout)}`)
      }
      input.timeoutMs = options.timeout
      extras.timeout = options.timeout
    }
    if (options.ca !== undefined && options.ca !== null) input.ca = caPem(options.ca)
  }
  Object.assign(input, vapidFields(vapidDetails, 'vapidDetails'))
  if (gcmAPIKey) input.gcmApiKey = gcmAPIKey
  return { input, extras }
}

module.exports = { requestInput, VALID_OPTION_KEYS }
