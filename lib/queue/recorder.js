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
   * Records final outcomes of campaign `c`, already encoded as `lines` (`index kind encoded`,
   * see `Recorder.line`); `gone` lists the gone ones among them as `{ index, endpoint,
   * statusCode, attempts }` (for onGone). A target keeps the first outcome written. Resolves
   * once they are in Redis and onGone returned.
   */
  record(c, lines, gone = []) {
    if (lines.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      let batch = this.#queued.get(c.id)
      if (!batch) {
        batch = { c, lines: [], gone: [], waiting: [] }
        this.#queued.set(c.id, batch)
      }
      for (const line of lines) batch.lines.push(line)
      for (const o of gone) batch.gone.push(o)
      batch.waiting.push({ resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  /** Records outcomes `{ t, kind, o, attempts }` (`t`: the target, `o`: what is stored). */
  recordEntries(c, entries) {
    const lines = []
    const gone = []
    for (const { t, kind, o, attempts } of entries) {
      lines.push(Recorder.line(t.index, kind, o, attempts, t.endpoint))
      if (kind === 'gone') gone.push({ index: t.index, endpoint: t.endpoint, statusCode: o.statusCode, attempts })
    }
    return this.record(c, lines, gone)
  }

  /** One outcome as a line of the RECORD script's argument. */
  static line(index, kind, o, attempts, endpoint) {
    return `${index} ${kind} ${encodeOutcome(kind, o, attempts, endpoint)}`
  }

  #flush() {
    this.#scheduled = false
    const batches = [...this.#queued.values()]
    this.#queued.clear()
    for (const batch of batches) {
      this.#write(batch).then(() => {
        for (const w of batch.waiting) w.resolve()
      }, (err) => {
        for (const w of batch.waiting) w.reject(err)
      })
    }
  }

  async #write({ c, lines, gone }) {
    const written = await this.#redis.wpRecord(c.keys.meta, c.keys.out, Date.now(), packOutcomes(lines))
    if (!this.#onGone || written.length === 0) return
    const wrote = new Set(written)
    const calls = gone.filter((o) => wrote.has(o.index)).map((o) => ({ index: o.index, kind: 'gone', endpoint: o.endpoint, statusCode: o.statusCode, attempts: o.attempts }))
    if (calls.length === 0) return
    try {
      await this.#onGone(calls)
    } catch {
      // The outcome is recorded either way; the application's handler failing is its own.
    }
  }
}

module.exports = { Recorder }
