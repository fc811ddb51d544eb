'use strict'

// Campaigns (web-push-rs/queue) against in-process sendMany: 100,000 × 1 KiB to a loopback
// HTTPS (HTTP/2) sink push service in another process, all in one run:
//   1. WebPush.sendMany in this process (100 in flight)
//   2. a campaign with 1 worker process, 3. with 2 worker processes (defaults: 300 in flight
//      per chunk, 2 chunks at once); the producer streams the targets in while workers send.
// Reports msg/s (end to end: first target stored → last outcome recorded), total CPU per
// message (this process + workers + redis-server; the push service is the remote side and
// not counted), Redis memory per pending target, worker peak RSS.
// The three runs are interleaved over BENCH_QUEUE_ROUNDS rounds (default 3) and the medians
// reported (the machine is shared: single runs swing widely).
// Env: BENCH_QUEUE_N (default 100000), BENCH_QUEUE_ROUNDS, BENCH_QUEUE_WORKER (JSON worker
// options), BENCH_QUEUE_WORKER_NODE_ARGS (Node flags of the workers, e.g. --cpu-prof),
// BENCH_QUEUE_OTHER_ROOT (a checkout whose worker also runs, 1 process, in every round). Writes bench/results/queue.json.

const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { fork } = require('node:child_process')
const { performance } = require('node:perf_hooks')
const { WebPush, generateVAPIDKeys } = require('..')
const { generateSubscriptionKeys, decrypt } = require('../testing')
const { Campaigns } = require('../queue')
const { RedisServer } = require('../lib/queue/redis-server.js')
const { startRemote } = require('./common.js')

const N = Number(process.env.BENCH_QUEUE_N || 100000)
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS || 3)
const payload = Buffer.alloc(1024, 'p')
const vapid = { subject: 'mailto:bench@example.com', ...generateVAPIDKeys() }
const TICK = 100 // /proc clock ticks per second (Linux default)
const WORKER_OPTIONS = JSON.parse(process.env.BENCH_QUEUE_WORKER || '{}') // e.g. {"chunksAtOnce":4}
// Node flags of the worker processes, e.g. BENCH_QUEUE_WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'
const WORKER_NODE_ARGS = (process.env.BENCH_QUEUE_WORKER_NODE_ARGS || '').split(' ').filter(Boolean)
// Another checkout (e.g. an earlier commit, with node_modules and the .node built): each round
// also runs a campaign with 1 worker process of that tree's worker, for before/after ratios.
const OTHER_ROOT = process.env.BENCH_QUEUE_OTHER_ROOT ? path.resolve(process.env.BENCH_QUEUE_OTHER_ROOT) : undefined

/** CPU µs used so far by a process (Linux /proc). */
function cpuOf(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / TICK) * 1e6
}

/**
 * CPU µs used so far by each thread of a process, summed by role: `js` (the main thread,
 * tid = pid), `tokio` (the Rust client's runtime), `other` (V8/libuv helpers and the rest).
 */
function threadCpuOf(pid) {
  const out = { js: 0, tokio: 0, other: 0 }
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    } catch {
      continue // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
    const us = ((Number(fields[11]) + Number(fields[12])) / TICK) * 1e6
    const role = tid === String(pid) ? 'js' : name.startsWith('tokio') ? 'tokio' : 'other'
    out[role] += us
  }
  return out
}

/** Peak RSS (VmHWM) of a process in bytes. */
function peakRss(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m[1]) * 1024
}

function* targets(origin, n, pool) {
  for (let i = 0; i < n; i++) yield { endpoint: `${origin}/push/${i}`, keys: pool[i % pool.length].subscription.keys }
}

function startWorker(redis, prefix, ca, root = path.join(__dirname, '..')) {
  const child = fork(path.join(root, '__test__', 'queue', 'worker-process.js'), [], {
    env: { ...process.env, WEB_PUSH_RS_QUEUE_WORKER: JSON.stringify({ connection: redis.connection, prefix, vapid, options: { ca, ...WORKER_OPTIONS } }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: WORKER_NODE_ARGS,
  })
  return new Promise((resolve, reject) => {
    child.on('message', (m) => { if (m.ready) resolve({ child, maxInFlight: m.maxInFlight }) })
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)))
  })
}

async function closeWorker(w) {
  const exited = new Promise((resolve) => w.child.once('exit', resolve))
  w.child.send('close')
  await exited
}

async function sendManyRun(remote, pool) {
  const cpu = process.cpuUsage()
  const push = new WebPush({ vapid, ca: remote.h2.ca, ttl: 600, concurrency: 100 })
  const threadsBefore = threadCpuOf(process.pid)
  const start = performance.now()
  const report = await push.sendMany(targets(remote.h2.origin, N, pool), payload)
  const wall = performance.now() - start
  const threadsAfter = threadCpuOf(process.pid) // before close(): its runtime threads end there
  await push.close()
  const used = process.cpuUsage(cpu)
  if (report.sent !== N) throw new Error(`sendMany: ${report.sent}/${N} sent`)
  const split = {}
  for (const role of ['js', 'tokio', 'other']) split[role] = (threadsAfter[role] - threadsBefore[role]) / N
  return {
    name: 'WebPush.sendMany, in process', workers: 0, msgPerSec: N / (wall / 1000), cpuUsPerMsg: (used.user + used.system) / N, wallMs: wall,
    cpuUsPerMsgThreads: split,
  }
}

async function campaignRun(redis, remote, pool, workerCount, round, root) {
  const prefix = `bench${workerCount}-${round}${root ? '-other' : ''}`
  const campaigns = new Campaigns({ connection: redis.connection, prefix })
  const memoryBefore = await redis.usedMemory(campaigns.redis)
  const workers = []
  for (let i = 0; i < workerCount; i++) workers.push(await startWorker(redis, prefix, remote.h2.ca, root))
  const cpuBefore = { self: process.cpuUsage(), redis: cpuOf(redis.pid), workers: workers.map((w) => cpuOf(w.child.pid)), threads: workers.map((w) => threadCpuOf(w.child.pid)) }
  const start = performance.now()
  const id = `bench-${workerCount}`
  await campaigns.start({ id, payload, options: { ttl: 600 }, targets: targets(remote.h2.origin, N, pool) })
  const report = await campaigns.wait(id, { intervalMs: 50 })
  const wall = performance.now() - start
  const self = process.cpuUsage(cpuBefore.self)
  const split = {
    producer: self.user + self.system,
    redis: cpuOf(redis.pid) - cpuBefore.redis,
    workers: workers.reduce((sum, w, i) => sum + cpuOf(w.child.pid) - cpuBefore.workers[i], 0),
  }
  const cpu = split.producer + split.redis + split.workers
  // Worker threads that ended during the run are missing here (their CPU is in `workers`).
  const threads = { js: 0, tokio: 0, other: 0 }
  workers.forEach((w, i) => {
    const now = threadCpuOf(w.child.pid)
    for (const role of Object.keys(threads)) threads[role] += now[role] - cpuBefore.threads[i][role]
  })
  const rss = workers.map((w) => peakRss(w.child.pid))
  const memoryDone = await redis.usedMemory(campaigns.redis)
  await Promise.all(workers.map(closeWorker))
  await campaigns.remove(id)
  await campaigns.close()
  if (report.sent !== N) throw new Error(`campaign: ${report.sent}/${N} sent`)
  return {
    name: `campaign, ${workerCount} worker process${workerCount > 1 ? 'es' : ''}${root ? ` of ${path.basename(root)}` : ''}`,
    workers: workerCount,
    msgPerSec: N / (wall / 1000),
    cpuUsPerMsg: cpu / N,
    cpuUsPerMsgSplit: { producer: split.producer / N, redis: split.redis / N, workers: split.workers / N, workerJs: threads.js / N, workerTokio: threads.tokio / N, workerOther: threads.other / N },
    wallMs: wall,
    workerPeakRssMB: Math.max(...rss) / 2 ** 20,
    redisBytesPerDoneTarget: (memoryDone - memoryBefore) / N,
  }
}

/** Fresh random keys shaped like a browser's (memory runs only: they are never sent to). */
function randomKeys() {
  return { p256dh: Buffer.concat([Buffer.from([4]), crypto.randomBytes(64)]).toString('base64url'), auth: crypto.randomBytes(16).toString('base64url') }
}

/** Endpoints shaped like the local push service's (`…/push/<22 characters>`), random keys. */
function* localShapedTargets(origin, n) {
  for (let i = 0; i < n; i++) yield { endpoint: `${origin}/push/${crypto.randomBytes(16).toString('base64url')}`, keys: randomKeys() }
}

/** FCM-shaped endpoints (the FCM prefix and a 163-character registration token), random keys. */
function* fcmTargets(n) {
  for (let i = 0; i < n; i++) {
    const token = `${crypto.randomBytes(8).toString('base64url')}:APA91b${crypto.randomBytes(109).toString('base64url')}`
    yield { endpoint: `https://fcm.googleapis.com/fcm/send/${token}`, keys: randomKeys() }
  }
}

/** Redis memory per pending target: a campaign of N stored with no worker running. */
async function memoryRun(redis, makeTargets, endpointBytes) {
  const campaigns = new Campaigns({ connection: redis.connection, prefix: 'benchmem' })
  const before = await redis.usedMemory(campaigns.redis)
  const rssBefore = process.memoryUsage().rss
  const start = performance.now()
  await campaigns.start({ id: 'memory', payload, targets: makeTargets() })
  const storeMs = performance.now() - start
  const after = await redis.usedMemory(campaigns.redis)
  const producerRssGrowthMB = (process.memoryUsage().rss - rssBefore) / 2 ** 20
  await campaigns.remove('memory')
  const removed = await redis.usedMemory(campaigns.redis)
  await campaigns.close()
  return { bytesPerPendingTarget: (after - before) / N, storeTargetsPerSec: N / (storeMs / 1000), producerRssGrowthMB, leftAfterRemoveBytes: removed - before, endpointBytes }
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** The median of each numeric field over a run's rounds (and the rounds themselves). */
function medianRow(rounds) {
  const row = { ...rounds[0], rounds: rounds.map((r) => ({ msgPerSec: r.msgPerSec, cpuUsPerMsg: r.cpuUsPerMsg })) }
  for (const key of ['msgPerSec', 'cpuUsPerMsg', 'wallMs', 'workerPeakRssMB', 'redisBytesPerDoneTarget']) {
    if (typeof rounds[0][key] === 'number') row[key] = median(rounds.map((r) => r[key]))
  }
  if (rounds[0].cpuUsPerMsgThreads) {
    row.cpuUsPerMsgThreads = {}
    for (const part of Object.keys(rounds[0].cpuUsPerMsgThreads)) row.cpuUsPerMsgThreads[part] = median(rounds.map((r) => r.cpuUsPerMsgThreads[part]))
  }
  if (rounds[0].cpuUsPerMsgSplit) {
    row.cpuUsPerMsgSplit = {}
    for (const part of Object.keys(rounds[0].cpuUsPerMsgSplit)) row.cpuUsPerMsgSplit[part] = median(rounds.map((r) => r.cpuUsPerMsgSplit[part]))
  }
  return row
}

async function main() {
  const remote = await startRemote()
  const redis = await RedisServer.start()
  try {
    const pool = Array.from({ length: 1000 }, () => generateSubscriptionKeys())
    // Validity first: what the client sends decrypts to the payload.
    const probe = pool[0]
    const details = require('..').generateRequestDetails(probe.subscription, payload, { vapidDetails: vapid })
    if (!decrypt(details.body, { privateKey: probe.privateKey, auth: probe.subscription.keys.auth }, details.headers).equals(payload)) throw new Error('invalid ciphertext')

    const memory = await memoryRun(redis, () => localShapedTargets(remote.h2.origin, N), localShapedTargets(remote.h2.origin, 1).next().value.endpoint.length)
    const fcmMemory = await memoryRun(redis, () => fcmTargets(N), fcmTargets(1).next().value.endpoint.length)
    const runs = OTHER_ROOT ? [[], [], [], []] : [[], [], []]
    for (let round = 0; round < ROUNDS; round++) {
      runs[0].push(await sendManyRun(remote, pool))
      runs[1].push(await campaignRun(redis, remote, pool, 1, round))
      runs[2].push(await campaignRun(redis, remote, pool, 2, round))
      if (OTHER_ROOT) runs[3].push(await campaignRun(redis, remote, pool, 1, round, OTHER_ROOT))
      console.error(`round ${round + 1}/${ROUNDS}: ${runs.map((r) => r.at(-1).msgPerSec.toFixed(0)).join(' / ')} msg/s`)
    }
    const rows = runs.map(medianRow)
    const base = rows[0]
    console.log(`Campaigns vs sendMany (medians of ${ROUNDS} interleaved rounds): ${N} × 1 KiB to a loopback HTTPS/HTTP2 sink push service in another process (Node ${process.version}, ${require('node:os').cpus().length} cores)\n`)
    console.log('| run | msg/s | × sendMany (median of the rounds\' ratios) | CPU µs/msg (all our processes) | worker peak RSS |')
    console.log('|---|---:|---:|---:|---:|')
    for (const r of rows) {
      // The ratio is the median of the rounds' own ratios: each round's runs share its load.
      r.vsSendMany = median(r.rounds.map((x, i) => x.msgPerSec / base.rounds[i].msgPerSec))
      console.log(`| ${r.name} | ${r.msgPerSec.toFixed(0)} | ${r.vsSendMany.toFixed(2)} | ${r.cpuUsPerMsg.toFixed(0)} | ${r.workerPeakRssMB ? `${r.workerPeakRssMB.toFixed(0)} MB` : '—'} |`)
    }
    console.log('')
    for (const r of rows.slice(1)) console.log(`${r.name}: × sendMany per round ${r.rounds.map((x, i) => (x.msgPerSec / base.rounds[i].msgPerSec).toFixed(2)).join(', ')}`)
    const t = base.cpuUsPerMsgThreads
    console.log(`\n${base.name}: CPU µs/msg JS thread ${t.js.toFixed(0)}, tokio ${t.tokio.toFixed(0)}, other threads ${t.other.toFixed(0)}`)
    for (const r of rows.filter((row) => row.cpuUsPerMsgSplit)) {
      const c = r.cpuUsPerMsgSplit
      console.log(`\n${r.name}: CPU µs/msg producer ${c.producer.toFixed(0)}, redis-server ${c.redis.toFixed(0)}, workers ${c.workers.toFixed(0)} (JS thread ${c.workerJs.toFixed(0)}, tokio ${c.workerTokio.toFixed(0)}, other threads ${c.workerOther.toFixed(0)})`)
    }
    console.log(`\nRedis memory per pending target (random keys): ${memory.bytesPerPendingTarget.toFixed(0)} bytes with ${memory.endpointBytes}-byte local endpoints (${N} stored in ${(N / memory.storeTargetsPerSec).toFixed(1)} s, producer RSS growth ${memory.producerRssGrowthMB.toFixed(0)} MB)`)
    console.log(`Redis memory per pending target (random keys): ${fcmMemory.bytesPerPendingTarget.toFixed(0)} bytes with ${fcmMemory.endpointBytes}-byte FCM-shaped endpoints`)
    console.log(`Redis memory per finished target (its outcome record): ${rows[1].redisBytesPerDoneTarget.toFixed(0)} bytes`)
    const dir = path.join(__dirname, 'results')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'queue.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, n: N, rounds: ROUNDS, workerOptions: WORKER_OPTIONS, rows, memory, fcmMemory }, null, 2))
  } finally {
    await redis.close()
    remote.child.stdin.end()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
