'use strict'

// The subscription store's behaviour, run against each database it supports
// (__test__/store.test.js: embedded PGlite; __test__/store-postgres.test.js: a PostgreSQL
// server): the same schema and statements must do the same on both.

const test = require('node:test')
const assert = require('node:assert/strict')
const { WebPush, generateVAPIDKeys } = require('..')
const { generateSubscriptionKeys } = require('../testing')
const { SubscriptionStore } = require('../examples/shared/store.js')

const vapid = { subject: 'mailto:store-test@example.com', ...generateVAPIDKeys() }

/**
 * Defines the cases. `context()` resolves `{ openOptions, service }`: what
 * `SubscriptionStore.open` takes (the same database each time; each case empties the table
 * first), and a local push service; or `{ skip: reason }` when the database cannot run here.
 */
function storeCases(kind, context) {
  /** An open store on an empty table; closed when `t` ends. */
  async function openEmpty(t, { openOptions }) {
    const store = await SubscriptionStore.open(openOptions)
    t.after(() => store.close())
    const all = []
    for await (const s of store.cursor()) all.push(s.endpoint)
    await store.delete(all)
    return store
  }

  test(`${kind}: put (insert, then replace by endpoint), get, count, delete in one statement`, async (t) => {
    const ctx = await context()
    if (ctx.skip) return t.skip(ctx.skip)
    const store = await openEmpty(t, ctx)
    assert.equal(store.kind, kind)
    const a = generateSubscriptionKeys('https://fcm.googleapis.com/fcm/send/a').subscription
    const b = generateSubscriptionKeys('https://fcm.googleapis.com/fcm/send/b').subscription
    assert.equal(await store.put({ ...a, expirationTime: 1767225600000 }), true)
    assert.equal(await store.put(b), true)
    const again = generateSubscriptionKeys(a.endpoint).subscription
    assert.equal(await store.put(again), false, 'same endpoint: replaced')
    assert.equal(await store.count(), 2)

    const got = await store.get(a.endpoint)
    assert.deepEqual({ endpoint: got.endpoint, expirationTime: got.expirationTime, keys: got.keys }, { ...again, expirationTime: null }, 'the new keys replaced the old')
    assert.ok(got.createdAt instanceof Date)
    assert.equal(got.lastSuccessAt, null)
    assert.equal(got.failureCount, 0)
    assert.equal(await store.get('https://fcm.googleapis.com/fcm/send/none'), undefined)

    assert.equal(await store.delete([a.endpoint, 'https://fcm.googleapis.com/fcm/send/none', b.endpoint]), 2)
    assert.equal(await store.delete([]), 0)
    assert.equal(await store.count(), 0)
  })

  test(`${kind}: the cursor reads every row once, in pages, including rows past a page boundary`, async (t) => {
    const ctx = await context()
    if (ctx.skip) return t.skip(ctx.skip)
    const store = await openEmpty(t, ctx)
    const keys = generateSubscriptionKeys().subscription.keys
    const subs = Array.from({ length: 1234 }, (_, i) => ({ endpoint: `https://fcm.googleapis.com/fcm/send/page-${i}`, expirationTime: null, keys }))
    assert.equal(await store.putMany(subs), 1234)
    const cursor = store.cursor({ batchSize: 100 })
    const seen = []
    for await (const s of cursor) seen.push(s)
    assert.deepEqual(seen, subs, 'all rows, in insertion (id) order, as subscriptions')
    assert.match(cursor.lastId, /^\d+$/)
    assert.throws(() => store.cursor({ batchSize: 0 }), RangeError)
  })

  test(`${kind}: sendToAll streams into sendMany and records every outcome (gone deleted, failures counted, successes stamped)`, async (t) => {
    const ctx = await context()
    if (ctx.skip) return t.skip(ctx.skip)
    const { service } = ctx
    const store = await openEmpty(t, ctx)
    const push = new WebPush({ vapid, endpointPolicy: 'https', retry: false })
    t.after(() => push.close())
    const subs = await Promise.all(Array.from({ length: 5 }, () => service.subscribe({ applicationServerKey: vapid.publicKey })))
    for (const sub of subs) await store.put(sub)
    service.expire(subs[1])
    service.failNext(subs[2], { status: 403 })
    service.failNext(subs[3], { status: 503 })

    const before = new Date(Date.now() - 1000)
    const { report, removed } = await store.sendToAll(push, 'to everyone')
    assert.equal(report.total, 5)
    assert.equal(report.sent, 2)
    assert.deepEqual(removed, [subs[1].endpoint])
    assert.deepEqual(report.rejected.map((o) => o.endpoint), [subs[2].endpoint])
    assert.deepEqual(report.failed.map((o) => o.endpoint), [subs[3].endpoint])
    for (const sub of [subs[0], subs[4]]) assert.equal(service.messages(sub)[0].text, 'to everyone', 'decrypted by the push service')

    assert.equal(await store.get(subs[1].endpoint), undefined, 'gone: deleted')
    assert.equal(await store.count(), 4)
    for (const sub of [subs[0], subs[4]]) {
      const row = await store.get(sub.endpoint)
      assert.ok(row.lastSuccessAt >= before, 'sent: last_success_at stamped')
      assert.equal(row.failureCount, 0)
    }
    for (const sub of [subs[2], subs[3]]) {
      const row = await store.get(sub.endpoint)
      assert.equal(row.lastSuccessAt, null, 'not sent: no success')
      assert.equal(row.failureCount, 1, 'rejected / failed: one failure')
    }

    // The next round: the 503 one succeeds and is reset, the 403 one fails again.
    service.failNext(subs[2], { status: 403 })
    const second = await store.sendToAll(push, 'again')
    assert.equal(second.report.sent, 3)
    assert.equal((await store.get(subs[2].endpoint)).failureCount, 2)
    const recovered = await store.get(subs[3].endpoint)
    assert.equal(recovered.failureCount, 0)
    assert.ok(recovered.lastSuccessAt instanceof Date)

    // A re-subscription (same endpoint, new keys) resets the failure count.
    await store.put(subs[2])
    assert.equal((await store.get(subs[2].endpoint)).failureCount, 0)
  })

  test(`${kind}: the rows survive a reopen (the schema is created once)`, async (t) => {
    const ctx = await context()
    if (ctx.skip) return t.skip(ctx.skip)
    const { openOptions } = ctx
    const sub = generateSubscriptionKeys('https://fcm.googleapis.com/fcm/send/kept').subscription
    const first = await SubscriptionStore.open(openOptions)
    await first.put(sub)
    if (kind === 'postgres') {
      // A server: a second store (another process's worth) sees the row at once.
      const other = await SubscriptionStore.open(openOptions)
      assert.equal((await other.get(sub.endpoint)).keys.auth, sub.keys.auth)
      await other.close()
    }
    await first.close() // PGlite: one store per data directory at a time
    const second = await SubscriptionStore.open(openOptions)
    t.after(() => second.close())
    assert.equal((await second.get(sub.endpoint)).keys.auth, sub.keys.auth)
    await second.delete([sub.endpoint])
  })
}

module.exports = { storeCases, vapid }
