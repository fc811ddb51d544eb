'use strict'

// web-push-rs/queue's docs cannot drift: runtime exports, queue.d.ts and the README's
// "Campaigns across processes" name the same things, and every error code it can raise is in
// the README's table.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const read = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8')
const readme = read('README.md')
const declared = (file) => [...read(file).matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1])
const methods = (cls) => Object.getOwnPropertyNames(cls.prototype).filter((m) => m !== 'constructor' && typeof Object.getOwnPropertyDescriptor(cls.prototype, m).value === 'function').sort()
function typed(cls) {
  const body = read('queue.d.ts').split(`export declare class ${cls} {`)[1].split('\n}')[0]
  return [...body.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]).filter((m) => m !== 'constructor').sort()
}

test('queue.js: runtime exports, queue.d.ts and the README agree', () => {
  const runtime = Object.keys(require('../queue'))
  // CampaignWorker is declared for its type; it is made by campaigns.worker(), not exported.
  assert.deepEqual(runtime.sort(), declared('queue.d.ts').filter((t) => t !== 'CampaignWorker').sort())
  for (const name of runtime) assert.ok(readme.includes(`\`${name}`), `README documents ${name}`)
})

test('Campaigns and CampaignWorker methods: typings, runtime and README agree', () => {
  const { Campaigns } = require('../queue')
  const { CampaignWorker } = require('../lib/queue/worker.js')
  assert.deepEqual(methods(Campaigns), typed('Campaigns'))
  assert.deepEqual(methods(CampaignWorker), typed('CampaignWorker'))
  for (const m of methods(Campaigns)) assert.ok(readme.includes(`campaigns.${m}(`), `README documents campaigns.${m}`)
  for (const m of methods(CampaignWorker)) assert.ok(readme.includes(`worker.${m}(`), `README documents worker.${m}`)
})

test('every error code of web-push-rs/queue is in the README table', () => {
  const sources = ['queue.js', ...fs.readdirSync(path.join(ROOT, 'lib', 'queue')).map((f) => `lib/queue/${f}`)]
  const codes = new Set(sources.flatMap((file) => [...read(file).matchAll(/ERR_[A-Z0-9_]+/g)].map((m) => m[0])))
  assert.ok(codes.size >= 8)
  for (const code of codes) assert.match(readme, new RegExp(`\\| \`${code}\` \\|`), `README lists ${code}`)
})

test('queue.d.ts type-checks under --strict (__test__/queue/types.ts)', () => {
  const { execFileSync } = require('node:child_process')
  const tsc = require.resolve('typescript/bin/tsc')
  const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', '--esModuleInterop']
  execFileSync(process.execPath, [tsc, ...flags, path.join(__dirname, 'queue', 'types.ts')], { cwd: ROOT, stdio: 'pipe' })
})
