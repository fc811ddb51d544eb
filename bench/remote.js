'use strict'

// Starts the local push service in a child process (bench/push-service-process.js), so its
// cost is not on the benchmarked process; resolves with { child, ...what it printed }.

const path = require('node:path')
const { spawn } = require('node:child_process')

/** Spawns the push service process and waits for the JSON line with its origin and CA. */
function startRemote() {
  const child = spawn(process.execPath, [path.join(__dirname, 'push-service-process.js')], { stdio: ['pipe', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve({ child, ...JSON.parse(out) })
    })
    child.once('exit', (code) => reject(new Error(`push service process exited ${code}`)))
  })
}

module.exports = { startRemote }
