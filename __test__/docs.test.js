'use strict'

// Docs cannot drift: the README's API reference, the typings and the runtime exports name
// the same things, and every error code the code can produce is documented.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const read = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8')
const readme = read('README.md')

/** Names declared with `export declare function|class|const` in a .d.ts file. */
function declared(file) {
  return [...read(file).matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1])
}

for (const [entry, typings] of [['index.js', 'index.d.ts'], ['testing.js', 'testing.d.ts']]) {
  test(`${entry}: runtime exports, ${typings} and the README agree`, () => {
    const runtime = Object.keys(require(path.join(ROOT, entry))).filter((k) => k !== 'default' && k !== 'PushService')
    const types = [...new Set(declared(typings))]
    assert.deepEqual([...runtime].sort(), types.filter((t) => t !== 'PushService').sort(), `${entry} exports vs ${typings} declarations`)
    for (const name of runtime) assert.ok(readme.includes(`\`${name}`), `README documents ${name}`)
  })
}

test('WebPush and PushService methods: typings, runtime and README agree', async () => {
  const { WebPush } = require('..')
  const { PushService } = require('../testing')
  const methods = (cls) => Object.getOwnPropertyNames(cls.prototype).filter((m) => m !== 'constructor').sort()
  const typed = (file, cls) => {
    const body = read(file).split(`export declare class ${cls} {`)[1].split('\n}')[0]
    return [...body.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]).filter((m) => m !== 'constructor').sort()
  }
  assert.deepEqual(methods(WebPush), typed('index.d.ts', 'WebPush'))
  assert.deepEqual(methods(PushService), typed('testing.d.ts', 'PushService'))
  for (const m of methods(WebPush)) assert.ok(readme.includes(`push.${m}(`), `README documents push.${m}`)
  for (const m of methods(PushService)) assert.ok(readme.includes(`service.${m}(`), `README documents service.${m}`)
})

test('every error code in the code is in the README table', () => {
  const sources = ['src/error.rs', 'src/client.rs', 'lib/errors.js', 'lib/args.js', 'lib/client.js', 'src/binding/send.rs', 'src/binding/client.rs', 'index.js', 'testing.js']
  const codes = new Set(sources.flatMap((file) => [...read(file).matchAll(/ERR_[A-Z0-9_]+/g)].map((m) => m[0])))
  assert.ok(codes.size > 20)
  for (const code of codes) assert.match(readme, new RegExp(`\\| \`${code}\` \\|`), `README lists ${code}`)
})
