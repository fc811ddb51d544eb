'use strict'

// Bad input: every case gives a TypeError or WebPushError with a stable code and a
// message that names the field.

const test = require('node:test')
const assert = require('node:assert/strict')
const webpush = require('..')
const { decrypt, generateSubscriptionKeys } = require('../testing')
const { expectError } = require('./helpers.js')

const { WebPushError } = webpush
const vapid = webpush.generateVAPIDKeys()
const { subscription, privateKey } = generateSubscriptionKeys()
const { p256dh, auth } = subscription.keys
const now = () => Math.floor(Date.now() / 1000)

function offCurve() {
  const raw = Buffer.from(p256dh, 'base64url')
  raw[64] ^= 1
  return raw.toString('base64url')
}

const cases = [
  ['encrypt: p256dh too short', () => webpush.encrypt('BAAA', auth, 'x'), WebPushError, 'ERR_INVALID_P256DH', /p256dh.*65 bytes/],
  ['encrypt: p256dh off the curve', () => webpush.encrypt(offCurve(), auth, 'x'), WebPushError, 'ERR_INVALID_P256DH', /not a point on the P-256 curve/],
  ['encrypt: p256dh not base64', () => webpush.encrypt('@@@@', auth, 'x'), WebPushError, 'ERR_INVALID_BASE64', /p256dh/],
  ['encrypt: p256dh missing', () => webpush.encrypt(undefined, auth, 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', /userPublicKey/],
  ['encrypt: auth 15 bytes', () => webpush.encrypt(p256dh, Buffer.alloc(15).toString('base64url'), 'x'), WebPushError, 'ERR_INVALID_AUTH', /auth must be 16 bytes/],
  ['encrypt: auth 17 bytes', () => webpush.encrypt(p256dh, Buffer.alloc(17).toString('base64url'), 'x'), WebPushError, 'ERR_INVALID_AUTH', /got 17/],
  ['encrypt: payload a number', () => webpush.encrypt(p256dh, auth, 42), TypeError, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['encrypt: payload an object', () => webpush.encrypt(p256dh, auth, { a: 1 }), TypeError, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['encrypt: unsupported encoding', () => webpush.encrypt(p256dh, auth, 'x', 'gzip'), WebPushError, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "gzip"/],
  ['encrypt: payload over the record limit', () => webpush.encrypt(p256dh, auth, Buffer.alloc(3994)), WebPushError, 'ERR_PAYLOAD_TOO_LARGE', /3994 bytes; at most 3993/],
  ['encrypt: aesgcm payload over the limit', () => webpush.encrypt(p256dh, auth, Buffer.alloc(4079), 'aesgcm'), WebPushError, 'ERR_PAYLOAD_TOO_LARGE', /at most 4078/],
  ['encryptAsync: bad auth rejects', () => webpush.encryptAsync(p256dh, 'AAAA', 'x'), WebPushError, 'ERR_INVALID_AUTH', /auth/],
  ['encryptAsync: wrong type rejects', () => webpush.encryptAsync(p256dh, auth, 7), TypeError, 'ERR_INVALID_ARG_TYPE', /payload/],
  ['getVapidHeaders: expiration over 24 h', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm', now() + 24 * 3600 + 10), WebPushError, 'ERR_INVALID_EXPIRATION', /24 hours/],
  ['getVapidHeaders: expiration in the past', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm', now() - 10), WebPushError, 'ERR_INVALID_EXPIRATION', /not in the future/],
  ['getVapidHeaders: expiration not an integer', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm', now() + 0.5), WebPushError, 'ERR_INVALID_EXPIRATION', /integer/],
  ['getVapidHeaders: expiration a string', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm', '123'), TypeError, 'ERR_INVALID_ARG_TYPE', /expiration/],
  ['getVapidHeaders: subject without scheme', () => webpush.getVapidHeaders('https://a.example', 'ops@example.com', vapid.publicKey, vapid.privateKey), WebPushError, 'ERR_INVALID_SUBJECT', /subject/],
  ['getVapidHeaders: http subject', () => webpush.getVapidHeaders('https://a.example', 'http://example.com', vapid.publicKey, vapid.privateKey), WebPushError, 'ERR_INVALID_SUBJECT', /mailto: or https:/],
  ['getVapidHeaders: audience not a URL', () => webpush.getVapidHeaders('a.example', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey), WebPushError, 'ERR_INVALID_AUDIENCE', /audience/],
  ['getVapidHeaders: zero private key', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, Buffer.alloc(32).toString('base64url')), WebPushError, 'ERR_INVALID_VAPID_PRIVATE_KEY', /zero/],
  ['getVapidHeaders: private key too short', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, Buffer.alloc(31, 1).toString('base64url')), WebPushError, 'ERR_INVALID_VAPID_PRIVATE_KEY', /32 bytes/],
  ['getVapidHeaders: public key too short', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey.slice(0, 60), vapid.privateKey), WebPushError, 'ERR_INVALID_VAPID_PUBLIC_KEY', /65 bytes/],
  ['getVapidHeaders: mismatched key pair', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', p256dh, vapid.privateKey), WebPushError, 'ERR_VAPID_KEY_MISMATCH', /does not belong/],
  ['getVapidHeaders: unsupported encoding', () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'gzip'), WebPushError, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding/],
  ['getVapidHeaders: missing subject', () => webpush.getVapidHeaders('https://a.example', undefined, vapid.publicKey, vapid.privateKey), TypeError, 'ERR_INVALID_ARG_TYPE', /subject/],
  ['getVapidHeadersAsync: bad subject rejects', () => webpush.getVapidHeadersAsync('https://a.example', 'x', vapid.publicKey, vapid.privateKey), WebPushError, 'ERR_INVALID_SUBJECT', /subject/],
  ['setVapidDetails: bad subject', () => webpush.setVapidDetails('nope', vapid.publicKey, vapid.privateKey), WebPushError, 'ERR_INVALID_SUBJECT', /subject/],
  ['setVapidDetails: private key not a string', () => webpush.setVapidDetails('mailto:a@b.c', vapid.publicKey, 5), TypeError, 'ERR_INVALID_ARG_TYPE', /privateKey/],
  ['setGCMAPIKey: empty string', () => webpush.setGCMAPIKey(''), TypeError, 'ERR_INVALID_ARG_TYPE', /GCM API Key/],
  ['decrypt: tampered body', () => { const b = webpush.encrypt(p256dh, auth, 'x').cipherText; b[b.length - 1] ^= 1; return decrypt(b, { privateKey, auth }) }, WebPushError, 'ERR_DECRYPTION_FAILED', /authentication failed/],
  ['decrypt: garbage', () => decrypt(Buffer.from('garbage'), { privateKey, auth }), WebPushError, 'ERR_DECRYPTION_FAILED', /shorter than its header/],
  ['decrypt: aesgcm without headers', () => decrypt(Buffer.alloc(40), { privateKey, auth }, { 'Content-Encoding': 'aesgcm' }), WebPushError, 'ERR_INVALID_ENCRYPTION_HEADER', /Encryption header/],
  ['decrypt: zero private key', () => decrypt(Buffer.alloc(40), { privateKey: Buffer.alloc(32).toString('base64url'), auth }), WebPushError, 'ERR_INVALID_PRIVATE_KEY', /privateKey/],
  ['decrypt: body a string', () => decrypt('abc', { privateKey, auth }), TypeError, 'ERR_INVALID_ARG_TYPE', /body/],
  ['decrypt: keys missing', () => decrypt(Buffer.alloc(1)), TypeError, 'ERR_INVALID_ARG_TYPE', /keys/],
]

for (const [name, fn, type, code, pattern] of cases) {
  test(name, () => expectError(assert, fn, type, code, pattern))
}

test('error messages never contain the private key', async () => {
  const secret = vapid.privateKey
  const errors = []
  for (const fn of [
    () => webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', p256dh, secret),
    () => webpush.getVapidHeaders('nope', 'mailto:a@b.c', vapid.publicKey, secret),
    () => webpush.setVapidDetails('mailto:a@b.c', vapid.publicKey.slice(2), secret),
  ]) {
    try { fn() } catch (err) { errors.push(err) }
  }
  assert.equal(errors.length, 3)
  for (const err of errors) assert.ok(!`${err.message} ${err.stack}`.includes(secret))
})

test('WebPushError keeps the web-push shape', () => {
  const err = new WebPushError('Received unexpected response code', 410, { a: 'b' }, 'gone', 'https://e', 'ERR_UNEXPECTED_STATUS')
  assert.ok(err instanceof Error)
  assert.equal(err.name, 'WebPushError')
  assert.deepEqual([err.statusCode, err.body, err.endpoint, err.code], [410, 'gone', 'https://e', 'ERR_UNEXPECTED_STATUS'])
})

test('constants match web-push', () => {
  const theirs = require('web-push')
  assert.deepEqual({ ...webpush.supportedContentEncodings }, theirs.supportedContentEncodings)
  assert.deepEqual({ ...webpush.supportedUrgency }, { VERY_LOW: 'very-low', LOW: 'low', NORMAL: 'normal', HIGH: 'high' })
})

test('the binding sets code and message on its errors directly (sync, task and async paths)', async () => {
  const binding = require('../binding.js')
  const sync = (() => { try { binding.encrypt('BAAA', 'AAAAAAAAAAAAAAAAAAAAAA', 'x') } catch (err) { return err } })()
  assert.equal(sync.code, 'ERR_INVALID_P256DH')
  assert.doesNotMatch(sync.message, /^ERR_/, 'the message is the variant message, no code prefix')
  const task = await binding.encryptAsync('BAAA', 'AAAAAAAAAAAAAAAAAAAAAA', 'x').catch((err) => err)
  assert.equal(task.code, 'ERR_INVALID_P256DH')
  assert.equal(task.message, sync.message)
  const tokio = await binding.sendRequest({ endpoint: 'ftp://x/y' }).catch((err) => err)
  assert.equal(tokio.code, 'ERR_INVALID_ENDPOINT')
  assert.match(tokio.message, /^subscription endpoint has scheme "ftp"/)
  const internal = await new binding.NativeClient({}).send('not json').catch((err) => err)
  assert.equal(internal.code, 'ERR_INTERNAL')
})
