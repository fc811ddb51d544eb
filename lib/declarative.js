'use strict'

// declarativePayload: the JS side only turns the arguments into JSON text; every rule is
// checked in Rust (src/declarative.rs), the same code that checks received messages in
// web-push-rs/testing.

const binding = require('./native.js')
const { callSync, typeError } = require('./errors.js')
const { requireObject } = require('./args.js')

function toJson(value, field) {
  try {
    return JSON.stringify(value)
  } catch (err) {
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
  return callSync(binding.declarativePayload, toJson(notification, 'notification'), toJson(options ?? {}, 'options'))
}

module.exports = { declarativePayload }
