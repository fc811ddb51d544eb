'use strict'

// web-push-rs: the drop-in web-push API over the native core. This file is the thin glue:
// positional argument types, the global VAPID/GCM state and constants; rules are Rust's.

const binding = require('./lib/native.js')
const { WebPushError, answerError, callSync, callAsync, typeError } = require('./lib/errors.js')
const { requireString, optionalString, requirePayload, describe } = require('./lib/args.js')
const { requestInput } = require('./lib/request-input.js')
const { WebPush } = require('./lib/client.js')
const { declarativePayload } = require('./lib/declarative.js')
const { warnAboutSubject } = require('./lib/warnings.js')

const supportedContentEncodings = Object.freeze({ AES_GCM: 'aesgcm', AES_128_GCM: 'aes128gcm' })
const supportedUrgency = Object.freeze({ VERY_LOW: 'very-low', LOW: 'low', NORMAL: 'normal', HIGH: 'high' })
/** The longest payload (bytes) one aes128gcm push message carries: 3993 (from the Rust core). */
const MAX_PAYLOAD_BYTES = binding.MAX_PAYLOAD_BYTES

const state = { vapidDetails: null, gcmAPIKey: '' }

function setVapidDetails(...args) {
  const [subject, publicKey, privateKey] = args
  if (args.length === 1 && subject === null) {
    state.vapidDetails = null
    return
  }
  const details = { subject, publicKey, privateKey }
  callSync(binding.validateVapidDetails, details)
  state.vapidDetails = details
  warnAboutSubject(subject)
}

function setGCMAPIKey(apiKey) {
  if (apiKey !== null && (typeof apiKey !== 'string' || apiKey.length === 0)) {
    throw typeError(`The GCM API Key should be a non-empty string or null, got ${describe(apiKey)}`)
  }
  state.gcmAPIKey = apiKey
}

const generateVAPIDKeys = () => callSync(binding.generateVAPIDKeys)
const generateVAPIDKeysAsync = () => callAsync(binding.generateVAPIDKeysAsync)

function encryptArgs(userPublicKey, userAuth, payload, contentEncoding) {
  return [
    requireString(userPublicKey, 'userPublicKey (subscription keys.p256dh)'),
    requireString(userAuth, 'userAuth (subscription keys.auth)'),
    requirePayload(payload),
    optionalString(contentEncoding, 'contentEncoding'),
  ]
}

function encrypt(userPublicKey, userAuth, payload, contentEncoding) {
  return callSync(binding.encrypt, ...encryptArgs(userPublicKey, userAuth, payload, contentEncoding))
}

function encryptAsync(userPublicKey, userAuth, payload, contentEncoding) {
  return callAsync(() => binding.encryptAsync(...encryptArgs(userPublicKey, userAuth, payload, contentEncoding)))
}

function vapidArgs(audience, subject, publicKey, privateKey, contentEncoding, expiration) {
  if (expiration !== undefined && expiration !== null && expiration !== 0 && typeof expiration !== 'number') {
    throw typeError(`expiration must be a number of seconds since the epoch, got ${describe(expiration)}`)
  }
  return [
    requireString(audience, 'audience'),
    requireString(subject, 'subject'),
    requireString(publicKey, 'publicKey'),
    requireString(privateKey, 'privateKey'),
    optionalString(contentEncoding, 'contentEncoding'),
    // web-push treats a falsy expiration as "default"; NaN is not a choice, so the core rejects it.
    expiration === 0 || expiration === null || expiration === undefined ? undefined : expiration,
  ]
}

function getVapidHeaders(audience, subject, publicKey, privateKey, contentEncoding, expiration) {
  return callSync(binding.getVapidHeaders, ...vapidArgs(audience, subject, publicKey, privateKey, contentEncoding, expiration))
}

function getVapidHeadersAsync(audience, subject, publicKey, privateKey, contentEncoding, expiration) {
  return callAsync(() => binding.getVapidHeadersAsync(...vapidArgs(audience, subject, publicKey, privateKey, contentEncoding, expiration)))
}

const NUMERIC_HEADERS = new Set(['TTL', 'Content-Length'])

function generateRequestDetails(subscription, payload, options) {
  const { input, extras } = requestInput(subscription, payload, options, state)
  const built = callSync(binding.buildRequest, input)
  const headers = {}
  for (const [name, value] of built.headers) headers[name] = NUMERIC_HEADERS.has(name) ? Number(value) : value
  return { method: 'POST', headers, body: built.body ?? null, endpoint: subscription.endpoint, ...extras }
}

function sendNotification(subscription, payload, options) {
  let input
  return callAsync(() => {
    input = requestInput(subscription, payload, options, state).input
    return binding.sendRequest(input)
  }).then(
    (answer) => {
      if (answer.statusCode < 200 || answer.statusCode > 299) throw answerError(answer, input.endpoint)
      return { statusCode: answer.statusCode, body: answer.body, headers: answer.headers }
    },
    (err) => {
      if (err instanceof WebPushError && input) err.endpoint = input.endpoint
      throw err
    },
  )
}

module.exports = {
  WebPushError, supportedContentEncodings, supportedUrgency, MAX_PAYLOAD_BYTES, setVapidDetails, setGCMAPIKey, generateVAPIDKeys,
  generateVAPIDKeysAsync, getVapidHeaders, getVapidHeadersAsync, encrypt, encryptAsync, generateRequestDetails, sendNotification, WebPush,
  declarativePayload,
}
module.exports.default = module.exports
