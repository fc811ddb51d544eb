'use strict'

// The loader's platform naming (napi's package names) and its error for a missing binary.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { PREBUILT, isMusl, platformString, loadError } = require('../lib/platform.js')

test('platform strings follow napi package names, glibc vs musl on Linux', () => {
  assert.equal(platformString('linux', 'x64', () => false), 'linux-x64-gnu')
  assert.equal(platformString('linux', 'arm64', () => true), 'linux-arm64-musl')
  assert.equal(platformString('darwin', 'arm64'), 'darwin-arm64')
  assert.equal(platformString('win32', 'x64'), 'win32-x64-msvc')
  assert.equal(platformString('freebsd', 'x64'), 'freebsd-x64')
})

test('every prebuilt platform is a napi target with an npm/<platform> package', () => {
  const pkg = require('../package.json')
  const names = PREBUILT.map((p) => require(path.join('..', 'npm', p, 'package.json')).name)
  assert.deepEqual(names, PREBUILT.map((p) => `web-push-rs-${p}`))
  assert.equal(PREBUILT.length, pkg.napi.targets.length)
})

test('musl detection agrees with the libc this Node runs on', () => {
  const glibc = Boolean(process.report.getReport().header.glibcVersionRuntime)
  if (process.platform === 'linux') assert.equal(isMusl(), !glibc)
  else assert.equal(isMusl(), false)
})

test('the error names the platform, the package to install, the supported list and the source build', () => {
  const cause = new Error('Cannot find module')
  const known = loadError('linux-arm64-musl', cause)
  assert.equal(known.cause, cause)
  assert.match(known.message, /^web-push-rs: no native binary could be loaded for linux-arm64-musl\./)
  assert.match(known.message, /the package web-push-rs-linux-arm64-musl, an optional dependency/)
  assert.match(known.message, /Prebuilt binaries exist for linux x64\/arm64 \(glibc and musl\), macOS x64\/arm64, Windows x64/)
  assert.match(known.message, /npm run build/)
  assert.match(known.message, /Loader error: Cannot find module$/)
  const unknown = loadError('freebsd-x64', cause)
  assert.match(unknown.message, /There is no prebuilt binary for freebsd-x64\./)
  assert.doesNotMatch(unknown.message, /web-push-rs-freebsd/)
})
