'use strict'

// A throwaway PostgreSQL server for the tests: Debian's binaries (scripts/ensure-postgres.sh
// installs them), `initdb` in a temp dir, `postgres` on a free 127.0.0.1 port with its socket
// in that dir, stopped by PID. As root, both run as the `postgres` user (PostgreSQL refuses
// root) on a temp dir owned by it.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawn } = require('node:child_process')
const { freePort } = require('./nextjs-project.js')

/** The directory holding initdb and postgres, or undefined. `POSTGRES_BIN` overrides. */
function findPostgresBin() {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)) : []
  versions.sort((a, b) => Number(b) - Number(a))
  for (const version of versions) {
    const dir = path.join('/usr/lib/postgresql', version, 'bin')
    if (fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres'))) return dir
  }
  try {
    return path.dirname(fs.realpathSync(execFileSync('which', ['initdb'], { encoding: 'utf8' }).trim()))
  } catch {
    return undefined
  }
}

/** `{ uid, gid }` of the postgres user when we are root (PostgreSQL will not run as root), else {}. */
function runAs() {
  if (process.getuid?.() !== 0) return {}
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }))
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }))
  return { uid, gid }
}

/**
 * Starts a server; resolves `{ url, pid, stop() }` (`url` for `pg` / DATABASE_URL). Rejects
 * with the reason (missing binaries, initdb or postgres failing, with their output).
 */
async function startPostgres() {
  const bin = findPostgresBin()
  if (!bin) throw new Error('PostgreSQL is not installed (no initdb; scripts/ensure-postgres.sh installs Debian\'s postgresql)')
  const user = runAs()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-pg-'))
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true })
  try {
    if (user.uid !== undefined) fs.chownSync(dir, user.uid, user.gid)
    const data = path.join(dir, 'data')
    execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], { ...user, cwd: dir, stdio: 'pipe' })
  } catch (err) {
    cleanup()
    throw new Error(`initdb failed: ${err.stderr?.toString() || err.message}`)
  }

  const port = await freePort()
  const child = spawn(path.join(bin, 'postgres'), [
    '-D', path.join(dir, 'data'), '-h', '127.0.0.1', '-p', String(port), '-k', dir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
  ], { ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  let exited = false
  const exit = new Promise((resolve) => child.once('exit', () => { exited = true; resolve() }))

  async function stop() {
    if (!exited) {
      child.kill('SIGINT') // fast shutdown: roll back open transactions, close, exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exit
      clearTimeout(timer)
    }
    cleanup()
  }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const { Client } = require('pg')
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) {
      cleanup()
      throw new Error(`postgres exited at startup:\n${output}`)
    }
    const client = new Client({ connectionString: url })
    try {
      await client.connect()
      await client.end()
      break
    } catch {
      await client.end().catch(() => {})
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`postgres did not accept connections within 30 s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, pid: child.pid, stop }
}

module.exports = { startPostgres, findPostgresBin }
