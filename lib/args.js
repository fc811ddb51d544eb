'use strict'

// The JS-value checks of the binding (src/binding/js_value.rs), for the JS glue's own messages.

const binding = require('./native.js')

/** How a message shows a JS value (never a string's text). */
const describe = binding.describeValue

/** `value` unless it is not a plain object (a TypeError naming `field`). */
function requireObject(value, field) {
  binding.requireObject(value, field)
  return value
}

/** A payload as a string or a Buffer (a TypeError naming `field` unless a string, Buffer or Uint8Array). */
function requirePayload(value, field = 'payload') {
  binding.checkPayload(value, field)
  return typeof value === 'string' || Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

module.exports = { describe, requireObject, requirePayload }
