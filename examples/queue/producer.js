'use strict'

// Starts (or resumes) a campaign: the payload is stored once, the subscriptions streamed in
// from a JSON-lines file (one PushSubscription per line; in your app, a database cursor).
// Run it again with the same CAMPAIGN_ID after a crash: nothing is stored or sent twice.
//
//   REDIS_URL=redis://127.0.0.1:6379 CAMPAIGN_ID=sale-2026-12 SUBSCRIPTIONS_FILE=subs.jsonl \
//   node examples/queue/producer.js '{"title":"Sale","body":"-20% today"}'
//
// Env: REDIS_URL, CAMPAIGN_ID, SUBSCRIPTIONS_FILE, TTL (seconds, 3600), WAIT (1: wait for the
// final report and print it).

const fs = require('node:fs')
const readline = require('node:readline')
const { Campaigns } = require('../../queue.js') // in your app: require('web-push-rs/queue')

async function* subscriptionsFrom(file) {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) if (line.trim()) yield JSON.parse(line)
}

async function main() {
  const campaigns = new Campaigns({ connection: process.env.REDIS_URL || 'redis://127.0.0.1:6379' })
  try {
    const id = process.env.CAMPAIGN_ID || `campaign-${Date.now()}`
    const { total } = await campaigns.start({
      id,
      payload: process.argv[2] || JSON.stringify({ title: 'Hello', body: 'from a campaign' }),
      options: { ttl: Number(process.env.TTL || 3600), urgency: 'normal' },
      targets: subscriptionsFrom(process.env.SUBSCRIPTIONS_FILE),
    })
    console.log(`campaign ${id}: ${total} targets stored`)
    if (process.env.WAIT === '1') {
      const report = await campaigns.wait(id, { onProgress: (r) => console.log(`  ${r.done}/${r.total} done (${r.sent} sent, ${r.gone} gone)`), intervalMs: 500 })
      console.log(JSON.stringify(report))
    }
  } finally {
    await campaigns.close()
  }
}

main().catch((err) => {
  console.error(err.code ? `${err.code}: ${err.message}` : err)
  process.exit(1)
})
