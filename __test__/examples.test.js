'use strict'

// The Express example end to end against the local push service (fan-out streamed from the
// SQL store, pruning gone subscriptions, bookkeeping, validation, persistence across a restart
// in embedded PGlite). The Next.js example is built and run by __test__/nextjs.test.js, the
// store on a real PostgreSQL server in __test__/store-postgres.test.js.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startPushService } = require('../testing')
const { start } = require('../examples/express/app.js')

const vapidSubject = 'mailto:examples@example.com'

let service
let dataDir
test.before(async () => {
  service = await startPushService()
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-push-rs-express-'))
})
test.after(async () => {
  await service.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

/**
 * Starts the Express example on 127.0.0.1, any free port, over `dataDir`; stopped when `t` ends.
 * endpointPolicy 'https' lets it reach the local push service (http: on loopback).
 */
async function startApp(t, options = { endpointPolicy: 'https' }) {
  const running = await start({ dataDir, vapidSubject, port: 0, host: '127.0.0.1', ...options })
  t.after(() => running.close())
  return running
}

/** POSTs `body` (JSON-encoded unless a string) and resolves `{ status, body }` with the parsed answer. */
async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

/** The endpoints in the store's table, sorted. */
async function storedEndpoints(store) {
  const endpoints = []
  for await (const subscription of store.cursor()) endpoints.push(subscription.endpoint)
  return endpoints.sort()
}

/** The subscriptions in the store's table, in insertion order. */
async function storedSubscriptions(store) {
  const all = []
  for await (const subscription of store.cursor()) all.push(subscription)
  return all
}

// What the first test leaves behind, checked after the restart.
const kept = {}

test('express example: subscribe, fan out to all, prune gone subscriptions, unsubscribe', async (t) => {
  const { url, vapid, store } = await startApp(t)
  const res = await fetch(`${url}/vapidPublicKey`)
  assert.deepEqual(await res.json(), { publicKey: vapid.publicKey }, 'the public key, and only it')

  const subs = await Promise.all([1, 2, 3].map(() => service.subscribe({ applicationServerKey: vapid.publicKey })))
  for (const sub of subs) {
    assert.deepEqual(await post(`${url}/subscribe`, sub), { status: 201, body: { endpoint: sub.endpoint, created: true } })
  }
  assert.equal((await post(`${url}/subscribe`, subs[0])).status, 200, 'a known endpoint is replaced, not added')
  assert.equal(await store.count(), 3)
  assert.equal(store.kind, 'pglite')
  assert.deepEqual(await storedEndpoints(store), subs.map((s) => s.endpoint).sort())
  const fresh = await store.get(subs[0].endpoint)
  assert.equal(fresh.lastSuccessAt, null)
  assert.equal(fresh.failureCount, 0)
  assert.ok(fresh.createdAt instanceof Date)

  const notification = { title: 'Hello', body: 'From the Express example', icon: '/icon.png', tag: 'greeting', url: '/welcome' }
  assert.deepEqual(await post(`${url}/send`, notification), {
    status: 200,
    body: { total: 3, sent: 3, gone: 0, rejected: 0, failed: 0, removed: [] },
  })
  for (const sub of subs) {
    const messages = service.messages(sub)
    assert.equal(messages.length, 1, 'exactly one message each')
    assert.deepEqual(JSON.parse(messages[0].text), notification)
    assert.equal(messages[0].vapid.publicKey, vapid.publicKey)
    assert.equal(messages[0].vapid.sub, vapidSubject)
    const record = await store.get(sub.endpoint)
    assert.ok(record.lastSuccessAt instanceof Date, 'a success is stamped')
    assert.ok(record.lastSuccessAt >= record.createdAt)
  }

  service.expire(subs[1])
  assert.deepEqual(await post(`${url}/send`, { title: 'Again', body: 'Second round' }), {
    status: 200,
    body: { total: 3, sent: 2, gone: 1, rejected: 0, failed: 0, removed: [subs[1].endpoint] },
  })
  assert.equal(await store.get(subs[1].endpoint), undefined, 'the gone subscription is deleted')
  assert.deepEqual(await storedEndpoints(store), [subs[0].endpoint, subs[2].endpoint].sort())
  assert.deepEqual(JSON.parse(service.messages(subs[0])[1].text), { title: 'Again', body: 'Second round' })

  assert.deepEqual(await post(`${url}/unsubscribe`, { endpoint: subs[2].endpoint }), { status: 200, body: { removed: true } })
  assert.deepEqual(await post(`${url}/unsubscribe`, { endpoint: subs[2].endpoint }), { status: 200, body: { removed: false } })
  assert.deepEqual(await storedEndpoints(store), [subs[0].endpoint])

  kept.publicKey = vapid.publicKey
  kept.subscription = subs[0]
})

test('express example: invalid bodies get 400 (413 when too big) with a JSON error', async (t) => {
  const { url, store } = await startApp(t)
  const sub = await service.subscribe()
  const invalidSubscriptions = [
    '{"endpoint":',
    [],
    {},
    { endpoint: 42, keys: sub.keys },
    { endpoint: sub.endpoint },
    { endpoint: sub.endpoint, keys: { p256dh: sub.keys.p256dh } },
    { endpoint: sub.endpoint, keys: { p256dh: 1, auth: sub.keys.auth } },
    { endpoint: 'not a url', keys: sub.keys },
    { endpoint: 'http://push.example.com/x', keys: sub.keys },
    { endpoint: sub.endpoint, keys: { p256dh: 'BAAA', auth: sub.keys.auth } },
    { endpoint: sub.endpoint, keys: { p256dh: sub.keys.p256dh, auth: 'AAAA' } },
  ]
  for (const body of invalidSubscriptions) {
    const res = await post(`${url}/subscribe`, body)
    assert.equal(res.status, 400, JSON.stringify(body))
    assert.equal(typeof res.body.error, 'string')
    assert.ok(res.body.error.length > 0)
  }
  const noJson = await fetch(`${url}/subscribe`, { method: 'POST', body: JSON.stringify(sub) })
  assert.equal(noJson.status, 400, 'a body without Content-Type: application/json is not read')
  assert.equal(await store.count(), 1, 'nothing was added (one left by the first test)')

  assert.equal((await post(`${url}/unsubscribe`, {})).status, 400)
  for (const body of [{}, { title: '', body: 'x' }, { title: 'x' }, { title: 'x', body: 'y', url: 7 }]) {
    const res = await post(`${url}/send`, body)
    assert.equal(res.status, 400, JSON.stringify(body))
    assert.equal(typeof res.body.error, 'string')
  }
  const tooBig = await post(`${url}/send`, { title: 'x', body: 'y'.repeat(4000) })
  assert.equal(tooBig.status, 413)
  assert.match(tooBig.body.error, /3993/)
  assert.equal(service.messages(kept.subscription).length, 2, 'no invalid /send reached the push service')
})

test('express example: serves the page and the service worker', async (t) => {
  const { url } = await startApp(t)
  const page = await fetch(url)
  assert.equal(page.status, 200)
  const html = await page.text()
  for (const id of ['status', 'subscribe', 'unsubscribe', 'send', 'received']) assert.match(html, new RegExp(`id="${id}"`))
  const sw = await fetch(`${url}/sw.js`)
  assert.equal(sw.status, 200)
  assert.match(sw.headers.get('content-type'), /javascript/)
  assert.match(await sw.text(), /showNotification/)
})

test('express example: a restart keeps the VAPID key and the subscriptions', async (t) => {
  const { url, vapid, store } = await startApp(t)
  assert.equal(vapid.publicKey, kept.publicKey)
  assert.deepEqual(await storedSubscriptions(store), [{ ...kept.subscription, expirationTime: null }])

  assert.deepEqual(await post(`${url}/send`, { title: 'After restart', body: 'Still here' }), {
    status: 200,
    body: { total: 1, sent: 1, gone: 0, rejected: 0, failed: 0, removed: [] },
  })
  const messages = service.messages(kept.subscription)
  assert.equal(messages.length, 3)
  assert.equal(messages[2].vapid.publicKey, kept.publicKey, 'signed with the kept key (the service checks it)')

  assert.deepEqual(fs.readdirSync(dataDir).sort(), ['pglite', 'vapid.json'], 'no temp files left')
  if (process.platform !== 'win32') {
    assert.equal(fs.statSync(path.join(dataDir, 'vapid.json')).mode & 0o777, 0o600, 'vapid.json')
    assert.equal(fs.statSync(path.join(dataDir, 'pglite')).mode & 0o777, 0o700, 'the database directory')
  }
})

test('express example: by default only the browsers\' push services are contacted', async (t) => {
  const { url, store } = await startApp(t, {})
  assert.deepEqual(await post(`${url}/send`, { title: 'Blocked', body: 'Loopback is not a push service' }), {
    status: 200,
    body: { total: 1, sent: 0, gone: 0, rejected: 1, failed: 0, removed: [] },
  })
  assert.equal(service.messages(kept.subscription).length, 3, 'nothing reached the local push service')
  assert.equal(await store.count(), 1, 'a refused subscription is kept (only gone ones are deleted)')
  assert.equal((await store.get(kept.subscription.endpoint)).failureCount, 1, 'and its refusal counted')
})
