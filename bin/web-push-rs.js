#!/usr/bin/env node
'use strict'

// npx web-push-rs <command>: generate-vapid-keys, send-notification, push-service, demo.
// Exit codes: 0 ok, 1 usage error, 2 send failed (web-push exits 0 on failure; we do not).

const path = require('node:path')
const { parseArgs } = require('node:util')

const USAGE = `Usage:
  web-push-rs generate-vapid-keys [--json]
  web-push-rs send-notification --endpoint=<url> [--key=<p256dh> --auth=<auth>] [--payload=<text>]
        [--ttl=<seconds>] [--encoding=aes128gcm|aesgcm] [--urgency=very-low|low|normal|high]
        [--topic=<topic>] [--timeout=<ms>] [--proxy=<url>] [--gcm-api-key=<key>]
        [--vapid-subject=<mailto:|https:> --vapid-pubkey=<key> --vapid-pvtkey=<key>]
  web-push-rs push-service [--port=<port>] [--tls]
  web-push-rs demo [--browser]`

class UsageError extends Error {}

const COMMANDS = {
  'generate-vapid-keys': {
    options: { json: { type: 'boolean' } },
    run({ json }) {
      const keys = require('..').generateVAPIDKeys()
      if (json) {
        console.log(JSON.stringify(keys))
      } else {
        console.log(['=======================================', '', 'Public Key:', keys.publicKey, '', 'Private Key:', keys.privateKey, '', '======================================='].join('\n'))
      }
    },
  },
  'send-notification': {
    options: Object.fromEntries(
      ['endpoint', 'key', 'auth', 'payload', 'ttl', 'encoding', 'urgency', 'topic', 'timeout', 'proxy', 'gcm-api-key', 'vapid-subject', 'vapid-pubkey', 'vapid-pvtkey']
        .map((name) => [name, { type: 'string' }]),
    ),
    async run(args) {
      const webpush = require('..')
      if (!args.endpoint) throw new UsageError('--endpoint is required')
      if ((args.key === undefined) !== (args.auth === undefined)) throw new UsageError('--key and --auth go together')
      const vapid = [args['vapid-subject'], args['vapid-pubkey'], args['vapid-pvtkey']]
      if (vapid.some(Boolean) && !vapid.every(Boolean)) throw new UsageError('--vapid-subject, --vapid-pubkey and --vapid-pvtkey go together')
      const options = {}
      if (vapid.every(Boolean)) options.vapidDetails = { subject: vapid[0], publicKey: vapid[1], privateKey: vapid[2] }
      if (args.ttl !== undefined) options.TTL = args.ttl
      if (args.encoding !== undefined) options.contentEncoding = args.encoding
      if (args.urgency !== undefined) options.urgency = args.urgency
      if (args.topic !== undefined) options.topic = args.topic
      if (args.proxy !== undefined) options.proxy = args.proxy
      if (args['gcm-api-key'] !== undefined) options.gcmAPIKey = args['gcm-api-key']
      if (args.timeout !== undefined) {
        options.timeout = Number(args.timeout)
        if (!(options.timeout > 0)) throw new UsageError('--timeout must be a positive number of milliseconds')
      }
      const subscription = { endpoint: args.endpoint }
      if (args.key !== undefined) subscription.keys = { p256dh: args.key, auth: args.auth }
      try {
        const result = await webpush.sendNotification(subscription, args.payload, options)
        console.log(`Push sent: ${result.statusCode}${result.headers.location ? ` (${result.headers.location})` : ''}`)
      } catch (err) {
        if (err instanceof TypeError) throw new UsageError(err.message)
        const status = err.statusCode ? `status ${err.statusCode}` : err.code
        console.error(`Error sending push message: ${status}: ${err.message}`)
        if (err.body) console.error(err.body)
        process.exitCode = 2
      }
    },
  },
  'push-service': {
    options: { port: { type: 'string' }, tls: { type: 'boolean' } },
    async run(args) {
      const { startPushService } = require('../testing')
      const port = args.port === undefined ? 0 : Number(args.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be an integer 0..65535')
      const service = await startPushService({ port, tls: Boolean(args.tls) })
      const subscription = await service.subscribe()
      console.log(`Local push service listening on ${service.origin} (Ctrl-C to stop)`)
      console.log(`A subscription you can send to:\n${JSON.stringify(subscription)}`)
      console.log(`e.g. npx web-push-rs send-notification --endpoint=${subscription.endpoint} --key=${subscription.keys.p256dh} --auth=${subscription.keys.auth} --payload=hello`)
      if (service.ca) console.log(`Trust this CA (ca option or NODE_EXTRA_CA_CERTS):\n${service.ca}`)
      let printed = 0
      const timer = setInterval(() => {
        const messages = service.messages()
        for (const m of messages.slice(printed)) {
          const vapid = m.vapid ? ` vapid sub=${m.vapid.sub} aud=${m.vapid.aud}` : ''
          console.log(`${new Date().toISOString()} ${m.endpoint} ttl=${m.ttl} urgency=${m.urgency ?? '-'} topic=${m.topic ?? '-'} ${m.encoding ?? 'no payload'}${vapid}: ${m.text}`)
        }
        printed = messages.length
      }, 100)
      await new Promise((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, resolve)
      })
      clearInterval(timer)
      await service.close()
    },
  },
  demo: {
    // examples/demo.js ships in the package (package.json "files"); it reads --browser from
    // process.argv (step 8: a real headless Firefox, when Firefox ESR and puppeteer-core exist).
    options: { browser: { type: 'boolean' } },
    async run() {
      await require(path.join(__dirname, '..', 'examples', 'demo.js')).main()
    },
  },
}

async function main(argv) {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE)
    return name === undefined ? 1 : 0
  }
  const command = COMMANDS[name]
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`)
  let parsed
  try {
    parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: false })
  } catch (err) {
    throw new UsageError(err.message)
  }
  await command.run(parsed.values)
  return process.exitCode ?? 0
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err) => {
    if (err instanceof UsageError) {
      console.error(`web-push-rs: ${err.message}\n\n${USAGE}`)
      process.exitCode = 1
    } else {
      console.error(err)
      process.exitCode = 2
    }
  },
)
