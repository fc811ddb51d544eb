'use strict'

// CPU per message beyond the crypto, this checkout against another one, in the same run:
//   BENCH_OTHER_ROOT=<checkout of an earlier commit, built> node bench/cpu.js
// Each round runs both trees, one after the other, each in a process of its own with the push
// service in a further process (bench/common.js): `sendMany` of BENCH_N (default 10000) × 1 KiB
// over HTTP/2 with a fixed 100 in flight, CPU µs per message, minus the CPU µs of one `encrypt`
// (aes128gcm, 1 KiB) measured in the same process. The machine's load changes from round to
// round, so the figure compared is the median of the rounds' own ratios. Without
// BENCH_OTHER_ROOT it measures this checkout only. BENCH_ROUNDS (default 3).
// Writes bench/results/cpu.json.

const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const N = Number(process.env.BENCH_N || 10000)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3)
const payload = Buffer.alloc(1024, 'p')

/** In a child: one tree's figures, printed as a JSON line. */
async function child(root) {
  const webpush = require(root)
  const { generateSubscriptionKeys } = require(path.join(root, 'testing'))
  const { startRemote, measure, subscriptions } = require('./common.js')
  const remote = await startRemote()
  try {
    const pool = Array.from({ length: 1000 }, () => generateSubscriptionKeys())
    const vapid = { subject: 'mailto:bench@web-push-rs.org', ...webpush.generateVAPIDKeys() }
    const run = await measure('sendMany', N, async () => {
      const push = new webpush.WebPush({ vapid, ca: remote.h2.ca, ttl: 60, concurrency: 100 })
      const report = await push.sendMany(subscriptions(remote.h2.origin, N, pool), payload)
      await push.close()
      return report.sent
    })
    const cpu = process.cpuUsage()
    const ops = 3000
    for (let i = 0; i < ops; i++) {
      const { keys } = pool[i % pool.length].subscription
      webpush.encrypt(keys.p256dh, keys.auth, payload, 'aes128gcm')
    }
    const used = process.cpuUsage(cpu)
    const encryptUs = (used.user + used.system) / ops
    console.log(JSON.stringify({ msgPerSec: run.msgPerSec, cpuUsPerMsg: run.cpuUsPerMsg, encryptUs, beyondUs: run.cpuUsPerMsg - encryptUs }))
  } finally {
    remote.child.stdin.end()
  }
}

function measureTree(root) {
  const out = execFileSync(process.execPath, [__filename, '--child', root], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  return JSON.parse(out.trim().split('\n').pop())
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function main() {
  const here = path.join(__dirname, '..')
  const other = process.env.BENCH_OTHER_ROOT ? path.resolve(process.env.BENCH_OTHER_ROOT) : null
  const rounds = []
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which tree goes first: the second one of a round may find the machine warmer.
    const row = {}
    if (other && round % 2 === 0) row.other = measureTree(other)
    row.here = measureTree(here)
    if (other && round % 2 === 1) row.other = measureTree(other)
    rounds.push(row)
    const fmt = (r) => `${r.cpuUsPerMsg.toFixed(1)} µs/msg − encrypt ${r.encryptUs.toFixed(1)} = ${r.beyondUs.toFixed(1)} µs (${r.msgPerSec.toFixed(0)} msg/s)`
    console.log(`round ${round}: this tree ${fmt(row.here)}${other ? `; other ${fmt(row.other)}; ratio ${(row.here.beyondUs / row.other.beyondUs).toFixed(2)}` : ''}`)
  }
  const summary = { date: new Date().toISOString(), node: process.version, n: N, other, rounds, beyondUs: median(rounds.map((r) => r.here.beyondUs)) }
  if (other) summary.ratio = median(rounds.map((r) => r.here.beyondUs / r.other.beyondUs))
  console.log(`\nCPU per message beyond the crypto (median of ${ROUNDS}): ${summary.beyondUs.toFixed(1)} µs${other ? `; × the other tree: ${summary.ratio.toFixed(2)} (median of the rounds' ratios)` : ''}`)
  const dir = path.join(__dirname, 'results')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'cpu.json'), JSON.stringify(summary, null, 2))
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((err) => {
    console.error(err)
    process.exit(1)
  })
} else {
  main()
}
