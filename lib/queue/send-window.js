'use strict'

// A sliding window of sends for one chunk, on one native batch of the worker's Rust client
// (NativeClient.startBatch / pushJson / takeOutcomes / finish, as sendMany uses them).
// At most `size` targets are sent-but-unrecorded at any time: a slot is taken when a target
// starts and freed when its outcome is recorded in Redis (or the target is pending again), so
// a new target starts as soon as an earlier one is recorded and the sender never waits for
// a whole round of them. That count is what a crash can re-send.

const { internals } = require('../client.js')

// How often batches are asked for outcomes while targets are in flight. The windows of one
// worker share the tick, so the outcomes of all its chunks found in one tick can go to Redis
// in one write per campaign. 8 ms (was 4): half the loop turns and RECORD writes (each one an
// fsync under appendfsync always); measured 3-4 µs less worker CPU a message, same msg/s.
const POLL_MS = 8

/** One timer for many windows: `next()` resolves on the next tick (every POLL_MS while awaited). */
class Ticks {
  #waiters = []
  #timer = null

  next() {
    return new Promise((resolve) => {
      this.#waiters.push(resolve)
      this.#timer ??= setTimeout(() => {
        this.#timer = null
        const waiters = this.#waiters
        this.#waiters = []
        for (const wake of waiters) wake()
      }, POLL_MS)
    })
  }
}

class SendWindow {
  #batch
  #size
  #ticks
  #taken = 0
  #wake = null

  /**
   * Starts a batch on `push` (a WebPush); `payload` is shared by the rows that name it;
   * `ticks` (a Ticks) paces `outcomes()`.
   */
  static async open(push, payload, size, ticks) {
    const { native, checkPolicy } = internals(push)
    const window = new SendWindow()
    window.#batch = await native.startBatch(payload, true)
    window.#size = size
    window.#ticks = ticks
    window.checkPolicy = checkPolicy
    return window
  }

  /** Free slots. */
  get room() {
    return this.#size - this.#taken
  }

  /** Slots taken: targets started whose outcome is not recorded yet. */
  get taken() {
    return this.#taken
  }

  /** Starts batch rows (see src/batch_row.rs) with the chunk payloads they name; takes a slot each. */
  async start(rows, payloads) {
    this.#taken += rows.length
    await this.#batch.pushJson(JSON.stringify(rows), payloads)
  }

  /**
   * Waits for the next tick, or until slots are freed (the caller can start more at once);
   * the outcomes known since the last call (maybe none) as `{ sent, others }`: `sent` the
   * sent ones as index/attempts/statusCode number triples (a Float64Array: no object each),
   * `others` the rest as outcome objects.
   */
  async outcomes() {
    await Promise.race([this.#ticks.next(), new Promise((resolve) => { this.#wake = resolve })])
    this.#wake = null
    return this.#batch.takeOutcomeBatch()
  }

  /** Frees `n` slots: their outcomes are recorded, or they are pending again. */
  free(n) {
    this.#taken -= n
    this.#wake?.()
  }

  /** Ends the batch (nothing is in flight by then). */
  async close() {
    this.#batch.abort()
    await this.#batch.finish()
  }
}

module.exports = { SendWindow, Ticks, POLL_MS }
