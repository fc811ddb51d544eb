// web-push-rs/testing: what a browser does with a push message, for your own test suites.
import type { PushSubscription } from './index'

/** The receiving side's keys: what a browser keeps for a subscription. */
export interface ReceiverKeys {
  /** The subscription's private key (base64url, 32 bytes). */
  privateKey: string
  /** The subscription's auth secret (base64url, 16 bytes). */
  auth: string
}

/**
 * Decrypts a push message body as the browser would.
 * `headers` selects the encoding (`Content-Encoding`, default `aes128gcm`); `aesgcm` also
 * needs its `Encryption` and `Crypto-Key` headers. Names are matched case-insensitively.
 * Throws `WebPushError` with `ERR_DECRYPTION_FAILED` for a tampered body or wrong keys.
 */
export declare function decrypt(
  body: Buffer | Uint8Array | ArrayBuffer,
  keys: ReceiverKeys,
  headers?: Record<string, string | number | undefined>,
): Buffer

/** A subscription as a browser would create it, with the private key a browser keeps. */
export interface GeneratedSubscription {
  /** The subscription to hand to the sender. */
  subscription: Required<Pick<PushSubscription, 'endpoint' | 'keys'>>
  /** The subscription's private key: pass it with `subscription.keys.auth` to `decrypt`. */
  privateKey: string
}

/** Creates subscription keys (P-256 pair + 16-byte auth); `endpoint` defaults to a `.invalid` URL. */
export declare function generateSubscriptionKeys(endpoint?: string): GeneratedSubscription
