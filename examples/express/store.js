'use strict'

// An embedded subscription store that needs no server: one JSON file, keyed by endpoint.
// The Map in memory is the truth; every change rewrites the whole file atomically (temp file
// + rename), so a crash leaves either the old or the new file, never half of one. Fine for
// thousands of subscriptions; past that, use a database keyed by endpoint the same way.

const crypto = require('node:crypto')
const fsp = require('node:fs/promises')

/**
 * Writes `data` to `file` all at once: a temp file beside it (mode `mode`), flushed to disk,
 * then renamed over `file`. With `exclusive`, it is linked instead, which fails with EEXIST
 * when `file` already exists (create-once, for the VAPID keys).
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

class SubscriptionStore {
  #file
  #subscriptions
  #writing = Promise.resolve()

  /** Loads `file` (a missing file is an empty store; a corrupt one throws rather than losing subscribers). */
  static async open(file) {
    let entries = {}
    try {
      entries = JSON.parse(await fsp.readFile(file, 'utf8'))
    } catch (err) {
      if (err.code !== 'ENOENT') throw new Error(`cannot load subscriptions from ${file}: ${err.message}`)
    }
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new Error(`cannot load subscriptions from ${file}: expected a JSON object keyed by endpoint`)
    }
    return new SubscriptionStore(file, Object.values(entries))
  }

  constructor(file, subscriptions = []) {
    this.#file = file
    this.#subscriptions = new Map(subscriptions.map((s) => [s.endpoint, s]))
  }

  get size() {
    return this.#subscriptions.size
  }

  all() {
    return [...this.#subscriptions.values()]
  }

  get(endpoint) {
    return this.#subscriptions.get(endpoint)
  }

  /** Adds or replaces the subscription with this endpoint; resolves `true` if it is new. */
  async put(subscription) {
    const created = !this.#subscriptions.has(subscription.endpoint)
    this.#subscriptions.set(subscription.endpoint, subscription)
    await this.#save()
    return created
  }

  /** Removes these endpoints; resolves how many were stored. */
  async delete(endpoints) {
    const removed = endpoints.filter((endpoint) => this.#subscriptions.delete(endpoint)).length
    if (removed > 0) await this.#save()
    return removed
  }

  // Writes go one after another, each with the state at the time of its change, so the file
  // ends with the latest state. A failed write rejects its caller but does not block later ones.
  #save() {
    const json = JSON.stringify(Object.fromEntries(this.#subscriptions), null, 2) + '\n'
    const write = this.#writing.then(() => writeFileAtomic(this.#file, json))
    this.#writing = write.catch(() => {})
    return write
  }
}

module.exports = { SubscriptionStore, writeFileAtomic }
