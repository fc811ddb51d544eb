'use strict'

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

// napi-rs argument conversion failures (a JS value of the wrong type reached Rust).
const NAPI_TYPE_CODES = new Set(['InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected',
  'FunctionExpected', 'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected'])

/**
 * Re-types an error from the native binding: the binding sets `code` (a stable `ERR_…`) and
 * the message itself, so this only makes it a `WebPushError`, or a `TypeError` for
 * `ERR_INVALID_ARG_TYPE` (Rust's type and range checks) and napi's argument conversion failures.
 */
function fromNative(err) {
  if (!(err instanceof Error) || err instanceof WebPushError || err instanceof TypeError) return err
  if (err.code === 'ERR_INVALID_ARG_TYPE' || NAPI_TYPE_CODES.has(err.code)) return typeError(err.message)
  if (typeof err.code === 'string' && err.code.startsWith('ERR_')) {
    return new WebPushError(err.message, undefined, undefined, undefined, undefined, err.code)
  }
  return err
}

/** A `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'`. */
function typeError(message) {
  const err = new TypeError(message)
  err.code = 'ERR_INVALID_ARG_TYPE'
  return err
}

/** A `WebPushError` raised by the JS layer itself. */
function invalid(code, message) {
  return new WebPushError(message, undefined, undefined, undefined, undefined, code)
}

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

/** Calls `fn`, converting native errors. */
function callSync(fn, ...args) {
  try {
    return fn(...args)
  } catch (err) {
    throw fromNative(err)
  }
}

/** Calls an async native `fn`; never throws synchronously, rejects with converted errors. */
function callAsync(fn, ...args) {
  try {
    return fn(...args).catch((err) => Promise.reject(fromNative(err)))
  } catch (err) {
    return Promise.reject(fromNative(err))
  }
}

module.exports = { WebPushError, fromNative, typeError, invalid, answerError, callSync, callAsync }
