'use strict'

// The CommonJS entry check: both entry points load with require(). smoke.mjs requires this file
// (the ESM and CJS views must be the same module instances), and runs it as a CommonJS main
// script in a child process of the same runtime, where it prints what it loaded as JSON.

const webpush = require('web-push-rs')
const testing = require('web-push-rs/testing')

module.exports = { webpush, testing }

async function main() {
  const keys = webpush.generateVAPIDKeys()
  const service = await testing.startPushService()
  try {
    const subscription = await service.subscribe({ applicationServerKey: keys.publicKey })
    const vapidDetails = { subject: 'mailto:cjs@example.com', ...keys }
    const { statusCode } = await webpush.sendNotification(subscription, 'from a CommonJS main', { vapidDetails })
    const [message] = service.messages(subscription)
    console.log(JSON.stringify({
      webpush: Object.keys(webpush).sort(),
      testing: Object.keys(testing).sort(),
      statusCode,
      text: message?.text,
    }))
  } finally {
    await service.close()
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
}
