'use strict'

// The release workflow cannot run here, so its structure is checked: it parses as YAML, builds
// every napi target on the runner that can build it, smoke-tests each build, calls only
// scripts and npm scripts that exist (the Linux jobs exactly release:build / release:verify),
// and publishes with napi prepublish and npm provenance.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
// js-yaml ships with @napi-rs/cli (a devDependency); resolved through it so hoisting does not matter.
const yaml = require(require.resolve('js-yaml', { paths: [path.dirname(require.resolve('@napi-rs/cli/package.json'))] }))
const pkg = require('../package.json')
const workflow = yaml.load(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'))

/** Every step of every job, with its job id. */
function steps() {
  return Object.entries(workflow.jobs).flatMap(([job, def]) => (def.steps || []).map((step) => ({ job, ...step })))
}

test('it runs on version tags and by hand, read-only by default', () => {
  assert.deepEqual(workflow.on.push.tags, ['v*'])
  assert.ok('workflow_dispatch' in workflow.on)
  assert.deepEqual(workflow.permissions, { contents: 'read' })
})

test('the build matrix covers exactly napi.targets, each on a runner that can build it', () => {
  const { include } = workflow.jobs.build.strategy.matrix
  assert.deepEqual(include.map((e) => e.target).sort(), [...pkg.napi.targets].sort())
  for (const { host, target, 'node-arch': nodeArch } of include) {
    if (target.includes('-linux-')) assert.equal(host, 'ubuntu-latest', target)
    else if (target.endsWith('-apple-darwin')) assert.equal(host, 'macos-latest', target)
    else if (target.endsWith('-windows-msvc')) assert.equal(host, 'windows-latest', target)
    else assert.fail(`no runner rule for ${target}`)
    // A native smoke test needs a Node of the binary's architecture (Rosetta 2 for x64 macOS).
    const expected = target.startsWith('aarch64-') && !target.includes('-linux-') ? 'arm64' : 'x64'
    assert.equal(nodeArch, expected, `${target} node-arch`)
  }
})

test('each build job builds with release:build and smoke-tests what it built', () => {
  const build = workflow.jobs.build.steps
  const runs = build.filter((s) => s.run).map((s) => s.run.trim())
  assert.ok(runs.includes('npm run release:build -- ${{ matrix.target }}'))
  const linux = build.find((s) => s.if === "runner.os == 'Linux'" && /release:verify/.test(s.run))
  assert.equal(linux.run.trim(), 'npm run release:verify -- ${{ matrix.target }}')
  const other = build.find((s) => s.if === "runner.os != 'Linux'" && /release-smoke/.test(s.run))
  assert.match(other.run, /^node scripts\/release-smoke\.js artifacts\/\$\{\{ matrix\.target \}\}\//)
  const upload = build.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))
  assert.equal(upload.with.name, 'bindings-${{ matrix.target }}')
  assert.equal(upload.with['if-no-files-found'], 'error')
})

test('the musl x64 binary is smoke-tested on Alpine', () => {
  const job = workflow.jobs['smoke-alpine']
  assert.match(job.container, /alpine/)
  assert.ok(job.steps.some((s) => /release-smoke\.js .*linux-x64-musl\.node/.test(s.run || '')))
})

test('publishing waits for every build and smoke test, then napi prepublish and npm publish --provenance', () => {
  const job = workflow.jobs.publish
  assert.deepEqual([...job.needs].sort(), Object.keys(workflow.jobs).filter((j) => j !== 'publish').sort())
  assert.equal(job.permissions['id-token'], 'write', 'provenance needs an OIDC token')
  const script = job.steps.filter((s) => s.run).map((s) => s.run).join('\n')
  assert.match(script, /npm run artifacts/)
  assert.match(script, /napi prepublish -t npm/)
  assert.match(script, /npm publish --provenance/)
  const download = job.steps.find((s) => String(s.uses).startsWith('actions/download-artifact@'))
  assert.equal(download.with.path, 'artifacts')
})

test('every script the workflow calls exists, every action is pinned to a version', () => {
  for (const step of steps()) {
    if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w.-]+@v?\d|@stable$/, `${step.job}: ${step.uses} is pinned`)
    if (!step.run) continue
    for (const [, name] of step.run.matchAll(/npm run ([\w:-]+)/g)) {
      assert.ok(pkg.scripts[name], `${step.job}: npm run ${name} is a package.json script`)
      const file = /^(?:bash|sh|node) (scripts\/[\w.-]+)/.exec(pkg.scripts[name])
      if (file) assert.ok(fs.existsSync(path.join(ROOT, file[1])), `${name} → ${file[1]} exists`)
    }
    for (const [, file] of step.run.matchAll(/(?:^|\s)(scripts\/[\w.-]+)/g)) {
      assert.ok(fs.existsSync(path.join(ROOT, file)), `${step.job}: ${file} exists`)
    }
    for (const [, cmd] of step.run.matchAll(/npx (\S+)/g)) {
      assert.equal(cmd, 'napi', `${step.job}: npx ${cmd} is a devDependency's binary`)
      assert.ok(pkg.devDependencies['@napi-rs/cli'])
    }
  }
})

test('the Linux scripts the workflow calls are the ones release:build and release:verify name', () => {
  assert.equal(pkg.scripts['release:build'], 'bash scripts/release-build.sh')
  assert.equal(pkg.scripts['release:verify'], 'bash scripts/release-verify.sh')
  const build = fs.readFileSync(path.join(ROOT, 'scripts', 'release-build.sh'), 'utf8')
  for (const helper of build.matchAll(/sh (scripts\/[\w.-]+)/g)) assert.ok(fs.existsSync(path.join(ROOT, helper[1])), helper[1])
})
