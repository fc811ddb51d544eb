'use strict'

// web-push-rs/queue when Redis cannot be reached: the calls that answer a caller (start,
// report, outcomes, wait, cancel, remove, worker.ready) fail with ERR_QUEUE_UNREACHABLE
// after connectTimeoutMs instead of hanging, while a running worker rides out the outage.
// A port nothing listens on; a real redis-server (AOF, appendfsync always) stopped while a
// producer stores a campaign and a worker sends it, then started again on the same data.

const test = require('node:test')
const assert = require('node:assert/strict')
const { generateVAPIDKeys, WebPushError } = require('..')
const { startPushService } = require('../testing')
const { Campaigns } = require('../queue')
const { RedisServer, collectOutcomes } = require('./queue/harness.js')
const { expectError, freePort, until } = require('./helpers.js')

const LIMIT = { timeout: 120000 }
const vapid = { subject: 'mailto:queue@example.org', ...generateVAPIDKeys() }

test('a port nothing listens on: every call that answers a caller fails with ERR_QUEUE_UNREACHABLE', LIMIT, async () => {
  const port = await freePort()
  const campaigns = new Campaigns({ connection: { host: '127.0.0.1', port }, connectTimeoutMs: 300 })
  const named = new RegExp(`could not connect to Redis at 127\\.0\\.0\\.1:${port} within connectTimeoutMs \\(300 ms; no connection for \\d+ ms\\); last error: .*ECONNREFUSED`)
  const calls = {
    report: () => campaigns.report('c'),
    start: () => campaigns.start({ id: 'c', payload: 'x', targets: [{ endpoint: 'https://push.example.net/1' }] }),
    wait: () => campaigns.wait('c'),
    cancel: () => campaigns.cancel('c'),
    remove: () => campaigns.remove('c'),
    outcomes: async () => {
      for await (const o of campaigns.outcomes('c')) assert.fail(`an outcome without Redis: ${JSON.stringify(o)}`)
    },
  }
  for (const [name, call] of Object.entries(calls)) {
    const err = await expectError(assert, call, WebPushError, 'ERR_QUEUE_UNREACHABLE', named)
    assert.ok(err.message.length > 0, name)
  }
  const worker = campaigns.worker({ vapid })
  await expectError(assert, () => worker.ready(), WebPushError, 'ERR_QUEUE_UNREACHABLE', named)
  await campaigns.close() // returns without Redis too
})

test('connectTimeoutMs is checked', LIMIT, async () => {
  for (const bad of [0, -1, 1.5, '5000', 3600001]) {
    await expectError(assert, () => new Campaigns({ connection: { host: '127.0.0.1', port: 1 }, connectTimeoutMs: bad }), TypeError, 'ERR_INVALID_ARG_TYPE', /connectTimeoutMs must be an integer number of milliseconds from 1 to 3600000/)
  }
})

test('Redis stopped mid-way: the producer fails with ERR_QUEUE_UNREACHABLE, a running worker rides it out; start again resumes', LIMIT, async (t) => {
  const redis = await RedisServer.start()
  const service = await startPushService()
  const campaigns = new Campaigns({ connection: redis.connection, prefix: 'qu', connectTimeoutMs: 1000 })
  t.after(async () => {
    await campaigns.close()
    await service.close()
    await redis.close()
  })
  const subs = await Promise.all(Array.from({ length: 20 }, () => service.subscribe({ applicationServerKey: vapid.publicKey })))
  const n = 3000
  const list = Array.from({ length: n }, (_, i) => subs[i % subs.length])
  const worker = campaigns.worker({ vapid, concurrency: 10, chunksAtOnce: 2 })
  await worker.ready()
  let stored = 0
  let restarting
  // A slow stream: Redis goes down (SIGKILL) after 1,000 targets and stays down 3 s: start
  // fails after 1 s of it, wait after 2 s.
  async function* slowly() {
    for (const s of list) {
      if (++stored === 1000) restarting = redis.restart({ signal: 'SIGKILL', downMs: 3000 })
      if (stored % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      yield s
    }
  }
  const before = service.stats().accepted
  const lost = new RegExp(`lost its connection to Redis at 127\\.0\\.0\\.1:${redis.port} and could not reconnect within connectTimeoutMs \\(1000 ms; no connection for \\d+ ms\\)`)
  await expectError(assert, () => campaigns.start({ id: 'midway', payload: 'p', chunkSize: 100, targets: slowly() }), WebPushError, 'ERR_QUEUE_UNREACHABLE', lost)
  await expectError(assert, () => campaigns.wait('midway'), WebPushError, 'ERR_QUEUE_UNREACHABLE', lost)
  await restarting
  // Redis is back with its data: the same start resumes after the chunks already stored.
  const { total } = await campaigns.start({ id: 'midway', payload: 'p', chunkSize: 100, targets: list })
  assert.equal(total, n)
  const report = await campaigns.wait('midway', { intervalMs: 100 })
  assert.equal(report.done, n)
  assert.equal(report.sent, n)
  const outcomes = await collectOutcomes(assert, campaigns, 'midway')
  assert.equal(outcomes.size, n, 'one outcome per target')
  // The worker kept its chunks through the outage: nothing was sent twice.
  await until(() => service.stats().accepted - before, (accepted) => accepted >= n, 'the push service to count every message')
  assert.equal(service.stats().accepted - before, n, 'each target accepted once')
})
