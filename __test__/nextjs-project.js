'use strict'

// Helpers for __test__/nextjs.test.js: the Next.js example set up the way a user would
// (its own npm ci, web-push-rs installed from the `npm pack` tarball), built, and its servers
// started on a free loopback port and stopped by PID.

const fs = require('node:fs')
const path = require('node:path')
const { execFile, spawn } = require('node:child_process')
const { freePort } = require('./helpers.js')

const ROOT = path.join(__dirname, '..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const QUIET_NPM = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }

/** Runs a command (killed after `timeout` ms); resolves its output, rejects with the output in the message (and `.output`). */
function run(cmd, args, { cwd, env = {}, timeout = 300_000 }) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...QUIET_NPM, ...env }, maxBuffer: 64 << 20, timeout }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`
      if (err) return reject(Object.assign(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${output}`), { output }))
      resolve(output)
    })
  })
}

/** `npm pack` of the repository into `dest`; resolves the tarball's path (the same check as package.test.js). */
async function packTarball(dest) {
  const [packed] = JSON.parse(await run(NPM, ['pack', '--json', '--pack-destination', dest], { cwd: ROOT }))
  if (!packed.files.some((f) => f.path.endsWith('.node'))) throw new Error('the packed tarball holds no .node file: build the addon first (npm run build)')
  return path.join(dest, packed.filename)
}

/**
 * Copies examples/nextjs and examples/shared (their sources, not node_modules or build output)
 * into `dir`/examples, runs `npm ci` in the copy of the Next.js example (its own lock file;
 * the shared store comes in as a copied local package), then installs web-push-rs from the
 * packed tarball. Resolves the app's directory.
 */
async function prepareProject(dir) {
  const skip = new Set(['node_modules', '.next', '.data', 'next-env.d.ts'])
  for (const name of ['nextjs', 'shared']) {
    fs.cpSync(path.join(ROOT, 'examples', name), path.join(dir, 'examples', name), {
      recursive: true,
      filter: (source) => !skip.has(path.basename(source)) && !source.endsWith('.tsbuildinfo'),
    })
  }
  const app = path.join(dir, 'examples', 'nextjs')
  const tarball = await packTarball(dir)
  await run(NPM, ['ci', '--prefer-offline'], { cwd: app })
  // As a user does: npm install web-push-rs (here the tarball; --no-save keeps package.json as committed).
  await run(NPM, ['install', '--no-save', '--offline', tarball], { cwd: app })
  return app
}

/** `next build` in `app`; resolves its output. */
function nextBuild(app, env = {}) {
  return run(process.execPath, [nextBin(app), 'build'], { cwd: app, env: { NEXT_TELEMETRY_DISABLED: '1', ...env } })
}

function nextBin(app) {
  return path.join(app, 'node_modules', 'next', 'dist', 'bin', 'next')
}


/**
 * Starts `node <args>` in `cwd` with `env` and waits until GET `url + readyPath` answers.
 * Resolves `{ url, pid, output(), stop() }`; `stop()` sends SIGTERM to the PID (SIGKILL after 10 s).
 */
async function startServer(args, { cwd, env, port, readyPath = '/api/push', timeoutMs = 120_000 }) {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  let done = false
  exited.then(() => { done = true })

  async function stop() {
    if (done) return exited
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    const result = await exited
    clearTimeout(timer)
    return result
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (done) throw new Error(`the server exited before it was ready:\n${output}`)
    try {
      const res = await fetch(url + readyPath)
      if (res.status < 500) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`the server did not answer ${readyPath} within ${timeoutMs} ms:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return { url, pid: child.pid, output: () => output, stop }
}

/** Every file under `dir` (relative paths, `/`-separated). */
function listFiles(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'))
}

module.exports = { prepareProject, packTarball, nextBuild, nextBin, freePort, startServer, listFiles, run }
