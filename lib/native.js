'use strict'

// Loads the native addon (binding.js is the napi-rs loader: a local build first, then the
// per-platform package web-push-rs-<platform> from optionalDependencies) and turns a miss
// into a message that says what to do.

const SUPPORTED = 'linux x64/arm64 (glibc), macOS x64/arm64, Windows x64'

function load() {
  try {
    return require('../binding.js')
  } catch (err) {
    const platform = `${process.platform}-${process.arch}`
    throw new Error(
      `web-push-rs: no native binary could be loaded for ${platform}. Prebuilt binaries exist for ${SUPPORTED} ` +
        `(installed as optional dependencies: make sure your package manager did not skip them, e.g. no --no-optional). ` +
        'Elsewhere, build it from source: install Rust (https://rustup.rs) and run `npm run build` in the web-push-rs package. ' +
        `Loader error: ${err.message}`,
      { cause: err },
    )
  }
}

module.exports = load()
