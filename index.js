'use strict'

// web-push-rs: the drop-in web-push API over the native core. This file is the thin glue:
// web-push's global VAPID/GCM state and constants; argument types and rules are Rust's.

const binding = require('./lib/native.js')
const { WebPushError, answerError, typeError } = require('./lib/errors.js')
const { describe } = require('./lib/args.js')
const { WebPush } = require('./lib/client.js')
const { declarativePayload } = require('./lib/declarative.js')
const { warnAboutSubject } = require('./lib/warnings.js')

const supportedContentEncodings = Object.freeze({ AES_GCM: 'aesgcm', AES_128_GCM: 'aes128gcm' })
const supportedUrgency = Object.freeze({ VERY_LOW: 'very-low', LOW: 'low', NORMAL: 'normal', HIGH: 'high' })
/** The longest payload (bytes) one aes128gcm push message carries: 3993 (from the Rust core). */
const MAX_PAYLOAD_BYTES = binding.MAX_PAYLOAD_BYTES

const state = { vapidDetails: null, gcmAPIKey: '' }

/** Sets the global VAPID details (`setVapidDetails(null)` clears them); see index.d.ts. */
function setVapidDetails(...args) {
  const [subject, publicKey, privateKey] = args
  if (args.length === 1 && subject === null) {
    state.vapidDetails = null
    return
  }
  const details = { subject, publicKey, privateKey }
  binding.validateVapidDetails(details)
  state.vapidDetails = details
  warnAboutSubject(subject)
}

/** Sets the global legacy GCM/FCM key (`null` clears it). */
function setGCMAPIKey(apiKey) {
  if (apiKey !== null && (typeof apiKey !== 'string' || apiKey.length === 0)) {
    throw typeError(`The GCM API Key should be a non-empty string or null, got ${describe(apiKey)}`)
  }
  state.gcmAPIKey = apiKey
}

/** A VAPID key pair `{ publicKey, privateKey }` (base64url); the async form runs off the event loop. */
const generateVAPIDKeys = () => binding.generateVAPIDKeys()
const generateVAPIDKeysAsync = () => binding.generateVAPIDKeysAsync()
/** web-push's `encrypt`: `{ localPublicKey, salt, cipherText }` for a subscription's keys (and async). */
const encrypt = (userPublicKey, userAuth, payload, contentEncoding) => binding.encrypt(userPublicKey, userAuth, payload, contentEncoding)
const encryptAsync = (userPublicKey, userAuth, payload, contentEncoding) => binding.encryptAsync(userPublicKey, userAuth, payload, contentEncoding)

/** web-push's `getVapidHeaders`: `{ Authorization, 'Crypto-Key'? }` for one push service origin. */
function getVapidHeaders(audience, subject, publicKey, privateKey, contentEncoding, expiration) {
  return binding.getVapidHeaders(audience, subject, publicKey, privateKey, contentEncoding, expiration)
}

/** Like `getVapidHeaders`, off the event loop. */
function getVapidHeadersAsync(audience, subject, publicKey, privateKey, contentEncoding, expiration) {
  return binding.getVapidHeadersAsync(audience, subject, publicKey, privateKey, contentEncoding, expiration)
}

/** web-push's `generateRequestDetails`: the request `sendNotification` would send, not sent. */
const generateRequestDetails = (subscription, payload, options) => binding.generateRequestDetails(subscription, payload, options, state)

/** web-push's `sendNotification`: resolves with a 2xx answer, else rejects with a WebPushError. */
function sendNotification(subscription, payload, options) {
  return binding.sendRequest(subscription, payload, options, state).then((answer) => {
    if (answer.statusCode < 200 || answer.statusCode > 299) throw answerError(answer, subscription.endpoint)
    return { statusCode: answer.statusCode, body: answer.body, headers: answer.headers }
  })
}

module.exports = {
  WebPushError, supportedContentEncodings, supportedUrgency, MAX_PAYLOAD_BYTES, setVapidDetails, setGCMAPIKey, generateVAPIDKeys,
  generateVAPIDKeysAsync, getVapidHeaders, getVapidHeadersAsync, encrypt, encryptAsync, generateRequestDetails, sendNotification, WebPush,
  declarativePayload,
}
module.exports.default = module.exports
