'use strict'

// The WebPush client against the local push service with injected faults.

const test = require('node:test')
const assert = require('node:assert/strict')
const { WebPush, WebPushError, generateVAPIDKeys } = require('..')
const { startPushService } = require('../testing')
const { expectError } = require('./helpers.js')

const vapidKeys = generateVAPIDKeys()
const vapid = { subject: 'mailto:fanout@example.com', ...vapidKeys }

let service
test.before(async () => { service = await startPushService() })
test.after(() => service.close())

const subscribe = (n, opts) => Promise.all(Array.from({ length: n }, () => service.subscribe(opts)))

test('a mixed batch: every target in exactly one bucket', async () => {
  const push = new WebPush({ vapid, timeoutMs: 300, retry: { attempts: 2, maxDelayMs: 2000 }, concurrency: 8 })
  const [ok, gone, tooBig, throttled, flaky, stalled] = await subscribe(6, { applicationServerKey: vapid.publicKey })
  service.expire(gone)
  service.failNext(tooBig, { status: 413 })
  service.failNext(throttled, { status: 429, retryAfter: 1 })
  service.failNext(flaky, { status: 500 })
  service.failNext(stalled, { stall: true, times: 5 })
  const invalidKeys = { endpoint: ok.endpoint, keys: { p256dh: 'BAAA', auth: ok.keys.auth } }
  const report = await push.sendMany([ok, gone, tooBig, invalidKeys, throttled, flaky, stalled, 42], 'mixed')
  assert.equal(report.total, 8)
  assert.equal(report.sent, 3)
  assert.deepEqual(report.gone.map((o) => [o.index, o.statusCode]), [[1, 410]])
  assert.deepEqual(report.rejected.map((o) => [o.index, o.statusCode ?? o.code]), [[2, 413], [3, 'ERR_INVALID_P256DH'], [7, 'ERR_INVALID_ENDPOINT']])
  assert.deepEqual(report.failed.map((o) => [o.index, o.code, o.attempts]), [[6, 'ERR_TIMEOUT', 2]])
  assert.equal(report.rejected[1].attempts, 0, 'invalid keys are never sent')
  const throttledMessages = service.messages(throttled)
  assert.equal(throttledMessages.length, 1)
  assert.ok(report.durationMs >= 1000, 'waited for Retry-After: 1')
  assert.deepEqual(service.messages(ok).map((m) => m.text), ['mixed'])
  await push.close()
})

test('Retry-After is respected and retries are bounded', async () => {
  const push = new WebPush({ vapid, retry: { attempts: 3, maxDelayMs: 5000 } })
  const [sub] = await subscribe(1)
  service.failNext(sub, { status: 429, retryAfter: 1, times: 2 })
  const before = service.stats().requests
  const started = Date.now()
  const result = await push.send(sub, 'eventually')
  const elapsed = Date.now() - started
  assert.equal(result.statusCode, 201)
  assert.equal(service.stats().requests - before, 3)
  assert.ok(elapsed >= 1900 && elapsed < 4500, `two 1 s waits, took ${elapsed} ms`)

  service.failNext(sub, { status: 503, times: 3 })
  const err = await expectError(assert, () => push.send(sub, 'never'), WebPushError, 'ERR_UNEXPECTED_STATUS')
  assert.deepEqual([err.statusCode, err.attempts, err.outcome], [503, 3, 'failed'])

  service.failNext(sub, { status: 429, retryAfter: 60 })
  const tooLong = await expectError(assert, () => push.send(sub, 'x'), WebPushError, 'ERR_UNEXPECTED_STATUS')
  assert.deepEqual([tooLong.statusCode, tooLong.attempts, tooLong.retryAfterMs], [429, 1, 60000], 'a Retry-After above maxDelayMs is not waited for')

  service.failNext(sub, { status: 429, retryAfter: 2 })
  const pastTtl = await expectError(assert, () => push.send(sub, 'x', { ttl: 1 }), WebPushError, 'ERR_UNEXPECTED_STATUS')
  assert.equal(pastTtl.attempts, 1, 'no retry beyond the message TTL')
  await push.close()
})

test('exactly one outcome per target: 10,000 targets with injected faults', async () => {
  const push = new WebPush({ vapid, retry: { attempts: 2, maxDelayMs: 50 }, concurrency: 100 })
  const subs = await subscribe(50)
  service.expire(subs[0])
  service.failNext(300, { status: 503, retryAfter: 0 })
  service.failNext(200, { status: 500 })
  service.failNext(100, { reset: true })
  service.failNext(subs[1], { status: 413, times: 1000 })
  const before = service.stats().accepted
  const n = 10000
  const report = await push.sendMany(Array.from({ length: n }, (_, i) => subs[i % 50]), Buffer.alloc(64, 1))
  const indices = [...report.gone, ...report.rejected, ...report.failed].map((o) => o.index)
  assert.equal(report.total, n)
  assert.equal(report.sent + indices.length, n)
  assert.equal(new Set(indices).size, indices.length, 'no target reported twice')
  assert.equal(service.stats().accepted - before, report.sent, 'every sent message accepted exactly once')
  assert.ok(report.rejected.every((o) => o.endpoint === subs[1].endpoint && o.statusCode === 413), 'only the 413 subscription is rejected')
  assert.ok(report.rejected.length > 150)
  assert.ok(report.gone.every((o) => o.endpoint === subs[0].endpoint))
  assert.ok(report.gone.length + report.failed.length >= 150)
  await push.close()
})

test('abort mid-batch: in-flight finish, the rest fail with ERR_ABORTED', async () => {
  const push = new WebPush({ vapid, concurrency: 2 })
  const [sub] = await subscribe(1)
  service.failNext(sub, { delayMs: 150, times: 100 })
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 50)
  const report = await push.sendMany(Array.from({ length: 40 }, () => sub), 'x', { signal: controller.signal })
  assert.equal(report.total, 40)
  assert.equal(report.sent, 2)
  assert.equal(report.failed.length, 38)
  assert.ok(report.failed.every((o) => o.code === 'ERR_ABORTED'))
  const pre = new AbortController()
  pre.abort()
  const none = await push.sendMany([sub, sub], 'x', { signal: pre.signal })
  assert.deepEqual([none.sent, none.failed.length], [0, 2])
  await push.close()
})

test('async iterable input with per-target payloads and options; throttled progress', async () => {
  const push = new WebPush({ vapid, ttl: 600 })
  const subs = await subscribe(3)
  async function* targets() {
    for (const [i, subscription] of subs.entries()) {
      await new Promise((r) => setTimeout(r, 80))
      yield { subscription, payload: `for ${i}`, options: { urgency: 'high', topic: `t${i}` } }
    }
    yield { subscription: subs[0], options: { bogus: 1 } }
  }
  const seen = []
  const times = []
  const report = await push.sendMany(targets(), 'shared', { onProgress: (p) => { seen.push(p); times.push(performance.now()) } })
  assert.equal(report.total, 4)
  assert.equal(report.sent, 3)
  assert.equal(report.rejected[0].code, 'ERR_INVALID_OPTION')
  assert.equal(report.rejected[0].index, 3)
  for (const [i, sub] of subs.entries()) {
    const [m] = service.messages(sub)
    assert.deepEqual([m.text, m.urgency, m.topic, m.ttl], [`for ${i}`, 'high', `t${i}`, 600])
  }
  assert.ok(seen.length >= 2, `progress during the batch, not only at the end: ${seen.length}`)
  const gaps = times.slice(1, -1).map((t, i) => t - times[i])
  assert.ok(gaps.every((gap) => gap >= 90), `throttled to ≤ 10/s (the final call aside): ${gaps.map(Math.round)}`)
  const { origins, ...counters } = seen.at(-1)
  assert.deepEqual(counters, { done: 4, total: undefined, sent: 3, gone: 0, rejected: 1, failed: 0, inFlight: 0 })
  assert.deepEqual(origins.map((o) => [o.origin, o.inFlight, o.queued]), [[service.origin, 0, 0]], 'one origin, idle at the end')
  assert.ok(origins[0].limit >= 1)
  await push.close()
})

test('HTTP/2 against the TLS push service, one JWT per audience per batch', async () => {
  const tls = await startPushService({ tls: true })
  try {
    const push = new WebPush({ vapid, ca: tls.ca })
    const subs = await Promise.all(Array.from({ length: 20 }, () => tls.subscribe({ applicationServerKey: vapid.publicKey })))
    const report = await push.sendMany(subs.concat(subs), 'h2')
    assert.equal(report.sent, 40)
    const messages = tls.messages()
    assert.ok(messages.every((m) => m.httpVersion === 'HTTP/2'))
    assert.equal(new Set(messages.map((m) => m.headers.authorization)).size, 1, 'signed once')
    await push.close()
  } finally {
    await tls.close()
  }
})

test('client options are validated; closed clients refuse work', async () => {
  await expectError(assert, () => new WebPush({ vapid: { ...vapid, subject: 'nope' } }), WebPushError, 'ERR_INVALID_SUBJECT')
  await expectError(assert, () => new WebPush({ vapid, concurrency: 0 }), TypeError, 'ERR_INVALID_ARG_TYPE', /concurrency/)
  await expectError(assert, () => new WebPush({ vapid, urgency: 'now' }), WebPushError, 'ERR_INVALID_URGENCY')
  await expectError(assert, () => new WebPush({ vapid, retries: 3 }), WebPushError, 'ERR_INVALID_OPTION', /'retries'/)
  await expectError(assert, () => new WebPush({ vapid, proxy: 'ftp://x' }), WebPushError, 'ERR_INVALID_PROXY')
  const push = new WebPush({ vapid, retry: false })
  await expectError(assert, () => push.sendMany(42), TypeError, 'ERR_INVALID_ARG_TYPE', /targets/)
  await expectError(assert, () => push.send({ endpoint: 'http://push.example.com/x' }), WebPushError, 'ERR_INVALID_ENDPOINT')
  const [sub] = await subscribe(1)
  const enc = await push.encrypt(sub, 'secret')
  assert.equal(enc.localPublicKey.length, 65)
  await push.close()
  await expectError(assert, () => push.send(sub, 'x'), WebPushError, 'ERR_CLIENT_CLOSED')
})

test('endpointPolicy: push-services allow-list, custom functions, never a crash', async () => {
  const [sub] = await subscribe(1)
  const strict = new WebPush({ vapid, endpointPolicy: 'push-services' })
  const refused = await strict.sendMany([sub], 'x')
  assert.deepEqual(refused.rejected.map((o) => [o.code, o.endpoint, o.attempts]), [['ERR_ENDPOINT_NOT_ALLOWED', sub.endpoint, 0]])
  await expectError(assert, () => strict.send(sub, 'x'), WebPushError, 'ERR_ENDPOINT_NOT_ALLOWED', /127\.0\.0\.1/)
  assert.equal(service.messages(sub).length, 0, 'nothing was sent')

  const port = new URL(service.origin).port
  const custom = new WebPush({ vapid, endpointPolicy: (url) => url.port === port })
  const elsewhere = { ...sub, endpoint: 'http://127.0.0.2:9/push/x' }
  const report = await custom.sendMany([sub, elsewhere], 'allowed')
  assert.equal(report.sent, 1)
  assert.deepEqual(report.rejected.map((o) => [o.index, o.code, o.endpoint]), [[1, 'ERR_ENDPOINT_NOT_ALLOWED', elsewhere.endpoint]])
  const throwing = new WebPush({ vapid, endpointPolicy: () => { throw new Error('policy bug') } })
  const bad = await throwing.sendMany([sub], 'x')
  assert.match(bad.rejected[0].message, /policy bug/)
  await expectError(assert, () => new WebPush({ vapid, endpointPolicy: 'open' }), WebPushError, 'ERR_INVALID_OPTION', /endpointPolicy/)
  for (const p of [strict, custom, throwing]) await p.close()
})

test('onOutcome streams every final outcome once, sent ones and local rejections included', async () => {
  const push = new WebPush({ vapid, retry: false, concurrency: 20, endpointPolicy: (url) => !url.pathname.includes('refused') })
  const subs = await subscribe(30)
  service.expire(subs[0])
  const refused = { ...subs[1], endpoint: `${subs[1].endpoint}refused` }
  const items = [...subs, refused, { subscription: subs[2], options: { urgency: 'soon' } }]
  const calls = []
  let inFlight = 0
  const report = await push.sendMany(items, 'streamed', {
    onOutcome: async (list) => {
      inFlight++
      assert.equal(inFlight, 1, 'calls never overlap')
      await new Promise((resolve) => setTimeout(resolve, 5))
      calls.push(...list)
      inFlight--
    },
  })
  assert.equal(calls.length, items.length, 'all delivered before sendMany resolved')
  assert.deepEqual(calls.map((o) => o.index).sort((a, b) => a - b), items.map((_, i) => i))
  const byIndex = new Map(calls.map((o) => [o.index, o]))
  assert.equal(byIndex.get(0).kind, 'gone')
  assert.equal(byIndex.get(5).kind, 'sent')
  assert.deepEqual([byIndex.get(30).kind, byIndex.get(30).code], ['rejected', 'ERR_ENDPOINT_NOT_ALLOWED'])
  assert.deepEqual([byIndex.get(31).kind, byIndex.get(31).code], ['rejected', 'ERR_INVALID_URGENCY'])
  assert.equal(calls.filter((o) => o.kind === 'sent').length, report.sent)
  assert.deepEqual(report.rejected.map((o) => [o.index, o.code]), [[30, 'ERR_ENDPOINT_NOT_ALLOWED'], [31, 'ERR_INVALID_URGENCY']])
  assert.ok(!('kind' in report.rejected[0]), 'report outcomes keep their shape')

  const failure = new Error('database down')
  await assert.rejects(push.sendMany(subs, 'x', { onOutcome: () => { throw failure } }), (err) => err === failure)
  await push.close()
})

test('batch rows: lib/client.js writes the schema src/batch_row.rs parses (one fixture, both sides)', () => {
  const fixture = require('./fixtures/batch-rows.json')
  const { row } = require('../lib/client.js')
  const payloads = []
  assert.deepEqual(fixture.items.map((item, index) => row(index, item, payloads)), fixture.rows)
  assert.deepEqual(payloads, fixture.payloads)
  const binding = require('../lib/native.js')
  assert.deepEqual([binding.BATCH_PAYLOAD_SHARED, binding.BATCH_PAYLOAD_NONE], [-1, -2])
})

test("concurrency 'auto': onProgress shows each origin's limit; an over-capacity service gets no target lost", async () => {
  // 60 in flight at most (the limit starts at 300), 429 with Retry-After: 1 past that; 50 ms away.
  const crowded = await startPushService({ tls: true, latencyMs: 50, maxConcurrentStreams: 100, overCapacity: { maxInFlight: 60, retryAfter: 1 } })
  try {
    const subs = await Promise.all(Array.from({ length: 20 }, () => crowded.subscribe({ applicationServerKey: vapid.publicKey })))
    // Targets waiting out a Retry-After hold no slot but count in progress: maxConcurrency bounds both.
    const push = new WebPush({ vapid, ca: crowded.ca, maxConcurrency: 2000, retry: { attempts: 10, maxDelayMs: 5000 } })
    const seen = []
    const report = await push.sendMany(Array.from({ length: 3000 }, (_, i) => subs[i % 20]), 'crowded', { onProgress: (p) => seen.push(p) })
    assert.equal(report.sent, 3000, 'every target sent in the end')
    const stats = crowded.stats()
    assert.equal(stats.accepted, 3000)
    assert.ok(stats.byStatus['429'] > 0, 'the service was pushed past its capacity')
    assert.ok(stats.peakStreamsPerConnection <= 100, `never past the stream limit: ${stats.peakStreamsPerConnection}`)
    const during = seen.filter((p) => p.origins.length === 1)
    assert.ok(during.length > 0, 'progress carries the origin')
    assert.equal(during[0].origins[0].origin, crowded.origin)
    assert.ok(during.every((p) => p.inFlight <= 2000), 'maxConcurrency bounds the batch')
    const limits = during.map((p) => p.origins[0].limit)
    assert.ok(Math.min(...limits.slice(limits.indexOf(Math.max(...limits)))) < Math.max(...limits), `the 429s cut the limit: ${limits.join(' ')}`)
    await push.close()
  } finally {
    await crowded.close()
  }
})

test('concurrency options: checked, named in the errors', async () => {
  await expectError(assert, () => new WebPush({ concurrency: 'fast' }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.concurrency must be 'auto' or an integer from 1 to 10000, got string "fast"/)
  await expectError(assert, () => new WebPush({ concurrency: 0 }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.concurrency/)
  await expectError(assert, () => new WebPush({ concurrency: 10, maxConcurrency: 50 }), WebPushError, 'ERR_INVALID_OPTION', /maxConcurrency.*concurrency 'auto'/)
  await expectError(assert, () => new WebPush({ maxConcurrency: 0.5 }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.maxConcurrency must be an integer from 1 to 100000/)
  await expectError(assert, () => new WebPush({ maxConnectionsPerOrigin: 0 }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.maxConnectionsPerOrigin must be an integer from 1 to 256/)
  await expectError(assert, () => startPushService({ overCapacity: { maxInFlight: 0 } }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.overCapacity\.maxInFlight/)
  await expectError(assert, () => startPushService({ overCapacity: { max: 5 } }), WebPushError, 'ERR_INVALID_OPTION', /'max' is not a valid overCapacity option/)
  await expectError(assert, () => startPushService({ latencyMs: -1 }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.latencyMs/)
  assert.ok(new WebPush({ concurrency: 'auto', maxConcurrency: 500, maxConnectionsPerOrigin: 4 }))
})
