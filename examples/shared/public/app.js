'use strict'

// The page: feature detection, service worker, permission on a click, subscribe and
// unsubscribe (keeping the server in step), and a button that makes the server notify
// every subscriber. #status carries the state in data-state; #received lists what the
// service worker got. Shared by the Express and the Next.js examples.

// The server's routes, "METHOD /path" each: the Express example's, unless the script tag
// names others in data-routes (JSON with some of these keys), as the Next.js page does.
const routes = {
  publicKey: 'GET /vapidPublicKey',
  subscribe: 'POST /subscribe',
  unsubscribe: 'POST /unsubscribe',
  send: 'POST /send',
  ...JSON.parse(document.currentScript?.dataset.routes ?? '{}'),
}

const $ = (id) => document.getElementById(id)
const buttons = { subscribe: $('subscribe'), unsubscribe: $('unsubscribe'), send: $('send') }
let registration // the active service worker registration
let serverKey // the server's VAPID public key (applicationServerKey) as bytes

/** Shows a state and enables the buttons that make sense in it. */
function show(state, text = state) {
  $('status').dataset.state = state
  $('status').textContent = text
  buttons.subscribe.disabled = state !== 'default' && state !== 'granted'
  buttons.unsubscribe.disabled = state !== 'subscribed'
  buttons.send.disabled = ['loading', 'unsupported', 'error'].includes(state)
}

const permissionText = {
  default: 'not subscribed',
  granted: 'notifications allowed, not subscribed',
  denied: 'notifications blocked: allow them in the site settings',
}

/** Shows what the browser says: subscribed, or the notification permission (default, granted, denied). */
async function refresh() {
  const subscription = await registration.pushManager.getSubscription()
  if (subscription) show('subscribed')
  else show(Notification.permission, permissionText[Notification.permission])
}

async function init() {
  if (!('serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window)) {
    return show('unsupported', 'unsupported: this browser has no Web Push')
  }
  navigator.serviceWorker.addEventListener('message', (event) => {
    const item = document.createElement('li')
    item.textContent = String(event.data)
    $('received').append(item)
  })
  navigator.serviceWorker.startMessages()
  await navigator.serviceWorker.register('/sw.js')
  registration = await navigator.serviceWorker.ready
  serverKey = base64urlToBytes((await request(routes.publicKey)).publicKey)

  const subscription = await registration.pushManager.getSubscription()
  if (subscription && sameBytes(subscription.options.applicationServerKey, serverKey)) {
    await request(routes.subscribe, subscription) // in case the server lost it
  } else if (subscription) {
    await subscription.unsubscribe() // made for VAPID keys the server no longer has
  }
  await refresh()
}

async function subscribe() {
  const permission = await Notification.requestPermission() // needs the click: call it first
  if (permission !== 'granted') return refresh()
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: serverKey })
  await request(routes.subscribe, subscription) // JSON.stringify uses subscription.toJSON()
  await refresh()
}

async function unsubscribe() {
  const subscription = await registration.pushManager.getSubscription()
  if (subscription) {
    await subscription.unsubscribe()
    await request(routes.unsubscribe, { endpoint: subscription.endpoint })
  }
  await refresh()
}

async function sendTest() {
  const report = await request(routes.send, {
    title: 'Test notification',
    body: `Sent at ${new Date().toLocaleTimeString()}`,
    url: '/',
  })
  $('report').textContent = `Sent ${report.sent} of ${report.total}; gone ${report.gone} (removed), rejected ${report.rejected}, failed ${report.failed}`
}

/** Runs a button's action; an error is shown in #report and the state is read again. */
function run(action) {
  $('report').textContent = ''
  action().catch((err) => {
    $('report').textContent = `Error: ${err.message}`
    return refresh().catch(() => {})
  })
}

/** fetch of a route ("METHOD /path") with a JSON body and answer; rejects with the server's `error` on a non-2xx status. */
async function request(route, body) {
  const [method, url] = route.split(' ')
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const data = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(data.error ?? `${method} ${url}: HTTP ${res.status}`)
  return data
}

/** base64url (the VAPID key's encoding) → bytes, as pushManager.subscribe wants. */
function base64urlToBytes(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=')
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
}

function sameBytes(buffer, bytes) {
  if (!buffer) return false
  const other = new Uint8Array(buffer)
  return other.length === bytes.length && other.every((b, i) => b === bytes[i])
}

buttons.subscribe.addEventListener('click', () => run(subscribe))
buttons.unsubscribe.addEventListener('click', () => run(unsubscribe))
buttons.send.addEventListener('click', () => run(sendTest))
init().catch((err) => show('error', `error: ${err.message}`))
