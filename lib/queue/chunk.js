'use strict'

// How a chunk of targets is stored: one Redis string per chunk (`{prefix}:campaign:{id}:chunk:{k}`),
// deflated JSON. Endpoints are split at their last '/' and the parts before it
// (https://fcm.googleapis.com/fcm/send/ and the like: one per push service) stored once per
// chunk; the rest is mostly base64url (keys, tokens), which deflate brings to ~6 bits a character.
// Huffman coding alone does that: measured on 500 random-key targets, it stores 6% more than
// deflate's default (110 vs 103 bytes a target) at a third of the producer's CPU (1.6 vs 4.8 µs).
//
//   { e: [endpoint prefixes], t: [[prefix number, rest of endpoint, p256dh, auth, payload?, options?], …] }
//
// `payload` (base64; '' for none; a non-string marks an invalid one) and `options` are only
// there for targets that brought their own. The BullMQ job of the chunk only names it.

const zlib = require('node:zlib')

const HUFFMAN = { strategy: zlib.constants.Z_HUFFMAN_ONLY }

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

  /** The stored bytes. */
  encode() {
    return zlib.deflateRawSync(JSON.stringify({ e: this.prefixes, t: this.rows }), HUFFMAN)
  }
}

/** Stored bytes → rows `[endpoint, p256dh, auth, payload?, options?]`. */
function decodeChunk(bytes) {
  const { e, t } = JSON.parse(zlib.inflateRawSync(bytes))
  return t.map(([n, rest, ...tail]) => [e[n] + rest, ...tail])
}

/**
 * Stored bytes as stored: `{ prefixes, rows }`, each row `[prefix number, rest of endpoint,
 * p256dh, auth, payload?, options?]` (the worker works out an origin once per prefix).
 */
function decodeChunkRaw(bytes) {
  const { e, t } = JSON.parse(zlib.inflateRawSync(bytes))
  return { prefixes: e, rows: t }
}

module.exports = { ChunkBuilder, decodeChunk, decodeChunkRaw }
