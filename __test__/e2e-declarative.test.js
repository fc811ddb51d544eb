'use strict'

// Declarative Web Push in a real browser, offline: headless Firefox ESR subscribes to our
// local push service from a minimal page that registers the example service worker
// (examples/shared/public/sw.js); a message built by declarativePayload reaches it as an
// ordinary push (Firefox decrypts it), and the service worker shows the declared notification
// (title, body, tag, `navigate` as the click target) and hands the payload to the page.
// Headless Firefox has no notification backend (showNotification fails with
// NS_ERROR_FAILURE), so the served worker first replaces showNotification with a recorder
// that reports its arguments to the page, then imports the example worker unchanged.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const webpush = require('..')
const { startPushService } = require('../testing')
const { launchFirefox, findFirefox } = require('../examples/firefox-launcher.js')

const skip = process.env.WEB_PUSH_RS_SKIP_BROWSER === '1' ? 'WEB_PUSH_RS_SKIP_BROWSER=1' : false
const SW = path.join(__dirname, '..', 'examples', 'shared', 'public', 'sw.js')

// What /sw.js serves: the recorder, then the example service worker.
const WORKER = `ServiceWorkerRegistration.prototype.showNotification = async function (title, options) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  for (const client of windows) client.postMessage({ shown: { title, options } })
}
importScripts('/example-sw.js')
`

// The page only collects what the service worker posts to it.
const PAGE = `<!doctype html><meta charset="utf-8"><title>declarative</title>
<script>
  window.received = []
  navigator.serviceWorker.onmessage = (event) => window.received.push(event.data)
</script>`

/** Polls `read` until `accept(value)`; fails with `what` after `ms`. */
async function until(read, accept, what, ms = 15000) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (accept(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function serve() {
  const server = http.createServer((req, res) => {
    if (req.url === '/sw.js' || req.url === '/example-sw.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(req.url === '/sw.js' ? WORKER : fs.readFileSync(SW))
    } else {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(PAGE)
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

test('Firefox gets a declarative message as a push; the example service worker shows the declared notification', { skip, timeout: 90000 }, async () => {
  assert.ok(findFirefox(), 'Firefox must be installed (npm test installs firefox-esr with apt)')
  const service = await startPushService()
  const server = await serve()
  const origin = `http://127.0.0.1:${server.address().port}`
  const firefox = await launchFirefox(service)
  try {
    const vapid = webpush.generateVAPIDKeys()
    const page = await firefox.browser.newPage()
    await page.goto(`${origin}/`)
    const subscription = await page.evaluate(async (applicationServerKey) => {
      const registration = await navigator.serviceWorker.register('/sw.js')
      await navigator.serviceWorker.ready
      const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey })
      return sub.toJSON()
    }, vapid.publicKey)
    assert.ok(subscription.endpoint.startsWith(`${service.origin}/push/`), 'Firefox registered at our push service')

    const navigate = `${origin}/orders/42`
    const payload = webpush.declarativePayload(
      { title: 'Order shipped', body: 'Arrives Friday', navigate, tag: 'order-42', data: { id: 42 } },
      { appBadge: 2 },
    )
    await webpush.sendNotification(subscription, payload, { vapidDetails: { subject: 'mailto:test@example.com', ...vapid } })

    // The service worker was woken (no native support here): it showed the declared
    // notification and posted the payload text.
    const received = await until(() => page.evaluate(() => window.received), (list) => list.length === 2, 'the push to reach the page')
    const shown = received.find((m) => typeof m === 'object').shown
    assert.equal(received.find((m) => typeof m === 'string'), payload)
    assert.equal(shown.title, 'Order shipped')
    assert.equal(shown.options.body, 'Arrives Friday')
    assert.equal(shown.options.tag, 'order-42')
    assert.deepEqual(shown.options.data, { url: navigate, actions: {}, data: { id: 42 } }, 'navigate is the click target; data kept')
    // Firefox acked it as delivered (it decrypted the message).
    await until(() => service.messages(subscription).map((m) => m.ack), (acks) => acks[0] === 100, 'ack 100 (delivered)')
    // Browser-held subscription: the push service cannot decrypt, so `declarative` is absent.
    assert.equal(service.messages(subscription)[0].declarative, undefined)
  } finally {
    await firefox.close()
    server.closeAllConnections()
    server.close()
    await service.close()
  }
})
