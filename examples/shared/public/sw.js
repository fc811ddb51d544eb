'use strict'

// The service worker: shows each push message as a notification, and also posts the raw
// payload text to the open pages (the demo page lists it in #received; tests read it there).

self.addEventListener('push', (event) => {
  const text = event.data ? event.data.text() : ''
  const message = parse(text)
  event.waitUntil(Promise.all([
    // userVisibleOnly: every push must show a notification.
    self.registration.showNotification(message.title || 'Notification', message.options ?? {
      body: message.body,
      icon: message.icon,
      tag: message.tag,
      data: { url: message.url },
    }),
    message.appBadge !== undefined && self.navigator.setAppBadge ? self.navigator.setAppBadge(message.appBadge) : null,
    postToPages(text),
  ]))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const data = event.notification.data
  const url = sameOriginUrl((event.action && data?.actions?.[event.action]) || data?.url)
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
  if (typeof message !== 'object' || message === null) return { body: text }
  return message.web_push === 8030 && typeof message.notification === 'object' && message.notification !== null ? declarative(message) : message
}

/**
 * A Declarative Web Push message (web-push-rs `declarativePayload`) in a browser that does not
 * show it natively: the same notification, `navigate` (or an action's) opened on a click.
 */
function declarative({ notification, app_badge: appBadge }) {
  const { title, navigate, require_interaction: requireInteraction, actions = [], data, ...rest } = notification
  const urls = Object.fromEntries(actions.map((a) => [a.action, a.navigate]))
  return {
    title,
    appBadge,
    options: {
      ...rest,
      requireInteraction,
      actions: actions.map(({ action, title: label, icon }) => ({ action, title: label, icon })),
      data: { url: navigate, actions: urls, data },
    },
  }
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
