'use strict'

// The Next.js example built and run by Next itself, as a user would: its own `npm ci`,
// web-push-rs installed from the `npm pack` tarball, `next build` (Turbopack), then
// - `next start`: subscriptions and a fan-out through the route handlers to the local push
//   service, which checks and decrypts each message; a gone subscription is deleted;
// - `output: 'standalone'`: the same from `node .next/standalone/server.js`, with the .node
//   file traced into it;
// - headless Firefox subscribes through the Next page, Firefox decrypts the push and the
//   service worker reports it;
// - `next dev` serves a route handler call.
// Each build runs once and is reused (Next builds are slow on two cores).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { generateVAPIDKeys, generateRequestDetails } = require('..')
const { startPushService } = require('../testing')
const { launchFirefox, findFirefox } = require('../examples/firefox-launcher.js')
const { prepareProject, nextBuild, nextBin, freePort, startServer, listFiles } = require('./nextjs-project.js')
const helpers = require('./helpers.js')

/** `helpers.until` with this file's longer deadline (Next's builds and first requests are slow). */
const until = (read, accept, what, ms = 20_000) => helpers.until(read, accept, what, ms, 100)

const vapid = generateVAPIDKeys()
const vapidSubject = 'mailto:nextjs-test@example.com'
const notification = { title: 'From Next.js', body: 'through a route handler', tag: 'next', url: '/' }

let tmp
let app
let service
let standalone // { server }: started by the standalone test, used by the Firefox test
const started = Date.now()
test.before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-next-'))
  service = await startPushService()
  app = await prepareProject(tmp)
  console.log(`# next.js example installed (npm ci + tarball) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}, { timeout: 600_000 })
test.after(async () => {
  await standalone?.server.stop() // when the Firefox test was skipped or failed early
  await service?.close()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  console.log(`# next.js tests took ${((Date.now() - started) / 1000).toFixed(1)} s in all`)
})

/** The env a server of the example runs with: its keys, loopback allowed, its own data dir. */
function serverEnv(port, name) {
  return {
    PORT: String(port),
    HOSTNAME: '127.0.0.1', // standalone server.js listens here (HOSTNAME is often the container's name)
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: vapidSubject,
    ENDPOINT_POLICY: 'https', // the local push service is http: on loopback
    PUSH_DATA_DIR: path.join(tmp, `data-${name}`),
    DATABASE_URL: '',
  }
}

async function json(url, method, body) {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}


/**
 * What both production servers must do: serve the page and the shared browser files, store
 * subscriptions (validated), fan out to the local push service (which decrypts each message),
 * and delete a subscription the push service reports gone.
 */
async function exerciseServer(url) {
  const page = await fetch(url)
  assert.equal(page.status, 200)
  const html = await page.text()
  for (const id of ['status', 'subscribe', 'unsubscribe', 'send', 'received']) assert.match(html, new RegExp(`id="${id}"`))
  assert.match(html, /src="\/app.js"/)
  for (const [file, marker] of [['/sw.js', /showNotification/], ['/app.js', /data(set)?\.routes/]]) {
    const res = await fetch(url + file)
    assert.equal(res.status, 200, file)
    assert.match(res.headers.get('content-type'), /javascript/, file)
    assert.match(await res.text(), marker, file)
  }

  assert.deepEqual(await json(`${url}/api/push`, 'GET'), { status: 200, body: { publicKey: vapid.publicKey } })
  const subs = await Promise.all([1, 2].map(() => service.subscribe({ applicationServerKey: vapid.publicKey })))
  for (const sub of subs) {
    assert.deepEqual(await json(`${url}/api/push/subscriptions`, 'POST', sub), { status: 201, body: { endpoint: sub.endpoint, created: true } })
  }
  assert.equal((await json(`${url}/api/push/subscriptions`, 'POST', subs[0])).status, 200, 'a known endpoint is replaced')
  const invalid = await json(`${url}/api/push/subscriptions`, 'POST', { endpoint: 'http://push.example.com/x', keys: subs[0].keys })
  assert.equal(invalid.status, 400)
  assert.match(invalid.body.error, /endpoint/i)
  assert.equal((await json(`${url}/api/push`, 'POST', { title: '' })).status, 400)

  assert.deepEqual(await json(`${url}/api/push`, 'POST', notification), {
    status: 200,
    body: { total: 2, sent: 2, gone: 0, rejected: 0, failed: 0, removed: [] },
  })
  for (const sub of subs) {
    const messages = service.messages(sub)
    assert.equal(messages.length, 1)
    assert.deepEqual(JSON.parse(messages[0].text), notification, 'the push service decrypted the payload')
    assert.equal(messages[0].vapid.publicKey, vapid.publicKey)
    assert.equal(messages[0].vapid.sub, vapidSubject)
  }

  service.expire(subs[1])
  assert.deepEqual(await json(`${url}/api/push`, 'POST', { title: 'Again', body: 'second' }), {
    status: 200,
    body: { total: 2, sent: 1, gone: 1, rejected: 0, failed: 0, removed: [subs[1].endpoint] },
  })
  assert.deepEqual(await json(`${url}/api/push/subscriptions`, 'DELETE', { endpoint: subs[1].endpoint }), { status: 200, body: { removed: false } }, 'the gone subscription was already deleted')
  assert.deepEqual(await json(`${url}/api/push`, 'POST', { title: 'Third', body: 'only one left' }), {
    status: 200,
    body: { total: 1, sent: 1, gone: 0, rejected: 0, failed: 0, removed: [] },
  })
  assert.equal(service.messages(subs[0]).length, 3)
  assert.deepEqual(await json(`${url}/api/push/subscriptions`, 'DELETE', { endpoint: subs[0].endpoint }), { status: 200, body: { removed: true } })
}

/** Files a route's trace (.nft.json) lists outside node_modules and Next's own output: none expected. */
function projectFilesTraced(app, route) {
  const nft = path.join(app, '.next', 'server', 'app', route, 'route.js.nft.json')
  const { files } = JSON.parse(fs.readFileSync(nft, 'utf8'))
  const base = path.dirname(nft)
  return files
    .map((f) => path.relative(app, path.resolve(base, f)).split(path.sep).join('/'))
    .filter((f) => !f.startsWith('node_modules/') && !f.startsWith('.next/'))
}

test('next build, then next start: subscribe, fan out, the push service decrypts, gone is deleted', { timeout: 600_000 }, async () => {
  const t0 = Date.now()
  const output = await nextBuild(app)
  console.log(`# next build: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  assert.match(output, /Compiled successfully/)
  assert.doesNotMatch(output, /whole project|unexpected file|Critical dependency/i, 'no file-tracing warning (the store must not make Next trace the project)')
  assert.deepEqual(projectFilesTraced(app, 'api/push'), [], 'the route traces only node_modules, not the project')

  const port = await freePort()
  const server = await startServer([nextBin(app), 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: app, env: serverEnv(port, 'start'), port })
  try {
    await exerciseServer(server.url)
  } finally {
    await server.stop()
  }
  assert.doesNotMatch(server.output(), /error/i, server.output())
})

test('output: standalone: node .next/standalone/server.js with the .node file traced in', { timeout: 600_000 }, async () => {
  const t0 = Date.now()
  await nextBuild(app, { NEXT_OUTPUT: 'standalone' })
  console.log(`# next build (standalone): ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  const dir = path.join(app, '.next', 'standalone')
  const files = listFiles(dir)
  assert.ok(files.includes('server.js'))
  const addon = files.filter((f) => /^node_modules\/web-push-rs\/.*\.node$/.test(f))
  assert.ok(addon.length >= 1, `the native addon is traced into the standalone output; web-push-rs files: ${files.filter((f) => f.includes('web-push-rs/')).join(', ')}`)
  assert.ok(files.includes('node_modules/@electric-sql/pglite/dist/pglite.wasm'), 'PGlite\'s WebAssembly is traced')
  assert.ok(files.includes('node_modules/web-push-rs-example-shared/public/sw.js'), 'the service worker file is traced')
  assert.ok(!files.some((f) => f.startsWith('app/') || f.startsWith('lib/') || f === 'tsconfig.json'), 'no project sources copied')

  // What Next's docs say to do: static assets are not part of the standalone folder.
  fs.cpSync(path.join(app, '.next', 'static'), path.join(dir, '.next', 'static'), { recursive: true })
  // Moved away from the app, as on a server: nothing may come from the build directory.
  const deployed = path.join(tmp, 'deployed')
  fs.cpSync(dir, deployed, { recursive: true, verbatimSymlinks: true })
  const port = await freePort()
  const server = await startServer([path.join(deployed, 'server.js')], { cwd: deployed, env: serverEnv(port, 'standalone'), port })
  standalone = { server }
  await exerciseServer(server.url)
})

const skipBrowser = process.env.WEB_PUSH_RS_SKIP_BROWSER === '1' ? 'WEB_PUSH_RS_SKIP_BROWSER=1' : false
test('Firefox subscribes through the Next.js page, decrypts the push, the service worker reports it', { skip: skipBrowser, timeout: 180_000 }, async () => {
  assert.ok(findFirefox(), 'Firefox must be installed (npm test installs firefox-esr with apt)')
  assert.ok(standalone, 'the standalone server is running (previous test)')
  const { url } = standalone.server
  const firefox = await launchFirefox(service)
  try {
    const page = await firefox.browser.newPage()
    await page.goto(url)
    const state = () => page.$eval('#status', (el) => el.dataset.state)
    const received = () => page.$$eval('#received li', (items) => items.map((li) => li.textContent))
    await until(state, (s) => s === 'default' || s === 'granted', 'the page to be ready')

    await page.click('#subscribe')
    await until(state, (s) => s === 'subscribed', 'the subscription')
    const endpoint = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription()).endpoint)
    assert.ok(endpoint.startsWith(`${service.origin}/push/`), 'Firefox registered at the local push service')

    // The server's fan-out (POST /api/push) reaches Firefox, which decrypts it.
    const report = await json(`${url}/api/push`, 'POST', notification)
    assert.deepEqual(report.body, { total: 1, sent: 1, gone: 0, rejected: 0, failed: 0, removed: [] })
    const [first] = await until(received, (items) => items.length === 1, 'the push in the service worker')
    assert.deepEqual(JSON.parse(first), notification)
    await until(() => service.messages(endpoint).map((m) => m.ack), (acks) => acks.length === 1 && acks[0] === 100, 'ack 100 (Firefox decrypted it)')

    // A tampered body reaches Firefox but does not decrypt: ack 101, nothing shown.
    const details = generateRequestDetails({ endpoint, keys: { p256dh: vapid.publicKey, auth: 'AAAAAAAAAAAAAAAAAAAAAA' } }, 'x', { vapidDetails: { subject: vapidSubject, ...vapid } })
    const response = await fetch(endpoint, { method: 'POST', headers: details.headers, body: details.body })
    assert.equal(response.status, 201)
    await until(() => service.messages(endpoint).map((m) => m.ack), (acks) => acks.length === 2 && acks[1] !== undefined, 'the ack of the undecryptable message')
    assert.equal(service.messages(endpoint)[1].ack, 101)

    // The page's own button: POST /api/push through the shared page script.
    await page.click('#send')
    const items = await until(received, (list) => list.length === 2, 'the push from the #send button')
    assert.equal(JSON.parse(items[1]).title, 'Test notification')
    assert.match(await page.$eval('#report', (el) => el.textContent), /Sent 1 of 1/)

    // Unsubscribe in the page: DELETE /api/push/subscriptions.
    await page.click('#unsubscribe')
    await until(state, (s) => s !== 'subscribed' && s !== 'loading', 'the page to unsubscribe')
    assert.deepEqual((await json(`${url}/api/push`, 'POST', notification)).body.total, 0, 'the server forgot the subscription')
  } finally {
    await firefox.close()
    await standalone.server.stop()
  }
  assert.doesNotMatch(standalone.server.output(), /error/i, standalone.server.output())
})

test('next dev (Turbopack) serves a route handler without a bundling error', { timeout: 300_000 }, async () => {
  const port = await freePort()
  const t0 = Date.now()
  const server = await startServer([nextBin(app), 'dev', '-p', String(port), '-H', '127.0.0.1'], { cwd: app, env: serverEnv(port, 'dev'), port })
  try {
    assert.deepEqual(await json(`${server.url}/api/push`, 'GET'), { status: 200, body: { publicKey: vapid.publicKey } })
    const sub = await service.subscribe({ applicationServerKey: vapid.publicKey })
    assert.deepEqual(await json(`${server.url}/api/push/subscriptions`, 'POST', sub), { status: 201, body: { endpoint: sub.endpoint, created: true } })
    assert.deepEqual((await json(`${server.url}/api/push`, 'POST', notification)).body.sent, 1)
    assert.deepEqual(JSON.parse(service.messages(sub)[0].text), notification)
  } finally {
    await server.stop()
  }
  console.log(`# next dev, first route compiled and served: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  assert.match(server.output(), /Turbopack/, 'next dev runs Turbopack (Next 16 default)')
  assert.doesNotMatch(server.output(), /Module not found|error/i, server.output())
})
