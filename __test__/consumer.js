'use strict'

// What a user does with an installed web-push-rs, as node:test cases over a consumer project
// (a directory whose node_modules holds the package): CommonJS, ESM with a send to the local
// push service, TypeScript --strict against the installed typings, and the CLI through npx.
// Shared by the install tests (package.test.js: npm pack; registry.test.js: a local registry).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const QUIET_NPM = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }

/** Runs a command and returns its stdout; `env` is added to the current environment. */
function run(cmd, args, cwd, env = {}) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...QUIET_NPM, ...env } })
}

/**
 * Registers the consumer checks. `getProject()` returns the consumer directory (known only
 * once the caller's `before` hook ran); `env()` the environment to run them in (default none);
 * `tsResolutions` the TypeScript module resolutions to type-check with (each run takes ~15 s).
 */
function consumerTests({ getProject, env = () => ({}), npxArgs = [], tsResolutions = ['node16', 'node'] }) {
  test('CommonJS: require and use it', () => {
    const out = run(process.execPath, ['-e', `
      const webpush = require('web-push-rs')
      const { generateSubscriptionKeys, decrypt } = require('web-push-rs/testing')
      const { subscription, privateKey } = generateSubscriptionKeys()
      const r = webpush.encrypt(subscription.keys.p256dh, subscription.keys.auth, 'cjs ok')
      console.log(decrypt(r.cipherText, { privateKey, auth: subscription.keys.auth }).toString(), typeof webpush.WebPush)
    `], getProject(), env())
    assert.equal(out.trim(), 'cjs ok function')
  })

  test('ESM: default and named imports, a send to the local push service', () => {
    const file = path.join(getProject(), 'check.mjs')
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
    assert.equal(run(process.execPath, [file], getProject(), env()).trim(), 'esm ok true function true')
  })

  test(`TypeScript --strict against the installed typings (${tsResolutions.join(', ')} resolution)`, () => {
    const project = getProject()
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
    const modules = { node16: ['--module', 'node16', '--moduleResolution', 'node16'], node: ['--module', 'commonjs', '--moduleResolution', 'node'] }
    for (const resolution of tsResolutions) run(process.execPath, [tsc, ...modules[resolution], ...common], project, env())
  })

  test('npx web-push-rs generate-vapid-keys', () => {
    const keys = JSON.parse(run(NPM, ['exec', ...npxArgs, '--', 'web-push-rs', 'generate-vapid-keys', '--json'], getProject(), env()))
    assert.equal(Buffer.from(keys.publicKey, 'base64url').length, 65)
  })
}

module.exports = { ROOT, NPM, run, consumerTests }
