'use strict'

// The whole system in a real browser, offline: headless Firefox ESR (puppeteer-core over
// WebDriver BiDi) subscribes through the Express example's page to our local push service
// (Firefox's push WebSocket protocol); the server fans out with WebPush.sendMany; Firefox
// itself decrypts and its service worker hands the payload to the page.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const webpush = require('..')
const { startPushService } = require('../testing')
const { start } = require('../examples/express/app.js')
const { launchFirefox, findFirefox } = require('../examples/firefox-launcher.js')
const { until } = require('./helpers.js')

const skip = process.env.WEB_PUSH_RS_SKIP_BROWSER === '1' ? 'WEB_PUSH_RS_SKIP_BROWSER=1' : false


test('Firefox subscribes, receives and decrypts pushes in both encodings; gone subscriptions are deleted', { skip, timeout: 90000 }, async () => {
  assert.ok(findFirefox(), 'Firefox must be installed (npm test installs firefox-esr with apt)')
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-e2e-'))
  const service = await startPushService()
  const app = await start({ port: 0, dataDir, endpointPolicy: 'https' })
  const firefox = await launchFirefox(service)
  try {
    const page = await firefox.browser.newPage()
    await page.goto(app.url)
    const state = () => page.$eval('#status', (el) => el.dataset.state)
    const received = () => page.$$eval('#received li', (items) => items.map((li) => li.textContent))
    const stored = async () => {
      const all = []
      for await (const subscription of app.store.cursor()) all.push(subscription)
      return all
    }
    await until(state, (s) => s === 'default' || s === 'granted', 'the page to be ready')

    // 1. Subscribe through the real UI: permission, pushManager.subscribe, POST /subscribe.
    await page.click('#subscribe')
    await until(state, (s) => s === 'subscribed', 'the subscription')
    const [subscription] = await until(stored, (all) => all.length === 1, 'the server to store the subscription')
    assert.ok(subscription.endpoint.startsWith(`${service.origin}/push/`), 'Firefox registered at our push service')

    // 2. The server fans out (aes128gcm): the service worker gets exactly the JSON payload.
    const message = { title: 'e2e', body: 'through a real browser' }
    const report = await (await fetch(`${app.url}/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) })).json()
    assert.equal(report.sent, 1)
    const [first] = await until(received, (items) => items.length === 1, 'the aes128gcm push')
    assert.deepEqual(JSON.parse(first), message)

    // 3. Legacy aesgcm, sent directly with the app's VAPID keys.
    const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'vapid.json'), 'utf8'))
    const vapidDetails = { subject: 'mailto:admin@example.com', ...keys }
    await webpush.sendNotification(subscription, 'legacy aesgcm ✓', { vapidDetails, contentEncoding: 'aesgcm' })
    const items = await until(received, (list) => list.length === 2, 'the aesgcm push')
    assert.equal(items[1], 'legacy aesgcm ✓')
    await until(() => service.messages(subscription).map((m) => m.ack), (acks) => acks.length === 2 && acks.every((a) => a === 100), 'acks 100 (delivered)')

    // 4. A tampered body is accepted by the push service but Firefox cannot decrypt it: ack 101.
    const details = webpush.generateRequestDetails(subscription, 'tampered', { vapidDetails })
    details.body[details.body.length - 1] ^= 0x01
    const response = await fetch(subscription.endpoint, { method: 'POST', headers: details.headers, body: details.body })
    assert.equal(response.status, 201)
    const acks = await until(() => service.messages(subscription).map((m) => m.ack), (list) => list.length === 3 && list[2] !== undefined, 'the ack of the tampered message')
    assert.equal(acks[2], 101, 'Firefox reports a decryption failure')
    assert.equal((await received()).length, 2, 'the service worker never saw the tampered message')

    // 5. The page's own "Send test notification" button goes through the same path.
    await page.click('#send')
    const third = await until(received, (list) => list.length === 3, 'the push from the #send button')
    assert.equal(JSON.parse(third[2]).title, 'Test notification')
    assert.match(await page.$eval('#report', (el) => el.textContent), /Sent 1 of 1/)

    // 6. The browser drops the subscription (as when the user revokes permission): the next
    //    send reports it gone and the server deletes it.
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready
      await (await registration.pushManager.getSubscription()).unsubscribe()
    })
    const after = await until(
      async () => (await fetch(`${app.url}/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) })).json(),
      (r) => r.gone === 1,
      'the send after unsubscribing to report gone',
      5000,
    )
    assert.deepEqual(after.removed, [subscription.endpoint])
    assert.equal(await app.store.count(), 0)
  } finally {
    await firefox.close()
    await app.close()
    await service.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
})
