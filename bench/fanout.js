'use strict'

// Fan-out of 1 KiB messages to a loopback HTTPS push service in another process:
// npm web-push (sendNotification, keep-alive agent, 100 in flight) against WebPush.sendMany
// over HTTP/1.1 and HTTP/2, in the same run. Reports msg/s, CPU µs per message, event-loop
// utilisation and peak RSS, then a memory run with 100,000 streamed targets.
// Env: BENCH_N (default 10000), BENCH_MEMORY_N (default 100000). Writes bench/results/fanout.json.

const fs = require('node:fs')
const path = require('node:path')
const https = require('node:https')
const { performance } = require('node:perf_hooks')
const webpushJs = require('web-push')
const { WebPush, generateVAPIDKeys } = require('..')
const { generateSubscriptionKeys, decrypt } = require('../testing')
const { startRemote } = require('./remote.js')

const N = Number(process.env.BENCH_N || 10000)
const MEMORY_N = Number(process.env.BENCH_MEMORY_N || 100000)
const IN_FLIGHT = 100
const payload = Buffer.alloc(1024, 'p')
const vapidKeys = generateVAPIDKeys()
const vapidDetails = { subject: 'mailto:bench@example.com', ...vapidKeys }

/** A pool of real subscription keys; endpoints are unique per target. */
function subscriptions(origin, n, pool) {
  return Array.from({ length: n }, (_, i) => ({ endpoint: `${origin}/push/${i}`, keys: pool[i % pool.length].subscription.keys }))
}

async function measure(name, n, run) {
  global.gc?.()
  const rssBefore = process.memoryUsage().rss
  let peak = rssBefore
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
  const elu = performance.eventLoopUtilization()
  const cpu = process.cpuUsage()
  const start = performance.now()
  const sent = await run()
  const wall = performance.now() - start
  const cpuUsed = process.cpuUsage(cpu)
  const loop = performance.eventLoopUtilization(elu)
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  if (sent !== n) throw new Error(`${name}: ${sent}/${n} sent`)
  return {
    name,
    messages: n,
    msgPerSec: n / (wall / 1000),
    cpuUsPerMsg: ((cpuUsed.user + cpuUsed.system) / n),
    eventLoopBusy: loop.utilization,
    rssGrowthMB: (peak - rssBefore) / 2 ** 20,
    wallMs: wall,
  }
}

async function webPushRun(subs, ca) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: IN_FLIGHT, ca })
  let next = 0
  let sent = 0
  async function worker() {
    while (next < subs.length) {
      const sub = subs[next++]
      const res = await webpushJs.sendNotification(sub, payload, { vapidDetails, agent, TTL: 60 })
      if (res.statusCode === 201) sent++
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  agent.destroy()
  return sent
}

async function oursRun(subs, ca) {
  const push = new WebPush({ vapid: vapidDetails, ca, ttl: 60, concurrency: IN_FLIGHT })
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
    rows.push(await measure('web-push sendNotification (HTTP/1.1 keep-alive, 100 in flight)', N, () => webPushRun(subscriptions(remote.h1.origin, N, pool), remote.h1.ca)))
    rows.push(await measure('WebPush.sendMany HTTP/1.1', N, () => oursRun(subscriptions(remote.h1.origin, N, pool), remote.h1.ca)))
    rows.push(await measure('WebPush.sendMany HTTP/2', N, () => oursRun(subscriptions(remote.h2.origin, N, pool), remote.h2.ca)))
    const memory = await measure(`WebPush.sendMany HTTP/2, ${MEMORY_N} streamed targets`, MEMORY_N, () => oursRun(streamed(remote.h2.origin, MEMORY_N, pool), remote.h2.ca))

    const base = rows[0]
    console.log(`Fan-out of ${N} × 1 KiB to a loopback HTTPS push service in another process (Node ${process.version})\n`)
    console.log('| run | msg/s | × web-push | CPU µs/msg | event loop busy | peak RSS growth |')
    console.log('|---|---:|---:|---:|---:|---:|')
    for (const r of [...rows, memory]) {
      console.log(`| ${r.name} | ${r.msgPerSec.toFixed(0)} | ${(r.msgPerSec / base.msgPerSec).toFixed(1)} | ${r.cpuUsPerMsg.toFixed(0)} | ${(r.eventLoopBusy * 100).toFixed(1)}% | ${r.rssGrowthMB.toFixed(0)} MB |`)
    }
    const dir = path.join(__dirname, 'results')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'fanout.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, n: N, rows, memory }, null, 2))
  } finally {
    remote.child.stdin.end()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
