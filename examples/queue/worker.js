'use strict'

// A campaign worker: run as many of these as you like, on any machine that reaches Redis.
// Each signs with its own VAPID key (from the environment; never stored in Redis).
//
//   REDIS_URL=redis://127.0.0.1:6379 VAPID_SUBJECT=mailto:ops@example.com \
//   VAPID_PUBLIC_KEY=… VAPID_PRIVATE_KEY=… node examples/queue/worker.js
//
// Env: REDIS_URL, VAPID_SUBJECT, VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, CONCURRENCY (300),
//      ENDPOINT_POLICY (push-services; 'https' to allow a local test push service),
//      GONE_FILE (append the endpoints of gone subscriptions there, one per line).
// SIGTERM / SIGINT: finishes the chunks it holds, then exits.

const fs = require('node:fs')
const { Campaigns } = require('../../queue.js') // in your app: require('web-push-rs/queue')

const campaigns = new Campaigns({ connection: process.env.REDIS_URL || 'redis://127.0.0.1:6379' })
const worker = campaigns.worker({
  vapid: { subject: process.env.VAPID_SUBJECT, publicKey: process.env.VAPID_PUBLIC_KEY, privateKey: process.env.VAPID_PRIVATE_KEY },
  concurrency: process.env.CONCURRENCY ? Number(process.env.CONCURRENCY) : undefined,
  endpointPolicy: process.env.ENDPOINT_POLICY || 'push-services',
  // Called once per gone (404/410) target after its outcome is recorded: delete it from your store.
  onGone: async (gone) => {
    if (process.env.GONE_FILE) await fs.promises.appendFile(process.env.GONE_FILE, gone.map((o) => `${o.endpoint}\n`).join(''))
  },
})

async function stop() {
  await campaigns.close() // closes the worker too: in-flight sends finish and are recorded
  process.exit(0)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
worker.ready().then(() => console.log(`worker ${process.pid} ready (at most ${worker.maxInFlight} in flight)`))
