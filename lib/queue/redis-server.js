'use strict'

// Starts Debian's redis-server for tests, examples and benchmarks: a free loopback port, a
// temporary directory, AOF on with `appendfsync always` (every write on disk before the
// reply), no RDB snapshots. Stopped (and restarted on the same port and data) by PID.
// Not part of the public API.

const fs = require('node:fs')
const os = require('node:os')
const net = require('node:net')
const path = require('node:path')
const { spawn } = require('node:child_process')

/** A free TCP port on 127.0.0.1 (the kernel picks it; released before redis binds it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Resolves once `port` answers PING, rejects after `timeoutMs`. */
async function waitForPing(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.setTimeout(500)
      let answer = ''
      socket.on('connect', () => socket.write('PING\r\n'))
      socket.on('data', (d) => {
        answer += d
        if (answer.includes('\r\n')) {
          socket.destroy()
          resolve(answer.startsWith('+PONG'))
        }
      })
      socket.on('error', () => resolve(false))
      socket.on('timeout', () => { socket.destroy(); resolve(false) })
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

class RedisServer {
  constructor(bin, port, dir) {
    this.bin = bin
    this.port = port
    this.dir = dir
    this.child = null
    this.log = ''
  }

  /** `{ host, port }` for BullMQ / ioredis. */
  get connection() {
    return { host: '127.0.0.1', port: this.port }
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  get pid() {
    return this.child ? this.child.pid : undefined
  }

  async #spawn() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--logfile', '']
    const child = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    // Never outlive this process (a test that throws or calls process.exit).
    const reap = () => child.kill('SIGKILL')
    process.once('exit', reap)
    child.once('exit', () => process.removeListener('exit', reap))
    const keep = (d) => { this.log = (this.log + d).slice(-4000) }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const exited = new Promise((_resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${this.log}`)))
    })
    exited.catch(() => {})
    await Promise.race([waitForPing(this.port, 10000), exited])
  }

  /** Stops the server (SIGKILL is fine: with appendfsync always nothing acknowledged is lost). */
  async stop(signal = 'SIGTERM') {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise((resolve) => child.once('exit', resolve))
    process.kill(child.pid, signal)
    await gone
    this.child = null
  }

  /** Stops and starts again on the same port with the same data directory. */
  async restart({ signal = 'SIGKILL', downMs = 0 } = {}) {
    await this.stop(signal)
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs))
    await this.#spawn()
  }

  /** Bytes Redis reports as `used_memory`. */
  async usedMemory(redis) {
    const info = await redis.info('memory')
    return Number(/used_memory:(\d+)/.exec(info)[1])
  }

  /** Stops the server and removes its directory. */
  async close() {
    await this.stop('SIGTERM')
    fs.rmSync(this.dir, { recursive: true, force: true })
  }

  static async start({ bin = process.env.REDIS_SERVER || 'redis-server' } = {}) {
    let lastError
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-push-rs-redis-'))
      const server = new RedisServer(bin, await freePort(), dir)
      try {
        await server.#spawn()
        return server
      } catch (err) {
        lastError = err
        await server.stop('SIGKILL').catch(() => {})
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }
    throw lastError
  }
}

module.exports = { RedisServer, freePort }
