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
const { ROOT, NPM, run, consumerTests } = require('./consumer.js')

let project
let tarball
test.before(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-pkg-'))
  const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', project], ROOT))
  tarball = path.join(project, packed[0].filename)
  const files = packed[0].files.map((f) => f.path)
  for (const expected of ['index.js', 'index.d.ts', 'testing.js', 'testing.d.ts', 'binding.js', 'lib/native.js', 'bin/web-push-rs.js', 'examples/demo.js', 'README.md']) {
    assert.ok(files.includes(expected), `${expected} is packed`)
  }
  assert.ok(files.some((f) => f.endsWith('.node')), 'the native addon is packed')
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('__test__/') || f.startsWith('target/')), 'no sources, tests or build output')
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  run(NPM, ['install', '--offline', '--no-package-lock', tarball], project)
})
test.after(() => fs.rmSync(project, { recursive: true, force: true }))

consumerTests({ getProject: () => project, npxArgs: ['--offline'] })

test('npx web-push-rs demo runs from the installed package', () => {
  const out = run(NPM, ['exec', '--offline', '--', 'web-push-rs', 'demo'], project)
  assert.match(out, /sendNotification \(aes128gcm\) → 201/)
  assert.match(out, /sent \d+ · gone 10 /)
})

test('per-platform packages match napi.targets and the version', () => {
  const pkg = require('../package.json')
  const { napi } = pkg
  const expected = {
    'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
    'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
    'x86_64-unknown-linux-musl': 'linux-x64-musl',
    'aarch64-unknown-linux-musl': 'linux-arm64-musl',
    'x86_64-apple-darwin': 'darwin-x64',
    'aarch64-apple-darwin': 'darwin-arm64',
    'x86_64-pc-windows-msvc': 'win32-x64-msvc',
  }
  const libc = { gnu: ['glibc'], musl: ['musl'] }
  assert.deepEqual(fs.readdirSync(path.join(ROOT, 'npm')).sort(), Object.values(expected).sort(), 'one npm/<platform> package per target')
  for (const target of napi.targets) {
    const dir = expected[target]
    assert.ok(dir, `known target ${target}`)
    const [osName, cpu, abi] = dir.split('-')
    const platform = require(path.join(ROOT, 'npm', dir, 'package.json'))
    assert.equal(platform.name, `web-push-rs-${dir}`)
    assert.equal(platform.version, pkg.version)
    assert.equal(platform.main, `web-push-rs.${dir}.node`)
    assert.deepEqual(platform.files, [platform.main])
    assert.deepEqual(platform.os, [osName])
    assert.deepEqual(platform.cpu, [cpu])
    assert.deepEqual(platform.libc, libc[abi], `${dir} libc`)
    assert.deepEqual(platform.engines, pkg.engines)
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
