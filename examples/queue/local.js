'use strict'

// The whole picture on one machine, offline: a redis-server started the way the tests start
// it (free loopback port, temporary directory, AOF with appendfsync always), the local push
// service, two worker processes and a producer, then the final report.
//
//   node examples/queue/local.js [count]        (default 5000 subscribers; needs redis-server)

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { generateVAPIDKeys } = require('../..')
const { startPushService } = require('../../testing.js')
const { RedisServer } = require('../../lib/queue/redis-server.js')

const count = Number(process.argv[2] || 5000)

function run(script, env, { wait = true } = {}) {
  const child = spawn(process.execPath, [path.join(__dirname, script), ...(env.ARGS ? [env.ARGS] : [])], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] })
  const exited = new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 || !wait ? resolve(code) : reject(new Error(`${script} exited with ${code}`)))))
  return { child, exited }
}

async function main() {
  const redis = await RedisServer.start()
  const service = await startPushService()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-push-rs-queue-example-'))
  const workers = []
  try {
    const vapid = generateVAPIDKeys()
    const subs = await Promise.all(Array.from({ length: 100 }, () => service.subscribe({ applicationServerKey: vapid.publicKey })))
    service.expire(subs[99]) // one browser dropped its subscription: 1% of the targets are gone
    const file = path.join(dir, 'subscriptions.jsonl')
    fs.writeFileSync(file, Array.from({ length: count }, (_, i) => JSON.stringify(subs[i % subs.length])).join('\n'))
    const env = { REDIS_URL: redis.url, VAPID_SUBJECT: 'mailto:ops@example.com', VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, ENDPOINT_POLICY: 'https', GONE_FILE: path.join(dir, 'gone.txt') }
    console.log(`redis-server pid ${redis.pid} on ${redis.url} (data in ${redis.dir}), push service on ${service.origin}`)
    workers.push(run('worker.js', env, { wait: false }), run('worker.js', env, { wait: false }))
    await run('producer.js', { ...env, CAMPAIGN_ID: 'example', SUBSCRIPTIONS_FILE: file, WAIT: '1', ARGS: JSON.stringify({ title: 'Hello', body: 'from two workers' }) }).exited
    const gone = fs.existsSync(env.GONE_FILE) ? fs.readFileSync(env.GONE_FILE, 'utf8').trim().split('\n').length : 0
    console.log(`push service accepted ${service.stats().accepted} messages; onGone reported ${gone} gone targets`)
  } finally {
    for (const w of workers) w.child.kill('SIGTERM')
    await Promise.all(workers.map((w) => w.exited))
    await service.close()
    await redis.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
