'use strict'

// declarativePayload (Declarative Web Push) and what the local push service reports of a
// received declarative message.

const test = require('node:test')
const assert = require('node:assert/strict')
const webpush = require('..')
const { startPushService } = require('../testing')
const { expectError } = require('./helpers.js')

const { declarativePayload, WebPushError } = webpush
const navigate = 'https://shop.example/orders/42'

test('exported from the package and its default export', () => {
  assert.equal(typeof declarativePayload, 'function')
  assert.equal(webpush.default.declarativePayload, declarativePayload)
})

test('minimal message: exact JSON, web_push is the integer 8030', () => {
  const text = declarativePayload({ title: 'Hi', navigate })
  assert.equal(text, `{"web_push":8030,"notification":{"title":"Hi","navigate":"${navigate}"}}`)
  assert.equal(JSON.parse(text).web_push, 8030)
})

test('camelCase in, the spec snake_case out; app_badge and mutable at the top level only', () => {
  const text = declarativePayload(
    {
      title: 'Order shipped',
      body: 'Arrives Friday',
      navigate,
      requireInteraction: true,
      dir: 'ltr',
      lang: 'en',
      tag: 'order-42',
      icon: 'https://shop.example/icon.png',
      image: 'https://shop.example/image.png',
      badge: 'https://shop.example/badge.png',
      vibrate: [100, 50, 100],
      timestamp: 1764547200000,
      renotify: true,
      silent: false,
      data: { order: 42, items: ['a', 'b'] },
      actions: [{ action: 'track', title: 'Track', navigate: 'https://shop.example/track/42' }],
      unused: undefined, // absent, as JSON has it
    },
    { appBadge: 3, mutable: true },
  )
  const message = JSON.parse(text)
  assert.deepEqual(Object.keys(message), ['web_push', 'notification', 'app_badge', 'mutable'])
  assert.equal(message.app_badge, 3)
  assert.equal(message.mutable, true)
  assert.equal(message.notification.require_interaction, true)
  assert.equal('requireInteraction' in message.notification, false)
  assert.equal('app_badge' in message.notification, false)
  assert.deepEqual(message.notification.data, { order: 42, items: ['a', 'b'] })
  assert.deepEqual(message.notification.actions, [{ action: 'track', title: 'Track', navigate: 'https://shop.example/track/42' }])
  assert.deepEqual(Object.keys(message.notification), [
    'title', 'dir', 'lang', 'body', 'navigate', 'tag', 'image', 'icon', 'badge', 'vibrate', 'timestamp',
    'renotify', 'silent', 'require_interaction', 'data', 'actions',
  ])
})

const INVALID = [
  ['title missing', { navigate }, undefined, /^notification\.title is required/],
  ['title empty', { title: '', navigate }, undefined, /^notification\.title must be a non-empty string/],
  ['navigate missing', { title: 't' }, undefined, /^notification\.navigate is required/],
  ['navigate relative', { title: 't', navigate: '/orders/42' }, undefined, /^notification\.navigate must be an absolute URL/],
  ['navigate not http(s)', { title: 't', navigate: 'javascript:alert(1)' }, undefined, /^notification\.navigate must be an http: or https: URL/],
  ['dir', { title: 't', navigate, dir: 'up' }, undefined, /^notification\.dir must be "auto", "ltr" or "rtl"/],
  ['lang not a string', { title: 't', navigate, lang: 1 }, undefined, /^notification\.lang must be a string, got number 1/],
  ['icon relative', { title: 't', navigate, icon: 'icon.png' }, undefined, /^notification\.icon must be an absolute URL/],
  ['vibrate negative', { title: 't', navigate, vibrate: [100, -1] }, undefined, /^notification\.vibrate must be an array of non-negative integers/],
  ['timestamp a Date', { title: 't', navigate, timestamp: new Date(0) }, undefined, /^notification\.timestamp must be a non-negative integer \(milliseconds/],
  ['timestamp fractional', { title: 't', navigate, timestamp: 1.5 }, undefined, /^notification\.timestamp must be a non-negative integer/],
  ['renotify without a tag', { title: 't', navigate, renotify: true }, undefined, /^notification\.renotify needs a non-empty tag/],
  ['vibrate with silent', { title: 't', navigate, silent: true, vibrate: [100] }, undefined, /^notification\.vibrate cannot be combined with silent: true/],
  ['silent a string', { title: 't', navigate, silent: 'yes' }, undefined, /^notification\.silent must be a boolean/],
  ['both spellings', { title: 't', navigate, requireInteraction: true, require_interaction: true }, undefined, /^notification\.require_interaction is given twice/],
  ['actions not an array', { title: 't', navigate, actions: {} }, undefined, /^notification\.actions must be an array/],
  ['action without navigate', { title: 't', navigate, actions: [{ action: 'a', title: 'A' }] }, undefined, /^notification\.actions\[0\]\.navigate is required/],
  ['unknown key', { title: 't', navigate, url: navigate }, undefined, /^notification\.url is not a member of a declarative notification \(allowed: title, /],
  ['app_badge inside notification', { title: 't', navigate, app_badge: '1' }, undefined, /^notification\.app_badge is not a notification member: app_badge is a top-level member/],
  ['appBadge a string', { title: 't', navigate }, { appBadge: '1' }, /^options\.appBadge must be a non-negative integer \(never a string\)/],
  ['app_badge negative', { title: 't', navigate }, { app_badge: -1 }, /^options\.app_badge must be a non-negative integer/],
  ['mutable not boolean', { title: 't', navigate }, { mutable: 'true' }, /^options\.mutable must be a boolean/],
  ['unknown option', { title: 't', navigate }, { ttl: 60 }, /^options\.ttl is not a member of the declarativePayload options/],
]

for (const [name, notification, options, pattern] of INVALID) {
  test(`ERR_INVALID_NOTIFICATION: ${name}`, async () => {
    await expectError(assert, () => declarativePayload(notification, options), WebPushError, 'ERR_INVALID_NOTIFICATION', pattern)
  })
}

test('wrong argument types are TypeErrors; NaN/Infinity refused; strings are never echoed', async () => {
  await expectError(assert, () => declarativePayload('{"title":"t"}'), TypeError, 'ERR_INVALID_ARG_TYPE', /notification must be an object/)
  await expectError(assert, () => declarativePayload(null), TypeError, 'ERR_INVALID_ARG_TYPE', /notification must be an object/)
  await expectError(assert, () => declarativePayload({ title: 't', navigate }, 3), TypeError, 'ERR_INVALID_ARG_TYPE', /options must be an object/)
  await expectError(assert, () => declarativePayload({ title: 't', navigate, data: 1n }), TypeError, 'ERR_INVALID_ARG_TYPE', /JSON-serialisable/)
  await expectError(assert, () => declarativePayload({ title: 't', navigate, timestamp: NaN }), WebPushError, 'ERR_INVALID_NOTIFICATION', /^notification member timestamp is NaN; JSON numbers must be finite/)
  await expectError(assert, () => declarativePayload({ title: 't', navigate }, { appBadge: Infinity }), WebPushError, 'ERR_INVALID_NOTIFICATION', /^options member appBadge is Infinity/)
  const err = await expectError(assert, () => declarativePayload({ title: 't', navigate: 'secret-looking-value' }), WebPushError, 'ERR_INVALID_NOTIFICATION')
  assert.doesNotMatch(err.message, /secret-looking-value/)
})

test('a message over 3993 bytes is ERR_PAYLOAD_TOO_LARGE; exactly 3993 fits', async () => {
  const overhead = declarativePayload({ title: 't', navigate, body: '' }).length
  assert.equal(declarativePayload({ title: 't', navigate, body: 'x'.repeat(3993 - overhead) }).length, 3993)
  await expectError(assert, () => declarativePayload({ title: 't', navigate, body: 'x'.repeat(3994 - overhead) }), WebPushError, 'ERR_PAYLOAD_TOO_LARGE', /3994 bytes; at most 3993/)
  // Multi-byte text counts in bytes.
  await expectError(assert, () => declarativePayload({ title: 't', navigate, body: 'é'.repeat(2000) }), WebPushError, 'ERR_PAYLOAD_TOO_LARGE')
})

test('the local push service reports received declarative messages, valid or not', async () => {
  const service = await startPushService()
  try {
    const vapid = webpush.generateVAPIDKeys()
    const vapidDetails = { subject: 'mailto:test@example.com', ...vapid }
    const sub = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const payload = declarativePayload({ title: 'Hi', navigate, requireInteraction: true }, { appBadge: 1 })
    await webpush.sendNotification(sub, payload, { vapidDetails })
    // Sent by hand: early examples' shape (app_badge a string inside notification).
    await webpush.sendNotification(sub, JSON.stringify({ web_push: 8030, notification: { title: 'Hi', navigate, app_badge: '1' } }), { vapidDetails })
    await webpush.sendNotification(sub, JSON.stringify({ web_push: '8030', notification: { title: 'Hi', navigate } }), { vapidDetails })
    await webpush.sendNotification(sub, JSON.stringify({ title: 'an ordinary JSON push' }), { vapidDetails })
    await webpush.sendNotification(sub, 'plain text', { vapidDetails })
    const [valid, misplaced, stringly, ordinary, text] = service.messages(sub)
    assert.deepEqual(valid.declarative, JSON.parse(payload))
    assert.deepEqual(valid.declarative, { web_push: 8030, notification: { title: 'Hi', navigate, require_interaction: true }, app_badge: 1 })
    assert.match(misplaced.declarative, /^notification\.app_badge is not a notification member/)
    assert.match(stringly.declarative, /^web_push must be the integer 8030, got a string/)
    assert.equal(ordinary.declarative, undefined)
    assert.equal(text.declarative, undefined)
  } finally {
    await service.close()
  }
})
