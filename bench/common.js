'use strict'

// What the benchmarks share: the push service in a child process (bench/push-service-process.js,
// so its cost is not on the measured process), a measuring wrapper, and npm web-push's sender.

const path = require('node:path')
const https = require('node:https')
const { fork } = require('node:child_process')
const { performance } = require('node:perf_hooks')
const webpushJs = require('web-push')

/**
 * Forks the push service process; resolves with `{ child, start(options), stats(id), close(id) }`
 * plus the JSON of the two default services it starts (`h2`, `h1`).
 */
function startRemote() {
  const child = fork(path.join(__dirname, 'push-service-process.js'), [], { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] })
  let next = 0
  const pending = new Map()
  child.on('message', (m) => {
    const waiting = pending.get(m.ask)
    pending.delete(m.ask)
    if (m.error) waiting?.reject(new Error(m.error))
    else waiting?.resolve(m.answer)
  })
  const ask = (question) => new Promise((resolve, reject) => {
    const id = next++
    pending.set(id, { resolve, reject })
    child.send({ ask: id, ...question })
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('\n')) {
        resolve({
          child,
          ...JSON.parse(out),
          /** Starts another service there (startPushService options); resolves `{ id, origin, ca }`. */
          start: (options) => ask({ start: options }),
          /** That service's `stats()`. */
          stats: (id) => ask({ stats: id }),
          /** Closes it. */
          close: (id) => ask({ close: id }),
        })
      }
    })
    child.once('exit', (code) => reject(new Error(`push service process exited ${code}`)))
  })
}

/** Runs `run` (resolving with the number sent, which must be `n`) and measures this process. */
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
    cpuUsPerMsg: (cpuUsed.user + cpuUsed.system) / n,
    eventLoopBusy: loop.utilization,
    rssGrowthMB: (peak - rssBefore) / 2 ** 20,
    wallMs: wall,
  }
}

/** A pool of real subscription keys spread over `n` endpoints, unique per target. */
function subscriptions(origin, n, pool) {
  return Array.from({ length: n }, (_, i) => ({ endpoint: `${origin}/push/${i}`, keys: pool[i % pool.length].subscription.keys }))
}

/** npm web-push's sendNotification, `sockets` requests at once over a keep-alive agent. */
async function webPushRun(subs, { ca, sockets, vapidDetails, payload }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: sockets, ca })
  let next = 0
  let sent = 0
  async function worker() {
    while (next < subs.length) {
      const sub = subs[next++]
      const res = await webpushJs.sendNotification(sub, payload, { vapidDetails, agent, TTL: 60 })
      if (res.statusCode === 201) sent++
    }
  }
  await Promise.all(Array.from({ length: sockets }, worker))
  agent.destroy()
  return sent
}

module.exports = { startRemote, measure, subscriptions, webPushRun }
