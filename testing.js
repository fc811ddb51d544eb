'use strict'

// web-push-rs/testing: what a browser does with a push message, for your own test suites.

const crypto = require('node:crypto')
const binding = require('./binding.js')
const { callSync } = require('./lib/errors.js')
const { requireBytes, requireObject, requireString, optionalString, header } = require('./lib/args.js')

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
  const { p256dh, auth, privateKey } = callSync(binding.generateSubscriptionKeyMaterial)
  return { subscription: { endpoint: url, keys: { p256dh, auth } }, privateKey }
}

module.exports = { decrypt, generateSubscriptionKeys }
