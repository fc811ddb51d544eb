'use strict'

// Fan-out of 1 KiB messages to a loopback HTTPS push service in another process:
// npm web-push (sendNotification, keep-alive agent, 100 in flight) against WebPush.sendMany
// over HTTP/1.1 and HTTP/2, in the same run. Reports msg/s, CPU µs per message, event-loop
// utilisation and peak RSS, then a memory run with 100,000 streamed targets.
// Env: BENCH_N (default 10000), BENCH_MEMORY_N (default 100000). Writes bench/results/fanout.json.

const fs = require('node:fs')
const path = require('node:path')
const webpushJs = require('web-push')
const webpush = require('..')
const { WebPush, generateVAPIDKeys } = webpush
const { generateSubscriptionKeys, decrypt } = require('../testing')
const { startRemote, measure, subscriptions, webPushRun } = require('./common.js')

const N = Number(process.env.BENCH_N || 10000)
const MEMORY_N = Number(process.env.BENCH_MEMORY_N || 100000)
const IN_FLIGHT = 100
const payload = Buffer.alloc(1024, 'p')
const vapidKeys = generateVAPIDKeys()
const vapidDetails = { subject: 'mailto:bench@example.com', ...vapidKeys }

/** CPU µs of one `encrypt` (aes128gcm, 1 KiB), on this thread: the per-message crypto floor. */
function encryptCpuUs(pool, n = 2000) {
  const cpu = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const { keys } = pool[i % pool.length].subscription
    webpush.encrypt(keys.p256dh, keys.auth, payload, 'aes128gcm')
  }
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / n
}

async function oursRun(subs, ca, concurrency = IN_FLIGHT) {
  const push = new WebPush({ vapid: vapidDetails, ca, ttl: 60, concurrency })
  const report = await push.sendMany(subs, payload)
  await push.close()
  return report.sent
}

async function* streamed(origin, n, pool) {
  for (let i = 0; i < n; i++) yield { endpoint: `${origin}/push/${i}`, keys: pool[i % pool.length].subscription.keys }
}

async function main() {
  const remote = await startRemote()
  try {
    const pool = Array.from({ length: 1000 }, () => generateSubscriptionKeys())
    // Validity first: both libraries' bodies for the same subscription decrypt to the payload.
    const probe = pool[0]
    for (const details of [
      webpushJs.generateRequestDetails(probe.subscription, payload, { vapidDetails }),
      require('..').generateRequestDetails(probe.subscription, payload, { vapidDetails }),
    ]) {
      const plain = decrypt(details.body, { privateKey: probe.privateKey, auth: probe.subscription.keys.auth }, details.headers)
      if (!plain.equals(payload)) throw new Error('invalid ciphertext')
    }

    const rows = []
    const sender = { ca: remote.h1.ca, sockets: IN_FLIGHT, vapidDetails, payload }
    rows.push(await measure('web-push sendNotification (HTTP/1.1 keep-alive, 100 in flight)', N, () => webPushRun(subscriptions(remote.h1.origin, N, pool), sender)))
    rows.push(await measure('WebPush.sendMany HTTP/1.1', N, () => oursRun(subscriptions(remote.h1.origin, N, pool), remote.h1.ca)))
    rows.push(await measure('WebPush.sendMany HTTP/2', N, () => oursRun(subscriptions(remote.h2.origin, N, pool), remote.h2.ca)))
    rows.push(await measure("WebPush.sendMany HTTP/2, concurrency 'auto' (default)", N, () => oursRun(subscriptions(remote.h2.origin, N, pool), remote.h2.ca, 'auto')))
    const encryptUs = encryptCpuUs(pool)
    const memory = await measure(`WebPush.sendMany HTTP/2, ${MEMORY_N} streamed targets`, MEMORY_N, () => oursRun(streamed(remote.h2.origin, MEMORY_N, pool), remote.h2.ca))

    const base = rows[0]
    const h2 = rows[2]
    console.log(`Fan-out of ${N} × 1 KiB to a loopback HTTPS push service in another process (Node ${process.version})\n`)
    console.log('| run | msg/s | × web-push | CPU µs/msg | event loop busy | peak RSS growth |')
    console.log('|---|---:|---:|---:|---:|---:|')
    for (const r of [...rows, memory]) {
      console.log(`| ${r.name} | ${r.msgPerSec.toFixed(0)} | ${(r.msgPerSec / base.msgPerSec).toFixed(1)} | ${r.cpuUsPerMsg.toFixed(0)} | ${(r.eventLoopBusy * 100).toFixed(1)}% | ${r.rssGrowthMB.toFixed(0)} MB |`)
    }
    const nonCrypto = h2.cpuUsPerMsg - encryptUs
    console.log(`\nCPU per message beyond the crypto: ${h2.cpuUsPerMsg.toFixed(0)} µs/msg (HTTP/2) − ${encryptUs.toFixed(0)} µs per encrypt = ${nonCrypto.toFixed(0)} µs`)
    const dir = path.join(__dirname, 'results')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'fanout.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, n: N, rows, memory, encryptCpuUs: encryptUs, nonCryptoCpuUsPerMsg: nonCrypto }, null, 2))
  } finally {
    remote.child.stdin.end()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
