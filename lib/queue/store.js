'use strict'

// Everything a campaign keeps in Redis, and the Lua scripts that change it atomically.
//
//   {prefix}:campaign:{id}:meta   hash: payload (once per campaign), message options, fingerprint,
//                                 createdAt, chunkSize, chunks, stored, total, state, and the
//                                 counters done/sent/gone/rejected/failed/expired/cancelled
//   {prefix}:campaign:{id}:out    hash: target index → its final outcome (written once: RECORD)
//   {prefix}:campaign:{id}:chunk:{k}  the targets of chunk k (see chunk.js), deleted once done
//   {prefix}:pause:{origin}       string with PX: a push-service origin paused by Retry-After
//   {prefix}:signals              pub/sub channel: pauses and cancellations, for running chunks
//   {prefix}:campaigns:*          BullMQ's queue; one job per chunk (id `{id}.{k}`) naming it
//
// Counters change in the same script that writes the outcome, so they always add up.

const { Redis } = require('./deps.js')
const { invalid } = require('../errors.js')

const KINDS = ['sent', 'gone', 'rejected', 'failed', 'expired', 'cancelled']
const QUEUE_NAME = 'campaigns'

const keys = (prefix, id) => ({
  meta: `${prefix}:campaign:${id}:meta`,
  out: `${prefix}:campaign:${id}:out`,
  chunk: (k) => `${prefix}:campaign:${id}:chunk:${k}`,
})
const pauseKey = (prefix, origin) => `${prefix}:pause:${origin}`
const signalChannel = (prefix) => `${prefix}:signals`

// KEYS: meta. ARGV: fingerprint, payload, hasPayload, options JSON, now, chunkSize.
// A new campaign starts in state `starting`; an existing one with the same fingerprint is
// resumed (returns what is already stored); a different one is refused.
const INIT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'fp') ~= ARGV[1] then return {'mismatch', 0, 0} end
  local s = redis.call('HMGET', KEYS[1], 'state', 'stored', 'chunks', 'createdAt')
  return {s[1], tonumber(s[2]), tonumber(s[3]), s[4]}
end
redis.call('HSET', KEYS[1], 'v', 1, 'fp', ARGV[1], 'payload', ARGV[2], 'hasPayload', ARGV[3], 'options', ARGV[4],
  'createdAt', ARGV[5], 'chunkSize', ARGV[6], 'chunks', 0, 'stored', 0, 'state', 'starting', 'done', 0,
  'sent', 0, 'gone', 0, 'rejected', 0, 'failed', 0, 'expired', 0, 'cancelled', 0)
return {'new', 0, 0, ARGV[5]}
`

// KEYS: meta. ARGV: chunks, stored. Progress of the producer (only ever grows).
const STORED = `
if redis.call('HGET', KEYS[1], 'state') == 'cancelled' then return 'cancelled' end
if tonumber(redis.call('HGET', KEYS[1], 'chunks')) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'chunks', ARGV[1], 'stored', ARGV[2])
end
return redis.call('HGET', KEYS[1], 'state')
`

// KEYS: meta. ARGV: total, now. Every target is stored: the campaign runs (or is already done).
const FINISH = `
redis.call('HSET', KEYS[1], 'total', ARGV[1])
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'starting' then state = 'running' redis.call('HSET', KEYS[1], 'state', state) end
if state == 'running' and tonumber(redis.call('HGET', KEYS[1], 'done')) >= tonumber(ARGV[1]) then
  state = 'done'
  redis.call('HSET', KEYS[1], 'state', state, 'finishedAt', ARGV[2])
end
return state
`

// KEYS: meta, out. ARGV: now, then the outcomes packed in one string (see packOutcomes): a line
// `index kind encoded` each. Writes each outcome unless the target already has one (the script
// is atomic: one HMGET of the indexes, then one HSET of the new ones, in slices of SLICE, so
// Redis runs and logs a few commands per call, not one per outcome); returns the indexes of the
// `gone` outcomes it wrote (for onGone).
const RECORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local SLICE = 1000
local gone = {}
local counts = {}
local n = 0
local indexes, kinds, values = {}, {}, {}
for index, kind, value in string.gmatch(ARGV[2], '(%d+) (%a+) ([^\\n]*)\\n') do
  indexes[#indexes + 1] = index
  kinds[#kinds + 1] = kind
  values[#values + 1] = value
end
local seen = {}
for from = 1, #indexes, SLICE do
  local to = math.min(from + SLICE - 1, #indexes)
  local have = redis.call('HMGET', KEYS[2], unpack(indexes, from, to))
  local args = {}
  for i = from, to do
    local index = indexes[i]
    if not have[i - from + 1] and not seen[index] then
      seen[index] = true
      args[#args + 1] = index
      args[#args + 1] = values[i]
      local kind = kinds[i]
      counts[kind] = (counts[kind] or 0) + 1
      n = n + 1
      if kind == 'gone' then gone[#gone + 1] = tonumber(index) end
    end
  end
  if #args > 0 then redis.call('HSET', KEYS[2], unpack(args)) end
end
for kind, c in pairs(counts) do redis.call('HINCRBY', KEYS[1], kind, c) end
if n > 0 then
  local done = redis.call('HINCRBY', KEYS[1], 'done', n)
  local s = redis.call('HMGET', KEYS[1], 'state', 'total')
  if s[1] == 'running' and s[2] and done >= tonumber(s[2]) then
    redis.call('HSET', KEYS[1], 'state', 'done', 'finishedAt', ARGV[1])
  end
end
return gone
`

// KEYS: out. ARGV: first index, count. The indexes from first to first + count - 1 that have an
// outcome (usually none): the worker skips them. One HMGET inside Redis instead of a reply of
// `count` values for the client to parse.
const RECORDED = `
local SLICE = 1000
local first, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local found = {}
for from = first, first + count - 1, SLICE do
  local to = math.min(from + SLICE - 1, first + count - 1)
  local fields = {}
  for i = from, to do fields[#fields + 1] = i end
  local have = redis.call('HMGET', KEYS[1], unpack(fields))
  for j = 1, #fields do
    if have[j] then found[#found + 1] = fields[j] end
  end
end
return found
`

// KEYS: meta. ARGV: now. Marks the campaign cancelled (unless it is already finished).
const CANCEL = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return false end
if state == 'starting' or state == 'running' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'cancelledAt', ARGV[1])
  return 'cancelled'
end
return state
`

// KEYS: pause key, signal channel. ARGV: origin, until (ms since the epoch), ttl ms.
// Only ever extends the pause; tells running workers at once.
const PAUSE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[2]) > current then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('PUBLISH', KEYS[2], cjson.encode({pause = ARGV[1], ['until'] = tonumber(ARGV[2])}))
end
return 1
`

/** Turns `connection` (ioredis/BullMQ options or a redis:// URL) into plain options. */
function connectionOptions(connection) {
  if (typeof connection === 'string') {
    let url
    try {
      url = new URL(connection)
    } catch {
      throw invalid('ERR_INVALID_CONNECTION', 'connection must be { host, port, … } or a redis:// / rediss:// URL; the string given is not a URL')
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw invalid('ERR_INVALID_CONNECTION', `connection URL must use redis: or rediss:, got ${url.protocol}`)
    }
    const options = { host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: url.port ? Number(url.port) : 6379 }
    if (url.username) options.username = decodeURIComponent(url.username)
    if (url.password) options.password = decodeURIComponent(url.password)
    const db = url.pathname.replace(/^\//, '')
    if (db) options.db = Number(db)
    if (url.protocol === 'rediss:') options.tls = {}
    return options
  }
  if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    throw invalid('ERR_INVALID_CONNECTION', 'options.connection is required: Redis connection options ({ host, port, … } as for BullMQ / ioredis) or a redis:// URL')
  }
  return { ...connection }
}

/** An ioredis client with the campaign scripts defined; commands wait through reconnects. */
function createClient(options) {
  // Reconnects every 0.5 s at most while Redis is away (ioredis' default backs off to 2 s), so
  // a call waiting connectTimeoutMs sees it come back.
  const redis = new Redis({ retryStrategy: (times) => Math.min(times * 50, 500), ...options, maxRetriesPerRequest: null, lazyConnect: false })
  redis.on('error', () => {}) // reconnects by itself; failures surface on the commands
  redis.defineCommand('wpInit', { numberOfKeys: 1, lua: INIT })
  redis.defineCommand('wpStored', { numberOfKeys: 1, lua: STORED })
  redis.defineCommand('wpFinish', { numberOfKeys: 1, lua: FINISH })
  redis.defineCommand('wpRecord', { numberOfKeys: 2, lua: RECORD })
  redis.defineCommand('wpRecorded', { numberOfKeys: 1, lua: RECORDED })
  redis.defineCommand('wpCancel', { numberOfKeys: 1, lua: CANCEL })
  redis.defineCommand('wpPause', { numberOfKeys: 2, lua: PAUSE })
  return redis
}

/** The report of a campaign from its meta hash, or `undefined` if there is no such campaign. */
function reportFrom(id, m) {
  if (!m?.state) return undefined
  const n = (name) => Number(m[name] || 0)
  const total = m.total === undefined ? n('stored') : n('total')
  const report = { id, total, done: n('done') }
  for (const kind of KINDS) report[kind] = n(kind)
  report.pending = Math.max(0, total - report.done)
  report.state = m.state
  report.createdAt = n('createdAt')
  if (m.finishedAt) report.finishedAt = Number(m.finishedAt)
  return report
}

/**
 * Encodes a final outcome for the `out` hash: `[kind, attempts, statusCode, code, endpoint, message?, reason?]`.
 * `attempts` and `endpoint` default to the outcome's own.
 */
function encodeOutcome(kind, o, attempts = o.attempts, endpoint = o.endpoint) {
  if (kind === 'sent') return sentOutcome(attempts ?? 0, o.statusCode ?? 0, endpoint ?? '')
  const row = [kind, attempts ?? 0, o.statusCode ?? 0, o.code ?? '', endpoint ?? '']
  if (kind !== 'sent' && (o.message || o.reason)) row.push(o.message ? String(o.message).slice(0, 300) : '')
  if (kind !== 'sent' && o.reason) row.push(String(o.reason).slice(0, 200))
  return JSON.stringify(row)
}

/** `encodeOutcome('sent', …)` from its parts (the worker's hot path: no object per outcome). */
function sentOutcome(attempts, statusCode, endpoint) {
  return `["sent",${attempts},${statusCode},"",${JSON.stringify(endpoint)}]`
}

/**
 * Final outcomes as the RECORD script's one string argument: a line `index kind encoded` each
 * (`encoded` is JSON, which never holds a raw newline). One argument instead of three per
 * outcome keeps the client's cost per outcome low.
 */
function packOutcomes(lines) {
  return `${lines.join('\n')}\n`
}

/** Decodes an outcome stored by `encodeOutcome`. */
function decodeOutcome(index, value) {
  const [kind, attempts, statusCode, code, endpoint, message, reason] = JSON.parse(value)
  const o = { index: Number(index), kind, endpoint, attempts }
  if (statusCode) o.statusCode = statusCode
  if (code) o.code = code
  if (message) o.message = message
  if (reason) o.reason = reason
  return o
}

module.exports = { KINDS, QUEUE_NAME, keys, pauseKey, signalChannel, connectionOptions, createClient, reportFrom, encodeOutcome, sentOutcome, packOutcomes, decodeOutcome }
