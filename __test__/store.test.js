'use strict'

// The examples' SQL subscription store on embedded PGlite (the default): the shared cases
// (store-cases.js), and the fan-out over 100,000 rows streamed from the table into sendMany
// with a flat JavaScript heap.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const v8 = require('node:v8')
const vm = require('node:vm')
const { WebPush } = require('..')
const { startPushService, generateSubscriptionKeys } = require('../testing')
const { SubscriptionStore } = require('../examples/shared/store.js')
const { storeCases, vapid } = require('./store-cases.js')

let dataDir
let service
test.before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-store-'))
  service = await startPushService()
})
test.after(async () => {
  await service.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

storeCases('pglite', async () => ({ openOptions: { dataDir: path.join(dataDir, 'pglite') }, service }))

/** A full garbage collection (the flag is set at run time, for this one call site). */
function collectGarbage() {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  gc()
}

function liveHeap() {
  collectGarbage()
  return process.memoryUsage().heapUsed
}

test('pglite: 100,000 subscriptions stream from the table into sendMany; the heap stays flat', { timeout: 300_000 }, async (t) => {
  const ROWS = 100_000
  // A sink: the real push service's HTTP front answering 201 without recording 100,000 messages.
  const sink = await startPushService({ sink: true })
  t.after(() => sink.close())
  const store = await SubscriptionStore.open({ dataDir: path.join(dataDir, 'big') })
  t.after(() => store.close())
  const { keys } = generateSubscriptionKeys().subscription
  const t0 = Date.now()
  for (let start = 0; start < ROWS; start += 10_000) {
    const chunk = Array.from({ length: 10_000 }, (_, i) => ({ endpoint: `${sink.origin}/push/row-${start + i}`, expirationTime: null, keys }))
    await store.putMany(chunk)
  }
  assert.equal(await store.count(), ROWS)
  const loaded = Date.now()

  const push = new WebPush({ vapid, endpointPolicy: 'https', retry: false })
  t.after(() => push.close())
  const baseline = liveHeap()
  let peak = -Infinity
  let samples = 0
  let next = 10_000
  const { report, removed } = await store.sendToAll(push, 'flat', {
    onProgress: (p) => {
      if (p.done < next) return // a full collection every 10,000 messages, not 10 times a second
      next += 10_000
      samples++
      peak = Math.max(peak, liveHeap() - baseline)
    },
  })
  const sent = Date.now()
  assert.equal(report.total, ROWS)
  assert.equal(report.sent, ROWS, JSON.stringify({ failed: report.failed.slice(0, 3), rejected: report.rejected.slice(0, 3) }))
  assert.deepEqual(removed, [])
  assert.ok(samples >= 5, `sampled the heap during the fan-out (${samples} samples)`)
  const last = await store.get(`${sink.origin}/push/row-${ROWS - 1}`)
  assert.ok(last.lastSuccessAt instanceof Date, 'the successes were recorded, up to the last row')

  // What holding the rows would cost: the same subscriptions as one array.
  const before = liveHeap()
  const all = []
  for await (const s of store.cursor({ batchSize: 5000 })) all.push(s)
  const arrayCost = liveHeap() - before
  assert.equal(all.length, ROWS)
  console.log(`# ${ROWS} rows: putMany ${loaded - t0} ms, sendToAll ${sent - loaded} ms (${Math.round(ROWS / ((sent - loaded) / 1000))}/s); live heap during the fan-out at most ${(peak / 1048576).toFixed(1)} MiB above (negative: below) the start, the rows as an array ${(arrayCost / 1048576).toFixed(1)} MiB`)
  assert.ok(peak < arrayCost / 4, `the fan-out's heap growth (${peak} bytes) stays far below the rows' own size (${arrayCost} bytes)`)
})
