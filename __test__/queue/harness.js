'use strict'

// Shared pieces of the campaign tests: a real redis-server (lib/queue/redis-server.js: free
// loopback port, temp dir, AOF with appendfsync always), worker processes, and Redis checks.

const path = require('node:path')
const { fork } = require('node:child_process')
const { RedisServer } = require('../../lib/queue/redis-server.js')

/** Starts a worker in its own process; resolves once it takes jobs. */
function startWorkerProcess(config) {
  const child = fork(path.join(__dirname, 'worker-process.js'), [], {
    env: { ...process.env, WEB_PUSH_RS_QUEUE_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const handle = { child, gone: [], maxInFlight: 0, exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) }
  handle.ready = new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.ready) {
        handle.maxInFlight = m.maxInFlight
        resolve(handle)
      }
      if (m.gone) handle.gone.push(...m.gone)
      if (m.usage && handle.onUsage) handle.onUsage(m.usage)
    })
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)))
  })
  handle.usage = () => new Promise((resolve) => {
    handle.onUsage = resolve
    child.send('usage')
  })
  /** Closes the worker gracefully and waits for the process to exit. */
  handle.close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.send('close')
    return handle.exited
  }
  /** Kills it by PID (SIGKILL: no cleanup at all). */
  handle.kill = async () => {
    process.kill(child.pid, 'SIGKILL')
    return handle.exited
  }
  return handle
}

/** Waits until `predicate()` (async) is truthy, polling every `ms`. */
async function until(predicate, ms = 50, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await predicate()
    if (value) return value
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition')
    await new Promise((resolve) => setTimeout(resolve, ms))
  }
}

/** All outcomes of a campaign; asserts none is listed twice and returns them by index. */
async function collectOutcomes(assert, campaigns, id) {
  const byIndex = new Map()
  for await (const o of campaigns.outcomes(id)) {
    assert.ok(!byIndex.has(o.index), `target ${o.index} has one outcome`)
    byIndex.set(o.index, o)
  }
  return byIndex
}

module.exports = { RedisServer, startWorkerProcess, until, collectOutcomes }
