'use strict'

// Argument-type checks napi cannot word (a TypeError naming the argument and what it got),
// and the one check of option keys. Value rules (ranges, formats, keys, URLs) live in Rust.

const { invalid, typeError } = require('./errors.js')

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`
  // Never echo a string: it may be a key or a credential passed in the wrong place.
  if (typeof value === 'string') return `a string (${value.length} characters)`
  return `${typeof value} ${String(value)}`
}

const isPem = (v) => typeof v === 'string' || v instanceof Uint8Array

/** The JS types an option may have: name → [test, wording]. */
const TYPES = {
  string: [(v) => typeof v === 'string', 'a string'],
  number: [(v) => typeof v === 'number', 'a number'],
  boolean: [(v) => typeof v === 'boolean', 'a boolean'],
  object: [(v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object'],
  function: [(v) => typeof v === 'function', 'a function'],
  null: [(v) => v === null, 'null'],
  false: [(v) => v === false, 'false'],
  pem: [(v) => isPem(v) || (Array.isArray(v) && v.every(isPem)), 'PEM text, a Buffer, or an array of those'],
  any: [() => true, 'anything'],
}

/**
 * The one check of an options object: `spec` maps each allowed key to its JS type(s). An
 * unknown key is a WebPushError `ERR_INVALID_OPTION` (worded by `unknown(key, keys)`), a value
 * of another type a TypeError naming `${field}.${key}`. `undefined` values are skipped.
 */
function checkOptions(options, spec, field, unknown) {
  requireObject(options, field)
  const keys = Object.keys(spec)
  for (const [key, value] of Object.entries(options)) {
    if (!keys.includes(key)) throw invalid('ERR_INVALID_OPTION', unknown(key, keys))
    const types = [].concat(spec[key])
    if (value !== undefined && !types.some((t) => TYPES[t][0](value))) {
      throw typeError(`${field}.${key} must be ${types.map((t) => TYPES[t][1]).join(' or ')}, got ${describe(value)}`)
    }
  }
  return options
}

/** How our own APIs word an unknown option: `'x' is not a valid <what> option; valid: …`. */
const notValid = (what) => (key, keys) => `'${key}' is not a ${what} option; valid: ${keys.join(', ')}`

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

/** An optional payload: `undefined`/`null` stay `undefined` (`''` is "none" too, in Rust). */
const optionalPayload = (value) => (value === undefined || value === null ? undefined : requirePayload(value))

/** A Buffer-like body (Buffer, Uint8Array, ArrayBuffer). */
function requireBytes(value, field) {
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  if (value instanceof Uint8Array) return requirePayload(value)
  throw typeError(`${field} must be a Buffer or a Uint8Array, got ${describe(value)}`)
}

/** A plain object (not null, not an array). */
function requireObject(value, field) {
  if (!TYPES.object[0](value)) throw typeError(`${field} must be an object, got ${describe(value)}`)
  return value
}

/** Extra headers as `[name, value]` pairs; values must be strings or numbers. */
function headerPairs(headers, field) {
  requireObject(headers, field)
  return Object.entries(headers).map(([name, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw typeError(`${field}[${JSON.stringify(name)}] must be a string or a number, got ${describe(value)}`)
    }
    return [name, String(value)]
  })
}

/** A subscription's parts for the binding; Rust checks the endpoint and the keys. */
function subscriptionParts(subscription) {
  const { endpoint, keys } = subscription !== null && typeof subscription === 'object' ? subscription : {}
  if (keys !== undefined && keys !== null) {
    requireObject(keys, 'subscription.keys')
    for (const name of ['p256dh', 'auth']) {
      if (keys[name] !== undefined && typeof keys[name] !== 'string') throw typeError(`subscription.keys.${name} must be a base64url string, got ${describe(keys[name])}`)
    }
  }
  return { endpoint: typeof endpoint === 'string' ? endpoint : '', p256dh: keys?.p256dh || undefined, auth: keys?.auth || undefined }
}

module.exports = { describe, checkOptions, notValid, requireString, optionalString, requirePayload, optionalPayload, requireBytes, requireObject, headerPairs, subscriptionParts }
