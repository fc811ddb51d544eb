'use strict'

// The main job, end to end, offline: keys → subscription → encrypt + VAPID → decrypt.
const webpush = require('..')
const { generateSubscriptionKeys, decrypt } = require('../testing')

const vapid = webpush.generateVAPIDKeys()
console.log('1. VAPID keys (give publicKey to the browser as applicationServerKey)')
console.log(`   publicKey  ${vapid.publicKey}`)

const { subscription, privateKey } = generateSubscriptionKeys('https://push.example.net/demo')
console.log('2. A subscription, as the browser would hand it to your server')
console.log(`   ${JSON.stringify(subscription)}`)

const payload = JSON.stringify({ title: 'Hello from web-push-rs', body: 'Encrypted with aes128gcm' })
const { cipherText, salt, localPublicKey } = webpush.encrypt(subscription.keys.p256dh, subscription.keys.auth, payload)
console.log(`3. Encrypted ${payload.length} bytes → ${cipherText.length}-byte aes128gcm body (salt ${salt}, sender key ${localPublicKey.toString('base64url').slice(0, 16)}…)`)

const audience = new URL(subscription.endpoint).origin
const headers = webpush.getVapidHeaders(audience, 'mailto:demo@example.com', vapid.publicKey, vapid.privateKey, 'aes128gcm')
console.log(`4. VAPID header for ${audience}: Authorization: ${headers.Authorization.slice(0, 60)}…`)

const plaintext = decrypt(cipherText, { privateKey, auth: subscription.keys.auth })
console.log(`5. The browser decrypts it: ${plaintext.toString()}`)
if (plaintext.toString() !== payload) process.exit(1)
