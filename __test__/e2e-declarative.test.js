'use strict'

// Declarative Web Push in a real browser, offline: headless Firefox ESR subscribes to our
// local push service from a minimal page that registers the example service worker
// (examples/shared/public/sw.js); a message built by declarativePayload reaches it as an
// ordinary push (Firefox decrypts it; it has no native declarative support), and the service
// worker shows the declared notification (title, body, tag, `navigate` as the click target)
// and hands the payload to the page.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const webpush = require('..')
const { startPushService } = require('../testing')
const { launchFirefox, findFirefox } = require('../examples/firefox-launcher.js')
const { until } = require('./helpers.js')

const skip = process.env.WEB_PUSH_RS_SKIP_BROWSER === '1' ? 'WEB_PUSH_RS_SKIP_BROWSER=1' : false
const SW = path.join(__dirname, '..', 'examples', 'shared', 'public', 'sw.js')

// The page only collects what the service worker posts to it.
const PAGE = `<!doctype html><meta charset="utf-8"><title>declarative</title>
<script>
  window.received = []
  navigator.serviceWorker.onmessage = (event) => window.received.push(event.data)
</script>`


function serve() {
  const server = http.createServer((req, res) => {
    if (req.url === '/sw.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(fs.readFileSync(SW))
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

    // The service worker was woken (no native support here): it posted the payload text and
    // showed the declared notification.
    const [text] = await until(() => page.evaluate(() => window.received), (list) => list.length === 1, 'the push to reach the page')
    assert.equal(text, payload)
    const shown = await until(
      () => page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready
        return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }))
      }),
      (list) => list.length === 1,
      'the notification',
    )
    assert.deepEqual(shown[0], { title: 'Order shipped', body: 'Arrives Friday', tag: 'order-42', data: { url: navigate, actions: {}, data: { id: 42 } } })
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
