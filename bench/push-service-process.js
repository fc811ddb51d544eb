'use strict'

// The remote side of the fan-out benchmark, in its own process: two TLS sink push services
// (HTTP/2 + HTTP/1.1, and HTTP/1.1 only). Prints their origins and CA as one JSON line and
// runs until stdin closes.
const { startPushService } = require('../testing')

async function main() {
  const h2 = await startPushService({ tls: true, sink: true })
  const h1 = await startPushService({ tls: true, sink: true, http2: false })
  process.stdout.write(`${JSON.stringify({ h2: { origin: h2.origin, ca: h2.ca }, h1: { origin: h1.origin, ca: h1.ca } })}\n`)
  process.stdin.resume()
  process.stdin.on('end', async () => {
    await h2.close()
    await h1.close()
    process.exit(0)
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
