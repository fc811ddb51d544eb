'use strict'

// web-push-rs/queue in one process: a real redis-server (AOF, appendfsync always) and the
// local push service. Idempotent start (also after a producer crash), cancel, TTL expiry,
// onGone once per gone target, what Redis holds (never the VAPID private key), bad input.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { generateVAPIDKeys, WebPushError } = require('..')
const { startPushService } = require('../testing')
const { Campaigns } = require('../queue')
const { RedisServer, until, collectOutcomes } = require('./queue/harness.js')
const { expectError } = require('./helpers.js')

// A failure must fail, not hang on a campaign that never finishes.
const LIMIT = { timeout: 120000 }
const vapid = { subject: 'mailto:queue@example.com', ...generateVAPIDKeys() }
let redis
let service
let subs
const opened = []
/** A Campaigns instance with its own prefix: one test's workers never see another's campaigns. */
function scoped(name) {
  const c = new Campaigns({ connection: redis.connection, prefix: `qt-${name}` })
  opened.push(c)
  return c
}

test.before(async () => {
  redis = await RedisServer.start()
  service = await startPushService()
  subs = await Promise.all(Array.from({ length: 40 }, () => service.subscribe({ applicationServerKey: vapid.publicKey })))
})
test.after(async () => {
  await Promise.all(opened.map((c) => c.close()))
  await service?.close()
  await redis?.close()
})

const targets = (n) => Array.from({ length: n }, (_, i) => subs[i % subs.length])
const accepted = () => service.stats().accepted

test('a campaign: payload once, every target one outcome, report and outcomes agree', LIMIT, async () => {
  const campaigns = scoped('basic')
  const before = accepted()
  const gone = await service.subscribe()
  service.expire(gone)
  const list = targets(400).map((s, i) => (i % 40 === 39 ? gone : s))
  const { id, total } = await campaigns.start({ id: 'basic', payload: 'hello campaign', options: { ttl: 600, urgency: 'high', topic: 'basic' }, targets: list, chunkSize: 64 })
  assert.deepEqual([id, total], ['basic', 400])
  const worker = campaigns.worker({ vapid, concurrency: 20 })
  const report = await campaigns.wait('basic')
  await worker.close()
  assert.equal(report.state, 'done')
  assert.deepEqual([report.total, report.done, report.pending, report.sent, report.gone], [400, 400, 0, 390, 10])
  assert.equal(accepted() - before, 390)
  const outcomes = await collectOutcomes(assert, campaigns, 'basic')
  assert.equal(outcomes.size, 400)
  for (let i = 0; i < 400; i++) {
    const o = outcomes.get(i)
    assert.equal(o.endpoint, list[i].endpoint)
    assert.equal(o.kind, i % 40 === 39 ? 'gone' : 'sent')
  }
  const goneOnly = []
  for await (const o of campaigns.outcomes('basic', { kind: 'gone' })) goneOnly.push(o)
  assert.equal(goneOnly.length, 10)
  assert.ok(goneOnly.every((o) => o.statusCode === 410 && o.attempts === 1))
  const message = service.messages(subs[0]).at(-1)
  assert.deepEqual([message.text, message.urgency, message.topic], ['hello campaign', 'high', 'basic'])
  assert.ok(message.ttl <= 600 && message.ttl > 500, 'TTL counted from start')
})

test('start twice with the same id, and again after a producer crash: no duplicate targets', LIMIT, async () => {
  const campaigns = scoped('twice')
  const before = accepted()
  const list = targets(1300)
  async function* crashing() {
    for (let i = 0; i < 700; i++) yield list[i]
    throw new Error('producer crashed')
  }
  await assert.rejects(campaigns.start({ id: 'twice', payload: 'once', targets: crashing(), chunkSize: 200 }), /producer crashed/)
  const partial = await campaigns.report('twice')
  assert.deepEqual([partial.state, partial.total], ['starting', 600], 'three whole chunks stored before the crash')
  const [a, b] = await Promise.all([
    campaigns.start({ id: 'twice', payload: 'once', targets: list, chunkSize: 200 }),
    campaigns.start({ id: 'twice', payload: 'once', targets: list, chunkSize: 200 }),
  ])
  assert.deepEqual([a.total, b.total], [1300, 1300])
  const worker = campaigns.worker({ vapid, concurrency: 50 })
  const report = await campaigns.wait('twice')
  const again = await campaigns.start({ id: 'twice', payload: 'once', targets: list, chunkSize: 200 })
  assert.equal(again.total, 1300)
  // Without a chunkSize the campaign keeps its own (200, not the default): no mismatch.
  assert.equal((await campaigns.start({ id: 'twice', payload: 'once', targets: list })).total, 1300)
  await until(async () => (await campaigns.report('twice')).done === 1300)
  await worker.close()
  assert.deepEqual([report.total, report.sent, report.done], [1300, 1300, 1300])
  assert.equal(accepted() - before, 1300, 'each target sent once')
  assert.equal((await collectOutcomes(assert, campaigns, 'twice')).size, 1300)
  await expectError(assert, () => campaigns.start({ id: 'twice', payload: 'different', targets: list, chunkSize: 200 }), WebPushError, 'ERR_CAMPAIGN_MISMATCH', /twice/)
})

test('cancel mid-way: pending targets cancelled, nothing sent after it returns', LIMIT, async () => {
  const campaigns = scoped('cancel')
  const before = accepted()
  const slow = await Promise.all(Array.from({ length: 10 }, () => service.subscribe()))
  for (const s of slow) service.failNext(s, { delayMs: 20, times: 1000 })
  await campaigns.start({ id: 'cancel-me', payload: 'x', targets: Array.from({ length: 3000 }, (_, i) => slow[i % 10]) })
  const worker = campaigns.worker({ vapid, concurrency: 4, chunksAtOnce: 1 })
  await until(async () => (await campaigns.report('cancel-me')).done >= 50)
  const report = await campaigns.cancel('cancel-me')
  const atCancel = accepted()
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(accepted(), atCancel, 'nothing sent after cancel returned')
  await worker.close()
  assert.equal(report.state, 'cancelled')
  assert.equal(report.pending, 0)
  assert.equal(report.sent + report.cancelled, 3000)
  assert.ok(report.cancelled > 2000, `${report.cancelled} cancelled`)
  assert.equal(atCancel - before, report.sent)
  const outcomes = await collectOutcomes(assert, campaigns, 'cancel-me')
  assert.equal(outcomes.size, 3000)
  assert.deepEqual(await campaigns.wait('cancel-me'), await campaigns.report('cancel-me'))
})

test('TTL runs out while targets wait: expired, never sent', LIMIT, async () => {
  const campaigns = scoped('ttl')
  const before = accepted()
  await campaigns.start({ id: 'short-ttl', payload: 'soon or never', options: { ttl: 1 }, targets: targets(300) })
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const worker = campaigns.worker({ vapid })
  const report = await campaigns.wait('short-ttl')
  await worker.close()
  assert.deepEqual([report.expired, report.sent, report.done], [300, 0, 300])
  assert.equal(accepted(), before)
  const [first] = [...(await collectOutcomes(assert, campaigns, 'short-ttl')).values()]
  assert.deepEqual([first.kind, first.code, first.attempts], ['expired', 'ERR_TTL_EXPIRED', 0])
})

test('onGone: once per gone target across two workers', LIMIT, async () => {
  const campaigns = scoped('gone')
  const gone = await Promise.all(Array.from({ length: 6 }, () => service.subscribe()))
  for (const s of gone) service.expire(s)
  const calls = []
  const onGone = (outcomes) => { calls.push(...outcomes) }
  const list = targets(800).map((s, i) => (i % 40 >= 34 ? gone[i % 40 - 34] : s))
  await campaigns.start({ id: 'gone-once', payload: 'x', targets: list, chunkSize: 100 })
  const workers = [campaigns.worker({ vapid, onGone, concurrency: 10 }), campaigns.worker({ vapid, onGone, concurrency: 10 })]
  const report = await campaigns.wait('gone-once')
  await Promise.all(workers.map((w) => w.close()))
  assert.equal(report.gone, 120)
  assert.equal(calls.length, 120)
  assert.equal(new Set(calls.map((o) => o.index)).size, 120, 'one onGone per gone target')
  assert.ok(calls.every((o) => gone.some((s) => s.endpoint === o.endpoint)))
  assert.equal(report.sent, 680)
})

test('Retry-After from one origin pauses that origin for every worker; other origins go on', LIMIT, async () => {
  const campaigns = scoped('throttle')
  const other = await startPushService()
  try {
    const a = await Promise.all(Array.from({ length: 10 }, () => service.subscribe()))
    const b = await Promise.all(Array.from({ length: 10 }, () => other.subscribe()))
    const n = 1200
    const list = Array.from({ length: n }, (_, i) => (i % 2 ? b[(i >> 1) % 10] : a[(i >> 1) % 10]))
    for (const s of a) service.failNext(s, { status: 429, retryAfter: 4 })
    const bBefore = other.stats().accepted
    await campaigns.start({ id: 'throttled', payload: 'x', targets: list, chunkSize: 100 })
    const workers = [campaigns.worker({ vapid, concurrency: 5 }), campaigns.worker({ vapid, concurrency: 5 })]
    const pauseKey = `qt-throttle:pause:${service.origin}`
    const until = await (async () => {
      for (;;) {
        const value = await campaigns.redis.get(pauseKey)
        if (value) return Number(value)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    const aRequests = service.stats().requests
    const bAtPause = other.stats().accepted
    // While the pause lasts, origin A gets at most what was already in flight; B keeps going.
    while (Date.now() < until - 300 && other.stats().accepted - bBefore < n / 2) await new Promise((resolve) => setTimeout(resolve, 20))
    const aDuring = service.stats().requests - aRequests
    const bDuring = other.stats().accepted - bAtPause
    assert.ok(aDuring <= workers.reduce((sum, w) => sum + w.maxInFlight, 0), `${aDuring} requests to the paused origin`)
    assert.ok(bDuring > 0, 'the other origin went on')
    const report = await campaigns.wait('throttled')
    await Promise.all(workers.map((w) => w.close()))
    assert.deepEqual([report.sent, report.failed], [n, 0])
    const throttled = []
    for await (const o of campaigns.outcomes('throttled')) if (o.attempts > 1) throttled.push(o)
    assert.ok(throttled.length >= 10 && throttled.every((o) => o.endpoint.startsWith(service.origin)), 'only origin A was retried')
  } finally {
    await other.close()
  }
})

test('a worker closing while its chunks wait for a long Retry-After returns at once; another finishes', LIMIT, async () => {
  const campaigns = scoped('close')
  const subs429 = await Promise.all(Array.from({ length: 4 }, () => service.subscribe()))
  for (const s of subs429) service.failNext(s, { status: 429, retryAfter: 6 })
  const before = accepted()
  await campaigns.start({ id: 'long-pause', payload: 'x', targets: Array.from({ length: 200 }, (_, i) => subs429[i % 4]), chunkSize: 50 })
  const first = campaigns.worker({ vapid, concurrency: 10 })
  const pauseKey = `qt-close:pause:${service.origin}`
  await until(() => campaigns.redis.get(pauseKey), 10)
  await first.close()
  assert.ok((await campaigns.redis.pttl(pauseKey)) > 0, 'closed while the pause still runs: it did not wait it out')
  const second = campaigns.worker({ vapid, concurrency: 10 })
  const report = await campaigns.wait('long-pause')
  await second.close()
  assert.deepEqual([report.sent, report.done], [200, 200])
  assert.equal(accepted() - before, 200)
})

test('Redis holds the payload once and never the VAPID private key', LIMIT, async () => {
  const campaigns = scoped('stored')
  const payload = 'p'.repeat(900)
  await campaigns.start({ id: 'what-is-stored', payload, targets: targets(2000) })
  const client = campaigns.redis
  const meta = await client.hgetall('qt-stored:campaign:what-is-stored:meta')
  assert.equal(meta.payload, payload)
  const chunks = await client.keys('qt-stored:campaign:what-is-stored:chunk:*')
  assert.equal(chunks.length, 2, '2000 targets in 2 chunks of 1000')
  const { decodeChunk } = require('../lib/queue/chunk.js')
  const rows = decodeChunk(await client.getBuffer('qt-stored:campaign:what-is-stored:chunk:0'))
  assert.equal(rows.length, 1000)
  assert.deepEqual(rows[0].slice(0, 3), [subs[0].endpoint, subs[0].keys.p256dh, subs[0].keys.auth], 'a chunk holds endpoint and keys per target, not the payload')
  const jobs = (await client.keys('qt-stored:campaigns:what-is-stored.*')).filter((k) => !k.includes(':lock'))
  assert.equal(jobs.length, 2, 'one BullMQ job per chunk')
  for (const key of jobs) assert.ok(!(await client.hget(key, 'data')).includes(payload.slice(0, 100)))
  const worker = campaigns.worker({ vapid })
  await campaigns.wait('what-is-stored')
  await worker.close()
  assert.deepEqual(await client.keys('qt-stored:campaign:what-is-stored:chunk:*'), [], 'finished chunks are deleted')
  const files = fs.readdirSync(redis.dir, { recursive: true }).map((f) => path.join(redis.dir, f)).filter((f) => fs.statSync(f).isFile())
  assert.ok(files.some((f) => f.includes('appendonly')), 'AOF files exist')
  const raw = Buffer.from(vapid.privateKey, 'base64url')
  for (const file of files) {
    const bytes = fs.readFileSync(file)
    for (const needle of [vapid.privateKey, raw.toString('base64'), raw.toString('hex')]) assert.ok(!bytes.includes(needle), `${path.basename(file)} has no VAPID private key`)
    assert.ok(!bytes.includes(raw), 'nor its raw bytes')
  }
  const keys = await client.keys('*')
  for (const key of keys) {
    const type = await client.type(key)
    const dump = type === 'hash' ? JSON.stringify(await client.hgetall(key)) : type === 'string' ? await client.get(key) : ''
    assert.ok(!dump.includes(vapid.privateKey), `${key} has no VAPID private key`)
  }
})

test('bad input: clear WebPushErrors', LIMIT, async () => {
  const campaigns = scoped('bad')
  await expectError(assert, () => new Campaigns(), WebPushError, 'ERR_INVALID_CONNECTION', /connection/)
  await expectError(assert, () => new Campaigns({}), WebPushError, 'ERR_INVALID_CONNECTION', /connection/)
  await expectError(assert, () => new Campaigns({ connection: 'http://127.0.0.1:1' }), WebPushError, 'ERR_INVALID_CONNECTION', /redis:/)
  await expectError(assert, () => new Campaigns({ connection: redis.connection, prefix: 'a:b' }), WebPushError, 'ERR_INVALID_OPTION', /prefix/)
  await expectError(assert, () => new Campaigns({ connection: redis.connection, bogus: 1 }), WebPushError, 'ERR_INVALID_OPTION', /bogus/)
  for (const id of ['a:b', '', ' x', 'x'.repeat(101), 42, undefined]) {
    await expectError(assert, () => campaigns.start({ id, targets: [] }), WebPushError, 'ERR_INVALID_CAMPAIGN_ID', /campaign id/)
  }
  for (const bad of [42, null, undefined, 'subs', { endpoint: 'x' }]) {
    await expectError(assert, () => campaigns.start({ id: 'bad', targets: bad }), WebPushError, 'ERR_INVALID_TARGETS', /targets must be/)
  }
  await expectError(assert, () => campaigns.start({ id: 'bad', targets: [], payload: 'x'.repeat(5000) }), WebPushError, 'ERR_PAYLOAD_TOO_LARGE')
  await expectError(assert, () => campaigns.start({ id: 'bad', targets: [], options: { urgency: 'now' } }), WebPushError, 'ERR_INVALID_URGENCY')
  await expectError(assert, () => campaigns.start({ id: 'bad', targets: [], options: { ttl: -1 } }), WebPushError, 'ERR_INVALID_TTL')
  await expectError(assert, () => campaigns.start({ id: 'bad', targets: [], options: { vapid } }), WebPushError, 'ERR_INVALID_OPTION', /vapid/)
  await expectError(assert, () => campaigns.worker(), WebPushError, 'ERR_MISSING_VAPID', /vapid/)
  await expectError(assert, () => campaigns.worker({ concurrency: 2 }), WebPushError, 'ERR_MISSING_VAPID', /never stored in Redis/)
  await expectError(assert, () => campaigns.worker({ vapid, lockDuration: 5 }), WebPushError, 'ERR_INVALID_OPTION', /lockDuration/)
  await expectError(assert, () => campaigns.worker({ vapid: { ...vapid, privateKey: 'AAAA' } }), WebPushError, 'ERR_INVALID_VAPID_PRIVATE_KEY')
  await expectError(assert, () => campaigns.worker({ vapid, concurrency: 0 }), TypeError, 'ERR_INVALID_ARG_TYPE', /concurrency/)
  await expectError(assert, () => campaigns.report('never-started'), WebPushError, 'ERR_CAMPAIGN_NOT_FOUND', /never-started/)
  await expectError(assert, () => campaigns.cancel('never-started'), WebPushError, 'ERR_CAMPAIGN_NOT_FOUND')
  await expectError(assert, () => campaigns.outcomes('basic', { kind: 'lost' }).next(), WebPushError, 'ERR_INVALID_OPTION', /kind/)
  assert.equal((await campaigns.start({ id: 'empty', targets: [] })).total, 0)
  assert.equal((await campaigns.wait('empty')).state, 'done')
})

test('a redis:// URL works as the connection; bad targets inside the stream are rejected, not thrown', LIMIT, async () => {
  const other = new Campaigns({ connection: redis.url, prefix: 'qt-url' })
  try {
    await other.start({ id: 'mixed', payload: 'x', targets: [subs[0], 42, { endpoint: 'ftp://x' }, { subscription: subs[1], options: { bogus: 1 } }, { subscription: subs[2], payload: 'own' }] })
    const worker = other.worker({ vapid })
    const report = await other.wait('mixed')
    await worker.close()
    assert.deepEqual([report.sent, report.rejected], [2, 3])
    const outcomes = await collectOutcomes(assert, other, 'mixed')
    assert.deepEqual([1, 2, 3].map((i) => outcomes.get(i).code), ['ERR_INVALID_ENDPOINT', 'ERR_INVALID_ENDPOINT', 'ERR_INVALID_OPTION'])
    assert.equal(service.messages(subs[2]).at(-1).text, 'own')
  } finally {
    await other.close()
  }
})

test('outcome records keep what a report needs (and the push service\'s reason)', LIMIT, () => {
  const { encodeOutcome, decodeOutcome } = require('../lib/queue/store.js')
  const rejected = { endpoint: 'https://web.push.apple.com/x', attempts: 1, statusCode: 403, code: 'ERR_UNEXPECTED_STATUS', message: 'push service answered 403', reason: 'BadJwtToken', body: 'not kept' }
  assert.deepEqual(decodeOutcome('7', encodeOutcome('rejected', rejected)), { index: 7, kind: 'rejected', endpoint: rejected.endpoint, attempts: 1, statusCode: 403, code: 'ERR_UNEXPECTED_STATUS', message: 'push service answered 403', reason: 'BadJwtToken' })
  assert.deepEqual(decodeOutcome('0', encodeOutcome('sent', { endpoint: 'https://e/1', attempts: 2, statusCode: 201, message: 'dropped' })), { index: 0, kind: 'sent', endpoint: 'https://e/1', attempts: 2, statusCode: 201 })
  assert.deepEqual(decodeOutcome('3', encodeOutcome('gone', { endpoint: 'https://e/3', attempts: 1, statusCode: 410, reason: 'Unregistered' })), { index: 3, kind: 'gone', endpoint: 'https://e/3', attempts: 1, statusCode: 410, reason: 'Unregistered' })
})

test('require without bullmq: an error that says what to install', LIMIT, () => {
  const hide = "const M = require('node:module'); const r = M._resolveFilename; M._resolveFilename = function (name, ...rest) { if (name === 'bullmq') { const e = new Error(\"Cannot find module 'bullmq'\"); e.code = 'MODULE_NOT_FOUND'; throw e } return r.call(this, name, ...rest) };"
  const probe = "try { require('./queue.js') } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })) }"
  const out = JSON.parse(execFileSync(process.execPath, ['-e', hide + probe], { cwd: path.join(__dirname, '..') }).toString())
  assert.equal(out.name, 'WebPushError')
  assert.equal(out.code, 'ERR_MISSING_DEPENDENCY')
  assert.match(out.message, /npm install bullmq ioredis/)
})

test('Express example: with REDIS_URL, "send to all" is a campaign (gone subscriptions deleted)', LIMIT, async () => {
  const os = require('node:os')
  const { start } = require('../examples/express/app.js')
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-push-rs-express-queue-'))
  const app = await start({ port: 0, dataDir, redisUrl: redis.url, endpointPolicy: 'https' })
  try {
    const publicKey = (await (await fetch(`${app.url}/vapidPublicKey`)).json()).publicKey
    const browsers = await Promise.all(Array.from({ length: 5 }, () => service.subscribe({ applicationServerKey: publicKey })))
    for (const s of browsers) {
      const res = await fetch(`${app.url}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s) })
      assert.equal(res.status, 201)
    }
    service.expire(browsers[4])
    const res = await fetch(`${app.url}/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Campaign', body: 'from Express' }) })
    assert.equal(res.status, 202)
    const { campaign, total } = await res.json()
    assert.equal(total, 5)
    const report = await until(async () => {
      const r = await (await fetch(`${app.url}/campaigns/${campaign}`)).json()
      return r.state === 'done' && r
    })
    assert.deepEqual([report.sent, report.gone], [4, 1])
    assert.equal(JSON.parse(service.messages(browsers[0]).at(-1).text).title, 'Campaign')
    await until(async () => (await app.store.count()) === 4)
    assert.equal((await fetch(`${app.url}/campaigns/nope`)).status, 404)
  } finally {
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
})

test('examples/queue/local.js: redis-server, two worker processes and a producer', LIMIT, () => {
  const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'examples', 'queue', 'local.js'), '300'], { encoding: 'utf8' })
  const report = JSON.parse(out.split('\n').find((line) => line.startsWith('{')))
  assert.deepEqual([report.total, report.sent, report.gone, report.state], [300, 297, 3, 'done'])
  assert.match(out, /push service accepted 297 messages; onGone reported 3 gone targets/)
})

test("Windows' 406 throttle (X-WNS-Status: appthrottled + Retry-After) pauses its origin like a 429", LIMIT, async () => {
  const campaigns = scoped('wns')
  const wns = await startPushService({ profile: 'wns' })
  try {
    const subsW = await Promise.all(Array.from({ length: 4 }, () => wns.subscribe()))
    for (const s of subsW) wns.failNext(s, { kind: 'throttled', retryAfter: 2 })
    await campaigns.start({ id: 'wns-throttled', payload: 'x', targets: subsW.concat(subsW), chunkSize: 8 })
    const worker = campaigns.worker({ vapid, concurrency: 4 })
    const pauseKey = `qt-wns:pause:${wns.origin}`
    let paused = 0
    while (!paused) {
      paused = Number(await campaigns.redis.get(pauseKey))
      if (!paused) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    assert.ok(paused > Date.now(), 'the origin is paused until its Retry-After')
    const report = await campaigns.wait('wns-throttled')
    await worker.close()
    assert.deepEqual([report.sent, report.failed, report.rejected], [8, 0, 0], '406 is a throttle: retried, never rejected')
    assert.equal(wns.stats().byStatus['406'], 4)
  } finally {
    await wns.close()
  }
})
