'use strict'

// `ca` works like Node's: certificates made by the openssl CLI (in a temp dir), served by a
// Node https server on 127.0.0.1; each case is also tried with Node's own https client and
// the same `ca`, and web-push-rs must agree with it.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const https = require('node:https')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const webpush = require('..')
const { expectError } = require('./helpers.js')

const { WebPushError, WebPush } = webpush

let dir
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
const read = (file) => fs.readFileSync(path.join(dir, file), 'utf8')

// Extensions by name; `openssl ca` signs with exact dates (the expired case).
const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[ca]
default_ca = self
[self]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[ca_true]
basicConstraints = critical,CA:TRUE
subjectAltName = DNS:localhost,IP:127.0.0.1
[ca_false]
basicConstraints = critical,CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
[wrong_host]
basicConstraints = critical,CA:TRUE
subjectAltName = DNS:push.example.com
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[leaf]
basicConstraints = critical,CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
`

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

/** A self-signed certificate with the extensions of config section `section`. */
function selfSigned(name, section, subject = '/CN=localhost') {
  openssl('req', '-x509', '-config', 'openssl.cnf', '-extensions', section, ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject)
  return { key: read(`${name}.key`), cert: read(`${name}.pem`) }
}

const certs = {}

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wprs-ca-'))
  fs.writeFileSync(path.join(dir, 'openssl.cnf'), CONFIG)
  fs.writeFileSync(path.join(dir, 'index.txt'), '')
  fs.writeFileSync(path.join(dir, 'serial'), '01\n')
  // The common command, with OpenSSL's own default configuration (it marks the certificate CA:TRUE).
  openssl('req', '-x509', ...EC, '-keyout', 'plain.key', '-out', 'plain.pem', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1')
  certs.plain = { key: read('plain.key'), cert: read('plain.pem') }
  certs.caTrue = selfSigned('ca-true', 'ca_true')
  certs.caFalse = selfSigned('ca-false', 'ca_false')
  certs.wrongHost = selfSigned('wrong-host', 'wrong_host')
  certs.stranger = selfSigned('stranger', 'ca_true')
  // Expired: valid for one day in 2020.
  openssl('req', '-new', '-config', 'openssl.cnf', ...EC, '-keyout', 'expired.key', '-out', 'expired.csr')
  openssl('ca', '-batch', '-config', 'openssl.cnf', '-selfsign', '-keyfile', 'expired.key', '-in', 'expired.csr', '-out', 'expired.pem',
    '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extensions', 'ca_true', '-notext')
  certs.expired = { key: read('expired.key'), cert: read('expired.pem') }
  // A root and a leaf it signed: the ordinary chain.
  const root = selfSigned('root', 'root', '/CN=web-push-rs test root')
  openssl('req', '-new', '-config', 'openssl.cnf', ...EC, '-keyout', 'leaf.key', '-out', 'leaf.csr')
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'openssl.cnf', '-extensions', 'leaf', '-out', 'leaf.pem')
  certs.leaf = { key: read('leaf.key'), cert: read('leaf.pem'), root: root.cert }
})

test.after(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Runs `fn(origin)` against a Node https server presenting `key`/`cert`, answering 201. */
async function withServer({ key, cert }, fn) {
  const server = https.createServer({ key, cert }, (req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(201)
      res.end()
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    return await fn(server.address().port)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

/** What Node's own https client does with the same `ca`: 'ok' or the error code. */
function nodeOutcome(host, port, ca) {
  return new Promise((resolve) => {
    const req = https.request({ host: '127.0.0.1', servername: host === '127.0.0.1' ? undefined : host, port, path: '/push/x', method: 'POST', ca, agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode === 201 ? 'ok' : `status ${res.statusCode}`)
    })
    req.on('error', (err) => resolve(err.code))
    req.end()
  })
}

/** sendNotification without payload or VAPID to `host:port` trusting `ca`. */
function send(host, port, ca) {
  return webpush.sendNotification({ endpoint: `https://${host}:${port}/push/x` }, null, { ca, vapidDetails: null, timeout: 10000 })
}

test('openssl req -x509 with the default config: marked CA:TRUE, accepted as ca (as Node does)', async () => {
  assert.equal(new crypto.X509Certificate(certs.plain.cert).ca, true)
  await withServer(certs.plain, async (port) => {
    assert.equal(await nodeOutcome('127.0.0.1', port, certs.plain.cert), 'ok')
    assert.equal((await send('127.0.0.1', port, certs.plain.cert)).statusCode, 201)
    assert.equal((await send('localhost', port, certs.plain.cert)).statusCode, 201)
  })
})

test('self-signed with CA:TRUE and with CA:FALSE: both accepted, through sendNotification and WebPush', async () => {
  assert.equal(new crypto.X509Certificate(certs.caTrue.cert).ca, true)
  assert.equal(new crypto.X509Certificate(certs.caFalse.cert).ca, false)
  for (const pair of [certs.caTrue, certs.caFalse]) {
    await withServer(pair, async (port) => {
      assert.equal(await nodeOutcome('127.0.0.1', port, pair.cert), 'ok')
      assert.equal((await send('127.0.0.1', port, pair.cert)).statusCode, 201)
      const push = new WebPush({ ca: [Buffer.from(pair.cert)], retry: false })
      try {
        assert.equal((await push.send({ endpoint: `https://127.0.0.1:${port}/push/x` }, null)).statusCode, 201)
      } finally {
        await push.close()
      }
    })
  }
})

test('an expired certificate fails with ERR_NETWORK saying it expired (Node: CERT_HAS_EXPIRED)', async () => {
  await withServer(certs.expired, async (port) => {
    assert.equal(await nodeOutcome('127.0.0.1', port, certs.expired.cert), 'CERT_HAS_EXPIRED')
    await expectError(assert, () => send('127.0.0.1', port, certs.expired.cert), WebPushError, 'ERR_NETWORK', /expired/)
  })
})

test('a certificate for another host name fails with ERR_NETWORK naming the host (Node: ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
  await withServer(certs.wrongHost, async (port) => {
    assert.equal(await nodeOutcome('127.0.0.1', port, certs.wrongHost.cert), 'ERR_TLS_CERT_ALTNAME_INVALID')
    await expectError(assert, () => send('127.0.0.1', port, certs.wrongHost.cert), WebPushError, 'ERR_NETWORK', /not valid for name.*127\.0\.0\.1/)
    await expectError(assert, () => send('localhost', port, certs.wrongHost.cert), WebPushError, 'ERR_NETWORK', /not valid for name.*localhost/)
  })
})

test('a self-signed certificate that is not one of the ca certificates is refused', async () => {
  await withServer(certs.stranger, async (port) => {
    assert.equal(await nodeOutcome('127.0.0.1', port, certs.caTrue.cert), 'DEPTH_ZERO_SELF_SIGNED_CERT')
    await expectError(assert, () => send('127.0.0.1', port, certs.caTrue.cert), WebPushError, 'ERR_NETWORK', /invalid peer certificate/)
  })
})

test('a leaf signed by the ca root: full chain validation, as before; the leaf alone is not enough', async () => {
  await withServer(certs.leaf, async (port) => {
    assert.equal(await nodeOutcome('127.0.0.1', port, certs.leaf.root), 'ok')
    assert.equal((await send('127.0.0.1', port, certs.leaf.root)).statusCode, 201)
    // The leaf alone is not a trust anchor: it is not self-issued (Node agrees).
    assert.equal(await nodeOutcome('127.0.0.1', port, certs.leaf.cert), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    await expectError(assert, () => send('127.0.0.1', port, certs.leaf.cert), WebPushError, 'ERR_NETWORK', /UnknownIssuer/)
  })
})
