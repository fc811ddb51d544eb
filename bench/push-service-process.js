'use strict'

// The remote side of the benchmarks, in its own process: two TLS sink push services
// (HTTP/2 + HTTP/1.1, and HTTP/1.1 only), printed as one JSON line with their origins and CA;
// over IPC (bench/common.js) it starts more (`start`), reports their `stats` and closes them.
// Runs until stdin closes.
const { startPushService } = require('../testing')

async function main() {
  const h2 = await startPushService({ tls: true, sink: true })
  const h1 = await startPushService({ tls: true, sink: true, http2: false })
  const services = new Map()
  process.on('message', async ({ ask, start, stats, close }) => {
    try {
      let answer
      if (start) {
        const service = await startPushService(start)
        const id = services.size
        services.set(id, service)
        answer = { id, origin: service.origin, ca: service.ca }
      } else if (stats !== undefined) {
        answer = services.get(stats).stats()
      } else if (close !== undefined) {
        await services.get(close).close()
        answer = true
      }
      process.send({ ask, answer })
    } catch (err) {
      process.send({ ask, error: err.message })
    }
  })
  process.stdout.write(`${JSON.stringify({ h2: { origin: h2.origin, ca: h2.ca }, h1: { origin: h1.origin, ca: h1.ca } })}\n`)
  process.stdin.resume()
  process.stdin.on('end', async () => {
    await h2.close()
    await h1.close()
    for (const service of services.values()) await service.close()
    process.exit(0)
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
