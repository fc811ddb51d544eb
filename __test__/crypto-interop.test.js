'use strict'

// Cross-implementation checks: our bytes against independent peers (npm http_ece, web-push,
// node:crypto). Never only our encrypt against our decrypt.

const test = require('node:test')
const assert = require('node:assert/strict')
const ece = require('http_ece')
const webpushJs = require('web-push')
const webpush = require('..')
const { decrypt, generateSubscriptionKeys } = require('../testing')
const { verifyJwt, ecdhFromPrivate } = require('./helpers.js')

const payload = Buffer.from('{"title":"Hello","body":"from web-push-rs ✓"}')

for (const encoding of ['aes128gcm', 'aesgcm']) {
  test(`our ${encoding} ciphertext decrypts with npm http_ece`, () => {
    const { subscription, privateKey } = generateSubscriptionKeys()
    const { p256dh, auth } = subscription.keys
    const result = webpush.encrypt(p256dh, auth, payload, encoding)
    assert.equal(result.localPublicKey.length, 65)
    assert.equal(Buffer.from(result.salt, 'base64url').length, 16)
    const plaintext = ece.decrypt(result.cipherText, {
      version: encoding,
      privateKey: ecdhFromPrivate(privateKey),
      dh: result.localPublicKey.toString('base64url'),
      salt: result.salt,
      authSecret: auth,
    })
    assert.deepEqual(plaintext, payload)
  })

  test(`web-push's ${encoding} ciphertext decrypts with our decrypt`, () => {
    const { subscription, privateKey } = generateSubscriptionKeys()
    const { p256dh, auth } = subscription.keys
    const theirs = webpushJs.encrypt(p256dh, auth, payload, encoding)
    const headers = encoding === 'aesgcm'
      ? { 'Content-Encoding': 'aesgcm', Encryption: `salt=${theirs.salt}`, 'Crypto-Key': `dh=${theirs.localPublicKey.toString('base64url')}` }
      : { 'content-encoding': 'aes128gcm' }
    assert.deepEqual(decrypt(theirs.cipherText, { privateKey, auth }, headers), payload)
  })

  test(`our ${encoding} VAPID JWT verifies with node:crypto and carries aud/exp/sub`, () => {
    const keys = webpush.generateVAPIDKeys()
    const before = Math.floor(Date.now() / 1000)
    const headers = webpush.getVapidHeaders('https://push.example.net:8443', 'mailto:ops@example.com', keys.publicKey, keys.privateKey, encoding)
    const jwt = encoding === 'aes128gcm'
      ? /^vapid t=([^,]+), k=(.+)$/.exec(headers.Authorization)[1]
      : /^WebPush (.+)$/.exec(headers.Authorization)[1]
    if (encoding === 'aes128gcm') assert.equal(headers.Authorization.split('k=')[1], keys.publicKey)
    else assert.equal(headers['Crypto-Key'], `p256ecdsa=${keys.publicKey}`)
    const { ok, header, claims } = verifyJwt(jwt, keys.publicKey)
    assert.ok(ok, 'signature verifies')
    assert.deepEqual(header, { typ: 'JWT', alg: 'ES256' })
    assert.equal(claims.aud, 'https://push.example.net:8443')
    assert.equal(claims.sub, 'mailto:ops@example.com')
    assert.ok(claims.exp >= before + 12 * 3600 && claims.exp <= before + 12 * 3600 + 5, `exp ${claims.exp}`)
  })
}

test('explicit expiration is signed as given', () => {
  const keys = webpush.generateVAPIDKeys()
  const exp = Math.floor(Date.now() / 1000) + 3600
  const { Authorization } = webpush.getVapidHeaders('https://a.example', 'https://example.com/contact', keys.publicKey, keys.privateKey, 'aes128gcm', exp)
  assert.equal(verifyJwt(/t=([^,]+)/.exec(Authorization)[1], keys.publicKey).claims.exp, exp)
})

test('our VAPID keys work in web-push, and web-push keys work in ours', () => {
  const ours = webpush.generateVAPIDKeys()
  assert.match(ours.publicKey, /^[A-Za-z0-9_-]{87}$/)
  assert.match(ours.privateKey, /^[A-Za-z0-9_-]{43}$/)
  const theirHeaders = webpushJs.getVapidHeaders('https://a.example', 'mailto:a@b.c', ours.publicKey, ours.privateKey, 'aes128gcm')
  assert.ok(verifyJwt(/t=([^,]+)/.exec(theirHeaders.Authorization)[1], ours.publicKey).ok)

  const theirs = webpushJs.generateVAPIDKeys()
  const ourHeaders = webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', theirs.publicKey, theirs.privateKey, 'aes128gcm')
  assert.ok(verifyJwt(/t=([^,]+)/.exec(ourHeaders.Authorization)[1], theirs.publicKey).ok)
  webpush.setVapidDetails('mailto:a@b.c', theirs.publicKey, theirs.privateKey)
})

test('sync and async variants give equivalent results', async () => {
  const { subscription, privateKey } = generateSubscriptionKeys()
  const { p256dh, auth } = subscription.keys
  const [sync, async_] = [webpush.encrypt(p256dh, auth, payload), await webpush.encryptAsync(p256dh, auth, payload)]
  for (const result of [sync, async_]) {
    assert.deepEqual(Object.keys(result).sort(), ['cipherText', 'localPublicKey', 'salt'])
    assert.deepEqual(decrypt(result.cipherText, { privateKey, auth }), payload)
  }
  assert.equal(sync.cipherText.length, async_.cipherText.length)

  const keys = await webpush.generateVAPIDKeysAsync()
  const exp = Math.floor(Date.now() / 1000) + 600
  const a = webpush.getVapidHeaders('https://a.example', 'mailto:a@b.c', keys.publicKey, keys.privateKey, 'aesgcm', exp)
  const b = await webpush.getVapidHeadersAsync('https://a.example', 'mailto:a@b.c', keys.publicKey, keys.privateKey, 'aesgcm', exp)
  assert.equal(a['Crypto-Key'], b['Crypto-Key'])
  const claimsA = verifyJwt(a.Authorization.slice(8), keys.publicKey)
  const claimsB = verifyJwt(b.Authorization.slice(8), keys.publicKey)
  assert.ok(claimsA.ok && claimsB.ok)
  assert.deepEqual(claimsA.claims, claimsB.claims)
})

test('100 concurrent encryptAsync calls all decrypt', async () => {
  const { subscription, privateKey } = generateSubscriptionKeys()
  const { p256dh, auth } = subscription.keys
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => webpush.encryptAsync(p256dh, auth, `msg ${i}`)))
  for (const [i, r] of results.entries()) assert.equal(decrypt(r.cipherText, { privateKey, auth }).toString(), `msg ${i}`)
})

test('the RFC 8291 example body decrypts with our decrypt', () => {
  const v = require('./fixtures/ece-vectors.json').rfc8291_appendix_a
  const body = Buffer.from(v.expected_body_b64url, 'base64url')
  const out = decrypt(body, { privateKey: v.ua_private_key_b64url, auth: v.auth_secret_b64url })
  assert.equal(out.toString(), v.plaintext_utf8)
})
