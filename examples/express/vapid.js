'use strict'

// The server's VAPID key pair: generated on the first run, then read from DATA_DIR/vapid.json
// (mode 0600). Keep it: browser subscriptions are bound to the public key, and a new key
// makes every stored subscription answer 403.

const crypto = require('node:crypto')
const fsp = require('node:fs/promises')
const path = require('node:path')
const { generateVAPIDKeys } = require('../..') // in your app: require('web-push-rs')

async function loadOrCreateVapidKeys(dataDir) {
  const file = path.join(dataDir, 'vapid.json')
  try {
    return await readKeys(file)
  } catch (err) {
    if (err.code !== 'ENOENT') throw err
  }
  try {
    await writeFileAtomic(file, `${JSON.stringify(generateVAPIDKeys(), null, 2)}\n`, { mode: 0o600, exclusive: true })
  } catch (err) {
    if (err.code !== 'EEXIST') throw err // another process created it first: use its keys
  }
  return readKeys(file)
}

async function readKeys(file) {
  const text = await fsp.readFile(file, 'utf8')
  let keys
  try {
    keys = JSON.parse(text)
  } catch {
    // Not the parser's message: it quotes the file, which holds the private key.
    throw new Error(`${file} is not valid JSON`)
  }
  if (typeof keys?.publicKey !== 'string' || typeof keys?.privateKey !== 'string') {
    throw new Error(`${file} must hold { "publicKey": "…", "privateKey": "…" }`)
  }
  return { publicKey: keys.publicKey, privateKey: keys.privateKey }
}

/**
 * Writes `data` to `file` all at once: a temp file beside it (mode `mode`), flushed to disk,
 * then renamed over `file`. With `exclusive`, it is linked instead, which fails with EEXIST
 * when `file` already exists (create-once).
 */
async function writeFileAtomic(file, data, { mode = 0o600, exclusive = false } = {}) {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`
  try {
    const handle = await fsp.open(tmp, 'wx', mode)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (exclusive) await fsp.link(tmp, file)
    else await fsp.rename(tmp, file)
  } finally {
    await fsp.rm(tmp, { force: true })
  }
}

module.exports = { loadOrCreateVapidKeys, writeFileAtomic }
