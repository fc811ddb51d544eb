'use strict'

// How a chunk of targets is stored in its BullMQ job, compactly: endpoints are split at their
// last '/' and the parts before it (https://fcm.googleapis.com/fcm/send/ and the like: one per
// push service) are stored once per chunk.
//
//   { c: campaign id, s: its createdAt, k: chunk number, i: index of the first target,
//     e: [endpoint prefixes], t: [[prefix number, rest of endpoint, p256dh, auth, payload?, options?], …] }
//
// `payload` (base64; '' for none; a non-string marks an invalid one) and `options` are only
// there for targets that brought their own.

class ChunkBuilder {
  constructor() {
    this.prefixes = []
    this.byPrefix = new Map()
    this.rows = []
  }

  get length() {
    return this.rows.length
  }

  /** Adds a row `[endpoint, p256dh, auth, payload?, options?]`. */
  add(row) {
    const [endpoint, ...rest] = row
    const cut = endpoint.lastIndexOf('/') + 1
    const prefix = endpoint.slice(0, cut)
    let n = this.byPrefix.get(prefix)
    if (n === undefined) {
      n = this.prefixes.push(prefix) - 1
      this.byPrefix.set(prefix, n)
    }
    this.rows.push([n, endpoint.slice(cut), ...rest])
  }

  /** The job data for chunk `k` of campaign `id` (created at `createdAt`) starting at target `first`. */
  data(id, k, first, createdAt) {
    return { c: id, s: createdAt, k, i: first, e: this.prefixes, t: this.rows }
  }
}

/** Job data → rows `[endpoint, p256dh, auth, payload?, options?]`. */
function rowsOf(data) {
  return data.t.map(([n, rest, ...tail]) => [data.e[n] + rest, ...tail])
}

module.exports = { ChunkBuilder, rowsOf }
