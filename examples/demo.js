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
  } finally {
    webpush.setVapidDetails(null)
    await service.close()
  }
}

module.exports = { main }

if (require.main === module) {
  main().catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
}
