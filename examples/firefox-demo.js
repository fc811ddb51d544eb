'use strict'

// The demo's --browser step: a real headless Firefox subscribes to the local push service
// (over its WebSocket protocol), we send with VAPID, Firefox decrypts and acks.

const http = require('node:http')
const webpush = require('..')
const { launchFirefox } = require('./firefox-launcher.js')

const PAGE = `<!doctype html><title>push demo</title><ul id="received"></ul><script>
navigator.serviceWorker.addEventListener('message', (event) => {
  const item = document.createElement('li'); item.textContent = event.data; document.getElementById('received').append(item)
})
async function subscribe(key) {
  const registration = await navigator.serviceWorker.register('/sw.js')
  await navigator.serviceWorker.ready
  return JSON.stringify(await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }))
}
</script>`
const WORKER = `self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))
self.addEventListener('push', (event) => {
  const text = event.data ? event.data.text() : ''
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    .then((clients) => { clients.forEach((client) => client.postMessage(text)); return self.registration.showNotification('web-push-rs', { body: text }) }))
})`

async function runFirefoxDemo(service, vapid) {
  const server = http.createServer((req, res) => {
    const isWorker = req.url === '/sw.js'
    res.writeHead(200, { 'content-type': isWorker ? 'text/javascript' : 'text/html' }).end(isWorker ? WORKER : PAGE)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const firefox = await launchFirefox(service)
  try {
    const page = await firefox.browser.newPage()
    await page.goto(`http://127.0.0.1:${server.address().port}/`)
    const subscription = JSON.parse(await page.evaluate((key) => subscribe(key), vapid.publicKey))
    console.log(`8. Headless Firefox subscribed through ${service.webSocketUrl}: ${subscription.endpoint}`)
    const text = 'Hello, real Firefox!'
    await webpush.sendNotification(subscription, text, { vapidDetails: { subject: 'mailto:demo@example.com', ...vapid } })
    await page.waitForFunction(() => document.querySelectorAll('#received li').length > 0, { timeout: 15000 })
    const shown = await page.evaluate(() => document.querySelector('#received li').textContent)
    let message = service.messages(subscription)[0]
    for (let i = 0; i < 40 && message.ack === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      message = service.messages(subscription)[0]
    }
    console.log(`   Firefox's service worker got "${shown}" (ack ${message.ack}: decrypted by the browser)`)
  } finally {
    await firefox.close()
    server.close()
  }
}

module.exports = { runFirefoxDemo }
