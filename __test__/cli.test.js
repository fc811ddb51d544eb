'use strict'

// The CLI, spawned as a user would run it.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFile, spawn } = require('node:child_process')
const webpush = require('..')
const { startPushService } = require('../testing')

const BIN = path.join(__dirname, '..', 'bin', 'web-push-rs.js')

function run(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr })
    })
  })
}

let service
test.before(async () => { service = await startPushService() })
test.after(() => service.close())

test('generate-vapid-keys prints a usable pair (text and --json)', async () => {
  const json = await run(['generate-vapid-keys', '--json'])
  assert.equal(json.code, 0)
  const keys = JSON.parse(json.stdout)
  assert.equal(Buffer.from(keys.publicKey, 'base64url').length, 65)
  assert.equal(Buffer.from(keys.privateKey, 'base64url').length, 32)
  assert.doesNotThrow(() => webpush.setVapidDetails('mailto:a@b.c', keys.publicKey, keys.privateKey))
  webpush.setVapidDetails(null)
  const text = await run(['generate-vapid-keys'])
  assert.match(text.stdout, /Public Key:\n[\w-]{87}\n\nPrivate Key:\n[\w-]{43}\n/)
})

test('usage errors exit 1 with the usage text', async () => {
  for (const args of [[], ['nope'], ['generate-vapid-keys', '--bogus'], ['send-notification'], ['send-notification', '--endpoint=https://x.example/p', '--key=abc']]) {
    const { code, stdout, stderr } = await run(args)
    assert.equal(code, 1, args.join(' '))
    assert.match(stdout + stderr, /Usage:/)
  }
})

test('send-notification delivers with VAPID and exits 0', async () => {
  const keys = webpush.generateVAPIDKeys()
  const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
  const { code, stdout, stderr } = await run([
    'send-notification', `--endpoint=${sub.endpoint}`, `--key=${sub.keys.p256dh}`, `--auth=${sub.keys.auth}`,
    '--payload=from the cli', '--ttl=30', '--urgency=low', '--topic=cli', '--encoding=aesgcm',
    '--vapid-subject=mailto:cli@example.com', `--vapid-pubkey=${keys.publicKey}`, `--vapid-pvtkey=${keys.privateKey}`,
  ])
  assert.equal(code, 0, stderr)
  assert.match(stdout, /Push sent: 201/)
  const [m] = service.messages(sub)
  assert.deepEqual([m.text, m.ttl, m.urgency, m.topic, m.encoding, m.vapid.sub], ['from the cli', 30, 'low', 'cli', 'aesgcm', 'mailto:cli@example.com'])
})

test('a failed send prints status and body to stderr and exits 2', async () => {
  const sub = await service.subscribe()
  service.expire(sub)
  const { code, stderr } = await run(['send-notification', `--endpoint=${sub.endpoint}`, `--key=${sub.keys.p256dh}`, `--auth=${sub.keys.auth}`, '--payload=x'])
  assert.equal(code, 2)
  assert.match(stderr, /status 410/)
  assert.match(stderr, /subscription expired/)
  const bad = await run(['send-notification', '--endpoint=http://push.example.com/x'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /ERR_INVALID_ENDPOINT/)
})

test('push-service runs until SIGINT and prints each received message', async () => {
  const child = spawn(process.execPath, [BIN, 'push-service', '--port=0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  const waitFor = (pattern) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got:\n${stdout}`)), 15000)
    const check = () => {
      const match = pattern.exec(stdout)
      if (match) {
        clearTimeout(timer)
        child.stdout.off('data', onData)
        resolve(match)
      }
    }
    const onData = (chunk) => { stdout += chunk; check() }
    child.stdout.on('data', onData)
    check()
  })
  try {
    const [, json] = await waitFor(/A subscription you can send to:\n(\{.*\})\n/)
    const sub = JSON.parse(json)
    await webpush.sendNotification(sub, 'printed by the service')
    await waitFor(/printed by the service/)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGINT')
    assert.equal(await exited, 0)
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
})

/** `{ command: [flags] }` from lines naming `web-push-rs <command>` (flags may continue on later lines). */
function commandsOf(text) {
  const commands = {}
  let current
  for (const line of text.split('\n')) {
    const named = line.match(/web-push-rs ([a-z-]+)/)
    if (named) current = commands[named[1]] = []
    if (current) for (const [, flag] of line.matchAll(/--([a-z-]+)/g)) if (!current.includes(flag)) current.push(flag)
  }
  for (const flags of Object.values(commands)) flags.sort()
  return commands
}

test('the usage text and the README CLI section name the same commands and flags', async () => {
  const { code, stdout } = await run(['--help'])
  assert.equal(code, 0)
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const section = readme.split('\n### CLI\n')[1].split('```text\n')[1].split('```')[0]
  const usage = commandsOf(stdout)
  assert.deepEqual(Object.keys(usage).sort(), ['demo', 'generate-vapid-keys', 'push-service', 'send-notification'])
  assert.deepEqual(commandsOf(section), usage)
})
