'use strict'

// Node, Bun and Deno: the shared smoke suite (runtimes/smoke.mjs) run under each runtime as a
// child process, against the package as a user gets it. Two installs per runtime: a copy of the
// published files in a consumer's node_modules (what `npm install web-push-rs` gives), and a
// symlink to this checkout (what `npm link`, `file:` dependencies and workspaces give).
// Whatever a runtime cannot do is listed in SCENARIOS with its exact error: such a check must
// still fail with exactly that error, so a fixed gap fails here until the list is updated.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFile } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const SUITE_DIR = path.join(__dirname, 'runtimes')
const BIN = path.join(ROOT, 'node_modules', '.bin')
const RUN_TIMEOUT_MS = 45000

/** How to start each runtime on a script (the pinned devDependency binaries for Bun and Deno). */
const RUNTIMES = {
  node: { command: process.execPath, args: [], version: process.versions.node },
  bun: { command: path.join(BIN, 'bun'), args: ['--no-install'], version: require('bun/package.json').version },
  deno: { command: path.join(BIN, 'deno'), args: ['run', '--allow-all', '--no-lock'], version: require('deno/package.json').version },
}

/**
 * `gaps`: check name → the exact error it fails with. `fails`: the whole suite cannot start;
 * the exact first line it prints to stderr.
 */
const SCENARIOS = [
  { runtime: 'node', install: 'copy', gaps: {} },
  { runtime: 'bun', install: 'copy', gaps: {} },
  { runtime: 'deno', install: 'copy', gaps: {} },
  { runtime: 'node', install: 'link', gaps: {} },
  { runtime: 'bun', install: 'link', gaps: {} },
  // Deno treats .js as CommonJS only inside node_modules or under "type": "commonjs"; a
  // symlinked package resolves outside node_modules, so package.json says "type": "commonjs".
  { runtime: 'deno', install: 'link', gaps: {} },
]

/** The check names smoke.mjs declares, in order: every runtime must report each one. */
const CHECKS = [...fs.readFileSync(path.join(SUITE_DIR, 'smoke.mjs'), 'utf8').matchAll(/^await check\('([^']+)'/gm)].map((m) => m[1])

/** Copies what `npm pack` would publish (package.json `files`) into `dest`. */
function copyPackage(dest) {
  const pkg = require('../package.json')
  fs.mkdirSync(dest, { recursive: true })
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dest, 'package.json'))
  for (const entry of pkg.files) {
    const names = entry.startsWith('*')
      ? fs.readdirSync(ROOT).filter((name) => name.endsWith(entry.slice(1)))
      : [entry.replace(/\/$/, '')]
    for (const name of names) fs.cpSync(path.join(ROOT, name), path.join(dest, name), { recursive: true })
  }
}

/** A consumer project: package.json, web-push-rs (copied or linked), http_ece, the suite. */
function makeConsumer(dir, install) {
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'runtime-smoke-consumer', private: true }))
  const target = path.join(dir, 'node_modules', 'web-push-rs')
  if (install === 'copy') copyPackage(target)
  else fs.symlinkSync(ROOT, target, 'dir')
  fs.cpSync(path.dirname(require.resolve('http_ece/package.json')), path.join(dir, 'node_modules', 'http_ece'), { recursive: true })
  for (const name of fs.readdirSync(SUITE_DIR)) fs.copyFileSync(path.join(SUITE_DIR, name), path.join(dir, name))
}

function run(runtime, cwd, env) {
  const { command, args } = RUNTIMES[runtime]
  return new Promise((resolve) => {
    execFile(command, [...args, 'smoke.mjs'], { cwd, env, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, signal: err ? err.signal : null, stdout, stderr })
    })
  })
}

function parseResult(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('# SMOKE_RESULT '))
  return line ? JSON.parse(line.slice('# SMOKE_RESULT '.length)) : null
}

let tmp
test.before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'web-push-rs-runtimes-')) })
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }))

test('the smoke suite declares its checks', () => {
  assert.ok(CHECKS.length >= 14, CHECKS.join('\n'))
  assert.equal(new Set(CHECKS).size, CHECKS.length, 'check names are unique')
})

for (const scenario of SCENARIOS) {
  const { runtime, install } = scenario
  test(`${runtime} ${RUNTIMES[runtime].version} runs the smoke suite (package ${install === 'copy' ? 'installed' : 'symlinked'})`, async (t) => {
    assert.ok(fs.existsSync(RUNTIMES[runtime].command), `${RUNTIMES[runtime].command} is missing: run npm ci (the ${runtime} devDependency)`)
    const dir = path.join(tmp, `${runtime}-${install}`)
    makeConsumer(dir, install)
    const env = { ...process.env, NO_COLOR: '1', DENO_DIR: path.join(tmp, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1' }
    const { code, signal, stdout, stderr } = await run(runtime, dir, env)
    assert.equal(signal, null, `${runtime} did not exit within ${RUN_TIMEOUT_MS} ms (a handle kept it alive?)\n${stdout}\n${stderr}`)

    if (scenario.fails) {
      assert.equal(code, 1, stdout)
      assert.equal(stderr.split('\n')[0], scenario.fails, `known gap changed or fixed: update SCENARIOS and README\n${stderr}`)
      t.diagnostic(`known gap: ${scenario.fails}`)
      return
    }

    const result = parseResult(stdout)
    assert.ok(result, `no SMOKE_RESULT line (exit ${code})\n${stdout}\n${stderr}`)
    assert.deepEqual([result.runtime, result.version], [runtime, RUNTIMES[runtime].version], 'ran under the intended runtime')
    assert.deepEqual(result.results.map((r) => r.name), CHECKS, 'every check ran')
    for (const r of result.results) {
      if (r.name in scenario.gaps) {
        assert.equal(r.ok, false, `"${r.name}" now passes under ${runtime}: remove it from the known gaps`)
        assert.equal(r.error, scenario.gaps[r.name], `"${r.name}" fails differently under ${runtime}`)
        t.diagnostic(`known gap: ${r.name}: ${r.error}`)
      } else {
        assert.ok(r.ok, `"${r.name}" failed under ${runtime}: ${r.error}`)
      }
    }
    assert.equal(code, Object.keys(scenario.gaps).length ? 1 : 0, stderr)
    const ms = result.results.reduce((sum, r) => sum + (r.ms ?? 0), 0)
    t.diagnostic(`${result.results.filter((r) => r.ok).length}/${CHECKS.length} checks passed in ${ms} ms`)
  })
}
