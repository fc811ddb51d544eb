'use strict'

// A campaign worker in its own process, for the multi-process tests and the benchmark.
// Config (JSON in WEB_PUSH_RS_QUEUE_WORKER): { connection, prefix, vapid, options }.
// Tells its parent (IPC) { ready, maxInFlight, pid }, then { gone: [indexes] } per onGone call;
// on the message 'close' it closes (finishing what it holds) and exits.

const { Campaigns } = require('../../queue.js')

async function main() {
  const config = JSON.parse(process.env.WEB_PUSH_RS_QUEUE_WORKER)
  const campaigns = new Campaigns({ connection: config.connection, prefix: config.prefix })
  const send = (message) => new Promise((resolve) => process.send(message, resolve))
  const worker = campaigns.worker({ vapid: config.vapid, ...config.options, onGone: (gone) => send({ gone: gone.map((o) => o.index) }) })
  await worker.ready()
  process.on('message', async (message) => {
    if (message === 'close') {
      await campaigns.close()
      process.exit(0)
    }
    if (message === 'usage') {
      const cpu = process.cpuUsage()
      await send({ usage: { cpuUs: cpu.user + cpu.system, rss: process.memoryUsage().rss } })
    }
  })
  process.on('disconnect', () => process.exit(0))
  await send({ ready: true, maxInFlight: worker.maxInFlight, pid: process.pid })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
