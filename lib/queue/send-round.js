'use strict'

// One round of sends for a chunk (at most `concurrency` targets), each final outcome handed
// over as soon as it is known. With a `WebPush` whose `sendMany` takes `onOutcome`, that is one
// `sendMany`. Without it (an older client), the targets go in sub-batches of `subBatch` and
// each sub-batch's outcomes are handed over when it ends.

const supported = new WeakMap()

/** Whether `push.sendMany` accepts `onOutcome` (asked once per client with an empty batch). */
async function supportsOnOutcome(push) {
  if (!supported.has(push)) {
    let ok = true
    try {
      await push.sendMany([], undefined, { onOutcome() {} })
    } catch (err) {
      if (err && err.code === 'ERR_INVALID_OPTION') ok = false
      else throw err
    }
    supported.set(push, ok)
  }
  return supported.get(push)
}

/** The outcomes of one `sendMany` report, `sent` included, as `{ kind, index, … }`. */
function outcomesOf(report, targets, offset) {
  const out = []
  const notSent = new Set()
  for (const kind of ['gone', 'rejected', 'failed']) {
    for (const o of report[kind]) {
      notSent.add(o.index)
      out.push({ ...o, kind, index: o.index + offset })
    }
  }
  for (let i = 0; i < targets.length; i++) {
    if (!notSent.has(i)) out.push({ kind: 'sent', index: i + offset, endpoint: targets[i].subscription.endpoint, attempts: 1 })
  }
  return out
}

/**
 * Sends `targets` (sendMany items) with `payload`; calls `onOutcome(outcomes)` (it may return
 * a promise: every one is awaited before this resolves). Outcome indexes are into `targets`.
 */
async function sendRound(push, targets, payload, { onOutcome, signal, subBatch }) {
  const pending = []
  const hand = (outcomes) => { pending.push(Promise.resolve(onOutcome(outcomes))) }
  if (await supportsOnOutcome(push)) {
    await push.sendMany(targets, payload, { onOutcome: hand, signal })
  } else {
    for (let start = 0; start < targets.length; start += subBatch) {
      const slice = targets.slice(start, start + subBatch)
      const report = await push.sendMany(slice, payload, { signal })
      hand(outcomesOf(report, slice, start))
      await Promise.all(pending.splice(0))
    }
  }
  await Promise.all(pending)
}

module.exports = { sendRound, supportsOnOutcome }
