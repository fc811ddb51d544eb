// The runtime smoke suite: one file, run as is by Node, Bun and Deno (see runtimes.test.js).
//   node smoke.mjs | bun smoke.mjs | deno run --allow-all --no-lock smoke.mjs
// Prints one TAP-like line per check, then `# SMOKE_RESULT {json}` with every check's outcome;
// exits 1 if any check failed. It never calls process.exit(): once the push services and clients
// are closed the process must end by itself (the runner treats a hang as a failure).

import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { execFile } from 'node:child_process'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import webpushDefault, {
  encrypt,
  generateRequestDetails,
  generateVAPIDKeys,
  getVapidHeaders,
  sendNotification,
  setVapidDetails,
  WebPush,
  WebPushError,
} from 'web-push-rs'
import * as webpushNs from 'web-push-rs'
import testingDefault, { decrypt, generateSubscriptionKeys, startPushService } from 'web-push-rs/testing'
import { decryptAes128gcm, encryptAes128gcm, verifyJwtWebCrypto } from './peer.mjs'

const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))
const deno = globalThis.Deno
const runtime = deno ? 'deno' : process.versions.bun ? 'bun' : 'node'
const version = deno ? deno.version.deno : process.versions.bun ?? process.versions.node
const CHECK_TIMEOUT_MS = 20000

const results = []

/** Runs one named check, records its outcome (with the exact error), never throws. */
async function check(name, fn) {
  const started = performance.now()
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check did not finish within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)
  })
  try {
    await Promise.race([fn(), timeout])
    results.push({ name, ok: true, ms: Math.round(performance.now() - started) })
    console.log(`ok ${results.length} - ${name}`)
  } catch (err) {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    results.push({ name, ok: false, error, code: err?.code })
    console.log(`not ok ${results.length} - ${name}\n  # ${error.split('\n').join('\n  # ')}`)
  } finally {
    clearTimeout(timer)
  }
}

/** [command, args] that run `script` with this same runtime. */
function selfCommand(script, args = []) {
  if (deno) return [deno.execPath(), ['run', '--allow-all', '--no-lock', script, ...args]]
  return [process.execPath, [script, ...args]]
}

function runSelf(script, args) {
  const [command, argv] = selfCommand(script, args)
  return new Promise((resolve) => {
    execFile(command, argv, { cwd: here, timeout: 15000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr })
    })
  })
}

/** The public key node:crypto derives from a base64url private key. */
function derivePublicKey(privateKey) {
  const ecdh = crypto.createECDH('prime256v1')
  ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'))
  return ecdh.getPublicKey().toString('base64url')
}

/** Verifies a compact ES256 JWT with node:crypto (JWK import, IEEE P1363 signature). */
function verifyJwtNodeCrypto(jwt, publicKey) {
  const raw = Buffer.from(publicKey, 'base64url')
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  })
  const [header, claims, signature] = jwt.split('.')
  return crypto.verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))
}

async function rejection(promise) {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

function thrown(fn) {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an exception')
}

const vapidKeys = generateVAPIDKeys()
const vapidDetails = { subject: 'mailto:smoke@example.com', ...vapidKeys }
const payload = Buffer.from(`{"title":"smoke","runtime":"${runtime}","check":"✓"}`)
let service

await check('esm: named and default imports of web-push-rs and web-push-rs/testing', () => {
  for (const fn of [encrypt, generateRequestDetails, generateVAPIDKeys, getVapidHeaders, sendNotification, setVapidDetails, WebPush, decrypt, generateSubscriptionKeys, startPushService]) {
    assert.equal(typeof fn, 'function')
  }
  assert.equal(webpushDefault.sendNotification, sendNotification)
  assert.equal(webpushNs.WebPushError, WebPushError)
  assert.equal(testingDefault.decrypt, decrypt)
})

await check('cjs: require() of both entry points gives the same instances as import', () => {
  const cjs = require('./cjs-entry.cjs')
  assert.equal(cjs.webpush, webpushDefault, 'one module instance, so setVapidDetails state is shared')
  assert.equal(cjs.testing.startPushService, startPushService)
  // Node 23+ and Deno also expose a 'module.exports' name on a CommonJS namespace.
  const named = (keys) => keys.filter((k) => k !== 'default' && k !== 'module.exports').sort()
  assert.deepEqual(named(Object.keys(webpushNs)), named(Object.keys(cjs.webpush)), 'every CommonJS export is a named ESM export')
})

await check('cjs: a CommonJS main script loads both entry points and sends', async () => {
  const { code, stdout, stderr } = await runSelf(path.join(here, 'cjs-entry.cjs'))
  assert.equal(code, 0, stderr)
  const seen = JSON.parse(stdout)
  assert.deepEqual(seen.webpush, Object.keys(webpushDefault).sort())
  assert.deepEqual(seen.testing, Object.keys(testingDefault).sort())
  assert.deepEqual([seen.statusCode, seen.text], [201, 'from a CommonJS main'])
})

await check('keys: generateVAPIDKeys gives a P-256 pair that node:crypto and WebCrypto accept', async () => {
  const keys = generateVAPIDKeys()
  assert.match(keys.publicKey, /^[A-Za-z0-9_-]{87}$/)
  assert.match(keys.privateKey, /^[A-Za-z0-9_-]{43}$/)
  assert.notEqual(keys.privateKey, vapidKeys.privateKey)
  assert.equal(derivePublicKey(keys.privateKey), keys.publicKey, 'node:crypto derives the same public key')
  const imported = await globalThis.crypto.subtle.importKey('raw', Buffer.from(keys.publicKey, 'base64url'), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])
  assert.equal(imported.algorithm.namedCurve, 'P-256')
  setVapidDetails('mailto:smoke@example.com', keys.publicKey, keys.privateKey)
  setVapidDetails(null)
})

await check('keys: invalid keys are rejected with WebPushError codes', () => {
  const { subscription } = generateSubscriptionKeys()
  const { p256dh, auth } = subscription.keys
  const zero = Buffer.alloc(32).toString('base64url')
  const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url')
  const cases = [
    [() => setVapidDetails('mailto:a@b.c', vapidKeys.publicKey, zero), 'ERR_INVALID_VAPID_PRIVATE_KEY'],
    [() => setVapidDetails('mailto:a@b.c', generateVAPIDKeys().publicKey, vapidKeys.privateKey), 'ERR_VAPID_KEY_MISMATCH'],
    [() => setVapidDetails('ftp://a.example', vapidKeys.publicKey, vapidKeys.privateKey), 'ERR_INVALID_SUBJECT'],
    [() => encrypt(offCurve, auth, 'x'), 'ERR_INVALID_P256DH'],
    [() => encrypt(p256dh, Buffer.alloc(15).toString('base64url'), 'x'), 'ERR_INVALID_AUTH'],
  ]
  for (const [fn, code] of cases) {
    const err = thrown(fn)
    assert.ok(err instanceof WebPushError, `${code}: got ${err?.constructor?.name}: ${err?.message}`)
    assert.equal(err.code, code)
  }
  const typeErr = thrown(() => encrypt(42, auth, 'x'))
  assert.ok(typeErr instanceof TypeError)
  assert.equal(typeErr.code, 'ERR_INVALID_ARG_TYPE')
})

await check('encrypt: aes128gcm ciphertext decrypts with the WebCrypto peer', async () => {
  const { subscription, privateKey } = generateSubscriptionKeys()
  const { cipherText, localPublicKey, salt } = encrypt(subscription.keys.p256dh, subscription.keys.auth, payload)
  assert.deepEqual(cipherText.subarray(0, 16), Buffer.from(salt, 'base64url'))
  assert.deepEqual(cipherText.subarray(21, 86), localPublicKey)
  assert.deepEqual(await decryptAes128gcm(cipherText, { privateKey, ...subscription.keys }), payload)
  const tampered = Buffer.from(cipherText)
  tampered[tampered.length - 1] ^= 1
  await assert.rejects(decryptAes128gcm(tampered, { privateKey, ...subscription.keys }))
})

await check('encrypt: aes128gcm and aesgcm decrypt with npm http_ece (and http_ece to our decrypt)', () => {
  const ece = require('http_ece')
  const { subscription, privateKey } = generateSubscriptionKeys()
  const { p256dh, auth } = subscription.keys
  const receiver = crypto.createECDH('prime256v1')
  receiver.setPrivateKey(Buffer.from(privateKey, 'base64url'))
  for (const encoding of ['aes128gcm', 'aesgcm']) {
    const result = encrypt(p256dh, auth, payload, encoding)
    const plaintext = ece.decrypt(result.cipherText, {
      version: encoding, privateKey: receiver, dh: result.localPublicKey.toString('base64url'), salt: result.salt, authSecret: auth,
    })
    assert.deepEqual(plaintext, payload, encoding)
  }
  const sender = crypto.createECDH('prime256v1')
  sender.generateKeys()
  const theirs = ece.encrypt(payload, { version: 'aes128gcm', privateKey: sender, dh: p256dh, authSecret: auth })
  assert.deepEqual(decrypt(theirs, { privateKey, auth }, { 'Content-Encoding': 'aes128gcm' }), payload)
})

await check('decrypt (testing): ciphertext from the WebCrypto peer decrypts', async () => {
  const { subscription, privateKey } = generateSubscriptionKeys()
  const body = await encryptAes128gcm(payload, subscription.keys)
  assert.deepEqual(decrypt(body, { privateKey, auth: subscription.keys.auth }, { 'content-encoding': 'aes128gcm' }), payload)
  const other = generateSubscriptionKeys()
  const err = thrown(() => decrypt(body, { privateKey: other.privateKey, auth: subscription.keys.auth }))
  assert.equal(err.code, 'ERR_DECRYPTION_FAILED')
})

await check('vapid: the JWT verifies with WebCrypto and node:crypto', async () => {
  const before = Math.floor(Date.now() / 1000)
  const { Authorization } = getVapidHeaders('https://push.example.net', 'mailto:smoke@example.com', vapidKeys.publicKey, vapidKeys.privateKey, 'aes128gcm')
  const [, jwt, k] = /^vapid t=([^,]+), k=(.+)$/.exec(Authorization)
  assert.equal(k, vapidKeys.publicKey)
  const { ok, header, claims } = await verifyJwtWebCrypto(jwt, vapidKeys.publicKey)
  assert.ok(ok, 'WebCrypto verifies the signature')
  assert.deepEqual(header, { typ: 'JWT', alg: 'ES256' })
  assert.deepEqual([claims.aud, claims.sub], ['https://push.example.net', 'mailto:smoke@example.com'])
  assert.ok(claims.exp > before && claims.exp <= before + 24 * 3600 + 5, `exp ${claims.exp}`)
  assert.ok(verifyJwtNodeCrypto(jwt, vapidKeys.publicKey), 'node:crypto verifies the signature')
  const [h, , s] = jwt.split('.')
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, aud: 'https://evil.example' })).toString('base64url')}.${s}`
  assert.equal((await verifyJwtWebCrypto(forged, vapidKeys.publicKey)).ok, false)
  assert.equal(verifyJwtNodeCrypto(forged, vapidKeys.publicKey), false)
})

await check('testing: startPushService() listens on 127.0.0.1', async () => {
  service = await startPushService()
  assert.match(service.origin, /^http:\/\/127\.0\.0\.1:\d+$/)
})

await check('sendNotification: both encodings delivered, checked and decrypted by the push service', async () => {
  const subscription = await service.subscribe({ applicationServerKey: vapidKeys.publicKey })
  for (const contentEncoding of ['aes128gcm', 'aesgcm']) {
    const result = await sendNotification(subscription, `${contentEncoding} from ${runtime}`, { vapidDetails, contentEncoding, TTL: 60, urgency: 'high', topic: 'smoke' })
    assert.equal(result.statusCode, 201)
  }
  setVapidDetails(vapidDetails.subject, vapidKeys.publicKey, vapidKeys.privateKey)
  try {
    assert.equal((await sendNotification(subscription, 'with global VAPID details')).statusCode, 201)
  } finally {
    setVapidDetails(null)
  }
  const messages = service.messages(subscription)
  assert.deepEqual(messages.map((m) => [m.text, m.encoding]), [
    [`aes128gcm from ${runtime}`, 'aes128gcm'], [`aesgcm from ${runtime}`, 'aesgcm'], ['with global VAPID details', 'aes128gcm'],
  ])
  assert.deepEqual([messages[0].ttl, messages[0].urgency, messages[0].topic], [60, 'high', 'smoke'])
  assert.deepEqual([messages[0].vapid.aud, messages[0].vapid.publicKey], [service.origin, vapidKeys.publicKey])
  const wireJwt = /^vapid t=([^,]+),/.exec(messages[0].headers.authorization)[1]
  assert.ok((await verifyJwtWebCrypto(wireJwt, vapidKeys.publicKey)).ok, 'the JWT on the wire verifies with WebCrypto')
})

await check('sendNotification: a 429 (Retry-After) and a 410 reject with WebPushError', async () => {
  const subscription = await service.subscribe({ applicationServerKey: vapidKeys.publicKey })
  service.failNext(subscription, { status: 429, retryAfter: 7 })
  const throttled = await rejection(sendNotification(subscription, 'throttled', { vapidDetails }))
  assert.ok(throttled instanceof WebPushError, throttled.message)
  assert.deepEqual([throttled.code, throttled.statusCode, throttled.headers['retry-after'], throttled.endpoint], ['ERR_UNEXPECTED_STATUS', 429, '7', subscription.endpoint])
  service.expire(subscription)
  const gone = await rejection(sendNotification(subscription, 'gone', { vapidDetails }))
  assert.deepEqual([gone.code, gone.statusCode], ['ERR_UNEXPECTED_STATUS', 410])
  assert.equal(service.messages(subscription).length, 0)
})

await check('WebPush.sendMany: sent, gone (410), failed (429), and a 429 retried to success', async () => {
  const subs = await Promise.all([0, 1, 2, 3].map(() => service.subscribe({ applicationServerKey: vapidKeys.publicKey })))
  service.expire(subs[1])
  service.failNext(subs[2], { status: 429, retryAfter: 30 })
  const push = new WebPush({ vapid: vapidDetails, retry: false, concurrency: 4 })
  try {
    const report = await push.sendMany(subs, `fan-out from ${runtime}`)
    assert.deepEqual([report.total, report.sent, report.rejected.length], [4, 2, 0])
    assert.deepEqual(report.gone.map((o) => [o.index, o.statusCode, o.endpoint]), [[1, 410, subs[1].endpoint]])
    assert.deepEqual(report.failed.map((o) => [o.index, o.statusCode, o.retryAfterMs]), [[2, 429, 30000]])
    assert.deepEqual([0, 3].map((i) => service.messages(subs[i]).map((m) => m.text)), [[`fan-out from ${runtime}`], [`fan-out from ${runtime}`]])
  } finally {
    await push.close()
  }
  const retrying = new WebPush({ vapid: vapidDetails, retry: { attempts: 2, maxDelayMs: 2000 } })
  try {
    service.failNext(subs[3], { status: 429, retryAfter: 0 })
    const before = service.stats().requests
    const report = await retrying.sendMany([{ subscription: subs[3], payload: 'after a 429' }])
    assert.deepEqual([report.total, report.sent, report.failed.length], [1, 1, 0])
    assert.equal(service.stats().requests - before, 2, 'one 429, then the accepted retry')
    assert.equal(service.messages(subs[3]).at(-1).text, 'after a 429')
  } finally {
    await retrying.close()
  }
})

await check('cli: generate-vapid-keys --json, run by this runtime', async () => {
  const bin = path.join(path.dirname(require.resolve('web-push-rs/package.json')), 'bin', 'web-push-rs.js')
  const { code, stdout, stderr } = await runSelf(bin, ['generate-vapid-keys', '--json'])
  assert.equal(code, 0, stderr)
  const keys = JSON.parse(stdout)
  assert.equal(derivePublicKey(keys.privateKey), keys.publicKey)
  const text = await runSelf(bin, ['generate-vapid-keys'])
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, /Public Key:\n[\w-]{87}\n\nPrivate Key:\n[\w-]{43}\n/)
})

await check('testing: service.close() stops the push service', async () => {
  const subscription = await service.subscribe()
  await service.close()
  service = null
  // A new client (no pooled keep-alive connection to the closed service) must fail to connect.
  const push = new WebPush({ retry: false, timeoutMs: 5000 })
  try {
    const err = await rejection(push.send(subscription, null))
    assert.equal(err.code, 'ERR_NETWORK', err.message)
  } finally {
    await push.close()
  }
})

if (service) await service.close()

const failed = results.filter((r) => !r.ok).length
console.log(`1..${results.length}\n# ${runtime} ${version}: ${results.length - failed} passed, ${failed} failed`)
console.log(`# SMOKE_RESULT ${JSON.stringify({ runtime, version, results })}`)
process.exitCode = failed ? 1 : 0
