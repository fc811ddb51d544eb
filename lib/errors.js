'use strict'

const binding = require('./native.js')

/**
 * The one error class of web-push-rs. Same shape as web-push's `WebPushError`
 * (`statusCode`, `headers`, `body`, `endpoint`), plus a stable `code`.
 */
class WebPushError extends Error {
  constructor(message, statusCode, headers, body, endpoint, code) {
    super(message)
    this.name = 'WebPushError'
    this.statusCode = statusCode
    this.headers = headers
    this.body = body
    this.endpoint = endpoint
    this.code = code
  }
}

// The binding creates its errors directly: WebPushError with `code` (a TypeError for a JS type).
binding.registerErrorClass(WebPushError)

/** A `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'`. */
function typeError(message) {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' })
}

/** A `WebPushError` raised by the JS layer itself. */
const invalid = (code, message) => new WebPushError(message, undefined, undefined, undefined, undefined, code)

/**
 * The error for a push service's non-2xx answer, or a `WebPush#send` outcome that was not
 * `sent`: web-push's message and fields, plus what the binding says it means (`detail`).
 */
function answerError(o, endpoint) {
  const err = new WebPushError(o.statusCode ? 'Received unexpected response code' : o.message, o.statusCode, o.headers, o.body, endpoint, o.code ?? 'ERR_UNEXPECTED_STATUS')
  if (o.statusCode) err.detail = o.message
  for (const key of ['reason', 'errno', 'retryAfterMs', 'attempts']) if (o[key] !== undefined) err[key] = o[key]
  return err
}

module.exports = { WebPushError, typeError, invalid, answerError }
