'use strict'

// Launches headless Firefox ESR (Debian's firefox-esr, driven by puppeteer-core over WebDriver
// BiDi; no browser download) with its push service pointed at a local push service, and
// everything else kept on loopback.

const fs = require('node:fs')
const { execFileSync } = require('node:child_process')

/** Path of the Firefox binary, or undefined. `FIREFOX` overrides. */
function findFirefox() {
  if (process.env.FIREFOX) return process.env.FIREFOX
  for (const name of ['firefox-esr', 'firefox']) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8' }).trim()
      if (found && fs.existsSync(found)) return found
    } catch {
      // not installed under this name
    }
  }
  return undefined
}

/** Prefs that make push work offline against `pushService` and keep Firefox on loopback. */
function pushPrefs(pushService) {
  return {
    'dom.push.enabled': true,
    'dom.push.connection.enabled': true,
    'dom.push.serverURL': pushService.webSocketUrl,
    'dom.push.testing.allowInsecureServerURL': true,
    'dom.push.testing.ignorePermission': true,
    'permissions.default.desktop-notification': 1,
    'dom.serviceWorkers.testing.enabled': true,
    'dom.serviceWorkers.enabled': true,
    // Firefox's own alert window, not the desktop's notification daemon (over D-Bus): without
    // one, showNotification() rejects (NS_ERROR_FAILURE) and Firefox acks pushes with 302.
    'alerts.useSystemBackend': false,
    // A manual proxy to a closed port: nothing but loopback is reachable.
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': 9,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': 9,
    'network.proxy.no_proxies_on': '127.0.0.1,localhost,::1',
    'network.proxy.allow_hijacking_localhost': false,
    'network.proxy.failover_direct': false,
    'network.proxy.allow_bypass': false,
    'network.trr.mode': 5,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'toolkit.telemetry.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'browser.region.network.url': '',
    'browser.region.update.enabled': false,
    'extensions.systemAddon.update.enabled': false,
    'app.update.enabled': false,
  }
}

/** Launches Firefox; resolves `{ browser, close }`. Throws if Firefox or puppeteer-core is missing. */
async function launchFirefox(pushService) {
  const executablePath = findFirefox()
  if (!executablePath) throw new Error('Firefox is not installed (apt-get install firefox-esr)')
  const puppeteer = require('puppeteer-core')
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    extraPrefsFirefox: pushPrefs(pushService),
  })
  return { browser, close: () => browser.close() }
}

module.exports = { findFirefox, pushPrefs, launchFirefox }
