'use strict'

// Loads the native addon. binding.js is the napi-rs generated loader: NAPI_RS_NATIVE_LIBRARY_PATH,
// then a local build (web-push-rs.<platform>.node next to it), then the per-platform package
// web-push-rs-<platform> that npm installed from optionalDependencies (glibc or musl on Linux).
// A miss becomes an error that names the platform, the supported list and what to do.

const { platformString, loadError } = require('./platform.js')

function load() {
  try {
    return require('../binding.js')
  } catch (err) {
    throw loadError(platformString(), err)
  }
}

module.exports = load()
