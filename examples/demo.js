'use strict'

// The main job, end to end, offline: a local push service plays the browser's push service,
// a subscription is created as a browser would, and the server sends with VAPID.
const webpush = require('..')
const { startPushService } = require('../testing')

async function main() {
  const service = await startPushService()
  try {
    console.log(`1. Local push service (RFC 8030) on ${service.origin}`)

    const vapid = webpush.generateVAPIDKeys()
    webpush.setVapidDetails('mailto:demo@example.com', vapid.publicKey, vapid.privateKey)
    console.log(`2. VAPID keys generated; the page subscribes with applicationServerKey = ${vapid.publicKey.slice(0, 20)}…`)

    const subscription = await service.subscribe({ applicationServerKey: vapid.publicKey })
    console.log(`3. The browser hands the server its subscription: ${subscription.endpoint}`)

    const payload = JSON.stringify({ title: 'Hello from web-push-rs', body: 'Encrypted, signed, delivered.' })
    for (const contentEncoding of ['aes128gcm', 'aesgcm']) {
      const result = await webpush.sendNotification(subscription, payload, { TTL: 60, urgency: 'high', topic: 'demo', contentEncoding })
      console.log(`4. sendNotification (${contentEncoding}) → ${result.statusCode} Created, Location ${result.headers.location}`)
    }

    for (const message of service.messages(subscription)) {
      console.log(`5. The push service verified and decrypted a ${message.encoding} message:`)
      console.log(`     VAPID  signature ok, sub=${message.vapid.sub}, aud=${message.vapid.aud}, expires ${new Date(message.vapid.exp * 1000).toISOString()}`)
      console.log(`     TTL=${message.ttl} Urgency=${message.urgency} Topic=${message.topic} over ${message.httpVersion}`)
      console.log(`     payload ${message.text}`)
      if (message.text !== payload) throw new Error('decrypted payload differs')
    }

    service.expire(subscription)
    await webpush.sendNotification(subscription, payload).catch((err) => {
      console.log(`6. After the user unsubscribes: ${err.statusCode} → WebPushError ${err.code}: delete this subscription`)
    })

    await fanOut(service, vapid)
    if (process.argv.includes('--browser')) await realBrowser(service, vapid)
  } finally {
    webpush.setVapidDetails(null)
    await service.close()
  }
}

/** 7. Fan-out to 1,000 simulated subscribers with WebPush.sendMany, a progress bar and a summary. */
async function fanOut(service, vapid) {
  const N = 1000
  const subscribers = []
  for (let i = 0; i < N; i++) subscribers.push(await service.subscribe())
  for (const gone of subscribers.slice(0, 10)) service.expire(gone)
  service.failNext(subscribers[10], { status: 503, times: 5 })
  const push = new webpush.WebPush({ vapid: { subject: 'mailto:demo@example.com', ...vapid }, retry: { attempts: 2, maxDelayMs: 200 } })
  const bar = (done) => {
    const width = 30
    const filled = Math.round((done / N) * width)
    process.stdout.write(`\r7. Fan-out to ${N} subscribers [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${N}`)
  }
  const report = await push.sendMany(subscribers, JSON.stringify({ title: 'Flash sale', body: 'for everyone' }), {
    onProgress: (p) => bar(p.done),
  })
  bar(report.total)
  const rate = Math.round(report.total / (report.durationMs / 1000))
  console.log(`\n   sent ${report.sent} · gone ${report.gone.length} (delete them) · rejected ${report.rejected.length} · failed ${report.failed.length} · ${Math.round(report.durationMs)} ms · ${rate} msg/s (the local push service decrypts every message in this same process)`)
  const decrypted = service.messages(subscribers[N - 1])[0]
  console.log(`   subscriber #${N} decrypted: ${decrypted.text}`)
  await push.close()
}

/** 8. (--browser) A real headless Firefox subscribes to the local push service and decrypts a push. */
async function realBrowser(service, vapid) {
  const { runFirefoxDemo } = require('./firefox-demo.js')
  await runFirefoxDemo(service, vapid).catch((err) => console.log(`8. Real browser skipped: ${err.message}`))
}

module.exports = { main }

if (require.main === module) {
  main().catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
}
