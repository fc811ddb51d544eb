'use strict'

// sendNotification / generateRequestDetails against the local push service (127.0.0.1 only).

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const net = require('node:net')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFile } = require('node:child_process')
const webpushJs = require('web-push')
const webpush = require('..')
const { startPushService } = require('../testing')
const { expectError, verifyJwt } = require('./helpers.js')

const { WebPushError } = webpush
const vapid = webpush.generateVAPIDKeys()
const vapidDetails = { subject: 'mailto:test@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey }

let service
test.before(async () => {
  service = await startPushService()
})
test.after(() => service.close())

test('both encodings are accepted, verified and decrypted by the push service', async () => {
  const sub = await service.subscribe({ applicationServerKey: vapid.publicKey })
  for (const contentEncoding of ['aes128gcm', 'aesgcm']) {
    const result = await webpush.sendNotification(sub, `hello ${contentEncoding}`, {
      vapidDetails, contentEncoding, TTL: 60, urgency: 'high', topic: 'greeting',
    })
    assert.equal(result.statusCode, 201)
    assert.match(result.headers.location, new RegExp(`^${service.origin}/m/`))
  }
  const [a, b] = service.messages(sub)
  assert.equal(a.text, 'hello aes128gcm')
  assert.equal(b.text, 'hello aesgcm')
  assert.equal(b.encoding, 'aesgcm')
  assert.match(b.headers['crypto-key'], /^dh=[\w-]+;p256ecdsa=[\w-]+$/)
  assert.deepEqual([a.ttl, a.urgency, a.topic], [60, 'high', 'greeting'])
  assert.equal(a.vapid.aud, service.origin)
  assert.equal(a.vapid.publicKey, vapid.publicKey)
  assert.equal(a.vapid.sub, 'mailto:test@example.com')
})

test('a closed push service refuses new subscriptions', async () => {
  const other = await startPushService()
  await other.close()
  await expectError(assert, () => other.subscribe(), WebPushError, 'ERR_PUSH_SERVICE', /closed/)
})

test('a push without payload has no body and is delivered', async () => {
  const sub = await service.subscribe()
  const details = webpush.generateRequestDetails(sub, null, { vapidDetails })
  assert.equal(details.body, null)
  assert.equal(details.headers['Content-Length'], 0)
  await webpush.sendNotification(sub, '', { vapidDetails })
  const [m] = service.messages(sub)
  assert.equal(m.payload.length, 0)
  assert.equal(m.encoding, undefined)
})

test('setVapidDetails is used by default and the JWT is reused across sends', async () => {
  const sub = await service.subscribe({ applicationServerKey: vapid.publicKey })
  webpush.setVapidDetails(vapidDetails.subject, vapid.publicKey, vapid.privateKey)
  try {
    await webpush.sendNotification(sub, 'one')
    await webpush.sendNotification(sub, 'two')
  } finally {
    webpush.setVapidDetails(null)
  }
  const tokens = service.messages(sub).map((m) => m.headers.authorization)
  assert.equal(tokens.length, 2)
  assert.equal(tokens[0], tokens[1], 'the cached token is reused')
  const jwt = /t=([^,]+)/.exec(tokens[0])[1]
  assert.ok(verifyJwt(jwt, vapid.publicKey).ok)
  const other = await service.subscribe()
  await assert.rejects(webpush.sendNotification(sub, 'no vapid now'), (err) => err.statusCode === 401)
  await webpush.sendNotification(other, 'no vapid needed')
})

test('header set matches web-push generateRequestDetails', () => {
  const sub = { endpoint: 'https://push.example.net/abc', keys: { p256dh: webpush.generateVAPIDKeys().publicKey, auth: Buffer.alloc(16, 3).toString('base64url') } }
  const cases = [
    ['payload aes128gcm', 'hi', { vapidDetails, topic: 'abc', urgency: 'low', TTL: 30, headers: { 'X-Extra': 'yes' } }],
    ['payload aesgcm', Buffer.from('hi'), { vapidDetails, contentEncoding: 'aesgcm' }],
    ['no payload', undefined, { vapidDetails }],
    ['no vapid', 'x', { vapidDetails: null }],
    ['gcm key on fcm', 'x', { vapidDetails: null, gcmAPIKey: 'SERVERKEY' }],
  ]
  for (const [name, payload, options] of cases) {
    const endpoint = name.includes('fcm') ? { ...sub, endpoint: 'https://fcm.googleapis.com/fcm/send/x' } : sub
    const ours = webpush.generateRequestDetails(endpoint, payload, options)
    const theirs = webpushJs.generateRequestDetails(endpoint, payload, options)
    assert.deepEqual(Object.keys(ours.headers), Object.keys(theirs.headers), name)
    assert.equal(ours.method, theirs.method)
    assert.equal(ours.endpoint, theirs.endpoint)
    assert.equal(ours.body === null, theirs.body === null, name)
    for (const h of ['TTL', 'Urgency', 'Topic', 'Content-Type', 'Content-Encoding', 'X-Extra']) {
      assert.deepEqual(ours.headers[h], theirs.headers[h], `${name}: ${h}`)
    }
    if (ours.body) assert.equal(ours.headers['Content-Length'], ours.body.length)
    if (theirs.headers.Authorization) {
      const shape = (v) => v.replace(/[\w-]+\.[\w-]+\.[\w-]+/, 'JWT')
      assert.equal(shape(ours.headers.Authorization), shape(theirs.headers.Authorization), name)
    }
  }
})

test('option rules as web-push, with clear errors', async () => {
  const sub = await service.subscribe()
  const send = (payload, options, s = sub) => webpush.generateRequestDetails(s, payload, options)
  await expectError(assert, () => send('x', { TTl: 5 }), WebPushError, 'ERR_INVALID_OPTION', /'TTl' is an invalid option/)
  await expectError(assert, () => send('x', { TTL: 5, headers: { TTL: 6 } }), WebPushError, 'ERR_INVALID_OPTION', /Duplicated headers defined \[TTL\]/)
  await expectError(assert, () => send('x', { TTL: -1 }), WebPushError, 'ERR_INVALID_TTL', /TTL is -1/)
  await expectError(assert, () => send('x', { TTL: 'soon' }), WebPushError, 'ERR_INVALID_TTL', /not a number/)
  await expectError(assert, () => send('x', { TTL: 1.5 }), WebPushError, 'ERR_INVALID_TTL', /1\.5/)
  await expectError(assert, () => send('x', { urgency: 'asap' }), WebPushError, 'ERR_INVALID_URGENCY', /urgency "asap"/)
  await expectError(assert, () => send('x', { topic: 'a'.repeat(33) }), WebPushError, 'ERR_INVALID_TOPIC', /33 characters/)
  await expectError(assert, () => send('x', { topic: 'no spaces' }), WebPushError, 'ERR_INVALID_TOPIC', /base64url/)
  await expectError(assert, () => send('x', { contentEncoding: 'br' }), WebPushError, 'ERR_UNSUPPORTED_ENCODING', /contentEncoding "br"/)
  await expectError(assert, () => send('x', { headers: { 'Bad Header': 'v' } }), WebPushError, 'ERR_INVALID_HEADER', /Bad Header/)
  await expectError(assert, () => send('x', { agent: new http.Agent() }), WebPushError, 'ERR_UNSUPPORTED_OPTION', /use options\.proxy.*options\.ca/i)
  await expectError(assert, () => send('x', { timeout: 'slow' }), TypeError, 'ERR_INVALID_ARG_TYPE', /timeout/)
  await expectError(assert, () => send('x', { proxy: 42 }), WebPushError, 'ERR_INVALID_PROXY', /proxy/)
  await expectError(assert, () => send('x', { vapidDetails: { ...vapidDetails, subject: 'nope' } }), WebPushError, 'ERR_INVALID_SUBJECT', /subject/)
  await expectError(assert, () => send('x', {}, { endpoint: '' }), WebPushError, 'ERR_INVALID_ENDPOINT', /endpoint/)
  await expectError(assert, () => send('x', {}, {}), WebPushError, 'ERR_INVALID_ENDPOINT', /endpoint/)
  await expectError(assert, () => send('x', {}, null), TypeError, 'ERR_INVALID_ARG_TYPE', /subscription/)
  await expectError(assert, () => send('x', {}, { endpoint: sub.endpoint }), WebPushError, 'ERR_MISSING_KEYS', /'auth' and 'p256dh'/)
  await expectError(assert, () => send('x', {}, { endpoint: 'http://push.example.com/x', keys: sub.keys }), WebPushError, 'ERR_INVALID_ENDPOINT', /non-loopback/)
  await expectError(assert, () => send('x', {}, { endpoint: 'push.example.com/x', keys: sub.keys }), WebPushError, 'ERR_INVALID_ENDPOINT', /not a valid URL/)
  await expectError(assert, () => send(12, {}), TypeError, 'ERR_INVALID_ARG_TYPE', /payload/)
  await expectError(assert, () => send(Buffer.alloc(4000), {}), WebPushError, 'ERR_PAYLOAD_TOO_LARGE', /4000 bytes/)
  await expectError(assert, () => send('x', { ca: 'not a certificate' }), WebPushError, 'ERR_INVALID_CA', /\bca\b/)
  await expectError(assert, () => send('x', { proxy: 'ftp://user:secret@proxy.example' }), WebPushError, 'ERR_INVALID_PROXY', /^proxy "ftp:\/\/proxy\.example\/" must be/)
  assert.equal(send('x', { TTL: '120' }).headers.TTL, 120)
  assert.equal(send('x', { timeout: 5 }).timeout, 5)
})

test('sendNotification rejects (never throws) on bad input, with the endpoint on network errors', async () => {
  let promise
  assert.doesNotThrow(() => { promise = webpush.sendNotification({ endpoint: 'http://push.example.com/x' }) })
  await expectError(assert, () => promise, WebPushError, 'ERR_INVALID_ENDPOINT', /https/)
  // A port we keep, resetting every connection (a closed port could be reused by a parallel test).
  const resetter = net.createServer((socket) => socket.resetAndDestroy())
  await new Promise((r) => resetter.listen(0, '127.0.0.1', r))
  const { port } = resetter.address()
  const err = await expectError(assert, () => webpush.sendNotification({ endpoint: `http://127.0.0.1:${port}/x` }), WebPushError, 'ERR_NETWORK', /push service/)
  await new Promise((r) => resetter.close(r))
  assert.equal(err.endpoint, `http://127.0.0.1:${port}/x`)
})

test('404 and 410 reject with WebPushError carrying the response', async () => {
  const sub = await service.subscribe()
  const unknown = { ...sub, endpoint: `${service.origin}/push/unknown` }
  const notFound = await expectError(assert, () => webpush.sendNotification(unknown, 'x', { vapidDetails }), WebPushError, 'ERR_UNEXPECTED_STATUS', /unexpected response code/)
  assert.equal(notFound.statusCode, 404)
  assert.equal(notFound.endpoint, unknown.endpoint)
  assert.equal(JSON.parse(notFound.body).code, 404)
  assert.equal(notFound.headers['content-type'], 'application/json')

  service.expire(sub)
  const gone = await expectError(assert, () => webpush.sendNotification(sub, 'x', { vapidDetails }), WebPushError, 'ERR_UNEXPECTED_STATUS')
  assert.equal(gone.statusCode, 410)
})

/** A loopback HTTP server whose handler the test controls; closed by the caller. */
async function stubServer(handler) {
  const server = http.createServer(handler)
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { server, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r) }) }
}

test('413 and 429 answers reject with statusCode, headers and body', async () => {
  const stub = await stubServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url === '/big') res.writeHead(413, { 'content-type': 'text/plain' }).end('Payload Too Large')
      else res.writeHead(429, { 'retry-after': '7' }).end('slow down')
    })
  })
  try {
    const big = await expectError(assert, () => webpush.sendNotification({ endpoint: `${stub.url}/big` }), WebPushError, 'ERR_UNEXPECTED_STATUS')
    assert.deepEqual([big.statusCode, big.body, big.headers['content-type']], [413, 'Payload Too Large', 'text/plain'])
    const slow = await expectError(assert, () => webpush.sendNotification({ endpoint: `${stub.url}/slow` }), WebPushError, 'ERR_UNEXPECTED_STATUS')
    assert.deepEqual([slow.statusCode, slow.headers['retry-after']], [429, '7'])
  } finally {
    await stub.close()
  }
})

test('a stalled push service times out with ERR_TIMEOUT', async () => {
  const sockets = []
  const stalled = net.createServer((socket) => sockets.push(socket))
  await new Promise((r) => stalled.listen(0, '127.0.0.1', r))
  try {
    const started = Date.now()
    const err = await expectError(assert, () => webpush.sendNotification({ endpoint: `http://127.0.0.1:${stalled.address().port}/p` }, null, { timeout: 300 }), WebPushError, 'ERR_TIMEOUT', /300 ms/)
    assert.ok(Date.now() - started >= 250, 'waited for the timeout')
    assert.ok(err.endpoint.endsWith('/p'))
  } finally {
    for (const s of sockets) s.destroy()
    await new Promise((r) => stalled.close(r))
  }
})

test('TLS push service: trusted through `ca`, refused without it, HTTP/2 negotiated', async () => {
  const tls = await startPushService({ tls: true })
  try {
    assert.match(tls.origin, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.match(tls.ca, /BEGIN CERTIFICATE/)
    const sub = await tls.subscribe({ applicationServerKey: vapid.publicKey })
    await expectError(assert, () => webpush.sendNotification(sub, 'x', { vapidDetails }), WebPushError, 'ERR_NETWORK', /certificate|UnknownIssuer|invalid peer/i)
    const ok = await webpush.sendNotification(sub, 'over tls', { vapidDetails, ca: tls.ca })
    assert.equal(ok.statusCode, 201)
    const [m] = tls.messages(sub)
    assert.deepEqual([m.text, m.httpVersion], ['over tls', 'HTTP/2'])
  } finally {
    await tls.close()
  }
})

test('NODE_EXTRA_CA_CERTS is honoured, as Node does', async () => {
  const tls = await startPushService({ tls: true })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-ca-'))
  try {
    const caFile = path.join(dir, 'ca.pem')
    fs.writeFileSync(caFile, tls.ca)
    const sub = await tls.subscribe()
    const script = `require(${JSON.stringify(path.join(__dirname, '..'))}).sendNotification(${JSON.stringify(sub)}, 'via env')
      .then((r) => console.log(r.statusCode), (e) => { console.log(e.code, e.message); process.exitCode = 1 })`
    const stdout = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } }, (err, out) => (err ? reject(new Error(out || err.message)) : resolve(out)))
    })
    assert.equal(stdout.trim(), '201')
    assert.equal(tls.messages(sub)[0].text, 'via env')
  } finally {
    await tls.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('proxy option sends through the proxy (URL string and web-push object form)', async () => {
  const seen = []
  const proxy = await stubServer((req, res) => {
    seen.push(req.url)
    const upstream = http.request(req.url, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers)
      up.pipe(res)
    })
    req.pipe(upstream)
  })
  try {
    const sub = await service.subscribe()
    const { port } = new URL(proxy.url)
    await webpush.sendNotification(sub, 'proxied 1', { vapidDetails, proxy: proxy.url })
    await webpush.sendNotification(sub, 'proxied 2', { vapidDetails, proxy: { host: '127.0.0.1', port: Number(port), protocol: 'http:' } })
    assert.deepEqual(seen, [sub.endpoint, sub.endpoint])
    assert.deepEqual(service.messages(sub).map((m) => m.text), ['proxied 1', 'proxied 2'])
  } finally {
    await proxy.close()
  }
})

test('an https endpoint goes through the proxy in a CONNECT tunnel, with the proxy URL\'s credentials (npm proxy)', async () => {
  const { createProxy } = await import('proxy')
  const server = createProxy(http.createServer())
  const tunnels = []
  server.authenticate = (req) => {
    const auth = req.headers['proxy-authorization'] ?? ''
    tunnels.push(req.url)
    return auth === `Basic ${Buffer.from('pusher:s3cr et').toString('base64')}`
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const tls = await startPushService({ tls: true })
  try {
    const sub = await tls.subscribe()
    const proxyUrl = `http://pusher:s3cr%20et@127.0.0.1:${server.address().port}`
    const push = new webpush.WebPush({ vapid: vapidDetails, ca: tls.ca, proxy: proxyUrl })
    await push.send(sub, 'tunnelled')
    await push.send(sub, 'tunnelled again')
    assert.deepEqual(tls.messages(sub).map((m) => [m.text, m.httpVersion]), [['tunnelled', 'HTTP/2'], ['tunnelled again', 'HTTP/2']])
    assert.deepEqual(tunnels, [new URL(tls.origin).host], 'one tunnel, reused by the second message')
    const wrong = new webpush.WebPush({ vapid: vapidDetails, ca: tls.ca, proxy: `http://pusher:wrong@127.0.0.1:${server.address().port}`, retry: false })
    const err = await expectError(assert, () => wrong.send(sub, 'refused'), WebPushError, 'ERR_NETWORK', /requires authentication \(407\)/)
    assert.doesNotMatch(err.message, /wrong|pusher/, 'credentials are not echoed')
  } finally {
    await tls.close()
    await new Promise((resolve) => server.close(resolve))
  }
})

test('redirects are not followed', async () => {
  const sub = await service.subscribe()
  const redirecting = await stubServer((req, res) => { req.resume(); res.writeHead(307, { location: sub.endpoint }).end() })
  try {
    const err = await expectError(assert, () => webpush.sendNotification({ endpoint: `${redirecting.url}/r` }, null), WebPushError, 'ERR_UNEXPECTED_STATUS')
    assert.equal(err.statusCode, 307)
    assert.equal(service.messages(sub).length, 0)
  } finally {
    await redirecting.close()
  }
})
