'use strict'

// Which prebuilt binary this process needs, named the way napi-rs names its packages
// (web-push-rs-<platform>), and the error for when it did not load. binding.js (the
// generated loader) tells glibc from musl with the same checks, in the same order.

const fs = require('node:fs')

/** The platform strings that have a prebuilt package (napi.targets in package.json). */
const PREBUILT = ['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc']
const SUPPORTED = 'linux x64/arm64 (glibc and musl), macOS x64/arm64, Windows x64'

/** true on a musl libc (Alpine), false on glibc: /usr/bin/ldd first, then the process report. */
function isMusl() {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {
    // no ldd: ask the running process which libc it loaded
  }
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  if (!report) return false
  if (report.header?.glibcVersionRuntime) return false
  return Array.isArray(report.sharedObjects) && report.sharedObjects.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'))
}

/** A platform string as napi names packages: linux-x64-gnu, linux-arm64-musl, darwin-arm64, win32-x64-msvc… */
function platformString(platform = process.platform, arch = process.arch, musl = isMusl) {
  if (platform === 'linux') return `linux-${arch}-${musl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** The error for a platform whose binary did not load; `cause` is the loader's error. */
function loadError(platform, cause) {
  const where = PREBUILT.includes(platform)
    ? `Its binary is the package web-push-rs-${platform}, an optional dependency: make sure your package manager did not skip it (no --no-optional or --omit=optional; a lockfile made on another platform may lack it), or reinstall.`
    : `There is no prebuilt binary for ${platform}.`
  return new Error(
    `web-push-rs: no native binary could be loaded for ${platform}. Prebuilt binaries exist for ${SUPPORTED}. ${where} ` +
      'Or build it from source: install Rust (https://rustup.rs) and run `npm run build` in the web-push-rs package. ' +
      `Loader error: ${cause.message}`,
    { cause },
  )
}

module.exports = { PREBUILT, SUPPORTED, isMusl, platformString, loadError }
