'use strict'

// declarativePayload: the JS side only turns the arguments into JSON text; every rule is
// checked in Rust (src/declarative.rs), the same code that checks received messages in
// web-push-rs/testing.

const binding = require('./native.js')
const { typeError, invalid, WebPushError } = require('./errors.js')
const { requireObject } = require('./args.js')

/** JSON text of `value`; NaN and Infinity are refused (JSON.stringify would turn them into null). */
function toJson(value, field) {
  try {
    return JSON.stringify(value, (key, member) => {
      if (typeof member === 'number' && !Number.isFinite(member)) {
        throw invalid('ERR_INVALID_NOTIFICATION', `${field}${key === '' ? '' : ` member ${key}`} is ${member}; JSON numbers must be finite`)
      }
      return member
    })
  } catch (err) {
    if (err instanceof WebPushError) throw err
    throw typeError(`${field} must be JSON-serialisable (${err.message})`)
  }
}

/**
 * Builds a Declarative Web Push message: the JSON text
 * `{"web_push":8030,"notification":{…},"app_badge"?:n,"mutable"?:b}` (see index.d.ts).
 */
function declarativePayload(notification, options) {
  requireObject(notification, 'notification')
  if (options !== undefined && options !== null) requireObject(options, 'options')
  return binding.declarativePayload(toJson(notification, 'notification'), toJson(options ?? {}, 'options'))
}

module.exports = { declarativePayload }
