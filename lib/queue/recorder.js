'use strict'

// Writes a worker's final outcomes to Redis. Outcomes recorded in the same turn of the event
// loop (its chunks' windows share one poll tick) go out as one RECORD script call per campaign,
// so a write carries the outcomes of every chunk the worker runs, not of one.

const { encodeOutcome, packOutcomes } = require('./store.js')

class Recorder {
  #redis
  #onGone
  #queued = new Map() // campaign id → { c, items: [{ entries, resolve, reject }] }
  #scheduled = false

  /** `onGone(outcomes)` (optional) is called with the gone outcomes each write newly recorded. */
  constructor(redis, onGone) {
    this.#redis = redis
    this.#onGone = onGone
  }

  /**
   * Records final outcomes `{ t, kind, o, attempts }` of campaign `c` (HSETNX: a target keeps
   * the first one written). Resolves once they are in Redis and onGone returned.
   */
  record(c, entries) {
    if (entries.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      let batch = this.#queued.get(c.id)
      if (!batch) {
        batch = { c, items: [] }
        this.#queued.set(c.id, batch)
      }
      batch.items.push({ entries, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush() {
    this.#scheduled = false
    const batches = [...this.#queued.values()]
    this.#queued.clear()
    for (const batch of batches) {
      this.#write(batch).then(() => {
        for (const item of batch.items) item.resolve()
      }, (err) => {
        for (const item of batch.items) item.reject(err)
      })
    }
  }

  async #write({ c, items }) {
    const lines = []
    for (const { entries } of items) {
      for (const { t, kind, o, attempts } of entries) lines.push(`${t.index} ${kind} ${encodeOutcome(kind, o, attempts, t.endpoint)}`)
    }
    const written = await this.#redis.wpRecord(c.keys.meta, c.keys.out, Date.now(), packOutcomes(lines))
    if (!this.#onGone || written.length === 0) return
    const wrote = new Set(written)
    const gone = []
    for (const { entries } of items) {
      for (const { t, kind, o, attempts } of entries) {
        if (kind === 'gone' && wrote.has(t.index)) gone.push({ index: t.index, kind: 'gone', endpoint: t.endpoint, statusCode: o.statusCode, attempts })
      }
    }
    try {
      await this.#onGone(gone)
    } catch {
      // The outcome is recorded either way; the application's handler failing is its own.
    }
  }
}

module.exports = { Recorder }
