'use strict'

// The RECORD script (lib/queue/store.js) on a real redis-server: the first outcome of a target
// wins, whether the repeat comes in the same call's slice of 1000, a later slice, or a later
// call; counters, `done`, the returned gone indexes and the state follow the outcomes written.

const test = require('node:test')
const assert = require('node:assert/strict')
const { createClient, keys, encodeOutcome, packOutcomes } = require('../lib/queue/store.js')
const { RedisServer } = require('./queue/harness.js')

let redis
let client

test.before(async () => {
  redis = await RedisServer.start()
  client = createClient(redis.connection)
})
test.after(async () => {
  client?.disconnect()
  await redis?.close()
})

const line = (index, kind, endpoint = `https://push.invalid/${index}`) => `${index} ${kind} ${encodeOutcome(kind, { attempts: 1, statusCode: kind === 'gone' ? 410 : 201, endpoint })}`

test('RECORD writes each target once: the first outcome wins within a slice, across slices and across calls', async () => {
  const k = keys('rt', 'record')
  await client.hset(k.meta, 'state', 'running', 'total', 2600)
  await client.hset(k.out, '20', encodeOutcome('failed', { attempts: 3, statusCode: 500, endpoint: 'earlier' }))

  // 2,500 lines: every 7th gone; index 5 twice in the first slice, index 10 again in the
  // second slice (line 1,500), index 20 already recorded before the call.
  const lines = []
  for (let i = 0; i < 2500; i++) lines.push(line(i, i % 7 === 0 ? 'gone' : 'sent'))
  lines.splice(6, 0, line(5, 'failed', 'second-of-5'))
  lines.splice(1500, 0, line(10, 'failed', 'second-of-10'))
  const gone = await client.wpRecord(k.meta, k.out, Date.now(), packOutcomes(lines))

  const expectedGone = Array.from({ length: 2500 }, (_, i) => i).filter((i) => i % 7 === 0)
  assert.deepEqual(gone, expectedGone, 'each gone index returned once, in order')
  assert.equal(await client.hlen(k.out), 2500)
  assert.match(await client.hget(k.out, '5'), /push\.invalid\/5/, 'the first outcome of 5 kept')
  assert.match(await client.hget(k.out, '10'), /push\.invalid\/10/, 'the first outcome of 10 kept')
  assert.match(await client.hget(k.out, '20'), /earlier/, 'an outcome written before is never replaced')
  const meta = await client.hgetall(k.meta)
  assert.equal(Number(meta.done), 2499, '2,500 targets, one of them recorded before')
  assert.equal(Number(meta.gone), expectedGone.length)
  assert.equal(Number(meta.sent), 2499 - expectedGone.length)
  assert.equal(meta.failed, undefined, 'the repeats counted nothing')
  assert.equal(meta.state, 'running')

  // A later call: repeats are ignored, the new targets finish the campaign.
  const more = [line(0, 'sent'), line(2500, 'gone'), ...Array.from({ length: 100 }, (_, i) => line(2501 + i, 'sent'))]
  assert.deepEqual(await client.wpRecord(k.meta, k.out, Date.now(), packOutcomes(more)), [2500])
  const after = await client.hgetall(k.meta)
  assert.equal(Number(after.done), 2600)
  assert.equal(after.state, 'done', 'done once every target has an outcome')
  assert.ok(Number(after.finishedAt) > 0)
  assert.match(await client.hget(k.out, '0'), /"gone"/, 'index 0 keeps its first outcome')
})

test('RECORD on a campaign that is gone writes nothing', async () => {
  const k = keys('rt', 'removed')
  assert.deepEqual(await client.wpRecord(k.meta, k.out, Date.now(), packOutcomes([line(1, 'gone')])), [])
  assert.equal(await client.exists(k.out), 0)
})
