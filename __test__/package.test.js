'use strict'

// Installs the package the way a user would: `npm pack`, then `npm install <tarball>` into
// a fresh project, offline (the package has no runtime dependencies; the built addon ships
// in the tarball here, from the per-platform package when published), and uses it from
// CommonJS, ESM, TypeScript --strict, the testing entry point and the CLI.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } })
}

let project
let tarball
test.before(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-pkg-'))
  const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', project], ROOT))
  tarball = path.join(project, packed[0].filename)
  const files = packed[0].files.map((f) => f.path)
  for (const expected of ['index.js', 'index.d.ts', 'testing.js', 'testing.d.ts', 'binding.js', 'lib/native.js', 'bin/web-push-rs.js', 'README.md']) {
    assert.ok(files.includes(expected), `${expected} is packed`)
  }
  assert.ok(files.some((f) => f.endsWith('.node')), 'the native addon is packed')
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('__test__/') || f.startsWith('target/')), 'no sources, tests or build output')
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  run(NPM, ['install', '--offline', '--no-package-lock', tarball], project)
})
test.after(() => fs.rmSync(project, { recursive: true, force: true }))

test('CommonJS: require and use it', () => {
  const out = run(process.execPath, ['-e', `
    const webpush = require('web-push-rs')
    const { generateSubscriptionKeys, decrypt } = require('web-push-rs/testing')
    const { subscription, privateKey } = generateSubscriptionKeys()
    const r = webpush.encrypt(subscription.keys.p256dh, subscription.keys.auth, 'cjs ok')
    console.log(decrypt(r.cipherText, { privateKey, auth: subscription.keys.auth }).toString(), typeof webpush.WebPush)
  `], project)
  assert.equal(out.trim(), 'cjs ok function')
})

test('ESM: default and named imports', () => {
  const file = path.join(project, 'check.mjs')
  fs.writeFileSync(file, `
    import webpush from 'web-push-rs'
    import { generateVAPIDKeys, sendNotification, WebPush, WebPushError } from 'web-push-rs'
    import { startPushService } from 'web-push-rs/testing'
    const keys = generateVAPIDKeys()
    const service = await startPushService()
    const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
    await sendNotification(sub, 'esm ok', { vapidDetails: { subject: 'mailto:a@b.c', ...keys } })
    console.log(service.messages(sub)[0].text, webpush.generateVAPIDKeys === generateVAPIDKeys, typeof WebPush, new WebPushError('x') instanceof Error)
    await service.close()
  `)
  assert.equal(run(process.execPath, [file], project).trim(), 'esm ok true function true')
})

test('TypeScript --strict against the installed typings (node16 and classic resolution)', () => {
  const file = path.join(project, 'check.ts')
  fs.writeFileSync(file, `
    import webpush, { WebPush, type BatchReport, type PushSubscription } from 'web-push-rs'
    import { startPushService, decrypt } from 'web-push-rs/testing'
    export async function main(sub: PushSubscription): Promise<number> {
      const push = new WebPush({ vapid: { subject: 'mailto:a@b.c', ...webpush.generateVAPIDKeys() } })
      const report: BatchReport = await push.sendMany([sub], 'x')
      const service = await startPushService({ tls: true })
      const plain: Buffer = decrypt(Buffer.alloc(0), { privateKey: '', auth: '' })
      void plain
      await service.close()
      return report.sent
    }
  `)
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const common = ['--strict', '--noEmit', '--skipLibCheck', 'false', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--esModuleInterop', file]
  run(process.execPath, [tsc, '--module', 'node16', '--moduleResolution', 'node16', ...common], project)
  run(process.execPath, [tsc, '--module', 'commonjs', '--moduleResolution', 'node', ...common], project)
})

test('npx web-push-rs generate-vapid-keys', () => {
  const keys = JSON.parse(run(NPM, ['exec', '--offline', '--', 'web-push-rs', 'generate-vapid-keys', '--json'], project))
  assert.equal(Buffer.from(keys.publicKey, 'base64url').length, 65)
})

test('per-platform packages match napi.targets and the version', () => {
  const pkg = require('../package.json')
  const { napi } = pkg
  const expected = { 'x86_64-unknown-linux-gnu': 'linux-x64-gnu', 'aarch64-unknown-linux-gnu': 'linux-arm64-gnu', 'x86_64-apple-darwin': 'darwin-x64', 'aarch64-apple-darwin': 'darwin-arm64', 'x86_64-pc-windows-msvc': 'win32-x64-msvc' }
  for (const target of napi.targets) {
    const dir = expected[target]
    assert.ok(dir, `known target ${target}`)
    const platform = require(path.join(ROOT, 'npm', dir, 'package.json'))
    assert.equal(platform.name, `web-push-rs-${dir}`)
    assert.equal(platform.version, pkg.version)
    assert.equal(platform.main, `web-push-rs.${dir}.node`)
    assert.deepEqual(platform.os, [dir.split('-')[0]])
  }
  assert.equal(pkg.scripts.prepublishOnly, 'napi prepublish -t npm', 'publishing wires optionalDependencies to the platform packages')
})

test('a missing native binary fails with a message that says what to do', () => {
  let message = ''
  try {
    execFileSync(process.execPath, ['-e', "require('web-push-rs')"], { cwd: project, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path.join(project, 'missing.node') } })
  } catch (err) {
    message = err.stderr
  }
  assert.match(message, /web-push-rs: no native binary could be loaded for \w+-\w+/)
  assert.match(message, /Prebuilt binaries exist for linux x64\/arm64/)
  assert.match(message, /npm run build/)
})
