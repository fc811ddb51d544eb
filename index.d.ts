// web-push-rs: drop-in replacement for npm `web-push` 3.6.x, on a Rust core.

/** A push subscription as the browser's `PushSubscription.toJSON()` gives it. */
export interface PushSubscription {
  /** The push service URL to POST messages to. */
  endpoint: string
  /** base64url keys; required to send a payload. */
  keys?: {
    /** The user agent's P-256 public key (65 bytes, base64url). */
    p256dh: string
    /** The 16-byte auth secret (base64url). */
    auth: string
  }
  /** Ignored; browsers include it. */
  expirationTime?: number | null
}

/** The two content encodings push services accept. */
export type ContentEncoding = 'aes128gcm' | 'aesgcm'
/** RFC 8030 urgency values. */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high'

/** `{ AES_GCM: 'aesgcm', AES_128_GCM: 'aes128gcm' }` (as web-push). */
export declare const supportedContentEncodings: Readonly<{ AES_GCM: 'aesgcm'; AES_128_GCM: 'aes128gcm' }>
/** `{ VERY_LOW, LOW, NORMAL, HIGH }` (as web-push). */
export declare const supportedUrgency: Readonly<{ VERY_LOW: 'very-low'; LOW: 'low'; NORMAL: 'normal'; HIGH: 'high' }>
/** The longest payload, in bytes, one aes128gcm push message carries (3993; 4078 with aesgcm). */
export declare const MAX_PAYLOAD_BYTES: number

/**
 * The one error class. Validation errors carry a stable `code` (e.g. `ERR_INVALID_P256DH`)
 * and a message naming the field and the rule; HTTP failures also carry `statusCode`,
 * `headers`, `body` and `endpoint` (as web-push's `WebPushError`).
 * Wrong argument types throw `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'` instead.
 */
export declare class WebPushError extends Error {
  constructor(
    message: string,
    statusCode?: number,
    headers?: Record<string, string | string[]>,
    body?: string,
    endpoint?: string,
    code?: string,
  )
  /** HTTP status of the push service's answer, when there was one. */
  statusCode?: number
  /** Response headers, when there was a response. */
  headers?: Record<string, string | string[]>
  /** Response body, when there was a response. */
  body?: string
  /** The subscription endpoint the request went to. */
  endpoint?: string
  /** Stable error code, e.g. `ERR_INVALID_AUTH`, `ERR_PAYLOAD_TOO_LARGE`. */
  code?: string
  /**
   * For an HTTP failure: the push service's own reason, when its answer carries one (Apple's
   * `{"reason"}` such as `BadJwtToken`; Mozilla's `errno 109: VAPID public key mismatch`;
   * FCM's well-known texts as `VapidKeyMismatch`, `Unregistered`, …; Windows' `X-WNS-*` headers).
   */
  reason?: string
  /** For an HTTP failure from Mozilla autopush: its `errno`. */
  errno?: number
  /** For an HTTP failure: what the answer means (status, reason; for a VAPID key mismatch, what to check). */
  detail?: string
}

/** A VAPID key pair, base64url without padding. */
export interface VapidKeys {
  /** 65-byte uncompressed P-256 public key: the browser's `applicationServerKey`. */
  publicKey: string
  /** 32-byte private key: keep it secret. */
  privateKey: string
}

/** The headers that carry a VAPID token. */
export interface VapidHeaders {
  /** `vapid t=<jwt>, k=<key>` (aes128gcm) or `WebPush <jwt>` (aesgcm). */
  Authorization: string
  /** `p256ecdsa=<key>`; aesgcm only. */
  'Crypto-Key'?: string
}

/** What `encrypt` returns (as web-push). */
export interface EncryptResult {
  /** The sender's ephemeral public key (65 bytes). */
  localPublicKey: Buffer
  /** The 16-byte salt, base64url. */
  salt: string
  /** The request body. */
  cipherText: Buffer
}

/**
 * Sets the VAPID details used by later sends (`null` alone clears them).
 * Validates the subject (`mailto:`/`https:`), both keys (lengths, on the curve, non-zero)
 * and that the public key belongs to the private key; throws `WebPushError` otherwise.
 */
export declare function setVapidDetails(subject: string, publicKey: string, privateKey: string): void
export declare function setVapidDetails(reset: null): void

/** Sets the legacy GCM API key (or clears it with `null`). */
export declare function setGCMAPIKey(apiKey: string | null): void

/** Generates a VAPID key pair. */
export declare function generateVAPIDKeys(): VapidKeys
/** Like `generateVAPIDKeys`, off the event loop. */
export declare function generateVAPIDKeysAsync(): Promise<VapidKeys>

/**
 * Signs a VAPID JWT (ES256) and returns the headers for `contentEncoding` (default `aes128gcm`).
 * @param audience the push service origin, e.g. `https://fcm.googleapis.com`
 * @param subject `mailto:` or `https:` contact URL
 * @param expiration seconds since the epoch; default 12 hours ahead, at most 24 hours
 */
export declare function getVapidHeaders(
  audience: string,
  subject: string,
  publicKey: string,
  privateKey: string,
  contentEncoding?: ContentEncoding,
  expiration?: number,
): VapidHeaders
/** Like `getVapidHeaders`, off the event loop. */
export declare function getVapidHeadersAsync(
  audience: string,
  subject: string,
  publicKey: string,
  privateKey: string,
  contentEncoding?: ContentEncoding,
  expiration?: number,
): Promise<VapidHeaders>

/**
 * Encrypts `payload` for a subscription (fresh ephemeral key and salt per call).
 * Throws `ERR_PAYLOAD_TOO_LARGE` above 3993 bytes (aes128gcm) / 4078 bytes (aesgcm).
 */
export declare function encrypt(
  userPublicKey: string,
  userAuth: string,
  payload: string | Buffer | Uint8Array,
  contentEncoding?: ContentEncoding,
): EncryptResult
/** Like `encrypt`, off the event loop. */
export declare function encryptAsync(
  userPublicKey: string,
  userAuth: string,
  payload: string | Buffer | Uint8Array,
  contentEncoding?: ContentEncoding,
): Promise<EncryptResult>

/** VAPID identity for one request (overrides `setVapidDetails`; a falsy value disables VAPID). */
export interface VapidDetails {
  /** `mailto:` or `https:` contact URL. */
  subject: string
  /** VAPID public key (base64url, 65 bytes). */
  publicKey: string
  /** VAPID private key (base64url, 32 bytes). */
  privateKey: string
}

/** A proxy as web-push accepts it: a URL string or `{ host, port?, protocol?, auth? }`. */
export type ProxyOption = string | { host: string; port?: number | string; protocol?: string; auth?: string }

/** Options of `generateRequestDetails` / `sendNotification` (web-push's, plus `ca`). Unknown keys throw. */
export interface RequestOptions {
  /** Extra request headers; a name may not repeat a top-level option (e.g. `TTL`). */
  headers?: Record<string, string | number>
  /** Legacy GCM/FCM server key. */
  gcmAPIKey?: string
  /** VAPID identity (default: the one given to `setVapidDetails`); `null`/`false` sends without VAPID. */
  vapidDetails?: VapidDetails | null | false
  /** Seconds the push service keeps the message; non-negative integer, default 2419200 (4 weeks). */
  TTL?: number | string
  /** `aes128gcm` (default) or `aesgcm`. */
  contentEncoding?: ContentEncoding
  /** Delivery urgency, default `normal`. */
  urgency?: Urgency
  /** Replaces an undelivered message with the same topic; ≤ 32 base64url characters. */
  topic?: string
  /** Send through this HTTP(S) proxy. */
  proxy?: ProxyOption
  /** Not supported (a Node agent cannot drive the Rust HTTP stack): passing one throws `ERR_UNSUPPORTED_OPTION`; use `proxy` / `ca`. */
  agent?: never
  /** Total request timeout in milliseconds (default 60000; web-push has none). */
  timeout?: number
  /** Extra trusted CA certificates (PEM), added to the system roots and `NODE_EXTRA_CA_CERTS`. */
  ca?: string | Buffer | Array<string | Buffer>
}

/** What `generateRequestDetails` returns (as web-push). */
export interface RequestDetails {
  method: 'POST'
  /** Headers in web-push's order; `TTL` and `Content-Length` are numbers, as in web-push. */
  headers: Record<string, string | number>
  /** The encrypted body, or `null` without payload. */
  body: Buffer | null
  /** The subscription endpoint. */
  endpoint: string
  /** Echo of `options.proxy`, when given. */
  proxy?: ProxyOption
  /** Echo of `options.timeout`, when given. */
  timeout?: number
}

/** A 2xx answer of the push service. */
export interface SendResult {
  /** HTTP status (201 from most push services). */
  statusCode: number
  /** Response body text. */
  body: string
  /** Response headers (lower-case names). */
  headers: Record<string, string>
}

/**
 * Builds the push request (encrypting `payload`, signing VAPID) without sending it.
 * `endpoint` must be `https:` (or `http:` to a loopback host, for tests).
 */
export declare function generateRequestDetails(
  subscription: PushSubscription,
  payload?: string | Buffer | Uint8Array | null,
  options?: RequestOptions,
): RequestDetails

/**
 * Sends a push message. Resolves on 2xx; rejects with `WebPushError` for any other status
 * (`code: 'ERR_UNEXPECTED_STATUS'`, with `statusCode`, `headers`, `body`, `endpoint`; 404/410
 * mean the subscription is gone), for a timeout (`ERR_TIMEOUT`), a network failure
 * (`ERR_NETWORK`) or invalid input. Never throws synchronously.
 */
export declare function sendNotification(
  subscription: PushSubscription,
  payload?: string | Buffer | Uint8Array | null,
  options?: RequestOptions,
): Promise<SendResult>

/** `new WebPush(options)` settings. Unknown keys throw `ERR_INVALID_OPTION`. */
export interface WebPushOptions {
  /** VAPID identity used for every message (recommended; most push services require it). */
  vapid?: VapidDetails
  /** Default TTL in seconds (default 2419200). */
  ttl?: number
  /** Default urgency (default `normal`). */
  urgency?: Urgency
  /** Default content encoding (default `aes128gcm`). */
  contentEncoding?: ContentEncoding
  /** Timeout per attempt in milliseconds (default 60000). */
  timeoutMs?: number
  /**
   * Targets in progress at once in `sendMany`. `'auto'` (default): every push-service origin
   * gets its own queue and an adaptive limit (AIMD with slow start: grows from 300 while
   * answers come back near their fastest, cut on 429, 5xx, Windows' 406 throttle, timeouts
   * and connection resets to 0.9× what the service completed in the last round trip, and
   * held just below the level it refused while its `Retry-After` runs), so a slow or
   * throttling service does not hold back the others. A number (1–10000) keeps exactly that many in progress, whatever their origins.
   */
  concurrency?: 'auto' | number
  /** With `concurrency: 'auto'`, targets in progress at most, all origins together (default 5000). */
  maxConcurrency?: number
  /**
   * HTTP/2 connections per push-service origin at most (1–256, default 32). A connection is
   * added only when every open one has all the streams its server allows in use.
   */
  maxConnectionsPerOrigin?: number
  /**
   * Retries of 429 (honouring `Retry-After`), 408, 5xx and network errors, with jittered
   * exponential backoff, never past the message TTL. Default `{ attempts: 3, maxDelayMs: 10000 }`;
   * `false` disables retries. A `Retry-After` above `maxDelayMs` ends the retries.
   */
  retry?: { attempts?: number; maxDelayMs?: number } | false
  /** Send through this HTTP(S) proxy URL. */
  proxy?: string
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer | Array<string | Buffer>
  /**
   * Which endpoints may be contacted (protection against SSRF through user-submitted
   * subscriptions): `'https'` (default: any https, http only to loopback), `'push-services'`
   * (only FCM `fcm.googleapis.com`, Mozilla `*.push.services.mozilla.com`, Apple
   * `*.push.apple.com`, Windows `*.notify.windows.com`), or a function of the parsed URL that
   * returns `true` to allow. Refused targets are rejected with `ERR_ENDPOINT_NOT_ALLOWED`, never sent.
   */
  endpointPolicy?: 'https' | 'push-services' | ((endpoint: URL) => boolean)
}

/** Per-message overrides of the client defaults. */
export interface MessageOptions {
  /** TTL in seconds. */
  ttl?: number
  /** Urgency. */
  urgency?: Urgency
  /** Topic (≤ 32 base64url characters). */
  topic?: string
  /** Content encoding. */
  contentEncoding?: ContentEncoding
  /** Extra headers. */
  headers?: Record<string, string | number>
}

/** One item of `sendMany`: a subscription, or a subscription with its own payload/options. */
export type SendTarget =
  | PushSubscription
  | { subscription: PushSubscription; payload?: string | Buffer | Uint8Array | null; options?: MessageOptions }

/** What happened to one target that was not sent. */
export interface Outcome {
  /** The subscription endpoint. */
  endpoint: string
  /** Position of the target in the input. */
  index: number
  /** Last HTTP status, when the push service answered. */
  statusCode?: number
  /** Attempts made (0: rejected before sending). */
  attempts: number
  /** The last `Retry-After` in milliseconds, when one was given. */
  retryAfterMs?: number
  /** `ERR_UNEXPECTED_STATUS` for HTTP answers, `ERR_TIMEOUT`, `ERR_NETWORK`, `ERR_ABORTED`, or a validation code. */
  code?: string
  /** What went wrong. */
  message?: string
  /** Last response body. */
  body?: string
  /** The push service's own reason for its answer (see `WebPushError.reason`). */
  reason?: string
  /** Mozilla autopush's `errno`. */
  errno?: number
}

/** A final outcome as `onOutcome` receives it: every kind, `sent` included. */
export interface StreamedOutcome extends Outcome {
  /** The bucket this target landed in. */
  kind: 'sent' | 'gone' | 'rejected' | 'failed'
}

/** Options of `WebPush.sendMany`. */
export interface SendManyOptions {
  /** Called with counters at most 10 times a second, and once at the end. */
  onProgress?: (progress: BatchProgress) => void
  /**
   * Called with each final outcome soon after it happens (in arrays, about 10 times a second),
   * so a caller can record progress durably. Calls run one after another; a returned promise
   * is awaited, and `sendMany` resolves only after the last call settled. If it throws or
   * rejects, the batch is aborted and `sendMany` rejects with that error.
   */
  onOutcome?: (outcomes: StreamedOutcome[]) => void | Promise<void>
  /** Stops new sends; in-flight ones finish, the rest fail with `ERR_ABORTED`. */
  signal?: AbortSignal
}

/** Counters passed to `onProgress` (at most 10 times a second, and once at the end). */
export interface BatchProgress {
  /** Targets with an outcome. */
  done: number
  /** Number of targets, when known (arrays). */
  total?: number
  sent: number
  gone: number
  rejected: number
  failed: number
  /** Targets in progress now (sending, or waiting to retry). */
  inFlight: number
  /** With `concurrency: 'auto'`: each push-service origin's adaptive limit and load. */
  origins: OriginProgress[]
}

/** One push-service origin in `BatchProgress.origins`. */
export interface OriginProgress {
  /** `scheme://host[:port]`. */
  origin: string
  /** Targets in progress. */
  inFlight: number
  /** Its current limit. */
  limit: number
  /** Targets waiting for it. */
  queued: number
}

/** The result of `sendMany`: every target is counted in `sent` or listed in exactly one list. */
export interface BatchReport {
  /** Targets consumed. */
  total: number
  /** Targets the push service accepted (2xx). */
  sent: number
  /** 404/410: delete these subscriptions. */
  gone: Outcome[]
  /** 400/401/403/413 and other refusals, and invalid subscriptions (never sent): fix the request. */
  rejected: Outcome[]
  /** Network errors, timeouts, 429/5xx after retries, and targets skipped by an abort (`ERR_ABORTED`). */
  failed: Outcome[]
  /** Wall time in milliseconds. */
  durationMs: number
}

/** Rejection of `WebPush.send`: a `WebPushError` with the outcome's details. */
export interface SendError extends WebPushError {
  /** `gone`, `rejected` or `failed`. */
  outcome?: 'gone' | 'rejected' | 'failed'
  /** Attempts made. */
  attempts?: number
  /** The last `Retry-After` in milliseconds. */
  retryAfterMs?: number
}

/**
 * A configured push client: one connection pool (HTTP/2 where offered), VAPID signed once per
 * audience and reused, retries, and fan-out. All per-message work runs in Rust off the event loop.
 */
export declare class WebPush {
  constructor(options?: WebPushOptions)
  /** Sends one message with retries. Resolves on 2xx; rejects `WebPushError` (see `SendError`). */
  send(subscription: PushSubscription, payload?: string | Buffer | Uint8Array | null, options?: MessageOptions): Promise<SendResult>
  /**
   * Sends `payload` (or each target's own) to every target (see `concurrency`). Targets
   * are consumed as a stream (arrays or async iterables of any length, bounded memory). Never
   * rejects because of one subscriber. `signal` stops new sends (in-flight ones finish; the
   * rest are reported as failed with `ERR_ABORTED`).
   */
  sendMany(
    targets: Iterable<SendTarget> | AsyncIterable<SendTarget>,
    payload?: string | Buffer | Uint8Array | null,
    options?: SendManyOptions,
  ): Promise<BatchReport>
  /** Encrypts for one subscription, off the event loop, with the client's content encoding. */
  encrypt(subscription: PushSubscription, payload: string | Buffer | Uint8Array): Promise<EncryptResult>
  /** Releases the client; later calls reject with `ERR_CLIENT_CLOSED`. */
  close(): Promise<void>
}

/** An action button of a declarative notification. */
export interface DeclarativeAction {
  /** The action's id (non-empty). */
  action: string
  /** The button label (non-empty). */
  title: string
  /** The page opened when the button is clicked: an absolute `http(s):` URL. */
  navigate: string
  /** Button icon URL. */
  icon?: string
}

/**
 * The `notification` of a Declarative Web Push message (W3C Push API). camelCase
 * `requireInteraction` is accepted and sent as the spec's `require_interaction`. Unknown keys
 * are an error (`ERR_INVALID_NOTIFICATION`); so is `app_badge` here (it is a top-level member:
 * pass `appBadge` in the options).
 */
export interface DeclarativeNotification {
  /** Required, non-empty. */
  title: string
  /** Required: the page opened on a click, an absolute `http(s):` URL. */
  navigate: string
  /** Text direction. */
  dir?: 'auto' | 'ltr' | 'rtl'
  /** BCP 47 language tag. */
  lang?: string
  /** Body text. */
  body?: string
  /** Replaces an earlier notification with the same tag. */
  tag?: string
  /** Image URL (absolute). */
  image?: string
  /** Icon URL (absolute). */
  icon?: string
  /** Badge URL (absolute). */
  badge?: string
  /** Vibration pattern: non-negative integers, milliseconds. */
  vibrate?: number[]
  /** Milliseconds since the epoch, a non-negative integer (e.g. `Date.now()`). */
  timestamp?: number
  /** Alert again when replacing a notification with the same tag (needs a non-empty `tag`). */
  renotify?: boolean
  /** No sound or vibration (not with `vibrate`). */
  silent?: boolean
  /** Stays until the user acts on it. */
  requireInteraction?: boolean
  /** The same as `requireInteraction` (the spec's spelling); give only one of them. */
  require_interaction?: boolean
  /** Any JSON value, handed to the page or service worker. */
  data?: unknown
  /** Action buttons. */
  actions?: DeclarativeAction[]
}

/** Top-level members of a declarative push message. */
export interface DeclarativePayloadOptions {
  /** The app badge count, a non-negative integer (sent as the top-level `app_badge`). */
  appBadge?: number
  /** The same as `appBadge` (the spec's spelling); give only one of them. */
  app_badge?: number
  /** `true`: a supporting browser also wakes the service worker, which may change the notification. */
  mutable?: boolean
}

/** A declarative push message as sent (and as `web-push-rs/testing` shows a received one). */
export interface DeclarativeMessage {
  web_push: 8030
  notification: Omit<DeclarativeNotification, 'requireInteraction' | 'require_interaction'> & { require_interaction?: boolean }
  app_badge?: number
  mutable?: boolean
}

/**
 * Builds a Declarative Web Push payload (Safari 18.4+ shows it without a service worker;
 * other browsers deliver it to the service worker as an ordinary push): the JSON text
 * `{"web_push":8030,"notification":{…},"app_badge"?:n,"mutable"?:b}` with the spec's
 * snake_case keys. Throws `WebPushError` `ERR_INVALID_NOTIFICATION` naming the field and the
 * rule, or `ERR_PAYLOAD_TOO_LARGE` above 3993 bytes. Send it as any payload.
 */
export declare function declarativePayload(
  notification: DeclarativeNotification,
  options?: DeclarativePayloadOptions,
): string

declare const webpush: {
  WebPushError: typeof WebPushError
  supportedContentEncodings: typeof supportedContentEncodings
  supportedUrgency: typeof supportedUrgency
  MAX_PAYLOAD_BYTES: typeof MAX_PAYLOAD_BYTES
  setVapidDetails: typeof setVapidDetails
  setGCMAPIKey: typeof setGCMAPIKey
  generateVAPIDKeys: typeof generateVAPIDKeys
  generateVAPIDKeysAsync: typeof generateVAPIDKeysAsync
  getVapidHeaders: typeof getVapidHeaders
  getVapidHeadersAsync: typeof getVapidHeadersAsync
  encrypt: typeof encrypt
  encryptAsync: typeof encryptAsync
  generateRequestDetails: typeof generateRequestDetails
  sendNotification: typeof sendNotification
  WebPush: typeof WebPush
  declarativePayload: typeof declarativePayload
}
export default webpush
