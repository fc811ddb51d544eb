// An independent Web Push peer written on WebCrypto (globalThis.crypto.subtle), the one crypto
// API Node, Bun and Deno all ship: RFC 8291 aes128gcm encrypt/decrypt and RFC 8292 JWT
// verification. It shares no code with web-push-rs, so our bytes are checked against it.

import { Buffer } from 'node:buffer'

const { subtle } = globalThis.crypto
const utf8 = new TextEncoder()
const P256_ECDH = { name: 'ECDH', namedCurve: 'P-256' }
const RECORD_SIZE = 4096

const fromB64u = (text) => Buffer.from(text, 'base64url')
const concat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p)))

/** HKDF-SHA-256 (extract and expand) into `length` bytes. */
async function hkdf(salt, ikm, info, length) {
  const key = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits'])
  return Buffer.from(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8))
}

/** RFC 8291 §3.4: the content encryption key and nonce from the ECDH secret. */
async function contentKeys(ecdhSecret, auth, uaPublic, asPublic, salt) {
  const ikm = await hkdf(auth, ecdhSecret, concat(utf8.encode('WebPush: info\0'), uaPublic, asPublic), 32)
  const cek = await hkdf(salt, ikm, utf8.encode('Content-Encoding: aes128gcm\0'), 16)
  const nonce = await hkdf(salt, ikm, utf8.encode('Content-Encoding: nonce\0'), 12)
  return { cek: await subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt', 'decrypt']), nonce }
}

/** The receiver's (browser's) ECDH private key from base64url `d` and its 65-byte public point. */
function importReceiverKey(privateKey, p256dh) {
  const point = fromB64u(p256dh)
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    d: privateKey,
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  }
  return subtle.importKey('jwk', jwk, P256_ECDH, false, ['deriveBits'])
}

async function ecdh(privateKey, publicRaw) {
  const publicKey = await subtle.importKey('raw', publicRaw, P256_ECDH, true, [])
  return Buffer.from(await subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256))
}

/**
 * Decrypts an RFC 8291 aes128gcm body (salt 16 | rs 4 | idlen 1 | keyid = sender key | record)
 * for the receiver `{ privateKey, p256dh, auth }` (base64url).
 */
export async function decryptAes128gcm(body, { privateKey, p256dh, auth }) {
  const bytes = Buffer.from(body)
  const salt = bytes.subarray(0, 16)
  const rs = bytes.readUInt32BE(16)
  const idlen = bytes[20]
  if (idlen !== 65) throw new Error(`RFC 8291 §4: keyid must be the 65-byte sender key, got ${idlen} bytes`)
  const asPublic = bytes.subarray(21, 21 + idlen)
  const record = bytes.subarray(21 + idlen)
  if (record.length > rs) throw new Error(`RFC 8291 §4: one record only, got ${record.length} bytes with rs ${rs}`)
  const secret = await ecdh(await importReceiverKey(privateKey, p256dh), asPublic)
  const { cek, nonce } = await contentKeys(secret, fromB64u(auth), fromB64u(p256dh), asPublic, salt)
  const padded = Buffer.from(await subtle.decrypt({ name: 'AES-GCM', iv: nonce }, cek, record))
  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end--
  if (padded[end] !== 2) throw new Error('RFC 8188 §2: the last record must end with the padding delimiter 0x02')
  return padded.subarray(0, end)
}

/** Encrypts `plaintext` for the subscription keys `{ p256dh, auth }` as a browser would receive it. */
export async function encryptAes128gcm(plaintext, { p256dh, auth }) {
  const sender = await subtle.generateKey(P256_ECDH, true, ['deriveBits'])
  const asPublic = Buffer.from(await subtle.exportKey('raw', sender.publicKey))
  const salt = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16)))
  const secret = await ecdh(sender.privateKey, fromB64u(p256dh))
  const { cek, nonce } = await contentKeys(secret, fromB64u(auth), fromB64u(p256dh), asPublic, salt)
  const record = await subtle.encrypt({ name: 'AES-GCM', iv: nonce }, cek, concat(plaintext, [2]))
  const header = Buffer.alloc(21)
  salt.copy(header)
  header.writeUInt32BE(RECORD_SIZE, 16)
  header[20] = asPublic.length
  return concat(header, asPublic, Buffer.from(record))
}

/** Verifies a compact ES256 JWT (raw r‖s signature) against a 65-byte base64url public key. */
export async function verifyJwtWebCrypto(jwt, publicKey) {
  const [header, claims, signature] = jwt.split('.')
  const key = await subtle.importKey('raw', fromB64u(publicKey), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
  const ok = await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, fromB64u(signature), utf8.encode(`${header}.${claims}`))
  return { ok, header: JSON.parse(fromB64u(header)), claims: JSON.parse(fromB64u(claims)) }
}
