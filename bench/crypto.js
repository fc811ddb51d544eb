'use strict'

// Per-message CPU cost against npm web-push, measured in the same run.
// For each operation: check both implementations produce valid output for the same input,
// then time them interleaved (rounds alternate which goes first) and print medians and the
// ratio ours / web-push (below 1 = we are faster). Writes bench/results/crypto.json.

const fs = require('node:fs')
const path = require('node:path')
const assert = require('node:assert/strict')
const ece = require('http_ece')
const webpushJs = require('web-push')
const webpush = require('..')
const { generateSubscriptionKeys, decrypt } = require('../testing')
const { ecdhFromPrivate, verifyJwt } = require('../__test__/helpers.js')

const ROUNDS = Number(process.env.BENCH_ROUNDS || 7)
const { subscription, privateKey } = generateSubscriptionKeys()
const { p256dh, auth } = subscription.keys
const payload = Buffer.alloc(1024, 'x')
const vapid = webpush.generateVAPIDKeys()
const audience = 'https://fcm.googleapis.com'
const subject = 'mailto:bench@example.com'

function checkEncrypt(result) {
  const theirs = ece.decrypt(result.cipherText, { version: 'aes128gcm', privateKey: ecdhFromPrivate(privateKey), authSecret: auth })
  assert.deepEqual(theirs, payload)
  assert.deepEqual(decrypt(result.cipherText, { privateKey, auth }), payload)
}

function checkVapid(headers) {
  assert.ok(verifyJwt(/t=([^,]+)/.exec(headers.Authorization)[1], vapid.publicKey).ok)
}

function checkKeys(keys) {
  assert.equal(Buffer.from(keys.publicKey, 'base64url').length, 65)
  assert.equal(Buffer.from(keys.privateKey, 'base64url').length, 32)
}

/** µs per op of a sync function, over a time budget. */
function timeSync(fn, budgetMs = 300) {
  for (let i = 0; i < 20; i++) fn()
  let ops = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(budgetMs * 1e6)
  let now = start
  while (now < end) {
    for (let i = 0; i < 20; i++) fn()
    ops += 20
    now = process.hrtime.bigint()
  }
  return Number(now - start) / 1e3 / ops
}

/** µs per op with `inFlight` promises outstanding. */
async function timeAsync(fn, inFlight = 100, total = 5000) {
  await Promise.all(Array.from({ length: inFlight }, fn))
  const start = process.hrtime.bigint()
  let started = 0
  async function worker() {
    while (started < total) {
      started++
      await fn()
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return Number(process.hrtime.bigint() - start) / 1e3 / total
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const operations = [
  {
    name: 'encrypt 1 KiB (aes128gcm)',
    ours: () => webpush.encrypt(p256dh, auth, payload),
    theirs: () => webpushJs.encrypt(p256dh, auth, payload, 'aes128gcm'),
    check: checkEncrypt,
    target: 0.4,
  },
  {
    name: 'encryptAsync 1 KiB, 100 in flight',
    ours: () => webpush.encryptAsync(p256dh, auth, payload),
    theirs: () => Promise.resolve(webpushJs.encrypt(p256dh, auth, payload, 'aes128gcm')),
    check: checkEncrypt,
    async: true,
  },
  {
    name: 'getVapidHeaders',
    ours: () => webpush.getVapidHeaders(audience, subject, vapid.publicKey, vapid.privateKey, 'aes128gcm'),
    theirs: () => webpushJs.getVapidHeaders(audience, subject, vapid.publicKey, vapid.privateKey, 'aes128gcm'),
    check: checkVapid,
    target: 0.1,
  },
  {
    name: 'generateVAPIDKeys',
    ours: () => webpush.generateVAPIDKeys(),
    theirs: () => webpushJs.generateVAPIDKeys(),
    check: checkKeys,
  },
]

async function main() {
  const rows = []
  for (const op of operations) {
    op.check(await op.ours())
    op.check(await op.theirs())
    const ours = []
    const theirs = []
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [[op.ours, ours], [op.theirs, theirs]] : [[op.theirs, theirs], [op.ours, ours]]
      for (const [fn, into] of order) into.push(op.async ? await timeAsync(fn) : timeSync(fn))
    }
    const row = { operation: op.name, oursUs: median(ours), webPushUs: median(theirs) }
    row.ratio = row.oursUs / row.webPushUs
    if (op.target) row.target = op.target
    rows.push(row)
  }
  console.log('| operation | web-push-rs µs/op | web-push µs/op | ratio (ours/web-push) | target |')
  console.log('|---|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(`| ${r.operation} | ${r.oursUs.toFixed(1)} | ${r.webPushUs.toFixed(1)} | ${r.ratio.toFixed(3)} | ${r.target ? `≤ ${r.target}` : ''} |`)
  }
  const dir = path.join(__dirname, 'results')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'crypto.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
