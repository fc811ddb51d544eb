'use strict'

// Malformed input into every export of `web-push-rs` and `web-push-rs/testing`, as one table.
// Each row must throw (or reject with) a TypeError or a WebPushError with a stable `code` and
// a message that names the field. Nothing here leaves the machine: sends go to a closed port
// on 127.0.0.1 or to the local push service, and `http:` to another host is refused by
// validation before any connection. As a safety net, every send to a non-loopback endpoint
// also goes through a "proxy" on that closed port, so even a validation regression fails
// fast with ERR_NETWORK instead of resolving or contacting a real host.
//
// `fixedBugs` holds the rows that once exposed a bug: they guard against regressions.

const test = require('node:test')
const { before, after } = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const webpush = require('..')
const testing = require('../testing')
const { expectError } = require('./helpers.js')

const { WebPush, WebPushError } = webpush
const { decrypt, generateSubscriptionKeys, startPushService } = testing

// ---- fixtures -------------------------------------------------------------------------------

const SUBJECT = 'mailto:ops@example.com'
const AUDIENCE = 'https://push.invalid'
const vapid = webpush.generateVAPIDKeys()
const vapidDetails = { subject: SUBJECT, publicKey: vapid.publicKey, privateKey: vapid.privateKey }
const other = webpush.generateVAPIDKeys()
// Never sent anywhere: `generateRequestDetails` only builds the request.
const { subscription: sub, privateKey } = generateSubscriptionKeys('https://push.invalid/sub')
const { p256dh, auth } = sub.keys
const receiver = { privateKey, auth }

const b64 = (bytes) => Buffer.from(bytes).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)
const MB = Buffer.alloc(1 << 20, 0x61)

// Private keys that are 32 bytes but not a valid scalar: 0, 0xff…ff (above the order) and the
// P-256 group order n itself.
const ZERO_KEY = b64(Buffer.alloc(32))
const FF_KEY = b64(Buffer.alloc(32, 0xff))
const ORDER_KEY = b64(Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex'))

/** The public key with one bit of y flipped: 65 bytes, 0x04 prefix, off the curve. */
function offCurve(key) {
  const raw = Buffer.from(key, 'base64url')
  raw[64] ^= 1
  return b64(raw)
}

/** 65 bytes with a compressed-point prefix. */
function wrongPrefix(key) {
  const raw = Buffer.from(key, 'base64url')
  raw[0] = 0x03
  return b64(raw)
}

// A PEM block whose body is not a DER certificate.
const BAD_DER_PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'

const IDENTITY = b64(Buffer.concat([Buffer.from([4]), Buffer.alloc(64)]))

/** A copy of `buf` with the byte at `index` (negative: from the end) flipped. */
function flip(buf, index) {
  const out = Buffer.from(buf)
  out[index < 0 ? out.length + index : index] ^= 0x01
  return out
}

/** A copy of `buf` with `bytes` written at `offset`. */
function patch(buf, offset, bytes) {
  const out = Buffer.from(buf)
  out.set(bytes, offset)
  return out
}

/** Deterministic pseudo-random bytes (stable messages across runs). */
function noise(length, seed) {
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 131 + ((i * i) >> 3)) & 0xff
  return out
}

/** A fresh aes128gcm body for the fixture subscription (86-byte header, then one record). */
const aes128Body = () => webpush.encrypt(p256dh, auth, 'hello').cipherText

/** A fresh aesgcm request: body and the headers `decrypt` needs. */
function aesgcmRequest() {
  const { body, headers } = webpush.generateRequestDetails(sub, 'hello', { contentEncoding: 'aesgcm' })
  return {
    body,
    headers: { 'Content-Encoding': 'aesgcm', Encryption: headers.Encryption, 'Crypto-Key': headers['Crypto-Key'] },
    dh: headers['Crypto-Key'].replace(/^dh=/, ''),
  }
}

/** decrypt() of a fresh aesgcm body with some headers replaced. */
function aesgcmWith(overrides, mutateBody = (b) => b) {
  const { body, headers } = aesgcmRequest()
  const merged = { ...headers, ...overrides }
  for (const name of Object.keys(merged)) if (merged[name] === undefined) delete merged[name]
  return decrypt(mutateBody(body), receiver, merged)
}

// Set up in `before`: a loopback port that resets connections, the local push service, a client.
let dead // http://127.0.0.1:<port that resets connections>/push/dead
let deadProxy // the same port: the safety net for non-loopback endpoints
let service
let serviceSub // accepts messages
let faultSub // only for failNext rows
let stallSub // only for the timeout rows
let push // sends to loopback endpoints
let guarded // sends through deadProxy: for non-loopback endpoints
let closedPush
let resetter // holds the "dead" port for the whole run and resets every connection to it
const policy = {} // WebPush clients with an endpointPolicy

before(async () => {
  // A port we keep (so no parallel test file can take it) where every connection is reset:
  // requests there always fail fast with ERR_NETWORK.
  resetter = net.createServer((socket) => socket.resetAndDestroy())
  await new Promise((resolve) => resetter.listen(0, '127.0.0.1', resolve))
  const { port } = resetter.address()
  dead = `http://127.0.0.1:${port}/push/dead`
  deadProxy = `http://127.0.0.1:${port}`
  service = await startPushService()
  serviceSub = await service.subscribe({ applicationServerKey: vapid.publicKey })
  faultSub = await service.subscribe()
  stallSub = await service.subscribe()
  push = new WebPush({ vapid: vapidDetails, retry: false, timeoutMs: 5000 })
  guarded = new WebPush({ vapid: vapidDetails, retry: false, timeoutMs: 5000, proxy: deadProxy })
  closedPush = new WebPush()
  await closedPush.close()
  const guard = { retry: false, proxy: deadProxy }
  policy.pushServices = new WebPush({ endpointPolicy: 'push-services', ...guard })
  policy.denyAll = new WebPush({ endpointPolicy: () => false, ...guard })
  policy.throws = new WebPush({ endpointPolicy: () => { throw new Error('policy failed') }, ...guard })
  policy.truthy = new WebPush({ endpointPolicy: () => 'yes', ...guard })
})

after(async () => {
  for (const client of [push, guarded, ...Object.values(policy)]) await client?.close()
  await service?.close()
  await new Promise((resolve) => resetter.close(resolve))
})

/** Arms a never-answering fault for the next request to `stallSub`, and returns it. */
function stalled() {
  service.failNext(stallSub, { stall: true })
  return stallSub
}

/** A subscription to the closed port (a send that passed validation would fail fast). */
const deadSub = (over = {}) => ({ endpoint: dead, keys: { p256dh, auth }, ...over })
const grd = (...args) => webpush.generateRequestDetails(...args)
const send = (...args) => webpush.sendNotification(...args)
const headersOf = (...args) => webpush.getVapidHeaders(...args)
const withVapid = (over) => ({ vapidDetails: { ...vapidDetails, ...over } })

// ---- the table: [name, fn, class, code, message pattern naming the field] -------------------

const T = TypeError
const W = WebPushError

const cases = [
  // setVapidDetails
  ['setVapidDetails: no arguments', () => webpush.setVapidDetails(), T, 'ERR_INVALID_ARG_TYPE', /subject must be a non-empty string/],
  ['setVapidDetails: null subject with keys', () => webpush.setVapidDetails(null, vapid.publicKey, vapid.privateKey), T, 'ERR_INVALID_ARG_TYPE', /subject/],
  ['setVapidDetails: subject a number', () => webpush.setVapidDetails(42, vapid.publicKey, vapid.privateKey), T, 'ERR_INVALID_ARG_TYPE', /subject/],
  ['setVapidDetails: empty subject', () => webpush.setVapidDetails('', vapid.publicKey, vapid.privateKey), T, 'ERR_INVALID_ARG_TYPE', /subject/],
  ['setVapidDetails: http: subject', () => webpush.setVapidDetails('http://example.com', vapid.publicKey, vapid.privateKey), W, 'ERR_INVALID_SUBJECT', /VAPID subject has scheme "http"/],
  ['setVapidDetails: publicKey missing', () => webpush.setVapidDetails(SUBJECT, undefined, vapid.privateKey), T, 'ERR_INVALID_ARG_TYPE', /publicKey/],
  ['setVapidDetails: publicKey not base64', () => webpush.setVapidDetails(SUBJECT, '!!!!', vapid.privateKey), W, 'ERR_INVALID_BASE64', /VAPID publicKey must be base64url/],
  ['setVapidDetails: publicKey 64 bytes', () => webpush.setVapidDetails(SUBJECT, b64(Buffer.from(vapid.publicKey, 'base64url').subarray(1)), vapid.privateKey), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey is not 65 bytes/],
  ['setVapidDetails: publicKey off the curve', () => webpush.setVapidDetails(SUBJECT, offCurve(vapid.publicKey), vapid.privateKey), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey is not a point on the P-256 curve/],
  ['setVapidDetails: publicKey with a compressed prefix', () => webpush.setVapidDetails(SUBJECT, wrongPrefix(vapid.publicKey), vapid.privateKey), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey is not an uncompressed point/],
  ['setVapidDetails: publicKey the point at infinity', () => webpush.setVapidDetails(SUBJECT, IDENTITY, vapid.privateKey), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey is not a point/],
  ['setVapidDetails: zero privateKey', () => webpush.setVapidDetails(SUBJECT, vapid.publicKey, ZERO_KEY), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey is zero or not below the P-256 group order/],
  ['setVapidDetails: privateKey 0xff…ff (over the order)', () => webpush.setVapidDetails(SUBJECT, vapid.publicKey, FF_KEY), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey .*group order/],
  ['setVapidDetails: privateKey equal to the order', () => webpush.setVapidDetails(SUBJECT, vapid.publicKey, ORDER_KEY), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey .*group order/],
  ['setVapidDetails: privateKey 33 bytes', () => webpush.setVapidDetails(SUBJECT, vapid.publicKey, b64(Buffer.alloc(33, 1))), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey is not 32 bytes/],
  ['setVapidDetails: privateKey not base64', () => webpush.setVapidDetails(SUBJECT, vapid.publicKey, 'a b c'), W, 'ERR_INVALID_BASE64', /VAPID privateKey must be base64url/],
  ['setVapidDetails: privateKey a Buffer', () => webpush.setVapidDetails(SUBJECT, vapid.publicKey, Buffer.alloc(32, 1)), T, 'ERR_INVALID_ARG_TYPE', /privateKey/],
  ['setVapidDetails: halves of two pairs', () => webpush.setVapidDetails(SUBJECT, other.publicKey, vapid.privateKey), W, 'ERR_VAPID_KEY_MISMATCH', /VAPID publicKey does not belong to VAPID privateKey/],

  // setGCMAPIKey
  ['setGCMAPIKey: empty string', () => webpush.setGCMAPIKey(''), T, 'ERR_INVALID_ARG_TYPE', /GCM API Key/],
  ['setGCMAPIKey: a number', () => webpush.setGCMAPIKey(42), T, 'ERR_INVALID_ARG_TYPE', /GCM API Key/],
  ['setGCMAPIKey: undefined', () => webpush.setGCMAPIKey(), T, 'ERR_INVALID_ARG_TYPE', /GCM API Key/],
  ['setGCMAPIKey: an object', () => webpush.setGCMAPIKey({ key: 'x' }), T, 'ERR_INVALID_ARG_TYPE', /GCM API Key/],

  // getVapidHeaders / getVapidHeadersAsync
  ['getVapidHeaders: audience missing', () => headersOf(undefined, SUBJECT, vapid.publicKey, vapid.privateKey), T, 'ERR_INVALID_ARG_TYPE', /audience/],
  ['getVapidHeaders: audience empty', () => headersOf('', SUBJECT, vapid.publicKey, vapid.privateKey), T, 'ERR_INVALID_ARG_TYPE', /audience/],
  ['getVapidHeaders: audience without scheme', () => headersOf('push.example.com', SUBJECT, vapid.publicKey, vapid.privateKey), W, 'ERR_INVALID_AUDIENCE', /VAPID audience/],
  ['getVapidHeaders: ftp: audience', () => headersOf('ftp://push.example.com', SUBJECT, vapid.publicKey, vapid.privateKey), W, 'ERR_INVALID_AUDIENCE', /VAPID audience/],
  ['getVapidHeaders: subject without scheme', () => headersOf(AUDIENCE, 'ops@example.com', vapid.publicKey, vapid.privateKey), W, 'ERR_INVALID_SUBJECT', /VAPID subject/],
  ['getVapidHeaders: publicKey off the curve', () => headersOf(AUDIENCE, SUBJECT, offCurve(vapid.publicKey), vapid.privateKey), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey/],
  ['getVapidHeaders: privateKey 0xff…ff', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, FF_KEY), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],
  ['getVapidHeaders: privateKey equal to the order', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, ORDER_KEY), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],
  ['getVapidHeaders: contentEncoding gzip', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'gzip'), W, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "gzip"/],
  ['getVapidHeaders: contentEncoding a number', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 5), T, 'ERR_INVALID_ARG_TYPE', /contentEncoding/],
  ['getVapidHeaders: expiration in the past', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', now() - 60), W, 'ERR_INVALID_EXPIRATION', /expiration \d+ is not in the future/],
  ['getVapidHeaders: expiration over 24 h', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', now() + 24 * 3600 + 60), W, 'ERR_INVALID_EXPIRATION', /expiration \d+ is more than 24 hours ahead/],
  ['getVapidHeaders: expiration not an integer', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', now() + 60.5), W, 'ERR_INVALID_EXPIRATION', /expiration .* integer/],
  ['getVapidHeaders: expiration negative', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', -1), W, 'ERR_INVALID_EXPIRATION', /expiration -1/],
  ['getVapidHeaders: expiration Infinity', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', Infinity), W, 'ERR_INVALID_EXPIRATION', /expiration/],
  ['getVapidHeaders: expiration a string', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', String(now() + 60)), T, 'ERR_INVALID_ARG_TYPE', /expiration/],
  ['getVapidHeaders: expiration a BigInt', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', BigInt(now() + 60)), T, 'ERR_INVALID_ARG_TYPE', /expiration/],
  ['getVapidHeadersAsync: audience null rejects', () => webpush.getVapidHeadersAsync(null, SUBJECT, vapid.publicKey, vapid.privateKey), T, 'ERR_INVALID_ARG_TYPE', /audience/],
  ['getVapidHeadersAsync: expiration in the past rejects', () => webpush.getVapidHeadersAsync(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', 1), W, 'ERR_INVALID_EXPIRATION', /expiration 1 is not in the future/],
  ['getVapidHeadersAsync: zero privateKey rejects', () => webpush.getVapidHeadersAsync(AUDIENCE, SUBJECT, vapid.publicKey, ZERO_KEY), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],

  // encrypt / encryptAsync
  ['encrypt: p256dh missing', () => webpush.encrypt(undefined, auth, 'x'), T, 'ERR_INVALID_ARG_TYPE', /keys\.p256dh/],
  ['encrypt: p256dh empty', () => webpush.encrypt('', auth, 'x'), T, 'ERR_INVALID_ARG_TYPE', /keys\.p256dh/],
  ['encrypt: p256dh a Buffer', () => webpush.encrypt(Buffer.from(p256dh, 'base64url'), auth, 'x'), T, 'ERR_INVALID_ARG_TYPE', /keys\.p256dh/],
  ['encrypt: p256dh not base64', () => webpush.encrypt('@@@@', auth, 'x'), W, 'ERR_INVALID_BASE64', /keys\.p256dh must be base64url/],
  ['encrypt: p256dh 64 bytes', () => webpush.encrypt(b64(Buffer.from(p256dh, 'base64url').subarray(0, 64)), auth, 'x'), W, 'ERR_INVALID_P256DH', /keys\.p256dh is not 65 bytes/],
  ['encrypt: p256dh off the curve', () => webpush.encrypt(offCurve(p256dh), auth, 'x'), W, 'ERR_INVALID_P256DH', /keys\.p256dh is not a point on the P-256 curve/],
  ['encrypt: p256dh the point at infinity', () => webpush.encrypt(IDENTITY, auth, 'x'), W, 'ERR_INVALID_P256DH', /keys\.p256dh is not a point/],
  ['encrypt: p256dh with a compressed prefix', () => webpush.encrypt(wrongPrefix(p256dh), auth, 'x'), W, 'ERR_INVALID_P256DH', /keys\.p256dh is not an uncompressed point/],
  ['encrypt: auth missing', () => webpush.encrypt(p256dh, undefined, 'x'), T, 'ERR_INVALID_ARG_TYPE', /keys\.auth/],
  ['encrypt: auth 15 bytes', () => webpush.encrypt(p256dh, b64(Buffer.alloc(15)), 'x'), W, 'ERR_INVALID_AUTH', /keys\.auth must be 16 bytes when decoded, got 15/],
  ['encrypt: auth 17 bytes', () => webpush.encrypt(p256dh, b64(Buffer.alloc(17)), 'x'), W, 'ERR_INVALID_AUTH', /keys\.auth .*got 17/],
  ['encrypt: auth not base64', () => webpush.encrypt(p256dh, '%%%%', 'x'), W, 'ERR_INVALID_BASE64', /keys\.auth must be base64url/],
  ['encrypt: payload undefined', () => webpush.encrypt(p256dh, auth), T, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['encrypt: payload null', () => webpush.encrypt(p256dh, auth, null), T, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['encrypt: payload an array', () => webpush.encrypt(p256dh, auth, [1, 2, 3]), T, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['encrypt: payload 1 MB', () => webpush.encrypt(p256dh, auth, MB), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 1048576 bytes; at most 3993/],
  ['encrypt: payload 3994 bytes (one over, aes128gcm)', () => webpush.encrypt(p256dh, auth, Buffer.alloc(3994)), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 3994 bytes; at most 3993/],
  ['encrypt: 1997 × "é" is 3994 UTF-8 bytes', () => webpush.encrypt(p256dh, auth, 'é'.repeat(1997)), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 3994 bytes/],
  ['encrypt: payload 4079 bytes (one over, aesgcm)', () => webpush.encrypt(p256dh, auth, Buffer.alloc(4079), 'aesgcm'), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 4079 bytes; at most 4078/],
  ['encrypt: contentEncoding gzip', () => webpush.encrypt(p256dh, auth, 'x', 'gzip'), W, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "gzip"/],
  ['encrypt: contentEncoding in capitals', () => webpush.encrypt(p256dh, auth, 'x', 'AES128GCM'), W, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "AES128GCM"/],
  ['encrypt: contentEncoding empty', () => webpush.encrypt(p256dh, auth, 'x', ''), T, 'ERR_INVALID_ARG_TYPE', /contentEncoding/],
  ['encryptAsync: p256dh off the curve rejects', () => webpush.encryptAsync(offCurve(p256dh), auth, 'x'), W, 'ERR_INVALID_P256DH', /keys\.p256dh/],
  ['encryptAsync: payload 1 MB rejects', () => webpush.encryptAsync(p256dh, auth, MB.toString()), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 1048576 bytes/],
  ['encryptAsync: payload 4079 bytes aesgcm rejects', () => webpush.encryptAsync(p256dh, auth, 'a'.repeat(4079), 'aesgcm'), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 4079 bytes; at most 4078/],
  ['encryptAsync: auth a number rejects', () => webpush.encryptAsync(p256dh, 16, 'x'), T, 'ERR_INVALID_ARG_TYPE', /keys\.auth/],

  // generateRequestDetails (builds only: nothing is sent)
  ['generateRequestDetails: subscription undefined', () => grd(), T, 'ERR_INVALID_ARG_TYPE', /subscription must be an object/],
  ['generateRequestDetails: subscription a string', () => grd('https://push.invalid/x'), T, 'ERR_INVALID_ARG_TYPE', /subscription must be an object/],
  ['generateRequestDetails: endpoint missing', () => grd({}), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint/],
  ['generateRequestDetails: endpoint a number', () => grd({ endpoint: 443 }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint/],
  ['generateRequestDetails: endpoint empty', () => grd({ endpoint: '' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint/],
  ['generateRequestDetails: endpoint not a URL', () => grd({ endpoint: 'not a url' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint is not a valid URL/],
  ['generateRequestDetails: ftp: endpoint', () => grd({ endpoint: 'ftp://push.example.com/x' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint has scheme "ftp"/],
  ['generateRequestDetails: javascript: endpoint', () => grd({ endpoint: 'javascript:alert(1)' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint has scheme "javascript"/],
  ['generateRequestDetails: http: to a public host', () => grd({ endpoint: 'http://push.example.com/x' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint uses http: to a non-loopback host/],
  ['generateRequestDetails: http: to a private address', () => grd({ endpoint: 'http://10.0.0.1/x' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint uses http: to a non-loopback host/],
  ['generateRequestDetails: http: to localhost.example.com', () => grd({ endpoint: 'http://localhost.example.com/x' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint uses http: to a non-loopback host/],
  ['generateRequestDetails: keys a string', () => grd({ endpoint: sub.endpoint, keys: 'p256dh' }, 'x'), T, 'ERR_INVALID_ARG_TYPE', /subscription\.keys must be an object/],
  ['generateRequestDetails: keys.p256dh a number', () => grd({ endpoint: sub.endpoint, keys: { p256dh: 65, auth } }, 'x'), T, 'ERR_INVALID_ARG_TYPE', /subscription\.keys\.p256dh/],
  ['generateRequestDetails: payload without keys', () => grd({ endpoint: sub.endpoint }, 'x'), W, 'ERR_MISSING_KEYS', /'auth' and 'p256dh' keys/],
  ['generateRequestDetails: payload with auth only', () => grd({ endpoint: sub.endpoint, keys: { auth } }, 'x'), W, 'ERR_MISSING_KEYS', /'auth' and 'p256dh' keys/],
  ['generateRequestDetails: off-curve p256dh, no payload', () => grd({ endpoint: sub.endpoint, keys: { p256dh: offCurve(p256dh), auth } }), W, 'ERR_INVALID_P256DH', /keys\.p256dh/],
  ['generateRequestDetails: payload a number', () => grd(sub, 42), T, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['generateRequestDetails: payload 1 MB', () => grd(sub, MB), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 1048576 bytes/],
  ['generateRequestDetails: payload 3994 bytes', () => grd(sub, Buffer.alloc(3994)), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 3994 bytes; at most 3993/],
  ['generateRequestDetails: payload 4079 bytes aesgcm', () => grd(sub, Buffer.alloc(4079), { contentEncoding: 'aesgcm' }), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 4079 bytes; at most 4078/],
  ['generateRequestDetails: options a string', () => grd(sub, 'x', 'TTL=60'), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['generateRequestDetails: options an array', () => grd(sub, 'x', []), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['generateRequestDetails: unknown option', () => grd(sub, 'x', { ttl: 60 }), W, 'ERR_INVALID_OPTION', /'ttl' is an invalid option/],
  ['generateRequestDetails: TTL -1', () => grd(sub, 'x', { TTL: -1 }), W, 'ERR_INVALID_TTL', /TTL is -1/],
  ['generateRequestDetails: TTL NaN', () => grd(sub, 'x', { TTL: NaN }), W, 'ERR_INVALID_TTL', /TTL is not a number/],
  ['generateRequestDetails: TTL 1.5', () => grd(sub, 'x', { TTL: 1.5 }), W, 'ERR_INVALID_TTL', /TTL is 1\.5/],
  ['generateRequestDetails: TTL "abc"', () => grd(sub, 'x', { TTL: 'abc' }), W, 'ERR_INVALID_TTL', /TTL is not a number/],
  ['generateRequestDetails: TTL Infinity', () => grd(sub, 'x', { TTL: Infinity }), W, 'ERR_INVALID_TTL', /TTL is inf/],
  ['generateRequestDetails: TTL beyond 2^53', () => grd(sub, 'x', { TTL: 2 ** 60 }), W, 'ERR_INVALID_TTL', /TTL is \d+/],
  ['generateRequestDetails: TTL an object', () => grd(sub, 'x', { TTL: {} }), T, 'ERR_INVALID_ARG_TYPE', /options\.TTL/],
  ['generateRequestDetails: TTL null', () => grd(sub, 'x', { TTL: null }), T, 'ERR_INVALID_ARG_TYPE', /options\.TTL/],
  ['generateRequestDetails: urgency asap', () => grd(sub, 'x', { urgency: 'asap' }), W, 'ERR_INVALID_URGENCY', /urgency "asap"/],
  ['generateRequestDetails: urgency in capitals', () => grd(sub, 'x', { urgency: 'HIGH' }), W, 'ERR_INVALID_URGENCY', /urgency "HIGH"/],
  ['generateRequestDetails: topic 33 characters', () => grd(sub, 'x', { topic: 'a'.repeat(33) }), W, 'ERR_INVALID_TOPIC', /topic is 33 characters long/],
  ['generateRequestDetails: topic with a space', () => grd(sub, 'x', { topic: 'a b' }), W, 'ERR_INVALID_TOPIC', /topic contains ' '/],
  ['generateRequestDetails: topic non-ASCII', () => grd(sub, 'x', { topic: 'né' }), W, 'ERR_INVALID_TOPIC', /topic contains 'é'/],
  ['generateRequestDetails: topic a number', () => grd(sub, 'x', { topic: 42 }), T, 'ERR_INVALID_ARG_TYPE', /options\.topic/],
  ['generateRequestDetails: headers an array', () => grd(sub, 'x', { headers: [['X-A', '1']] }), T, 'ERR_INVALID_ARG_TYPE', /options\.headers/],
  ['generateRequestDetails: headers a string', () => grd(sub, 'x', { headers: 'X-A: 1' }), T, 'ERR_INVALID_ARG_TYPE', /options\.headers/],
  ['generateRequestDetails: header name with a space', () => grd(sub, 'x', { headers: { 'Bad Name': 'v' } }), W, 'ERR_INVALID_HEADER', /header "Bad Name" is not a valid HTTP header name/],
  ['generateRequestDetails: header name empty', () => grd(sub, 'x', { headers: { '': 'v' } }), W, 'ERR_INVALID_HEADER', /header ""/],
  ['generateRequestDetails: header value with CRLF', () => grd(sub, 'x', { headers: { 'X-Trace': 'a\r\nInjected: 1' } }), W, 'ERR_INVALID_HEADER', /header "X-Trace" has a value/],
  ['generateRequestDetails: header value an object', () => grd(sub, 'x', { headers: { 'X-Trace': {} } }), T, 'ERR_INVALID_ARG_TYPE', /options\.headers\["X-Trace"\]/],
  ['generateRequestDetails: header repeats TTL', () => grd(sub, 'x', { TTL: 60, headers: { TTL: 61 } }), W, 'ERR_INVALID_OPTION', /Duplicated headers defined \[TTL\]/],
  ['generateRequestDetails: contentEncoding gzip', () => grd(sub, 'x', { contentEncoding: 'gzip' }), W, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "gzip"/],
  ['generateRequestDetails: proxy a number', () => grd(sub, 'x', { proxy: 8080 }), W, 'ERR_INVALID_PROXY', /proxy must be a URL string/],
  ['generateRequestDetails: proxy object without host', () => grd(sub, 'x', { proxy: { port: 8080 } }), W, 'ERR_INVALID_PROXY', /proxy must be a URL string or an object with a string host/],
  ['generateRequestDetails: agent', () => grd(sub, 'x', { agent: {} }), W, 'ERR_UNSUPPORTED_OPTION', /options\.agent is not supported/],
  ['generateRequestDetails: timeout -1', () => grd(sub, 'x', { timeout: -1 }), T, 'ERR_INVALID_ARG_TYPE', /options\.timeout/],
  ['generateRequestDetails: timeout 0', () => grd(sub, 'x', { timeout: 0 }), T, 'ERR_INVALID_ARG_TYPE', /options\.timeout/],
  ['generateRequestDetails: timeout NaN', () => grd(sub, 'x', { timeout: NaN }), T, 'ERR_INVALID_ARG_TYPE', /options\.timeout/],
  ['generateRequestDetails: timeout a string', () => grd(sub, 'x', { timeout: '5000' }), T, 'ERR_INVALID_ARG_TYPE', /options\.timeout/],
  ['generateRequestDetails: ca a number', () => grd(sub, 'x', { ca: 42 }), T, 'ERR_INVALID_ARG_TYPE', /options\.ca/],
  ['generateRequestDetails: ca array with a number', () => grd(sub, 'x', { ca: [Buffer.from('x'), 42] }), T, 'ERR_INVALID_ARG_TYPE', /options\.ca/],
  ['generateRequestDetails: vapidDetails a string', () => grd(sub, 'x', { vapidDetails: 'mailto:x' }), T, 'ERR_INVALID_ARG_TYPE', /vapidDetails must be an object/],
  ['generateRequestDetails: vapidDetails without privateKey', () => grd(sub, 'x', { vapidDetails: { subject: SUBJECT, publicKey: vapid.publicKey } }), T, 'ERR_INVALID_ARG_TYPE', /vapidDetails\.privateKey/],
  ['generateRequestDetails: vapidDetails zero privateKey', () => grd(sub, 'x', withVapid({ privateKey: ZERO_KEY })), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],
  ['generateRequestDetails: vapidDetails privateKey 0xff…ff', () => grd(sub, 'x', withVapid({ privateKey: FF_KEY })), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],
  ['generateRequestDetails: vapidDetails halves of two pairs', () => grd(sub, 'x', withVapid({ publicKey: other.publicKey })), W, 'ERR_VAPID_KEY_MISMATCH', /VAPID publicKey does not belong/],
  ['generateRequestDetails: vapidDetails http: subject', () => grd(sub, 'x', withVapid({ subject: 'http://example.com' })), W, 'ERR_INVALID_SUBJECT', /VAPID subject/],
  ['generateRequestDetails: gcmAPIKey a number', () => grd(sub, 'x', { gcmAPIKey: 42 }), T, 'ERR_INVALID_ARG_TYPE', /options\.gcmAPIKey/],

  // sendNotification (rejects; validation happens before any connection)
  ['sendNotification: subscription null rejects', () => send(null, 'x'), T, 'ERR_INVALID_ARG_TYPE', /subscription must be an object/],
  ['sendNotification: http: to a public host', () => send({ endpoint: 'http://push.example.com/x' }, null, { proxy: deadProxy }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint uses http: to a non-loopback host/],
  ['sendNotification: proxy not a URL', () => send(deadSub(), 'x', { proxy: 'not a url' }), W, 'ERR_INVALID_PROXY', /proxy .*is not a URL/],
  ['sendNotification: ftp: proxy', () => send(deadSub(), 'x', { proxy: 'ftp://127.0.0.1:1' }), W, 'ERR_INVALID_PROXY', /proxy .*must be an http:\/\/ or https:\/\/ URL/],
  ['sendNotification: proxy object with a bad port', () => send(deadSub(), 'x', { proxy: { host: '127.0.0.1', port: 'abc' } }), W, 'ERR_INVALID_PROXY', /proxy .*invalid port/],
  ['sendNotification: ca not PEM', () => send(deadSub(), 'x', { ca: 'garbage' }), W, 'ERR_INVALID_CA', /ca from the ca option holds no certificate/],
  ['sendNotification: ca Buffer not PEM', () => send(deadSub(), 'x', { ca: [Buffer.from('x')] }), W, 'ERR_INVALID_CA', /ca from the ca option/],
  ['sendNotification: payload 1 MB', () => send(deadSub(), MB), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 1048576 bytes/],
  ['sendNotification: TTL NaN', () => send(deadSub(), 'x', { TTL: NaN }), W, 'ERR_INVALID_TTL', /TTL is not a number/],
  ['sendNotification: urgency asap', () => send(deadSub(), 'x', { urgency: 'asap' }), W, 'ERR_INVALID_URGENCY', /urgency "asap"/],
  ['sendNotification: topic too long', () => send(deadSub(), 'x', { topic: 't'.repeat(40) }), W, 'ERR_INVALID_TOPIC', /topic is 40 characters long/],
  ['sendNotification: vapidDetails zero privateKey', () => send(deadSub(), 'x', withVapid({ privateKey: ZERO_KEY })), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],
  ['sendNotification: agent', () => send(deadSub(), 'x', { agent: {} }), W, 'ERR_UNSUPPORTED_OPTION', /options\.agent/],
  ['sendNotification: timeout a string', () => send(deadSub(), 'x', { timeout: '10' }), T, 'ERR_INVALID_ARG_TYPE', /options\.timeout/],
  ['sendNotification: a reset connection fails fast', () => send(deadSub(), 'x', { timeout: 5000 }), W, 'ERR_NETWORK', /request to the push service failed/],
  ['sendNotification: timeout 200 ms on a stalled service', () => send(stalled(), 'x', { timeout: 200 }), W, 'ERR_TIMEOUT', /push service did not answer within the timeout of 200 ms/],

  // new WebPush(options)
  ['new WebPush: options a string', () => new WebPush('vapid'), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['new WebPush: options null', () => new WebPush(null), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['new WebPush: unknown option', () => new WebPush({ TTL: 60 }), W, 'ERR_INVALID_OPTION', /'TTL' is not a valid WebPush option/],
  ['new WebPush: ttl -1', () => new WebPush({ ttl: -1 }), W, 'ERR_INVALID_TTL', /TTL is -1/],
  ['new WebPush: ttl 1.5', () => new WebPush({ ttl: 1.5 }), W, 'ERR_INVALID_TTL', /TTL is 1\.5/],
  ['new WebPush: ttl a string', () => new WebPush({ ttl: '60' }), T, 'ERR_INVALID_ARG_TYPE', /options\.ttl/],
  ['new WebPush: urgency asap', () => new WebPush({ urgency: 'asap' }), W, 'ERR_INVALID_URGENCY', /urgency "asap"/],
  ['new WebPush: urgency a number', () => new WebPush({ urgency: 1 }), T, 'ERR_INVALID_ARG_TYPE', /options\.urgency/],
  ['new WebPush: contentEncoding br', () => new WebPush({ contentEncoding: 'br' }), W, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "br"/],
  ['new WebPush: timeoutMs 0', () => new WebPush({ timeoutMs: 0 }), T, 'ERR_INVALID_ARG_TYPE', /options\.timeoutMs/],
  ['new WebPush: timeoutMs Infinity', () => new WebPush({ timeoutMs: Infinity }), W, 'ERR_INVALID_OPTION', /option timeoutMs/],
  ['new WebPush: concurrency 0', () => new WebPush({ concurrency: 0 }), T, 'ERR_INVALID_ARG_TYPE', /options\.concurrency/],
  ['new WebPush: concurrency 1.5', () => new WebPush({ concurrency: 1.5 }), T, 'ERR_INVALID_ARG_TYPE', /options\.concurrency/],
  ['new WebPush: retry true', () => new WebPush({ retry: true }), T, 'ERR_INVALID_ARG_TYPE', /options\.retry/],
  ['new WebPush: retry.attempts 0', () => new WebPush({ retry: { attempts: 0 } }), T, 'ERR_INVALID_ARG_TYPE', /options\.retry\.attempts/],
  ['new WebPush: unknown retry option', () => new WebPush({ retry: { tries: 3 } }), W, 'ERR_INVALID_OPTION', /'tries' is not a valid retry option/],
  ['new WebPush: retry.maxDelayMs -1', () => new WebPush({ retry: { maxDelayMs: -1 } }), T, 'ERR_INVALID_ARG_TYPE', /options\.retry\.maxDelayMs/],
  ['new WebPush: retry.maxDelayMs NaN', () => new WebPush({ retry: { maxDelayMs: NaN } }), W, 'ERR_INVALID_OPTION', /retry\.maxDelayMs/],
  ['new WebPush: proxy not a URL', () => new WebPush({ proxy: 'nope' }), W, 'ERR_INVALID_PROXY', /proxy .*is not a URL/],
  ['new WebPush: proxy an object', () => new WebPush({ proxy: { host: '127.0.0.1' } }), T, 'ERR_INVALID_ARG_TYPE', /options\.proxy/],
  ['new WebPush: ca not PEM', () => new WebPush({ ca: 'nope' }), W, 'ERR_INVALID_CA', /ca from the ca option/],
  ['new WebPush: ca a number', () => new WebPush({ ca: 42 }), T, 'ERR_INVALID_ARG_TYPE', /options\.ca/],
  ['new WebPush: vapid a string', () => new WebPush({ vapid: 'mailto:x' }), T, 'ERR_INVALID_ARG_TYPE', /options\.vapid must be an object/],
  ['new WebPush: vapid without subject', () => new WebPush({ vapid: { publicKey: vapid.publicKey, privateKey: vapid.privateKey } }), T, 'ERR_INVALID_ARG_TYPE', /options\.vapid\.subject/],
  ['new WebPush: vapid zero privateKey', () => new WebPush({ vapid: { ...vapidDetails, privateKey: ZERO_KEY } }), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],
  ['new WebPush: vapid privateKey equal to the order', () => new WebPush({ vapid: { ...vapidDetails, privateKey: ORDER_KEY } }), W, 'ERR_INVALID_VAPID_PRIVATE_KEY', /VAPID privateKey/],
  ['new WebPush: vapid publicKey off the curve', () => new WebPush({ vapid: { ...vapidDetails, publicKey: offCurve(vapid.publicKey) } }), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey/],
  ['new WebPush: vapid halves of two pairs', () => new WebPush({ vapid: { ...vapidDetails, publicKey: other.publicKey } }), W, 'ERR_VAPID_KEY_MISMATCH', /VAPID publicKey does not belong/],
  ['new WebPush: endpointPolicy a number', () => new WebPush({ endpointPolicy: 1 }), T, 'ERR_INVALID_ARG_TYPE', /options\.endpointPolicy must be/],
  ['new WebPush: endpointPolicy null', () => new WebPush({ endpointPolicy: null }), T, 'ERR_INVALID_ARG_TYPE', /options\.endpointPolicy/],
  ['new WebPush: endpointPolicy unknown name', () => new WebPush({ endpointPolicy: 'all' }), W, 'ERR_INVALID_OPTION', /option endpointPolicy must be "https", "push-services" or a function/],
  ['new WebPush: vapid subject without scheme', () => new WebPush({ vapid: { ...vapidDetails, subject: 'ops@example.com' } }), W, 'ERR_INVALID_SUBJECT', /VAPID subject/],

  // WebPush#send
  ['WebPush#send: subscription null', () => push.send(null, 'x'), T, 'ERR_INVALID_ARG_TYPE', /subscription must be an object/],
  ['WebPush#send: http: to a public host', () => guarded.send({ endpoint: 'http://push.example.com/x' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint uses http:/],
  ['WebPush#send: endpoint not a URL', () => guarded.send({ endpoint: 'not a url' }), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint is not a valid URL/],
  ['WebPush#send: p256dh 3 bytes', () => push.send(deadSub({ keys: { p256dh: 'AAAA', auth } }), 'x'), W, 'ERR_INVALID_P256DH', /keys\.p256dh is not 65 bytes/],
  ['WebPush#send: auth not base64', () => push.send(deadSub({ keys: { p256dh, auth: '@@@@' } }), 'x'), W, 'ERR_INVALID_BASE64', /keys\.auth must be base64url/],
  ['WebPush#send: payload without keys', () => push.send({ endpoint: dead }, 'x'), W, 'ERR_MISSING_KEYS', /keys\.p256dh and keys\.auth are required/],
  ['WebPush#send: closed proxy port fails fast', () => guarded.send({ endpoint: 'https://push.invalid/x' }), W, 'ERR_NETWORK', /request to the push service failed/],
  ['WebPush#send: payload a number', () => push.send(deadSub(), 42), T, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['WebPush#send: payload 1 MB', () => push.send(deadSub(), MB), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 1048576 bytes/],
  ['WebPush#send: payload 3994 bytes', () => push.send(deadSub(), Buffer.alloc(3994)), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 3994 bytes; at most 3993/],
  ['WebPush#send: options a string', () => push.send(deadSub(), 'x', 'ttl'), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['WebPush#send: web-push spelling TTL', () => push.send(deadSub(), 'x', { TTL: 60 }), W, 'ERR_INVALID_OPTION', /'TTL' is not a valid message option/],
  ['WebPush#send: ttl a string', () => push.send(deadSub(), 'x', { ttl: '60' }), W, 'ERR_INVALID_TTL', /TTL must be a non-negative integer/],
  ['WebPush#send: ttl -1', () => push.send(deadSub(), 'x', { ttl: -1 }), W, 'ERR_INVALID_TTL', /TTL is -1/],
  ['WebPush#send: urgency asap', () => push.send(deadSub(), 'x', { urgency: 'asap' }), W, 'ERR_INVALID_URGENCY', /urgency "asap"/],
  ['WebPush#send: topic with a space', () => push.send(deadSub(), 'x', { topic: 'a b' }), W, 'ERR_INVALID_TOPIC', /topic contains ' '/],
  ['WebPush#send: header name with a space', () => push.send(deadSub(), 'x', { headers: { 'a b': 'c' } }), W, 'ERR_INVALID_HEADER', /header "a b"/],
  ['WebPush#send: headers an array', () => push.send(deadSub(), 'x', { headers: [] }), T, 'ERR_INVALID_ARG_TYPE', /options\.headers/],
  ['WebPush#send: contentEncoding gzip', () => push.send(deadSub(), 'x', { contentEncoding: 'gzip' }), W, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "gzip"/],
  ['WebPush#send: timeoutMs 200 on a stalled service', () => new WebPush({ timeoutMs: 200, retry: false }).send(stalled()), W, 'ERR_TIMEOUT', /timeout of 200 ms/],
  ['WebPush#send: push-services policy, loopback', () => policy.pushServices.send(deadSub(), 'x'), W, 'ERR_ENDPOINT_NOT_ALLOWED', /subscription endpoint host "127\.0\.0\.1" is not allowed by the endpoint policy/],
  ['WebPush#send: push-services policy, private address', () => policy.pushServices.send({ endpoint: 'https://10.0.0.5/admin' }), W, 'ERR_ENDPOINT_NOT_ALLOWED', /endpoint host "10\.0\.0\.5"/],
  ['WebPush#send: push-services policy, look-alike host', () => policy.pushServices.send({ endpoint: 'https://fcm.googleapis.com.evil.example/x' }), W, 'ERR_ENDPOINT_NOT_ALLOWED', /endpoint host "fcm\.googleapis\.com\.evil\.example"/],
  ['WebPush#send: push-services policy, non-default port', () => policy.pushServices.send({ endpoint: 'https://fcm.googleapis.com:8443/x' }), W, 'ERR_ENDPOINT_NOT_ALLOWED', /endpoint host "fcm\.googleapis\.com"/],
  ['WebPush#send: policy function returns false', () => policy.denyAll.send(deadSub(), 'x'), W, 'ERR_ENDPOINT_NOT_ALLOWED', /endpoint host "127\.0\.0\.1" is not allowed/],
  ['WebPush#send: policy function throws', () => policy.throws.send(deadSub(), 'x'), W, 'ERR_ENDPOINT_NOT_ALLOWED', /endpoint host "127\.0\.0\.1": the endpoint policy threw: policy failed/],
  ['WebPush#send: policy function returns a truthy non-boolean', () => policy.truthy.send(deadSub(), 'x'), W, 'ERR_ENDPOINT_NOT_ALLOWED', /endpoint policy/],
  ['WebPush#send: on a closed client', () => closedPush.send(deadSub(), 'x'), W, 'ERR_CLIENT_CLOSED', /WebPush client is closed/],

  // WebPush#encrypt
  ['WebPush#encrypt: subscription null', () => push.encrypt(null, 'x'), T, 'ERR_INVALID_ARG_TYPE', /subscription must be an object with keys\.p256dh and keys\.auth/],
  ['WebPush#encrypt: subscription without keys', () => push.encrypt({ endpoint: dead }, 'x'), T, 'ERR_INVALID_ARG_TYPE', /keys\.p256dh and keys\.auth/],
  ['WebPush#encrypt: p256dh a number', () => push.encrypt({ keys: { p256dh: 1, auth } }, 'x'), T, 'ERR_INVALID_ARG_TYPE', /keys\.p256dh/],
  ['WebPush#encrypt: p256dh off the curve', () => push.encrypt({ keys: { p256dh: offCurve(p256dh), auth } }, 'x'), W, 'ERR_INVALID_P256DH', /keys\.p256dh/],
  ['WebPush#encrypt: auth 3 bytes', () => push.encrypt({ keys: { p256dh, auth: 'AAAA' } }, 'x'), W, 'ERR_INVALID_AUTH', /keys\.auth must be 16 bytes when decoded, got 3/],
  ['WebPush#encrypt: payload undefined', () => push.encrypt(sub), T, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['WebPush#encrypt: payload 1 MB', () => push.encrypt(sub, MB), W, 'ERR_PAYLOAD_TOO_LARGE', /payload is 1048576 bytes/],
  ['WebPush#encrypt: on a closed client', () => closedPush.encrypt(sub, 'x'), W, 'ERR_CLIENT_CLOSED', /WebPush client is closed/],

  // WebPush#sendMany: bad arguments reject the call (bad targets do not: see below)
  ['WebPush#sendMany: targets null', () => push.sendMany(null, 'x'), T, 'ERR_INVALID_ARG_TYPE', /targets must be an array or an \(async\) iterable/],
  ['WebPush#sendMany: targets a string', () => push.sendMany('https://push.invalid/x', 'x'), T, 'ERR_INVALID_ARG_TYPE', /targets/],
  ['WebPush#sendMany: targets a number', () => push.sendMany(3, 'x'), T, 'ERR_INVALID_ARG_TYPE', /targets/],
  ['WebPush#sendMany: signal not an AbortSignal', () => push.sendMany([], 'x', { signal: 5 }), T, 'ERR_INVALID_ARG_TYPE', /options\.signal/],
  ['WebPush#sendMany: onProgress not a function', () => push.sendMany([], 'x', { onProgress: 5 }), T, 'ERR_INVALID_ARG_TYPE', /options\.onProgress/],
  ['WebPush#sendMany: unknown option', () => push.sendMany([], 'x', { concurrency: 5 }), W, 'ERR_INVALID_OPTION', /'concurrency' is not a valid sendMany option/],
  ['WebPush#sendMany: payload a number', () => push.sendMany([], 42), T, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['WebPush#sendMany: on a closed client', () => closedPush.sendMany([]), W, 'ERR_CLIENT_CLOSED', /WebPush client is closed/],

  // testing.decrypt: arguments
  ['decrypt: body null', () => decrypt(null, receiver), T, 'ERR_INVALID_ARG_TYPE', /body must be a Buffer/],
  ['decrypt: body a string', () => decrypt(aes128Body().toString('base64'), receiver), T, 'ERR_INVALID_ARG_TYPE', /body must be a Buffer/],
  ['decrypt: body an array', () => decrypt([...aes128Body()], receiver), T, 'ERR_INVALID_ARG_TYPE', /body must be a Buffer/],
  ['decrypt: keys missing', () => decrypt(aes128Body()), T, 'ERR_INVALID_ARG_TYPE', /keys must be an object/],
  ['decrypt: keys a string', () => decrypt(aes128Body(), privateKey), T, 'ERR_INVALID_ARG_TYPE', /keys must be an object/],
  ['decrypt: keys.privateKey missing', () => decrypt(aes128Body(), { auth }), T, 'ERR_INVALID_ARG_TYPE', /keys\.privateKey/],
  ['decrypt: keys.auth missing', () => decrypt(aes128Body(), { privateKey }), T, 'ERR_INVALID_ARG_TYPE', /keys\.auth/],
  ['decrypt: zero privateKey', () => decrypt(aes128Body(), { privateKey: ZERO_KEY, auth }), W, 'ERR_INVALID_PRIVATE_KEY', /privateKey is zero or not below the P-256 group order/],
  ['decrypt: privateKey 0xff…ff', () => decrypt(aes128Body(), { privateKey: FF_KEY, auth }), W, 'ERR_INVALID_PRIVATE_KEY', /privateKey .*group order/],
  ['decrypt: privateKey equal to the order', () => decrypt(aes128Body(), { privateKey: ORDER_KEY, auth }), W, 'ERR_INVALID_PRIVATE_KEY', /privateKey .*group order/],
  ['decrypt: privateKey 31 bytes', () => decrypt(aes128Body(), { privateKey: b64(Buffer.alloc(31, 1)), auth }), W, 'ERR_INVALID_PRIVATE_KEY', /privateKey is not 32 bytes/],
  ['decrypt: privateKey not base64', () => decrypt(aes128Body(), { privateKey: 'not base64!', auth }), W, 'ERR_INVALID_BASE64', /privateKey must be base64url/],
  ['decrypt: auth 15 bytes', () => decrypt(aes128Body(), { privateKey, auth: b64(Buffer.alloc(15)) }), W, 'ERR_INVALID_AUTH', /keys\.auth must be 16 bytes/],
  ['decrypt: headers a string', () => decrypt(aes128Body(), receiver, 'aes128gcm'), T, 'ERR_INVALID_ARG_TYPE', /headers must be an object/],
  ['decrypt: Content-Encoding gzip', () => decrypt(aes128Body(), receiver, { 'Content-Encoding': 'gzip' }), W, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "gzip"/],

  // testing.decrypt: aes128gcm garbage (header: salt 16 ‖ rs 4 ‖ idlen 1 ‖ keyid 65 = 86 bytes)
  ['decrypt aes128gcm: 200 noise bytes', () => decrypt(noise(200, 1), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: (keyid|aes128gcm body)/],
  ['decrypt aes128gcm: 5000 noise bytes', () => decrypt(noise(5000, 2), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: (keyid|aes128gcm body)/],
  ['decrypt aes128gcm: empty body', () => decrypt(Buffer.alloc(0), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: aes128gcm body shorter than its header/],
  ['decrypt aes128gcm: truncated inside the header', () => decrypt(aes128Body().subarray(0, 50), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: aes128gcm body shorter than its header/],
  ['decrypt aes128gcm: header only', () => decrypt(aes128Body().subarray(0, 86), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: message has no records/],
  ['decrypt aes128gcm: record shorter than a tag', () => decrypt(aes128Body().subarray(0, 96), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: record shorter than its tag/],
  ['decrypt aes128gcm: last byte cut', () => decrypt(aes128Body().subarray(0, -1), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],
  ['decrypt aes128gcm: flipped salt byte (header)', () => decrypt(flip(aes128Body(), 0), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],
  ['decrypt aes128gcm: rs 0 (header)', () => decrypt(patch(aes128Body(), 16, [0, 0, 0, 0]), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: record size below the minimum of 18/],
  ['decrypt aes128gcm: idlen 255 (header)', () => decrypt(patch(aes128Body(), 20, [255]), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: aes128gcm body shorter than its header/],
  ['decrypt aes128gcm: flipped keyid prefix (header)', () => decrypt(flip(aes128Body(), 21), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: keyid is not the sender's 65-byte P-256 public key/],
  ['decrypt aes128gcm: flipped keyid y (header)', () => decrypt(flip(aes128Body(), 85), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: keyid/],
  ['decrypt aes128gcm: flipped ciphertext byte', () => decrypt(flip(aes128Body(), 87), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],
  ['decrypt aes128gcm: flipped tag byte', () => decrypt(flip(aes128Body(), -1), receiver), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],
  ['decrypt aes128gcm: another auth secret', () => decrypt(aes128Body(), { privateKey, auth: generateSubscriptionKeys().subscription.keys.auth }), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed \(wrong keys or tampered body\)/],
  ['decrypt aes128gcm: another private key', () => decrypt(aes128Body(), { privateKey: generateSubscriptionKeys().privateKey, auth }), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],

  // testing.decrypt: aesgcm headers and body
  ['decrypt aesgcm: Encryption missing', () => aesgcmWith({ Encryption: undefined }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Encryption header is required for aesgcm/],
  ['decrypt aesgcm: Crypto-Key missing', () => aesgcmWith({ 'Crypto-Key': undefined }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Crypto-Key header is required for aesgcm/],
  ['decrypt aesgcm: Encryption without salt', () => aesgcmWith({ Encryption: 'rs=4096' }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Encryption header has no salt parameter/],
  ['decrypt aesgcm: salt 3 bytes', () => aesgcmWith({ Encryption: 'salt=AAAA' }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Encryption header salt is not 16 bytes/],
  ['decrypt aesgcm: salt not base64', () => aesgcmWith({ Encryption: 'salt=@@@@' }), W, 'ERR_INVALID_BASE64', /Encryption salt must be base64url/],
  ['decrypt aesgcm: another valid salt', () => aesgcmWith({ Encryption: `salt=${b64(Buffer.alloc(16, 7))}` }), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],
  ['decrypt aesgcm: rs=1', () => aesgcmWith({ Encryption: `salt=${b64(Buffer.alloc(16))}; rs=1` }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Encryption header rs is not an integer above 1/],
  ['decrypt aesgcm: rs=abc', () => aesgcmWith({ Encryption: `salt=${b64(Buffer.alloc(16))}; rs=abc` }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Encryption header rs/],
  ['decrypt aesgcm: Crypto-Key without dh', () => aesgcmWith({ 'Crypto-Key': `p256ecdsa=${vapid.publicKey}` }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Crypto-Key header has no dh parameter/],
  ['decrypt aesgcm: dh 3 bytes', () => aesgcmWith({ 'Crypto-Key': 'dh=AAAA' }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Crypto-Key header dh is not a 65-byte/],
  ['decrypt aesgcm: dh off the curve', () => aesgcmWith({ 'Crypto-Key': `dh=${offCurve(aesgcmRequest().dh)}` }), W, 'ERR_INVALID_ENCRYPTION_HEADER', /Crypto-Key header dh/],
  ['decrypt aesgcm: dh not base64', () => aesgcmWith({ 'Crypto-Key': 'dh=@@@' }), W, 'ERR_INVALID_BASE64', /Crypto-Key dh must be base64url/],
  ['decrypt aesgcm: flipped ciphertext byte', () => aesgcmWith({}, (b) => flip(b, 3)), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],
  ['decrypt aesgcm: flipped tag byte', () => aesgcmWith({}, (b) => flip(b, -1)), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: authentication failed/],
  ['decrypt aesgcm: empty body', () => aesgcmWith({}, () => Buffer.alloc(0)), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: message has no records/],
  ['decrypt aesgcm: 17-byte body', () => aesgcmWith({}, () => Buffer.alloc(17)), W, 'ERR_DECRYPTION_FAILED', /cannot decrypt message: record shorter than its tag/],

  // testing.generateSubscriptionKeys / startPushService
  ['generateSubscriptionKeys: endpoint a number', () => generateSubscriptionKeys(443), T, 'ERR_INVALID_ARG_TYPE', /endpoint must be a non-empty string/],
  ['generateSubscriptionKeys: endpoint empty', () => generateSubscriptionKeys(''), T, 'ERR_INVALID_ARG_TYPE', /endpoint/],
  ['generateSubscriptionKeys: endpoint an object', () => generateSubscriptionKeys({ endpoint: 'https://x' }), T, 'ERR_INVALID_ARG_TYPE', /endpoint/],
  ['startPushService: options a string', () => startPushService('tls'), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['startPushService: options null', () => startPushService(null), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['startPushService: port -1', () => startPushService({ port: -1 }), T, 'ERR_INVALID_ARG_TYPE', /options\.port must be an integer 0\.\.65535/],
  ['startPushService: port 65536', () => startPushService({ port: 65536 }), T, 'ERR_INVALID_ARG_TYPE', /options\.port/],
  ['startPushService: port 1.5', () => startPushService({ port: 1.5 }), T, 'ERR_INVALID_ARG_TYPE', /options\.port/],
  ['startPushService: port a string', () => startPushService({ port: '8080' }), T, 'ERR_INVALID_ARG_TYPE', /options\.port/],
  ['startPushService: tls a string', () => startPushService({ tls: 'yes' }), T, 'ERR_INVALID_ARG_TYPE', /options\.tls must be a boolean/],
  ['startPushService: sink a number', () => startPushService({ sink: 1 }), T, 'ERR_INVALID_ARG_TYPE', /options\.sink/],
  ['startPushService: http2 a string', () => startPushService({ http2: 'no' }), T, 'ERR_INVALID_ARG_TYPE', /options\.http2/],
  ['startPushService: port already in use', () => startPushService({ port: service.port }), W, 'ERR_PUSH_SERVICE', /push service: cannot bind 127\.0\.0\.1:\d+/],

  // PushService#subscribe / messages / expire / failNext
  ['PushService#subscribe: options a string', () => service.subscribe('key'), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['PushService#subscribe: options null', () => service.subscribe(null), T, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['PushService#subscribe: applicationServerKey a number', () => service.subscribe({ applicationServerKey: 65 }), T, 'ERR_INVALID_ARG_TYPE', /options\.applicationServerKey/],
  ['PushService#subscribe: applicationServerKey empty', () => service.subscribe({ applicationServerKey: '' }), T, 'ERR_INVALID_ARG_TYPE', /options\.applicationServerKey/],
  ['PushService#subscribe: applicationServerKey 3 bytes', () => service.subscribe({ applicationServerKey: 'AAAA' }), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey is not 65 bytes/],
  ['PushService#subscribe: applicationServerKey not base64', () => service.subscribe({ applicationServerKey: '@@@' }), W, 'ERR_INVALID_BASE64', /VAPID publicKey must be base64url/],
  ['PushService#subscribe: applicationServerKey off the curve', () => service.subscribe({ applicationServerKey: offCurve(vapid.publicKey) }), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey is not a point/],
  ['PushService#subscribe: the private key by mistake', () => service.subscribe({ applicationServerKey: vapid.privateKey }), W, 'ERR_INVALID_VAPID_PUBLIC_KEY', /VAPID publicKey is not 65 bytes/],
  ['PushService#messages: a number', () => service.messages(42), T, 'ERR_INVALID_ARG_TYPE', /expected a subscription or an endpoint string/],
  ['PushService#messages: object without endpoint', () => service.messages({}), T, 'ERR_INVALID_ARG_TYPE', /subscription or an endpoint/],
  ['PushService#expire: no argument', () => service.expire(), T, 'ERR_INVALID_ARG_TYPE', /subscription or an endpoint/],
  ['PushService#expire: a number', () => service.expire(1), T, 'ERR_INVALID_ARG_TYPE', /subscription or an endpoint/],
  ['PushService#expire: foreign endpoint', () => service.expire('https://push.invalid/x'), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint https:\/\/push\.invalid\/x does not belong to this push service/],
  ['PushService#expire: unknown id on its origin', () => service.expire(`${service.origin}/push/nope`), W, 'ERR_INVALID_ENDPOINT', /subscription endpoint .* does not belong/],
  ['PushService#failNext: no fault', () => service.failNext(faultSub), W, 'ERR_INVALID_OPTION', /option fault needs exactly one of kind, status, stall, reset or delayMs/],
  ['PushService#failNext: fault null', () => service.failNext(faultSub, null), T, 'ERR_INVALID_ARG_TYPE', /fault must be an object/],
  ['PushService#failNext: fault a string', () => service.failNext(faultSub, '500'), T, 'ERR_INVALID_ARG_TYPE', /fault must be an object/],
  ['PushService#failNext: unknown fault key', () => service.failNext(faultSub, { status: 500, code: 1 }), W, 'ERR_INVALID_OPTION', /'code' is not a fault option/],
  ['PushService#failNext: status 99', () => service.failNext(faultSub, { status: 99 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.status must be an HTTP status/],
  ['PushService#failNext: status 600', () => service.failNext(faultSub, { status: 600 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.status/],
  ['PushService#failNext: status -1', () => service.failNext(faultSub, { status: -1 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.status/],
  ['PushService#failNext: status a string', () => service.failNext(faultSub, { status: '500' }), T, 'ERR_INVALID_ARG_TYPE', /status/],
  ['PushService#failNext: two faults at once', () => service.failNext(faultSub, { status: 500, stall: true }), W, 'ERR_INVALID_OPTION', /fault needs exactly one/],
  ['PushService#failNext: delayMs -1', () => service.failNext(faultSub, { delayMs: -1 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.delayMs must be a non-negative number/],
  ['PushService#failNext: delayMs NaN', () => service.failNext(faultSub, { delayMs: NaN }), T, 'ERR_INVALID_ARG_TYPE', /fault\.delayMs/],
  ['PushService#failNext: delayMs a string', () => service.failNext(faultSub, { delayMs: '5' }), T, 'ERR_INVALID_ARG_TYPE', /delayMs/],
  ['PushService#failNext: count 0', () => service.failNext(0, { status: 500 }), T, 'ERR_INVALID_ARG_TYPE', /count must be/],
  ['PushService#failNext: count 1.5', () => service.failNext(1.5, { status: 500 }), T, 'ERR_INVALID_ARG_TYPE', /count/],
  ['PushService#failNext: count with times', () => service.failNext(2, { status: 500, times: 2 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.times is only for a subscription target/],
  ['PushService#failNext: times 0', () => service.failNext(faultSub, { status: 500, times: 0 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.times must be/],
  ['PushService#failNext: target null', () => service.failNext(null, { status: 500 }), T, 'ERR_INVALID_ARG_TYPE', /subscription or an endpoint/],
]

for (const [name, fn, type, code, pattern] of cases) {
  test(name, { timeout: 10_000 }, () => expectError(assert, fn, type, code, pattern))
}

// Regressions of bugs this table found (each was fixed in the library).
const fixedBugs = [
  ['sendNotification: ca with a PEM block that is not a certificate', () => send(deadSub(), 'x', { ca: BAD_DER_PEM }), W, 'ERR_INVALID_CA', /\bca\b/],
  ['new WebPush: ca with a PEM block that is not a certificate', () => new WebPush({ ca: BAD_DER_PEM }), W, 'ERR_INVALID_CA', /\bca\b/],
  ['getVapidHeaders: expiration NaN', () => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, vapid.privateKey, 'aes128gcm', NaN), W, 'ERR_INVALID_EXPIRATION', /expiration/],
  ['generateRequestDetails: TTL ""', () => grd(sub, 'x', { TTL: '' }), W, 'ERR_INVALID_TTL', /TTL/],
  ['PushService#failNext: status 2^32 + 503', () => service.failNext(faultSub, { status: 2 ** 32 + 503 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.status/],
  ['PushService#failNext: times 2^32', () => service.failNext(faultSub, { status: 500, times: 2 ** 32 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.times/],
  ['PushService#failNext: status 500.5', () => service.failNext(faultSub, { status: 500.5 }), T, 'ERR_INVALID_ARG_TYPE', /fault\.status/],
  ['new WebPush: concurrency 2^32', () => new WebPush({ concurrency: 2 ** 32 }), T, 'ERR_INVALID_ARG_TYPE', /options\.concurrency/],
  ['startPushService: unknown option', () => startPushService({ prot: 8080 }).then((s) => s.close()), W, 'ERR_INVALID_OPTION', /prot/],
  ['generateSubscriptionKeys: endpoint not a URL', () => generateSubscriptionKeys('not a url'), W, 'ERR_INVALID_ENDPOINT', /endpoint/],
]

for (const [name, fn, type, code, pattern] of fixedBugs) {
  test(name, { timeout: 10_000 }, () => expectError(assert, fn, type, code, pattern))
}

// ---- sendMany: malformed targets are outcomes, never a rejected batch --------------------------

test('sendMany: every malformed target lands in report.rejected with its code', { timeout: 20_000 }, async () => {
  const good = serviceSub
  // [target, expected code (null: valid), pattern naming the field]
  const rows = [
    [good, null],
    [null, 'ERR_INVALID_ENDPOINT', /subscription endpoint/],
    [42, 'ERR_INVALID_ENDPOINT', /subscription endpoint/],
    [{}, 'ERR_INVALID_ENDPOINT', /subscription endpoint/],
    [{ endpoint: 'not a url', keys: good.keys }, 'ERR_INVALID_ENDPOINT', /subscription endpoint is not a valid URL/],
    [{ endpoint: 'http://push.example.com/x', keys: good.keys }, 'ERR_INVALID_ENDPOINT', /non-loopback host/],
    [{ endpoint: 'ftp://push.example.com/x', keys: good.keys }, 'ERR_INVALID_ENDPOINT', /scheme "ftp"/],
    [{ endpoint: good.endpoint, keys: { p256dh: 'AAAA', auth: good.keys.auth } }, 'ERR_INVALID_P256DH', /keys\.p256dh is not 65 bytes/],
    [{ endpoint: good.endpoint, keys: { p256dh: offCurve(good.keys.p256dh), auth: good.keys.auth } }, 'ERR_INVALID_P256DH', /keys\.p256dh is not a point/],
    [{ endpoint: good.endpoint, keys: { p256dh: good.keys.p256dh, auth: '@@' } }, 'ERR_INVALID_BASE64', /keys\.auth must be base64url/],
    [{ endpoint: good.endpoint, keys: { p256dh: good.keys.p256dh, auth: b64(Buffer.alloc(15)) } }, 'ERR_INVALID_AUTH', /keys\.auth must be 16 bytes/],
    [{ endpoint: good.endpoint }, 'ERR_MISSING_KEYS', /keys\.p256dh and keys\.auth are required/],
    [{ subscription: good, payload: 42 }, 'ERR_INVALID_ARG_TYPE', /payload must be/],
    [{ subscription: good, payload: Buffer.alloc(3994) }, 'ERR_PAYLOAD_TOO_LARGE', /payload is 3994 bytes; at most 3993/],
    [{ subscription: good, payload: MB }, 'ERR_PAYLOAD_TOO_LARGE', /payload is 1048576 bytes/],
    [{ subscription: good, options: { ttl: -1 } }, 'ERR_INVALID_TTL', /TTL is -1/],
    [{ subscription: good, options: { ttl: 'soon' } }, 'ERR_INVALID_TTL', /TTL must be/],
    [{ subscription: good, options: { urgency: 'asap' } }, 'ERR_INVALID_URGENCY', /urgency "asap"/],
    [{ subscription: good, options: { topic: 'a'.repeat(33) } }, 'ERR_INVALID_TOPIC', /topic is 33 characters/],
    [{ subscription: good, options: { headers: { 'a b': 'c' } } }, 'ERR_INVALID_HEADER', /header "a b"/],
    [{ subscription: good, options: { contentEncoding: 'gzip' } }, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "gzip"/],
    [{ subscription: good, options: { TTL: 60 } }, 'ERR_INVALID_OPTION', /'TTL' is not a valid message option/],
    [{ subscription: good, options: 'fast' }, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
    [{ subscription: good, payload: 'own payload' }, null],
    [{ subscription: good, payload: Buffer.alloc(3993, 0x62) }, null],
  ]
  // Through the dead proxy: valid targets pass validation, are attempted once and fail fast
  // with ERR_NETWORK; nothing reaches a real host even if endpoint validation regressed.
  const report = await guarded.sendMany(rows.map(([target]) => target), 'shared payload')

  const expectedRejected = rows.filter(([, code]) => code).length
  assert.equal(report.total, rows.length)
  assert.equal(report.sent, 0)
  assert.deepEqual(report.gone, [])
  assert.equal(report.rejected.length, expectedRejected)
  assert.equal(report.failed.length, rows.length - expectedRejected)
  const byIndex = new Map([...report.rejected, ...report.failed].map((o) => [o.index, o]))
  rows.forEach(([, code, pattern], index) => {
    const outcome = byIndex.get(index)
    assert.ok(outcome, `target ${index} has no outcome`)
    if (!code) {
      assert.deepEqual([outcome.code, outcome.attempts], ['ERR_NETWORK', 1], `target ${index} passed validation`)
      return
    }
    assert.ok(report.rejected.includes(outcome), `target ${index} is rejected`)
    assert.equal(outcome.code, code, `target ${index}: ${outcome.message}`)
    assert.equal(outcome.attempts, 0, `target ${index} was never sent`)
    assert.match(outcome.message, pattern, `target ${index}`)
  })
})

test('sendMany: endpoint-policy refusals are rejected outcomes, never sent', { timeout: 10_000 }, async () => {
  const report = await policy.pushServices.sendMany([deadSub(), { endpoint: 'https://169.254.169.254/latest' }, { subscription: deadSub(), payload: 'own' }], 'x')
  assert.equal(report.total, 3)
  assert.equal(report.sent, 0)
  assert.deepEqual(report.rejected.map((o) => [o.index, o.code, o.attempts]), [
    [0, 'ERR_ENDPOINT_NOT_ALLOWED', 0], [1, 'ERR_ENDPOINT_NOT_ALLOWED', 0], [2, 'ERR_ENDPOINT_NOT_ALLOWED', 0],
  ])
  for (const o of report.rejected) assert.match(o.message, /subscription endpoint host/)
})

test('sendMany: a rejected wrapped target keeps its endpoint', { timeout: 10_000 }, async () => {
  const report = await push.sendMany([{ subscription: serviceSub, payload: 42 }, { subscription: serviceSub, options: { TTL: 1 } }])
  assert.deepEqual(report.rejected.map((o) => o.endpoint), [serviceSub.endpoint, serviceSub.endpoint])
})

// ---- exactly at the single-record limit: must succeed ------------------------------------------

test('payloads exactly at the record limit are accepted everywhere', { timeout: 20_000 }, async () => {
  const max128 = Buffer.alloc(3993, 0x61)
  const maxLegacy = Buffer.alloc(4078, 0x62)

  const modern = webpush.encrypt(p256dh, auth, max128)
  assert.equal(modern.cipherText.length, 4096)
  assert.deepEqual(decrypt(modern.cipherText, receiver), max128)
  const legacy = await webpush.encryptAsync(p256dh, auth, maxLegacy, 'aesgcm')
  assert.equal(legacy.cipherText.length, 4096)

  assert.equal(grd(sub, max128).headers['Content-Length'], 4096)
  const details = grd(sub, maxLegacy, { contentEncoding: 'aesgcm' })
  assert.equal(details.headers['Content-Length'], 4096)
  const legacyHeaders = { 'Content-Encoding': 'aesgcm', Encryption: details.headers.Encryption, 'Crypto-Key': details.headers['Crypto-Key'] }
  assert.deepEqual(decrypt(details.body, receiver, legacyHeaders), maxLegacy)

  // Through the local push service, which refuses bodies over 4096 bytes.
  const before = service.messages(serviceSub).length
  assert.equal((await send(serviceSub, max128, { vapidDetails })).statusCode, 201)
  assert.equal((await send(serviceSub, maxLegacy, { vapidDetails, contentEncoding: 'aesgcm' })).statusCode, 201)
  assert.equal((await push.send(serviceSub, max128)).statusCode, 201)
  const legacyClient = new WebPush({ vapid: vapidDetails, contentEncoding: 'aesgcm', retry: false })
  assert.equal((await legacyClient.send(serviceSub, maxLegacy)).statusCode, 201)
  assert.equal((await legacyClient.encrypt(serviceSub, maxLegacy)).cipherText.length, 4096)
  await legacyClient.close()
  const sizes = service.messages(serviceSub).slice(before).map((m) => [m.payload.length, m.encoding])
  assert.deepEqual(sizes, [[3993, 'aes128gcm'], [4078, 'aesgcm'], [3993, 'aes128gcm'], [4078, 'aesgcm']])
})

// ---- shape of failures --------------------------------------------------------------------------

test('async exports reject instead of throwing', () => {
  const calls = [
    () => webpush.encryptAsync(null, auth, 'x'),
    () => webpush.getVapidHeadersAsync(null, SUBJECT, vapid.publicKey, vapid.privateKey),
    () => send(null, 'x'),
    () => send(sub, 'x', { TTL: {} }),
    () => push.send(null),
    () => push.sendMany(null),
    () => push.encrypt(null, 'x'),
    () => startPushService({ port: -1 }),
    () => service.subscribe(null),
  ]
  for (const call of calls) {
    const result = call()
    assert.ok(result instanceof Promise, String(call))
    result.catch(() => {})
  }
})

test('generateVAPIDKeys and generateVAPIDKeysAsync ignore stray arguments', async () => {
  for (const keys of [webpush.generateVAPIDKeys('p-384', { length: 1 }), await webpush.generateVAPIDKeysAsync(null, 42)]) {
    assert.equal(Buffer.from(keys.publicKey, 'base64url').length, 65)
    assert.equal(Buffer.from(keys.privateKey, 'base64url').length, 32)
    assert.ok(headersOf(AUDIENCE, SUBJECT, keys.publicKey, keys.privateKey).Authorization.startsWith('vapid t='))
  }
})

// ---- no key material in errors ------------------------------------------------------------------

/** Runs `fn` and returns the error it throws or rejects with. */
async function errorOf(fn) {
  try {
    await fn()
  } catch (err) {
    return err
  }
  assert.fail('expected an error')
}

function assertNoSecret(err, secret) {
  assert.ok(err.code, 'has a code')
  for (const text of [err.message, err.stack]) {
    assert.ok(!text.includes(secret), `${err.code} leaks the secret`)
    // Nor any 16-character slice of it.
    for (let i = 0; i + 16 <= secret.length; i += 8) assert.ok(!text.includes(secret.slice(i, i + 16)), `${err.code} leaks part of the secret`)
  }
}

test('errors never contain the private key', { timeout: 10_000 }, async () => {
  const secret = vapid.privateKey
  const errors = await Promise.all([
    errorOf(() => headersOf(AUDIENCE, SUBJECT, other.publicKey, secret)),
    errorOf(() => headersOf('nope', SUBJECT, vapid.publicKey, secret)),
    errorOf(() => headersOf(AUDIENCE, SUBJECT, vapid.publicKey, secret, 'aes128gcm', now() - 1)),
    errorOf(() => webpush.setVapidDetails('ops@example.com', vapid.publicKey, secret)),
    errorOf(() => webpush.setVapidDetails(SUBJECT, secret, secret)),
    errorOf(() => grd(sub, 'x', withVapid({ publicKey: offCurve(vapid.publicKey) }))),
    errorOf(() => send(deadSub(), 'x', withVapid({ subject: 'http://example.com' }))),
    errorOf(() => new WebPush({ vapid: { ...vapidDetails, publicKey: other.publicKey } })),
    errorOf(() => webpush.encrypt(secret, auth, 'x')),
    errorOf(() => service.subscribe({ applicationServerKey: secret })),
    errorOf(() => decrypt(aes128Body(), { privateKey: secret, auth })),
    errorOf(() => decrypt(aes128Body(), { privateKey: secret, auth: secret })),
  ])
  for (const err of errors) assertNoSecret(err, secret)
  // The subscription's private key, in decrypt's own errors.
  assertNoSecret(await errorOf(() => decrypt(Buffer.alloc(10), receiver)), privateKey)
  assertNoSecret(await errorOf(() => decrypt(aes128Body(), { privateKey, auth: privateKey })), privateKey)
  // And in a sendMany outcome.
  const report = await push.sendMany([{ endpoint: dead, keys: { p256dh: secret, auth } }], 'x')
  assert.equal(report.rejected[0].code, 'ERR_INVALID_P256DH')
  assert.ok(!report.rejected[0].message.includes(secret))
})

test('a private key passed where an object belongs is not echoed', async () => {
  assertNoSecret(await errorOf(() => grd(sub, 'x', { vapidDetails: vapid.privateKey })), vapid.privateKey)
  assertNoSecret(await errorOf(() => new WebPush({ vapid: vapid.privateKey })), vapid.privateKey)
})

test('proxy credentials are not echoed', async () => {
  const password = 'pr0xy-Passw0rd-9f8e7d'
  for (const err of [
    await errorOf(() => send(deadSub(), 'x', { proxy: `socks5://user:${password}@127.0.0.1:1080` })),
    await errorOf(() => send(deadSub(), 'x', { proxy: { host: '127.0.0.1', port: 'x', auth: `user:${password}` } })),
    await errorOf(() => new WebPush({ proxy: `http://user:${password}@127.0.0.1:bad` })),
  ]) {
    assert.equal(err.code, 'ERR_INVALID_PROXY')
    assert.ok(!err.message.includes(password), err.code)
  }
})
