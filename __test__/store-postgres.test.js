'use strict'

// The examples' SQL subscription store on a real PostgreSQL server (what DATABASE_URL
// selects): the same cases as on embedded PGlite (store-cases.js), then the Express example
// end to end with DATABASE_URL. The server is Debian's PostgreSQL, started here in a temp dir
// on a loopback port and stopped by PID (store-postgres-server.js); the cases are skipped,
// with the reason, only when it cannot start.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startPushService } = require('../testing')
const { start } = require('../examples/express/app.js')
const { storeCases } = require('./store-cases.js')
const { startPostgres } = require('./store-postgres-server.js')

let postgres
let service
let unavailable
test.before(async () => {
  service = await startPushService()
  try {
    postgres = await startPostgres()
  } catch (err) {
    unavailable = err.message
    console.log(`# PostgreSQL store tests skipped: ${unavailable}`)
  }
})
test.after(async () => {
  await postgres?.stop()
  await service.close()
})

test('a PostgreSQL server is running for these tests', (t) => {
  if (unavailable) return t.skip(unavailable)
  assert.match(postgres.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/)
})

storeCases('postgres', async () => (unavailable ? { skip: unavailable } : { openOptions: { databaseUrl: postgres.url }, service }))

test('express example with DATABASE_URL: subscriptions in PostgreSQL, fan-out, gone deleted', async (t) => {
  if (unavailable) return t.skip(unavailable)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-express-pg-'))
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const app = await start({ port: 0, host: '127.0.0.1', dataDir, databaseUrl: postgres.url, endpointPolicy: 'https' })
  t.after(() => app.close())
  assert.equal(app.store.kind, 'postgres')
  const post = async (route, body) => {
    const res = await fetch(app.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json() }
  }
  for (const s of await collect(app.store)) await app.store.delete([s.endpoint]) // left by the cases

  const subs = await Promise.all([1, 2].map(() => service.subscribe({ applicationServerKey: app.vapid.publicKey })))
  for (const sub of subs) assert.equal((await post('/subscribe', sub)).status, 201)
  service.expire(subs[1])
  assert.deepEqual(await post('/send', { title: 'PostgreSQL', body: 'from the table' }), {
    status: 200,
    body: { total: 2, sent: 1, gone: 1, rejected: 0, failed: 0, removed: [subs[1].endpoint] },
  })
  assert.deepEqual(JSON.parse(service.messages(subs[0])[0].text), { title: 'PostgreSQL', body: 'from the table' })
  assert.deepEqual((await collect(app.store)).map((s) => s.endpoint), [subs[0].endpoint])
  assert.deepEqual(fs.readdirSync(dataDir), ['vapid.json'], 'no embedded database when DATABASE_URL is set')
})

async function collect(store) {
  const all = []
  for await (const s of store.cursor()) all.push(s)
  return all
}
