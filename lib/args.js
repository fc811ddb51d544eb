'use strict'

const { typeError } = require('./errors.js')

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`
  // Never echo a string: it may be a key or a credential passed in the wrong place.
  if (typeof value === 'string') return `a string (${value.length} characters)`
  return `${typeof value} ${String(value)}`
}

/** Throws a TypeError unless `value` is a non-empty string. */
function requireString(value, field) {
  if (typeof value !== 'string' || value.length === 0) {
    throw typeError(`${field} must be a non-empty string, got ${describe(value)}`)
  }
  return value
}

/** `undefined`/`null` stay `undefined`; anything else must be a non-empty string. */
function optionalString(value, field) {
  return value === undefined || value === null ? undefined : requireString(value, field)
}

/** A payload: string, Buffer or Uint8Array (returned as string or Buffer for the binding). */
function requirePayload(value, field = 'payload') {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  throw typeError(`${field} must be a string, a Buffer or a Uint8Array, got ${describe(value)}`)
}

/** A Buffer-like body (Buffer, Uint8Array, ArrayBuffer). */
function requireBytes(value, field) {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  throw typeError(`${field} must be a Buffer or a Uint8Array, got ${describe(value)}`)
}

/** A plain object (not null, not an array). */
function requireObject(value, field) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw typeError(`${field} must be an object, got ${describe(value)}`)
  }
  return value
}

/** Case-insensitive header lookup; values are stringified. */
function header(headers, name) {
  if (!headers) return undefined
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name)
  return key === undefined || headers[key] === undefined || headers[key] === null ? undefined : String(headers[key])
}

module.exports = { describe, requireString, optionalString, requirePayload, requireBytes, requireObject, header }
