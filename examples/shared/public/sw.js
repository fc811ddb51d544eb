'use strict'

// The service worker: shows each push message as a notification, and also posts the raw
// payload text to the open pages (the demo page lists it in #received; tests read it there).

self.addEventListener('push', (event) => {
  const text = event.data ? event.data.text() : ''
  const message = parse(text)
  event.waitUntil(Promise.all([
    // userVisibleOnly: every push must show a notification.
    self.registration.showNotification(message.title || 'Notification', {
      body: message.body,
      icon: message.icon,
      tag: message.tag,
      data: { url: message.url },
    }),
    postToPages(text),
  ]))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = sameOriginUrl(event.notification.data?.url)
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    const open = windows.find((client) => client.url === url)
    return open ? open.focus() : self.clients.openWindow(url)
  })())
})

/** The JSON payload the server sends ({ title, body, icon?, tag?, url? }), or plain text as the body. */
function parse(text) {
  let message
  try {
    message = JSON.parse(text)
  } catch {
    // not JSON: the text is the body
  }
  return typeof message === 'object' && message !== null ? message : { body: text }
}

async function postToPages(text) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  for (const client of windows) client.postMessage(text)
}

// Only this site's pages open on a click (the payload could name any URL).
function sameOriginUrl(url) {
  const target = new URL(url || '/', self.location.origin)
  return target.origin === self.location.origin ? target.href : new URL('/', self.location.origin).href
}
