'use strict'

// web-push-rs/queue across processes: worker processes (forked, each its own Campaigns and
// Rust client) share campaigns on one real redis-server (AOF, appendfsync always) and send to
// the local push service in this process, which counts what it accepted. Faults injected;
// a worker killed with SIGKILL; Redis killed and restarted mid-campaign.

const test = require('node:test')
const assert = require('node:assert/strict')
const { generateVAPIDKeys } = require('..')
const { startPushService } = require('../testing')
const { Campaigns } = require('../queue')
const { RedisServer, startWorkerProcess, until, collectOutcomes } = require('./queue/harness.js')

// A failure must fail, not hang on a campaign that never finishes.
const LIMIT = { timeout: 240000 }
const vapid = { subject: 'mailto:queue@example.com', ...generateVAPIDKeys() }
// Locks of 10 s (default 30 s): long enough that a loaded machine never lets a live worker's
// lock run out (that would hand its chunk to another worker mid-round).
const WORKER = { concurrency: 25, chunksAtOnce: 2, lockDurationMs: 10000, stalledIntervalMs: 2000, timeoutMs: 1500, retry: { attempts: 6, maxDelayMs: 500 } }
// The SIGKILL test: short locks so the killed worker's chunks are taken over within seconds.
const SHORT_LOCKS = { ...WORKER, lockDurationMs: 4000, stalledIntervalMs: 1000 }

let redis
let service
let subs
const workers = []
const opened = []

test.before(async () => {
  redis = await RedisServer.start()
  service = await startPushService()
  subs = await Promise.all(Array.from({ length: 200 }, () => service.subscribe({ applicationServerKey: vapid.publicKey })))
})
test.after(async () => {
  await Promise.all(workers.map((w) => w.kill().catch(() => {})))
  await Promise.all(opened.map((c) => c.close()))
  await service?.close()
  await redis?.close()
})

function scoped(prefix) {
  const c = new Campaigns({ connection: redis.connection, prefix })
  opened.push(c)
  return c
}

async function startWorkers(n, prefix, options = WORKER) {
  const started = await Promise.all(Array.from({ length: n }, () => startWorkerProcess({ connection: redis.connection, prefix, vapid, options }).ready))
  workers.push(...started)
  return started
}

/** Sum of each kind; asserts they add up to the total and that every target has one outcome. */
async function checkTotals(campaigns, id, total) {
  const report = await campaigns.report(id)
  assert.equal(report.total, total)
  assert.equal(report.done, total)
  assert.equal(report.sent + report.gone + report.rejected + report.failed + report.expired + report.cancelled, total)
  const outcomes = await collectOutcomes(assert, campaigns, id)
  assert.equal(outcomes.size, total, 'one outcome per target')
  for (let i = 0; i < total; i++) assert.ok(outcomes.has(i), `target ${i} has an outcome`)
  const counted = {}
  for (const o of outcomes.values()) counted[o.kind] = (counted[o.kind] ?? 0) + 1
  for (const kind of ['sent', 'gone', 'rejected', 'failed']) assert.equal(counted[kind] ?? 0, report[kind], `${kind}: counters match the records`)
  return { report, outcomes }
}

test('20,000 targets over 3 worker processes with injected faults: totals add up, one outcome each, accepted == sent', LIMIT, async (t) => {
  const campaigns = scoped('qp-faults')
  const expired = subs.slice(190, 195)
  for (const s of expired) service.expire(s)
  const unknown = { endpoint: `${service.origin}/push/no-such-subscription`, keys: subs[0].keys }
  const tooBig = subs[195]
  service.failNext(tooBig, { status: 413, times: 100000 })
  const n = 20000
  const list = Array.from({ length: n }, (_, i) => (i % 1000 === 999 ? unknown : subs[i % 196]))
  const expect = { gone: list.filter((s) => s === unknown || expired.includes(s)).length, rejected: list.filter((s) => s === tooBig).length }
  // Faults for the next requests, whoever sends them: 5xx, resets, stalls (timeouts), a 429 with Retry-After.
  service.failNext(300, { status: 503 })
  service.failNext(150, { status: 500 })
  service.failNext(60, { reset: true })
  service.failNext(20, { stall: true })
  service.failNext(3, { status: 429, retryAfter: 1 })
  const before = service.stats().accepted
  const started = Date.now()
  await campaigns.start({ id: 'twenty-k', payload: 'faults', options: { ttl: 3600 }, targets: list })
  const group = await startWorkers(3, 'qp-faults')
  const final = await campaigns.wait('twenty-k', { intervalMs: 250 })
  const { report } = await checkTotals(campaigns, 'twenty-k', n)
  assert.deepEqual(final, report)
  assert.equal(report.state, 'done')
  assert.equal(service.stats().accepted - before, report.sent, 'the push service accepted exactly the sent ones')
  assert.equal(report.gone, expect.gone)
  assert.equal(report.rejected, expect.rejected)
  assert.equal(report.sent + report.failed, n - expect.gone - expect.rejected)
  assert.ok(report.failed < 50, `${report.failed} failed after retries`)
  await Promise.all(group.map((w) => w.close()))
  const gone = group.flatMap((w) => w.gone)
  assert.equal(gone.length, expect.gone, 'onGone once per gone target')
  assert.equal(new Set(gone).size, expect.gone)
  assert.ok(group.every((w) => w.gone.length < expect.gone), 'the work was shared')
  t.diagnostic(`20,000 over 3 processes in ${Date.now() - started} ms; failed ${report.failed}`)
})

test('a worker killed with SIGKILL mid-campaign: the others finish; duplicates <= its in-flight', LIMIT, async (t) => {
  const campaigns = scoped('qp-kill')
  const n = 6000
  const before = service.stats().accepted
  await campaigns.start({ id: 'kill-one', payload: 'survive', targets: Array.from({ length: n }, (_, i) => subs[i % 180]) })
  const [victim, ...rest] = await startWorkers(3, 'qp-kill', SHORT_LOCKS)
  await until(async () => (await campaigns.report('kill-one')).done >= 1500)
  await victim.kill()
  const report = await campaigns.wait('kill-one', { intervalMs: 250 })
  await checkTotals(campaigns, 'kill-one', n)
  assert.equal(report.sent, n)
  const duplicates = service.stats().accepted - before - report.sent
  assert.ok(duplicates >= 0)
  assert.ok(duplicates <= victim.maxInFlight, `${duplicates} duplicate deliveries, in-flight bound ${victim.maxInFlight}`)
  await Promise.all(rest.map((w) => w.close()))
  t.diagnostic(`duplicates after SIGKILL: ${duplicates} (bound ${victim.maxInFlight})`)
})

test('Redis killed and restarted mid-campaign: the campaign finishes, nothing lost or doubled', LIMIT, async () => {
  const campaigns = scoped('qp-restart')
  const n = 4000
  const before = service.stats().accepted
  await campaigns.start({ id: 'restart', payload: 'durable', targets: Array.from({ length: n }, (_, i) => subs[i % 180]) })
  // Locks longer than the outage (BullMQ reconnects within a few seconds): no chunk changes hands.
  const group = await startWorkers(2, 'qp-restart', { ...WORKER, lockDurationMs: 15000 })
  await until(async () => (await campaigns.report('restart')).done >= 1000)
  const pid = redis.pid
  await redis.restart({ signal: 'SIGKILL', downMs: 500 })
  assert.notEqual(redis.pid, pid)
  const report = await campaigns.wait('restart', { intervalMs: 250 })
  await checkTotals(campaigns, 'restart', n)
  assert.equal(report.sent, n)
  assert.equal(service.stats().accepted - before, n, 'each target accepted once')
  await Promise.all(group.map((w) => w.close()))
})
