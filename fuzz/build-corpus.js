'use strict'

// Writes the seed corpora of the fuzz targets, from __test__/fixtures/ece-vectors.json:
// the RFC bodies as they are, plus messages this script encrypts itself with the same keys
// (several records, padding, aesgcm with rs, VAPID-signed requests), so that most seeds
// decrypt and the fuzzer starts past the AEAD check. Deterministic; Node built-ins only.
//
//   node fuzz/build-corpus.js [outDir]      (default: fuzz/corpus, which git ignores)
//
// The input framing of each target is described in fuzz/src/lib.rs and fuzz/README.md.

const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const assert = require('node:assert/strict')

const vectors = require('../__test__/fixtures/ece-vectors.json')

const outDir = path.resolve(process.argv[2] || path.join(__dirname, 'corpus'))

// Must match fuzz/src/lib.rs (ORIGIN, NOW).
const ORIGIN = 'https://push.example.net'
const NOW = 1_700_000_000

const b64 = (text) => Buffer.from(text, 'base64url')
const enc = (bytes) => Buffer.from(bytes).toString('base64url')
const rfc = vectors.rfc8291_appendix_a
const uaPublic = b64(rfc.ua_public_key_b64url)
const asPublic = b64(rfc.as_public_key_b64url)
const asPrivate = b64(rfc.as_private_key_b64url)
const authSecret = b64(rfc.auth_secret_b64url)
const salt = b64(rfc.salt_b64url)

const hkdf = (hkdfSalt, ikm, info, length) => Buffer.from(crypto.hkdfSync('sha256', ikm, hkdfSalt, info, length))
const text = (value) => Buffer.from(value, 'latin1')

function ecdhSecret() {
  const ecdh = crypto.createECDH('prime256v1')
  ecdh.setPrivateKey(asPrivate)
  return ecdh.computeSecret(uaPublic)
}

/** AES-128-GCM of one record; the nonce is the base nonce XOR the sequence number. */
function seal(key, baseNonce, seq, plaintext) {
  const iv = Buffer.from(baseNonce)
  for (let i = 0; i < 4; i++) iv[11 - i] ^= (seq >>> (8 * i)) & 0xff
  const cipher = crypto.createCipheriv('aes-128-gcm', key, iv)
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
}

/** RFC 8291 aes128gcm body: header, then records of `rs` bytes; `pad` zeros in the last one. */
function aes128gcm(plaintext, rs = 4096, pad = 0) {
  const ikm = hkdf(authSecret, ecdhSecret(), Buffer.concat([text('WebPush: info\0'), uaPublic, asPublic]), 32)
  const cek = hkdf(salt, ikm, text('Content-Encoding: aes128gcm\0'), 16)
  const nonce = hkdf(salt, ikm, text('Content-Encoding: nonce\0'), 12)
  const header = Buffer.alloc(21)
  salt.copy(header)
  header.writeUInt32BE(rs, 16)
  header[20] = asPublic.length
  const per = rs - 17 // data bytes in a full record (tag and delimiter take 17)
  const records = []
  for (let at = 0, seq = 0; ; seq++) {
    const data = plaintext.subarray(at, at + per)
    at += data.length
    const last = at >= plaintext.length
    const padding = last ? Buffer.alloc(Math.min(pad, per - data.length)) : Buffer.alloc(0)
    records.push(seal(cek, nonce, seq, Buffer.concat([data, Buffer.from([last ? 2 : 1]), padding])))
    if (last) break
  }
  return Buffer.concat([header, asPublic, ...records])
}

/** Legacy aesgcm body (records of `rs` plaintext bytes + tag) and its two headers. */
function aesgcm(plaintext, rs = 4096, pad = 0) {
  const ikm = hkdf(authSecret, ecdhSecret(), text('Content-Encoding: auth\0'), 32)
  const length = Buffer.from([0, 65])
  const context = Buffer.concat([text('P-256\0'), length, uaPublic, length, asPublic])
  const cek = hkdf(salt, ikm, Buffer.concat([text('Content-Encoding: aesgcm\0'), context]), 16)
  const nonce = hkdf(salt, ikm, Buffer.concat([text('Content-Encoding: nonce\0'), context]), 12)
  const records = []
  for (let at = 0, seq = 0; ; seq++) {
    const padLength = seq === 0 ? Math.min(pad, rs - 2) : 0
    const data = plaintext.subarray(at, at + rs - 2 - padLength)
    at += data.length
    const prefix = Buffer.alloc(2 + padLength)
    prefix.writeUInt16BE(padLength)
    records.push(seal(cek, nonce, seq, Buffer.concat([prefix, data])))
    if (at >= plaintext.length) break
  }
  const encryption = `salt=${enc(salt)}${rs === 4096 ? '' : `; rs=${rs}`}`
  return { body: Buffer.concat(records), encryption, cryptoKey: `dh=${enc(asPublic)}` }
}

/** A compact ES256 JWT signed with the RFC application-server key (as the library signs). */
function jwt(claims) {
  const key = crypto.createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: enc(asPrivate), x: enc(asPublic.subarray(1, 33)), y: enc(asPublic.subarray(33)) },
    format: 'jwk',
  })
  const input = `eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.${enc(JSON.stringify(claims))}`
  const signature = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `${input}.${enc(signature)}`
}

/** An HTTP-like request for push_service_checks: header lines, an empty line, the body. */
function request(headers, body = Buffer.alloc(0)) {
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\n`).join('')
  return Buffer.concat([text(`${head}\n`), body])
}

const lines = (...parts) => Buffer.concat(parts.map((p, i) => Buffer.concat([Buffer.from(p), Buffer.from(i < parts.length - 1 ? '\n' : '')])))

// Self-check: this encoder reproduces the RFC 8291 and the cross-checked aesgcm bodies.
const plaintext = Buffer.from(rfc.plaintext_utf8)
assert.deepEqual(aes128gcm(plaintext), b64(rfc.expected_body_b64url), 'aes128gcm encoder differs from RFC 8291')
assert.deepEqual(aesgcm(plaintext).body, b64(vectors.aesgcm_legacy_cross_checked.expected_body_b64url), 'aesgcm encoder differs from the fixture')

const long = Buffer.from('x'.repeat(300))
const legacy = aesgcm(plaintext)
const legacyMulti = aesgcm(long, 40, 5)
const token = jwt({ aud: ORIGIN, exp: NOW + 3600, sub: 'mailto:fuzz@example.com' })
const vapid = `vapid t=${token}, k=${enc(asPublic)}`

const seeds = {
  decrypt_aes128gcm: {
    rfc8291: b64(rfc.expected_body_b64url),
    rfc8188_single_empty_keyid: b64(vectors.rfc8188_section_3_1.expected_body_b64url),
    rfc8188_two_records_keyid_a1: b64(vectors.rfc8188_section_3_2.expected_body_b64url),
    records_rs25: aes128gcm(long, 25),
    records_rs18: aes128gcm(plaintext, 18),
    padded: aes128gcm(plaintext, 4096, 200),
    empty_plaintext: aes128gcm(Buffer.alloc(0)),
    max_plaintext: aes128gcm(Buffer.alloc(3993, 0x61)),
    header_only: b64(rfc.expected_body_b64url).subarray(0, 86),
    truncated_header: b64(rfc.expected_body_b64url).subarray(0, 40),
  },
  decrypt_aesgcm: {
    fixture: lines(legacy.encryption, legacy.cryptoKey, legacy.body),
    records_rs40_padded: lines(legacyMulti.encryption, legacyMulti.cryptoKey, legacyMulti.body),
    explicit_rs_and_vapid_key: lines(`${legacy.encryption};rs=4096`, `${legacy.cryptoKey};p256ecdsa=${enc(asPublic)}`, legacy.body),
    quoted_params: lines(`salt="${enc(salt)}"`, `keyid=p256dh, dh="${enc(asPublic)}"`, legacy.body),
    padded: (({ encryption, cryptoKey, body }) => lines(encryption, cryptoKey, body))(aesgcm(plaintext, 4096, 100)),
    missing_crypto_key: Buffer.from(`${legacy.encryption}\n`),
  },
  parse_keys: {
    rfc_receiver: lines(rfc.ua_public_key_b64url, rfc.ua_private_key_b64url, rfc.auth_secret_b64url, 'https://push.example.net/wpush/v2/abc'),
    rfc_sender_padded_std: lines(asPublic.toString('base64'), asPrivate.toString('base64'), authSecret.toString('base64'), 'http://127.0.0.1:8080/push/x'),
    identity_zero: lines(enc(Buffer.concat([Buffer.from([4]), Buffer.alloc(64)])), enc(Buffer.alloc(32)), enc(Buffer.alloc(15)), 'http://[::1]/x'),
    order_offcurve: lines(enc(Buffer.concat([asPublic.subarray(0, 64), Buffer.from([asPublic[64] ^ 1])])), enc(Buffer.alloc(32, 0xff)), enc(Buffer.alloc(17)), 'http://localhost/x'),
    compressed: lines(enc(Buffer.concat([Buffer.from([2]), asPublic.subarray(1, 33)])), 'not base64!', '', 'ftp://push.example.net/x'),
    remote_http: lines(rfc.ua_public_key_b64url, rfc.ua_private_key_b64url, rfc.auth_secret_b64url, 'http://10.0.0.1/x'),
  },
  push_service_checks: {
    aes128gcm_vapid: request({ TTL: 60, 'Content-Encoding': 'aes128gcm', Authorization: vapid, Urgency: 'high', Topic: 'news' }, b64(rfc.expected_body_b64url)),
    aesgcm_webpush: request({ TTL: 0, 'Content-Encoding': 'aesgcm', Encryption: legacy.encryption, 'Crypto-Key': `${legacy.cryptoKey};p256ecdsa=${enc(asPublic)}`, Authorization: `WebPush ${token}` }, legacy.body),
    no_body: request({ TTL: 2419200, Authorization: vapid, Urgency: 'very-low' }),
    no_vapid: request({ ttl: 10, 'content-encoding': 'aes128gcm' }, aes128gcm(plaintext, 4096, 50)),
    expired_token: request({ TTL: 60, Authorization: `vapid t=${jwt({ aud: ORIGIN, exp: NOW - 1 })}, k=${enc(asPublic)}` }),
    wrong_audience: request({ TTL: 60, Authorization: `vapid t=${jwt({ aud: 'https://other.example', exp: NOW + 60, sub: 'https://example.com' })}, k=${enc(asPublic)}` }),
    wrong_key: request({ TTL: 60, Authorization: `vapid t=${token}, k=${enc(uaPublic)}` }),
    too_large: request({ TTL: 60, 'Content-Encoding': 'aes128gcm', Authorization: vapid }, Buffer.alloc(4097)),
  },
}

let count = 0
for (const [target, files] of Object.entries(seeds)) {
  const dir = path.join(outDir, target)
  fs.mkdirSync(dir, { recursive: true })
  for (const [name, bytes] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, `seed-${name}`), bytes)
    count++
  }
}
console.log(`wrote ${count} seeds under ${path.relative(process.cwd(), outDir) || '.'}`)
