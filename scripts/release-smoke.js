#!/usr/bin/env node
'use strict'

// Smoke test of one release binary: node scripts/release-smoke.js <path/to/web-push-rs.<platform>.node>
// Loads exactly that file (NAPI_RS_NATIVE_LIBRARY_PATH; the loader tries it first) and checks
// keys, encryption against npm http_ece both ways, a VAPID JWT against node:crypto, and a send
// to the local push service (tokio, hyper, rustls inside the binary). Runs from a checkout
// after `npm ci`; the release workflow runs it on each binary it builds, release-verify.sh
// under qemu-user for arm64. Prints one line per check and exits non-zero on the first failure.

const assert = require('node:assert/strict')
const path = require('node:path')

const file = process.argv[2]
if (!file) {
  console.error('usage: node scripts/release-smoke.js <path/to/web-push-rs.<platform>.node>')
  process.exit(1)
}
const binaryPath = path.resolve(file)
// Load it directly first: a broken binary must fail here, not fall back to another build.
require(binaryPath)
process.env.NAPI_RS_NATIVE_LIBRARY_PATH = binaryPath

const ece = require('http_ece')
const webpush = require('..')
const { decrypt, generateSubscriptionKeys, startPushService } = require('../testing')
const { verifyJwt, ecdhFromPrivate } = require('../__test__/helpers.js')

function check(name, fn) {
  return Promise.resolve().then(fn).then(() => console.log(`ok ${name}`))
}

async function main() {
  console.log(`# ${path.basename(binaryPath)} on ${process.platform}-${process.arch}, Node ${process.version}`)
  const payload = Buffer.from('smoke ✓')
  const vapid = webpush.generateVAPIDKeys()

  await check('VAPID keys: 65-byte public, 32-byte private', () => {
    assert.equal(Buffer.from(vapid.publicKey, 'base64url').length, 65)
    assert.equal(Buffer.from(vapid.privateKey, 'base64url').length, 32)
  })

  await check('encrypt (aes128gcm) decrypts with npm http_ece', () => {
    const { subscription, privateKey } = generateSubscriptionKeys()
    const { p256dh, auth } = subscription.keys
    const r = webpush.encrypt(p256dh, auth, payload)
    const plain = ece.decrypt(r.cipherText, { version: 'aes128gcm', privateKey: ecdhFromPrivate(privateKey), authSecret: auth })
    assert.deepEqual(plain, payload)
    assert.deepEqual(decrypt(r.cipherText, { privateKey, auth }), payload)
  })

  await check('npm http_ece ciphertext decrypts with our decrypt', () => {
    const { subscription, privateKey } = generateSubscriptionKeys()
    const { p256dh, auth } = subscription.keys
    const sender = require('node:crypto').createECDH('prime256v1')
    sender.generateKeys()
    const body = ece.encrypt(payload, { version: 'aes128gcm', privateKey: sender, dh: p256dh, authSecret: auth })
    assert.deepEqual(decrypt(body, { privateKey, auth }), payload)
  })

  await check('VAPID JWT verifies with node:crypto', () => {
    const headers = webpush.getVapidHeaders('https://push.example.net', 'mailto:smoke@example.net', vapid.publicKey, vapid.privateKey, 'aes128gcm')
    const [, jwt, key] = /^vapid t=([^,]+), k=(.+)$/.exec(headers.Authorization)
    assert.equal(key, vapid.publicKey)
    const { ok, claims } = verifyJwt(jwt, vapid.publicKey)
    assert.ok(ok, 'signature verifies')
    assert.equal(claims.aud, 'https://push.example.net')
  })

  await check('sendNotification to the local push service', async () => {
    const service = await startPushService()
    try {
      const sub = await service.subscribe({ applicationServerKey: vapid.publicKey })
      const res = await webpush.sendNotification(sub, payload, { vapidDetails: { subject: 'mailto:smoke@example.net', ...vapid } })
      assert.equal(res.statusCode, 201)
      assert.equal(service.messages(sub)[0].text, payload.toString())
    } finally {
      await service.close()
    }
  })
}

main().catch((err) => {
  console.error(`not ok: ${err.stack || err}`)
  process.exit(1)
})
