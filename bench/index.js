'use strict'

// Runs every benchmark in this folder in turn (each against npm web-push in the same run).
const { execFileSync } = require('node:child_process')
const path = require('node:path')

for (const file of ['crypto.js', 'fanout.js', 'remote.js', 'queue.js']) {
  console.log(`\n## ${file}\n`)
  execFileSync(process.execPath, [path.join(__dirname, file)], { stdio: 'inherit' })
}
