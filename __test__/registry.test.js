'use strict'

// Installs web-push-rs from a registry the way a user without Rust does. A local Verdaccio
// (127.0.0.1, storage in a temp dir, no uplink) receives what a release publishes: the main
// package through `npm publish` (whose prepublishOnly, `napi prepublish`, publishes the
// linux-x64-gnu platform package and writes optionalDependencies), without any .node file
// of its own. Then a fresh project, with cargo and rustc off PATH and a fresh npm cache,
// runs `npm install web-push-rs` and uses it (CommonJS, ESM + a send to the local push
// service, TypeScript --strict, npx). Only the binary this machine built (linux-x64-gnu) is
// published, so the staged package's napi.targets is cut down to that one target.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { ROOT, NPM, run, consumerTests } = require('./consumer.js')
const { freePort } = require('./helpers.js')

const PLATFORM = 'linux-x64-gnu'
const TARGET = 'x86_64-unknown-linux-gnu'
const BINARY = `web-push-rs.${PLATFORM}.node`
const supported = process.platform === 'linux' && process.arch === 'x64' && fs.existsSync(path.join(ROOT, BINARY))


/** Waits until the registry answers its ping endpoint, or fails with its output. */
async function waitForRegistry(url, child, output) {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}: ${output()}`)
    try {
      const res = await fetch(`${url}-/ping`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`verdaccio did not answer on ${url} within 30 s: ${output()}`)
}

/** PATH without any directory that holds cargo or rustc. */
function pathWithoutRust() {
  return process.env.PATH.split(path.delimiter)
    .filter((dir) => !['cargo', 'rustc', 'rustup'].some((tool) => fs.existsSync(path.join(dir, tool))))
    .join(path.delimiter)
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)))
}

function bytesUnder(dir) {
  return filesUnder(dir).reduce((sum, file) => sum + fs.statSync(path.join(dir, file)).size, 0)
}

/** The main package as `npm publish` would see it, staged in `dir` (never the repository). */
function stageMainPackage(dir) {
  const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', dir], ROOT))
  run('tar', ['-xzf', path.join(dir, packed[0].filename), '-C', dir], dir)
  const stage = path.join(dir, 'package')
  for (const file of fs.readdirSync(stage)) if (file.endsWith('.node')) fs.rmSync(path.join(stage, file))
  const pkgFile = path.join(stage, 'package.json')
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'))
  pkg.napi.targets = [TARGET]
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2))
  const platformDir = path.join(stage, 'npm', PLATFORM)
  fs.cpSync(path.join(ROOT, 'npm', PLATFORM), platformDir, { recursive: true })
  fs.copyFileSync(path.join(ROOT, BINARY), path.join(platformDir, BINARY))
  // A release publishes from a git checkout: `napi prepublish` reads the last commit message.
  const git = ['-c', 'user.name=release test', '-c', 'user.email=release@example.invalid']
  run('git', ['init', '-q'], stage)
  run('git', [...git, 'commit', '-q', '--allow-empty', '-m', pkg.version], stage)
  return stage
}

const state = {}

test.describe('install from a registry', { skip: supported ? false : `needs linux-x64 and ${BINARY} (npm run build)` }, () => {
  test.before(async () => {
    state.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-registry-'))
    const port = await freePort()
    state.url = `http://127.0.0.1:${port}/`
    const config = path.join(state.tmp, 'verdaccio.yaml')
    fs.writeFileSync(config, [
      `storage: ${JSON.stringify(path.join(state.tmp, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(path.join(state.tmp, 'htpasswd'))}`,
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $anonymous',
      '    unpublish: $anonymous',
      'middlewares:',
      '  audit:',
      '    enabled: false',
      'web:',
      '  enable: false',
      'max_body_size: 100mb',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'))
    let output = ''
    state.registry = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] })
    state.registry.stdout.on('data', (d) => { output += d })
    state.registry.stderr.on('data', (d) => { output += d })
    await waitForRegistry(state.url, state.registry, () => output)

    // npm wants a token for publishing; the registry lets anyone publish, so any token does.
    const npmrc = path.join(state.tmp, 'npmrc')
    fs.writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=anonymous\n`)
    state.env = {
      npm_config_registry: state.url,
      npm_config_userconfig: npmrc,
      npm_config_cache: path.join(state.tmp, 'npm-cache'),
      npm_config_provenance: 'false',
      PATH: pathWithoutRust(),
    }

    const stage = stageMainPackage(state.tmp)
    // prepublishOnly runs `napi prepublish -t npm`: the CLI comes from this repo's devDependencies.
    const publishPath = [path.join(ROOT, 'node_modules', '.bin'), state.env.PATH].join(path.delimiter)
    // No GITHUB_REPOSITORY: no GitHub release is attempted.
    run(NPM, ['publish'], stage, { ...state.env, PATH: publishPath, GITHUB_REPOSITORY: '' })

    state.project = path.join(state.tmp, 'consumer')
    fs.mkdirSync(state.project)
    fs.writeFileSync(path.join(state.project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
    run(NPM, ['install', 'web-push-rs'], state.project, state.env)
  })

  test.after(() => {
    if (state.registry) state.registry.kill()
    if (state.tmp) fs.rmSync(state.tmp, { recursive: true, force: true })
  })

  test('the registry serves the main package with optionalDependencies on the platform packages', async () => {
    const meta = await (await fetch(`${state.url}web-push-rs`)).json()
    const { version } = require('../package.json')
    const published = meta.versions[version]
    assert.equal(published.optionalDependencies[`web-push-rs-${PLATFORM}`], version)
    const platform = await (await fetch(`${state.url}web-push-rs-${PLATFORM}`)).json()
    const manifest = platform.versions[version]
    assert.deepEqual([manifest.os, manifest.cpu, manifest.libc], [['linux'], ['x64'], ['glibc']])
    assert.equal(manifest.main, BINARY)
  })

  test('the install took the binary from the platform package, with no build step and no Rust source', (t) => {
    const modules = path.join(state.project, 'node_modules')
    const mainFiles = filesUnder(path.join(modules, 'web-push-rs'))
    assert.ok(!mainFiles.some((f) => f.endsWith('.node')), `the main package carries no binary: ${mainFiles.join(', ')}`)
    assert.deepEqual(filesUnder(path.join(modules, `web-push-rs-${PLATFORM}`)).sort(), [BINARY, 'README.md', 'package.json'].sort())
    const all = filesUnder(modules)
    const rust = all.filter((f) => /(\.rs|Cargo\.(toml|lock)|build\.rs)$/.test(f) || f.split(path.sep).includes('src'))
    assert.deepEqual(rust, [], 'no Rust source in the installed tree')
    // npm records packages that have install scripts; a build step would be one of them.
    const lock = JSON.parse(fs.readFileSync(path.join(modules, '.package-lock.json'), 'utf8'))
    const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([name]) => name)
    assert.deepEqual(withScripts, [])
    assert.deepEqual(Object.keys(lock.packages).sort(), [`node_modules/web-push-rs`, `node_modules/web-push-rs-${PLATFORM}`])
    // And there was nothing to build with.
    assert.throws(() => run('cargo', ['--version'], state.project, state.env), /ENOENT/)
    t.diagnostic(`installed size: ${bytesUnder(modules)} bytes in ${all.length} files (the consumer's node_modules)`)
  })

  // package.test.js type-checks both resolutions against the same files; one is enough here.
  consumerTests({ getProject: () => state.project, env: () => state.env, tsResolutions: ['node16'] })
})
