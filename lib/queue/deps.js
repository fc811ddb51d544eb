'use strict'

// BullMQ and ioredis are optional peer dependencies of web-push-rs: only `web-push-rs/queue`
// needs them. Loading them here gives one clear error when they are missing.

const { invalid } = require('../errors.js')

function load(name) {
  try {
    return require(name)
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${name}'`)) {
      throw invalid('ERR_MISSING_DEPENDENCY',
        `web-push-rs/queue needs the '${name}' package: npm install bullmq ioredis (BullMQ ${'>='} 6 runs on Redis ${'>='} 6.2)`)
    }
    throw err
  }
}

const bullmq = load('bullmq')
const IORedis = load('ioredis')

module.exports = { Queue: bullmq.Queue, Worker: bullmq.Worker, DelayedError: bullmq.DelayedError, Redis: IORedis.Redis || IORedis.default || IORedis }
