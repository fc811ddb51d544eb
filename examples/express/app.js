'use strict'

// Web Push with Express: the page subscribes, the server keeps subscriptions in SQL (embedded
// PGlite, or PostgreSQL with DATABASE_URL) and fans a notification out to all of them with one
// WebPush.sendMany streamed from the table.
//
//   node examples/express/app.js        then open http://127.0.0.1:3000
//
// Env: PORT (3000), HOST (127.0.0.1), DATA_DIR (examples/express/data), DATABASE_URL (none:
//      PGlite in DATA_DIR/pglite), VAPID_SUBJECT (mailto:admin@example.com),
//      ENDPOINT_POLICY (push-services), REDIS_URL (none: "send to all" is one sendMany; set:
//      it is a campaign on Redis, see below and examples/queue). See README.md.

const crypto = require('node:crypto')
const fsp = require('node:fs/promises')
const http = require('node:http')
const path = require('node:path')
const express = require('express')
const { WebPush, generateRequestDetails, MAX_PAYLOAD_BYTES } = require('../..') // in your app: require('web-push-rs')
const { SubscriptionStore } = require('../shared/store.js')
const { browserDir } = require('../shared/browser.js')
const { loadOrCreateVapidKeys } = require('./vapid.js')

/**
 * Builds the app on `dataDir` (created if missing): VAPID keys, subscription store (PostgreSQL
 * at `databaseUrl` when given, else PGlite in `dataDir/pglite`), routes.
 * Resolves `{ app, store, vapid: { subject, publicKey }, push }`; the private key stays inside.
 *
 * `endpointPolicy`: subscriptions come from anyone, so by default only the browsers' push
 * services are contacted ('push-services'); 'https' also allows any https: host and http: to
 * loopback (a local push service in tests). Refused endpoints count as `rejected`.
 */
async function createApp({ dataDir, databaseUrl, redisUrl, vapidSubject = 'mailto:admin@example.com', endpointPolicy = 'push-services' }) {
  await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 })
  const keys = await loadOrCreateVapidKeys(dataDir)
  const store = await SubscriptionStore.open(databaseUrl ? { databaseUrl } : { dataDir: path.join(dataDir, 'pglite') })
  const push = new WebPush({ vapid: { subject: vapidSubject, ...keys }, endpointPolicy })
  const campaigns = redisUrl ? openCampaigns(redisUrl, { subject: vapidSubject, ...keys }, endpointPolicy, store) : undefined

  const app = express()
  app.disable('x-powered-by')
  app.use(express.json({ limit: '16kb' }))
  app.use(express.static(path.join(__dirname, 'public'))) // index.html
  app.use(express.static(browserDir)) // app.js, sw.js: shared with the Next.js example

  // The applicationServerKey the page subscribes with.
  app.get('/vapidPublicKey', (_req, res) => {
    res.json({ publicKey: keys.publicKey })
  })

  // Body: PushSubscription.toJSON(). 201 when new, 200 when it replaces the same endpoint.
  app.post('/subscribe', async (req, res) => {
    const { subscription, error } = parseSubscription(req.body)
    if (error) return res.status(400).json({ error })
    const created = await store.put(subscription)
    res.status(created ? 201 : 200).json({ endpoint: subscription.endpoint, created })
  })

  // Body: { endpoint }. The page calls it after PushSubscription.unsubscribe().
  app.post('/unsubscribe', async (req, res) => {
    const endpoint = req.body?.endpoint
    if (typeof endpoint !== 'string') return res.status(400).json({ error: 'endpoint must be a string' })
    const removed = (await store.delete([endpoint])) > 0
    res.json({ removed })
  })

  // Body: { title, body, icon?, tag?, url? }, sent as JSON to every subscription.
  // Anyone who can reach this route can notify every subscriber: put it behind your auth.
  app.post('/send', async (req, res) => {
    const { message, error } = parseMessage(req.body)
    if (error) return res.status(400).json({ error })
    const payload = JSON.stringify(message)
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      return res.status(413).json({ error: `the notification is ${Buffer.byteLength(payload)} bytes as JSON; at most ${MAX_PAYLOAD_BYTES} fit in a push message` })
    }
    if (campaigns) {
      // A campaign: stored in Redis, sent by the workers, resumable; poll GET /campaigns/:id.
      const id = `send-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`
      const { total } = await campaigns.start({ id, payload, targets: store.cursor() })
      return res.status(202).json({ campaign: id, total })
    }
    // Streamed from the table into sendMany; gone subscriptions (404/410: the browser dropped
    // them, they never work again) are deleted, the others' success or failure recorded.
    const { report, removed } = await store.sendToAll(push, payload)
    res.json({
      total: report.total,
      sent: report.sent,
      gone: report.gone.length,
      rejected: report.rejected.length,
      failed: report.failed.length,
      removed,
    })
  })

  // A campaign's report (with REDIS_URL): { total, done, sent, gone, rejected, failed, state, … }.
  app.get('/campaigns/:id', async (req, res) => {
    if (!campaigns) return res.status(404).json({ error: 'campaigns need REDIS_URL' })
    try {
      res.json(await campaigns.report(req.params.id))
    } catch (err) {
      res.status(404).json({ error: err.message })
    }
  })

  // Errors as JSON, including bodies express.json refused (400 malformed, 413 too large).
  app.use((err, _req, res, _next) => {
    const status = err.status >= 400 && err.status < 500 ? err.status : 500
    if (status === 500) console.error(err)
    res.status(status).json({ error: status === 500 ? 'internal error' : err.message })
  })

  return { app, store, vapid: { subject: vapidSubject, publicKey: keys.publicKey }, push, campaigns }
}

/**
 * Campaigns on Redis (web-push-rs/queue) with a worker in this process; more workers can run
 * anywhere (examples/queue/worker.js). Gone subscriptions are deleted as they are found.
 */
function openCampaigns(redisUrl, vapid, endpointPolicy, store) {
  const { Campaigns } = require('../../queue.js') // in your app: require('web-push-rs/queue')
  const campaigns = new Campaigns({ connection: redisUrl })
  campaigns.worker({ vapid, endpointPolicy, onGone: (gone) => store.delete(gone.map((o) => o.endpoint)) })
  return campaigns
}

/** Validates a PushSubscription; resolves `{ subscription }` (only the fields we keep) or `{ error }`. */
function parseSubscription(body) {
  if (typeof body !== 'object' || body === null) return { error: 'expected a JSON PushSubscription (Content-Type: application/json)' }
  if (typeof body.endpoint !== 'string') return { error: 'endpoint must be a string' }
  if (typeof body.keys?.p256dh !== 'string' || typeof body.keys?.auth !== 'string') {
    return { error: 'keys.p256dh and keys.auth must be strings' }
  }
  const subscription = {
    endpoint: body.endpoint,
    expirationTime: typeof body.expirationTime === 'number' ? body.expirationTime : null,
    keys: { p256dh: body.keys.p256dh, auth: body.keys.auth },
  }
  try {
    // Builds a request and drops it: the library's own checks of the endpoint URL and the
    // keys, so the store only holds subscriptions that can be sent to.
    generateRequestDetails(subscription, ' ', { vapidDetails: null })
  } catch (err) {
    return { error: err.message }
  }
  return { subscription }
}

/** Validates the /send body; resolves `{ message }` or `{ error }`. */
function parseMessage(body) {
  if (typeof body?.title !== 'string' || body.title === '') return { error: 'title must be a non-empty string' }
  if (typeof body.body !== 'string') return { error: 'body must be a string' }
  for (const field of ['icon', 'tag', 'url']) {
    if (body[field] !== undefined && typeof body[field] !== 'string') return { error: `${field} must be a string when given` }
  }
  const { title, body: text, icon, tag, url } = body
  return { message: { title, body: text, icon, tag, url } }
}

/**
 * Creates the app and listens on `host:port` (port 0: any free port).
 * Resolves `{ server, url, app, store, vapid, close }`; `close()` stops the server, the push
 * client and the store.
 */
async function start({ port = 3000, host = '127.0.0.1', ...options }) {
  const { app, store, vapid, push, campaigns } = await createApp(options)
  const server = http.createServer(app)
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, resolve)
    })
  } catch (err) {
    await campaigns?.close()
    await push.close()
    await store.close()
    throw err
  }
  const address = server.address()
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  async function close() {
    await new Promise((resolve) => server.close(resolve))
    await campaigns?.close() // its worker finishes what it holds
    await push.close()
    await store.close()
  }
  return { server, url, app, store, vapid, close }
}

module.exports = { createApp, start }

if (require.main === module) {
  const env = process.env
  const dataDir = path.resolve(env.DATA_DIR ?? path.join(__dirname, 'data'))
  start({
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    vapidSubject: env.VAPID_SUBJECT ?? 'mailto:admin@example.com',
    endpointPolicy: env.ENDPOINT_POLICY ?? 'push-services',
  }).then(async ({ url, store, vapid, close }) => {
    console.log(`Web Push example on ${url}`)
    const where = store.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${path.join(dataDir, 'pglite')}`
    console.log(`  ${await store.count()} subscriptions in ${where}; VAPID key in ${dataDir}, public key ${vapid.publicKey}`)
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, close)
  }, (err) => {
    console.error(err)
    process.exitCode = 1
  })
}
