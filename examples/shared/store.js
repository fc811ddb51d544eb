'use strict'

// Push subscriptions in SQL, shared by the Express and Next.js examples. One table keyed by
// endpoint; the fan-out reads it page by page (keyset pagination on the id) straight into
// WebPush.sendMany, so no list of all subscriptions is ever held in memory, then records the
// outcome in three statements: delete the gone ones, count failures, stamp the successes.
// Embedded PGlite by default, a PostgreSQL server with DATABASE_URL (see database.js).

const { openDatabase } = require('./database.js')

// Under an advisory lock, so that several processes starting at once against one PostgreSQL
// server do not race each other creating the table.
const SCHEMA = `
BEGIN;
SELECT pg_advisory_xact_lock(8030);
CREATE TABLE IF NOT EXISTS push_subscriptions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint text NOT NULL UNIQUE,
  p256dh text NOT NULL,
  auth text NOT NULL,
  expiration_time double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_success_at timestamptz,
  failure_count integer NOT NULL DEFAULT 0
);
COMMIT;
`

const SQL = {
  // A known endpoint gets the new keys (the browser re-subscribed) and a clean failure count.
  // xmax = 0 only on a freshly inserted row: that is how the upsert says which it did.
  put: `INSERT INTO push_subscriptions (endpoint, p256dh, auth, expiration_time) VALUES ($1, $2, $3, $4)
        ON CONFLICT (endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
          expiration_time = EXCLUDED.expiration_time, failure_count = 0
        RETURNING (xmax = 0) AS created`,
  // The same upsert for many rows in one statement: arrays, one element per row.
  putMany: `INSERT INTO push_subscriptions (endpoint, p256dh, auth, expiration_time)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::double precision[])
        ON CONFLICT (endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
          expiration_time = EXCLUDED.expiration_time, failure_count = 0`,
  get: `SELECT endpoint, p256dh, auth, expiration_time, created_at, last_success_at, failure_count
        FROM push_subscriptions WHERE endpoint = $1`,
  count: 'SELECT count(*)::int AS count FROM push_subscriptions',
  delete: 'DELETE FROM push_subscriptions WHERE endpoint = ANY($1::text[])',
  // Keyset pagination: each page starts after the last id of the one before (an index seek,
  // however deep into the table), unlike OFFSET, and rows added meanwhile are not skipped.
  // (The id goes out as text, a bigint JavaScript numbers cannot always hold, named `after` so
  // that ORDER BY id is the column's numeric order, not the text's.)
  page: `SELECT id::text AS after, endpoint, p256dh, auth, expiration_time FROM push_subscriptions
         WHERE id > $1::bigint ORDER BY id LIMIT $2`,
  failed: 'UPDATE push_subscriptions SET failure_count = failure_count + 1 WHERE endpoint = ANY($1::text[])',
  // Every row the fan-out read (id up to its last one) that is not in an outcome list was sent.
  sent: `UPDATE push_subscriptions SET last_success_at = now(), failure_count = 0
         WHERE id <= $1::bigint AND NOT (endpoint = ANY($2::text[]))`,
}

/** A row → what `sendMany` and the browser's `PushSubscription.toJSON()` look like. */
function toSubscription(row) {
  return { endpoint: row.endpoint, expirationTime: row.expiration_time ?? null, keys: { p256dh: row.p256dh, auth: row.auth } }
}

/** Endpoints of the outcomes, for one `= ANY($1)` parameter. */
function endpointsOf(outcomes) {
  return outcomes.map((outcome) => outcome.endpoint)
}

/**
 * An async iterable over every subscription, `batchSize` rows per query. `lastId` is the id
 * of the last row read ('0' before the first), which `recordSend` uses.
 */
class SubscriptionCursor {
  #db
  #batchSize

  constructor(db, batchSize) {
    this.#db = db
    this.#batchSize = batchSize
    this.lastId = '0'
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      const { rows } = await this.#db.query(SQL.page, [this.lastId, this.#batchSize])
      for (const row of rows) {
        this.lastId = row.after
        yield toSubscription(row)
      }
      if (rows.length < this.#batchSize) return
    }
  }
}

class SubscriptionStore {
  #db

  /**
   * Opens the store and creates its table if missing: PostgreSQL at `databaseUrl`, else
   * PGlite with its files in `dataDir` (in memory without one).
   */
  static async open({ databaseUrl, dataDir } = {}) {
    const db = await openDatabase({ databaseUrl, dataDir })
    try {
      await db.exec(SCHEMA)
    } catch (err) {
      await db.close()
      throw err
    }
    return new SubscriptionStore(db)
  }

  constructor(db) {
    this.#db = db
  }

  /** `'pglite'` (embedded) or `'postgres'` (a server). */
  get kind() {
    return this.#db.kind
  }

  /** Adds or replaces the subscription with this endpoint; resolves `true` if it is new. */
  async put(subscription) {
    const { endpoint, expirationTime = null, keys } = subscription
    const { rows } = await this.#db.query(SQL.put, [endpoint, keys.p256dh, keys.auth, expirationTime])
    return rows[0].created
  }

  /**
   * Adds or replaces many subscriptions in one statement (an import); resolves how many rows
   * were written. An endpoint may appear only once per call.
   */
  async putMany(subscriptions) {
    if (subscriptions.length === 0) return 0
    const columns = [[], [], [], []]
    for (const { endpoint, expirationTime = null, keys } of subscriptions) {
      columns[0].push(endpoint)
      columns[1].push(keys.p256dh)
      columns[2].push(keys.auth)
      columns[3].push(expirationTime)
    }
    return (await this.#db.query(SQL.putMany, columns)).rowCount
  }

  /**
   * The subscription with this endpoint, with its bookkeeping (`createdAt`, `lastSuccessAt`
   * (null until a send succeeded), `failureCount` (sends in a row that failed or were refused)),
   * or undefined.
   */
  async get(endpoint) {
    const { rows: [row] } = await this.#db.query(SQL.get, [endpoint])
    if (!row) return undefined
    return { ...toSubscription(row), createdAt: row.created_at, lastSuccessAt: row.last_success_at, failureCount: row.failure_count }
  }

  /** How many subscriptions are stored. */
  async count() {
    return (await this.#db.query(SQL.count)).rows[0].count
  }

  /** Removes these endpoints in one statement; resolves how many were stored. */
  async delete(endpoints) {
    if (endpoints.length === 0) return 0
    return (await this.#db.query(SQL.delete, [endpoints])).rowCount
  }

  /** Every subscription as an async iterable, read `batchSize` rows at a time (see SubscriptionCursor). */
  cursor({ batchSize = 500 } = {}) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`)
    return new SubscriptionCursor(this.#db, batchSize)
  }

  /**
   * Writes down what one fan-out over `cursor` did (`report`: the BatchReport of sendMany):
   * gone subscriptions (404/410: the browser dropped them) are deleted, rejected and failed
   * ones count one more failure, the rest get `last_success_at` and a failure count of 0.
   * Resolves the endpoints deleted.
   */
  async recordSend(report, cursor) {
    const gone = endpointsOf(report.gone)
    const notSent = [...gone, ...endpointsOf(report.rejected), ...endpointsOf(report.failed)]
    await this.delete(gone)
    if (report.rejected.length + report.failed.length > 0) {
      await this.#db.query(SQL.failed, [[...endpointsOf(report.rejected), ...endpointsOf(report.failed)]])
    }
    if (report.sent > 0) await this.#db.query(SQL.sent, [cursor.lastId, notSent])
    return gone
  }

  /**
   * Sends `payload` to every stored subscription with `push.sendMany` (streamed from the
   * table) and records the outcome (`recordSend`). `options` go to sendMany (`onProgress`,
   * `signal`). Resolves `{ report, removed }`.
   */
  async sendToAll(push, payload, options) {
    const cursor = this.cursor()
    const report = await push.sendMany(cursor, payload, options)
    const removed = await this.recordSend(report, cursor)
    return { report, removed }
  }

  /** Closes the database connection (PGlite: flushes and releases its files). */
  close() {
    return this.#db.close()
  }
}

module.exports = { SubscriptionStore }
