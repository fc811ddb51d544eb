'use strict'

// Push services as they really answer: each local profile × failure kind gives the bucket,
// reason and retries of that vendor; Apple's guardrails; the default policy's IP-literal rule.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const webpush = require('..')
const { startPushService } = require('../testing')
const { expectError } = require('./helpers.js')

const { WebPush, WebPushError, generateVAPIDKeys, sendNotification } = webpush
const keys = generateVAPIDKeys()
const vapid = { subject: 'mailto:ops@shop.fr', ...keys }

const profiles = {
  mozilla: { path: '/wpush/v2/', reasons: { gone: 'errno 106: No such subscription', 'key-mismatch': 'errno 109: VAPID public key mismatch' } },
  apple: { path: '/3/device/', reasons: { gone: 'ExpiredSubscription', throttled: 'TooManyRequests', 'too-large': 'PayloadTooLarge', 'bad-jwt': 'BadJwtToken', 'key-mismatch': 'VapidPkHashMismatch' } },
  fcm: { path: '/fcm/send/', reasons: { gone: 'Unregistered', 'key-mismatch': 'VapidKeyMismatch', 'too-large': 'PayloadTooLarge', 'bad-jwt': 'InvalidJwt' } },
  wns: { path: '/w/', reasons: { throttled: /^appthrottled: .* \(x-wns-msg-id: \w+\) \(x-wns-debug-trace: [\w-]+\)$/ } },
}
const expectedKind = { gone: 'gone', throttled: 'failed', 'too-large': 'rejected', 'bad-jwt': 'rejected', 'key-mismatch': 'rejected', unavailable: 'failed' }

for (const [profile, { path, reasons }] of Object.entries(profiles)) {
  test(`profile ${profile}: every failure kind lands in its bucket with the service's reason`, async () => {
    const service = await startPushService({ profile })
    const push = new WebPush({ vapid, retry: { attempts: 2, maxDelayMs: 3000 } })
    try {
      const kinds = Object.keys(expectedKind)
      const subs = await Promise.all(kinds.map(() => service.subscribe()))
      assert.ok(subs.every((s) => new URL(s.endpoint).pathname.startsWith(path)), `endpoints have the ${profile} shape`)
      for (const [i, kind] of kinds.entries()) service.failNext(subs[i], { kind, retryAfter: 1, times: 2 })
      const outcomes = []
      const report = await push.sendMany(subs, 'x', { onOutcome: (list) => { outcomes.push(...list) } })
      assert.equal(report.sent, 0)
      for (const [i, kind] of kinds.entries()) {
        const o = outcomes.find((x) => x.index === i)
        assert.equal(o.kind, expectedKind[kind], `${kind} → ${expectedKind[kind]}`)
        assert.equal(typeof o.reason, 'string', `${kind} has a reason`)
        const want = reasons[kind]
        if (want instanceof RegExp) assert.match(o.reason, want)
        else if (want) assert.equal(o.reason, want)
        const retried = kind === 'throttled' || kind === 'unavailable'
        assert.equal(o.attempts, retried ? 2 : 1, `${kind}: ${retried ? 'retried' : 'not retried'}`)
        if (kind === 'throttled') assert.equal(o.retryAfterMs, 1000)
        if (kind === 'key-mismatch' && profile !== 'wns') assert.match(o.message, /created with another VAPID key/)
      }
      assert.equal(report.gone.length, 1, 'only the gone kind is gone: a key mismatch never deletes')
      if (profile === 'mozilla') {
        const moz = outcomes.find((x) => x.index === kinds.indexOf('key-mismatch'))
        assert.equal(moz.errno, 109)
      }
    } finally {
      await push.close()
      await service.close()
    }
  })
}

test('sendNotification errors carry the reason; Windows 406 is a throttle, retried after Retry-After', async () => {
  const service = await startPushService({ profile: 'apple' })
  const [sub] = await Promise.all([service.subscribe()])
  service.failNext(sub, { kind: 'bad-jwt' })
  const err = await expectError(assert, () => sendNotification(sub, 'x', { vapidDetails: vapid }), WebPushError, 'ERR_UNEXPECTED_STATUS')
  assert.deepEqual([err.statusCode, err.reason], [403, 'BadJwtToken'])
  await service.close()

  const wns = await startPushService({ profile: 'wns' })
  const [w] = await Promise.all([wns.subscribe()])
  wns.failNext(w, { kind: 'throttled', retryAfter: 1 })
  const push = new WebPush({ vapid })
  const started = Date.now()
  const ok = await push.send(w, 'after the throttle')
  assert.equal(ok.statusCode, 201)
  assert.ok(Date.now() - started >= 900, 'waited for Retry-After')
  assert.deepEqual(wns.messages(w).map((m) => m.text), ['after the throttle'])
  await push.close()
  await wns.close()
})

test('Apple guardrails: unusable subjects and undecodable topics are refused locally, no request sent', async () => {
  const service = await startPushService({ profile: 'apple' })
  const fcm = await startPushService({ profile: 'fcm' })
  try {
    const [sub] = await Promise.all([service.subscribe()])
    const [fsub] = await Promise.all([fcm.subscribe()])
    for (const subject of ['mailto:dev@localhost', 'mailto:a@box.local', 'https://shop.test/', 'mailto:x@example.com']) {
      const details = { ...vapid, subject }
      const err = await expectError(assert, () => sendNotification(sub, 'x', { vapidDetails: details }), WebPushError, 'ERR_INVALID_SUBJECT')
      assert.match(err.message, /Apple.*BadJwtToken/)
      const ok = await sendNotification(fsub, 'x', { vapidDetails: details })
      assert.equal(ok.statusCode, 201, `FCM accepts ${subject}`)
    }
    assert.equal(service.stats().requests, 0, 'nothing reached the Apple service')
    const push = new WebPush({ vapid })
    const report = await push.sendMany([{ subscription: sub, options: { topic: 'abcde' } }, { subscription: sub, options: { topic: 'abcd' } }], 'x')
    assert.deepEqual(report.rejected.map((o) => [o.index, o.code]), [[0, 'ERR_INVALID_TOPIC']])
    assert.equal(report.sent, 1)
    await push.close()
    // The service checks Apple's rules itself too (for senders other than us).
    const peer = require('web-push')
    const details = peer.generateRequestDetails(sub, 'x', { vapidDetails: { ...vapid, subject: 'mailto:dev@localhost' } })
    const response = await fetch(details.endpoint, { method: 'POST', headers: details.headers, body: details.body })
    assert.equal(response.status, 403)
    assert.deepEqual(await response.json(), { reason: 'BadJwtToken' })
  } finally {
    await service.close()
    await fcm.close()
  }
})

test('a subject Apple refuses warns once per subject', () => {
  const script = `
    const webpush = require(${JSON.stringify(require.resolve('..'))})
    const keys = webpush.generateVAPIDKeys()
    webpush.setVapidDetails('mailto:dev@localhost', keys.publicKey, keys.privateKey)
    webpush.setVapidDetails('mailto:dev@localhost', keys.publicKey, keys.privateKey)
    new webpush.WebPush({ vapid: { subject: 'mailto:dev@localhost', ...keys } })
    new webpush.WebPush({ vapid: { subject: 'mailto:ops@shop.fr', ...keys } })
  `
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  const warnings = run.stderr.split('\n').filter((l) => l.includes('WebPushWarning'))
  assert.equal(warnings.length, 1, run.stderr)
  assert.match(warnings[0], /Apple/)
})

test('default endpoint policy: internal IP literals and credentials are refused, loopback allowed', async () => {
  const service = await startPushService()
  const [sub] = await Promise.all([service.subscribe()])
  const push = new WebPush({ vapid, retry: false, timeoutMs: 500 })
  const path = new URL(sub.endpoint).pathname
  const tricky = [
    'https://10.0.0.5/push/x',
    'https://169.254.169.254/latest/meta-data',
    'https://0x0a000005/x',
    'https://[::ffff:10.0.0.1]/x',
    'https://10.0.0.5./x',
    'https://10%2e0%2e0%2e5/x',
    'https://100.64.1.1/x',
    'https://[fd00:ec2::254]/x',
    'https://[fe80::1]/x',
    'https://192.168.1.1:8443/x',
  ]
  const report = await push.sendMany(tricky.map((endpoint) => ({ endpoint })), undefined)
  assert.deepEqual(report.rejected.map((o) => o.code), tricky.map(() => 'ERR_ENDPOINT_NOT_ALLOWED'))
  assert.match(report.rejected[0].message, /custom endpointPolicy/)
  const compat = await expectError(assert, () => sendNotification({ endpoint: 'https://10.0.0.5/x' }), WebPushError, 'ERR_ENDPOINT_NOT_ALLOWED')
  assert.match(compat.message, /private, link-local/)

  const creds = await expectError(assert, () => push.send({ ...sub, endpoint: sub.endpoint.replace('http://', 'http://user:secret@') }, 'x'), WebPushError, 'ERR_INVALID_ENDPOINT')
  assert.doesNotMatch(creds.message, /secret/)

  const loop = await push.send({ ...sub, endpoint: `http://0x7f000001:${service.port}${path}` }, 'hex loopback')
  assert.equal(loop.statusCode, 201)
  await push.close()
  await service.close()
})
