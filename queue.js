'use strict'

// web-push-rs/queue: durable, resumable campaigns across processes, on BullMQ and Redis.
// `bullmq` and `ioredis` are optional peer dependencies: requiring this without them throws a
// WebPushError (ERR_MISSING_DEPENDENCY) that says what to install.

const { Campaigns } = require('./lib/queue/campaigns.js')

module.exports = { Campaigns }
