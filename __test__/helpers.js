'use strict'

const crypto = require('node:crypto')
const { freePort } = require('../lib/queue/redis-server.js')

/** A node:crypto public KeyObject from a raw 65-byte base64url P-256 point. */
function publicKeyObject(publicKeyB64) {
  const raw = Buffer.from(publicKeyB64, 'base64url')
  return crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  })
}

/** Verifies a compact ES256 JWT with node:crypto and returns its header and claims. */
function verifyJwt(jwt, publicKeyB64) {
  const [header, claims, signature] = jwt.split('.')
  const ok = crypto.verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: publicKeyObject(publicKeyB64), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  )
  return {
    ok,
    header: JSON.parse(Buffer.from(header, 'base64url')),
    claims: JSON.parse(Buffer.from(claims, 'base64url')),
  }
}

/** A node:crypto ECDH object holding a base64url private key (what http_ece wants). */
function ecdhFromPrivate(privateKeyB64) {
  const ecdh = crypto.createECDH('prime256v1')
  ecdh.setPrivateKey(Buffer.from(privateKeyB64, 'base64url'))
  return ecdh
}

/** Asserts that `fn` throws (or rejects with) an error of `type` with `code` and a message matching `pattern`. */
async function expectError(assert, fn, type, code, pattern) {
  let caught
  try {
    await fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught, 'expected an error')
  assert.ok(caught instanceof type, `expected ${type.name}, got ${caught?.constructor.name}: ${caught?.message}`)
  assert.equal(caught.code, code, caught.message)
  if (pattern) assert.match(caught.message, pattern)
  return caught
}

/** Polls `read` until `accept(value)`; fails with `what` after `ms`, polling every `everyMs`. */
async function until(read, accept, what, ms = 15000, everyMs = 50) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (accept(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

module.exports = { publicKeyObject, verifyJwt, ecdhFromPrivate, expectError, until, freePort }
