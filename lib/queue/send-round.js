'use strict'

// One round of sends for a chunk (at most `concurrency` targets): one `sendMany` whose
// `onOutcome` hands each final outcome over as soon as it is known.

/**
 * Sends `targets` (sendMany items) with `payload`; calls `onOutcome(outcomes)` (it may return
 * a promise: `sendMany` awaits each one, in order, before it resolves). Outcome indexes are
 * into `targets`.
 */
async function sendRound(push, targets, payload, { onOutcome, signal }) {
  await push.sendMany(targets, payload, { onOutcome, signal })
}

module.exports = { sendRound }
