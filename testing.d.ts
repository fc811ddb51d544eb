// web-push-rs/testing: what a browser does with a push message, for your own test suites.
import type { DeclarativeMessage, PushSubscription } from './index'

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

/** A verified VAPID token, as the push service saw it. */
export interface ReceivedVapid {
  /** `aud` claim (equals the service's origin). */
  aud: string
  /** `exp` claim, seconds since the epoch. */
  exp: number
  /** `sub` claim. */
  sub?: string
  /** The key that signed the token (base64url). */
  publicKey: string
}

/** A message the push service accepted and decrypted. */
export interface ReceivedMessage {
  /** The endpoint it was sent to. */
  endpoint: string
  /** The decrypted payload; absent for a subscription held by a real browser (it decrypts). */
  payload?: Buffer
  /** The payload as UTF-8 (absent with `payload`). */
  text?: string
  /** For browser-held subscriptions, the browser's ack: 100 delivered, 101 decryption failed, 102 other. */
  ack?: number
  /** Request headers, lower-case names. */
  headers: Record<string, string>
  /** `TTL`. */
  ttl: number
  /** `Urgency`, if sent. */
  urgency?: 'very-low' | 'low' | 'normal' | 'high'
  /** `Topic`, if sent. */
  topic?: string
  /** Content encoding, when the message had a body. */
  encoding?: 'aes128gcm' | 'aesgcm'
  /** The verified VAPID token, if one was sent. */
  vapid?: ReceivedVapid
  /** `HTTP/1.1` or `HTTP/2`. */
  httpVersion: string
  /**
   * Present when the payload is meant as a Declarative Web Push message (a JSON object with a
   * `web_push` member): the message checked with `declarativePayload`'s rules (snake_case keys),
   * or a string saying why it is not valid (a browser would treat it as an ordinary push).
   * Absent for browser-held subscriptions (the service cannot decrypt those).
   */
  declarative?: DeclarativeMessage | string
}

/**
 * A local RFC 8030 push service on 127.0.0.1. It checks what real push services check
 * (TTL, Content-Encoding, Urgency, Topic, VAPID signature, `aud`, `exp` ≤ 24 h, key match)
 * and answers like Mozilla's autopush: 201 (with `Location`), 400 malformed or undecryptable,
 * 401 bad/missing token, 403 wrong key, 404 unknown, 410 expired, 413 over 4096 bytes.
 */
export declare class PushService {
  private constructor()
  /** `http://127.0.0.1:PORT`, or `https://…` with `tls`. */
  readonly origin: string
  /** The bound port. */
  readonly port: number
  /** PEM of the CA that signed the TLS certificate (with `tls`); pass it as the `ca` option. */
  readonly ca?: string
  /**
   * Firefox's push WebSocket URL: set the pref `dom.push.serverURL` to it (with
   * `dom.push.testing.allowInsecureServerURL`) and the browser's `pushManager.subscribe()`
   * registers here; pushes to those endpoints are forwarded to the browser, which decrypts them
   * and acks (see `ReceivedMessage.ack`). Pushes to a disconnected browser wait for it within their TTL.
   */
  readonly webSocketUrl: string
  /** Creates a subscription as a browser would; `applicationServerKey` requires VAPID with that key. */
  subscribe(options?: { applicationServerKey?: string }): Promise<PushSubscription & { keys: { p256dh: string; auth: string } }>
  /** Accepted messages, oldest first; only those of one subscription (or endpoint) if given. */
  messages(subscriptionOrEndpoint?: PushSubscription | string): ReceivedMessage[]
  /** Makes later sends to this subscription answer 410 Gone. */
  expire(subscriptionOrEndpoint: PushSubscription | string): void
  /**
   * Makes the next requests fail. `target`: a subscription or endpoint (its next `times`
   * requests, default 1), or a count N (the next N requests to any endpoint). `fault`: answer
   * `{ status, retryAfter? }`, never answer `{ stall: true }`, drop the connection
   * `{ reset: true }`, or answer slowly `{ delayMs }`.
   */
  failNext(target: PushSubscription | string | number, fault: FaultOptions): void
  /** Request counters. */
  stats(): ServiceStats
  /** Stops the service and closes its connections. */
  close(): Promise<void>
}

/** A fault for `PushService.failNext`. */
export interface FaultOptions {
  /**
   * A failure by meaning, answered the way the service's `profile` answers it (status,
   * headers, body): e.g. `throttled` is 429 + `Retry-After` at Mozilla/FCM/Apple and 406 +
   * `X-WNS-Status: appthrottled` + `Retry-After` at Windows.
   */
  kind?: 'gone' | 'throttled' | 'too-large' | 'bad-jwt' | 'key-mismatch' | 'unavailable'
  /** Answer with this HTTP status instead of accepting. */
  status?: number
  /** `Retry-After` to send with `status` (seconds or an HTTP date), or with `kind: 'throttled'` (seconds, default 1). */
  retryAfter?: number | string
  /** How many requests (subscription targets only; default 1). */
  times?: number
  /** Never answer. */
  stall?: boolean
  /** Drop the connection without answering. */
  reset?: boolean
  /** Answer normally after this delay. */
  delayMs?: number
}

/**
 * Starts a local push service (`port` 0 or absent: a free port; `tls`: HTTPS with HTTP/2).
 * `http2: false` makes TLS clients use HTTP/1.1. `sink: true` is for benchmarks: every POST to `/push/*` gets 201, unchecked and unrecorded.
 */
export declare function startPushService(options?: PushServiceOptions): Promise<PushService>

/** Request counters of a `PushService`. */
export interface ServiceStats {
  /** POSTs received. */
  requests: number
  /** Messages accepted (201). */
  accepted: number
  /** Answers by status code. */
  byStatus: Record<string, number>
  /** TCP connections accepted. */
  connections: number
  /** Most requests in progress at once. */
  peakInFlight: number
  /** Most requests in progress at once on one connection (HTTP/2 streams). */
  peakStreamsPerConnection: number
}

/** Options of `startPushService`. */
export interface PushServiceOptions {
  /** Port on 127.0.0.1 (0 or absent: a free one). */
  port?: number
  /** HTTPS with a generated CA (`ca`), HTTP/2 by ALPN. */
  tls?: boolean
  /** Benchmarks: every POST to an endpoint gets 201, unchecked and unrecorded. */
  sink?: boolean
  /** `false`: TLS clients get HTTP/1.1 only. */
  http2?: boolean
  /**
   * Answer like this vendor's push service: its endpoint shape on the local origin
   * (`/wpush/v2/…` Mozilla, `/3/device/…` Apple, `/fcm/send/…` FCM, `/w/…` Windows), its
   * error bodies and headers, and its extra checks (Apple: subject and topic rules). A
   * loopback endpoint with one of these shapes is treated by the sender as that service
   * (reasons, buckets, guardrails); the endpoint policy treats it as any loopback endpoint.
   * Absent: a generic autopush-like service at `/push/…`.
   */
  profile?: 'mozilla' | 'apple' | 'fcm' | 'wns'
  /** Answer every request after this many milliseconds (0–60000): a service that far away. */
  latencyMs?: number
  /** `SETTINGS_MAX_CONCURRENT_STREAMS` of each HTTP/2 connection (1–10000; default 200). */
  maxConcurrentStreams?: number
  /**
   * Over capacity: a request arriving while more than `maxInFlight` are in progress is
   * answered 429 with `Retry-After: retryAfter` (seconds, default 1).
   */
  overCapacity?: { maxInFlight: number; retryAfter?: number }
}
