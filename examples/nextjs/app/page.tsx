// The page: the same markup and script as the Express example's (../shared/public/app.js,
// served at /app.js by app/app.js/route.ts), pointed at this app's route handlers.
const routes = JSON.stringify({
  publicKey: 'GET /api/push',
  subscribe: 'POST /api/push/subscriptions',
  unsubscribe: 'DELETE /api/push/subscriptions',
  send: 'POST /api/push',
})

export default function Page() {
  return (
    <main style={{ font: '16px/1.5 system-ui, sans-serif', maxWidth: '40rem', margin: '2rem auto', padding: '0 1rem' }}>
      <h1>Web Push example</h1>
      {/* data-state: loading | unsupported | default | denied | granted | subscribed | error (init failed) */}
      <p>
        Status: <strong id="status" data-state="loading">loading…</strong>
      </p>
      <p>
        <button type="button" id="subscribe" disabled>Subscribe</button> <button type="button" id="unsubscribe" disabled>Unsubscribe</button>{' '}
        <button type="button" id="send" disabled>Send test notification</button>
      </p>
      <p id="report"></p>
      <h2>Received by the service worker</h2>
      <ul id="received"></ul>
      <script src="/app.js" defer data-routes={routes}></script>
    </main>
  )
}
