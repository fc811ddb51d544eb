'use strict'

// One SQL connection for the subscription store, whichever the deployment has:
// - a PostgreSQL server when a connection URL is given (DATABASE_URL), through `pg`;
// - otherwise PGlite (`@electric-sql/pglite`): PostgreSQL compiled to WebAssembly, running
//   inside this process on files in a data directory. No server, no native module.
// Both run the same PostgreSQL, so the store sends both the same SQL. Each driver is loaded
// only when it is used: an app installs the one it needs (or both).

const fsp = require('node:fs/promises')

/**
 * Opens the database. `databaseUrl` (e.g. `postgres://user:pass@host:5432/db`) wins; without
 * it, PGlite keeps its files in `dataDir` (created if missing), or in memory when `dataDir`
 * is undefined. Resolves `{ kind, query(text, params) → { rows, rowCount }, exec(sql), close() }`.
 */
async function openDatabase({ databaseUrl, dataDir } = {}) {
  return databaseUrl ? openPostgres(databaseUrl) : openPGlite(dataDir)
}

async function openPostgres(databaseUrl) {
  const { Pool } = require('pg')
  const pool = new Pool({ connectionString: databaseUrl, max: 4 })
  // Idle clients can lose their server (restart, failover): the pool drops them and
  // reconnects; without a listener the error would crash the process.
  pool.on('error', (err) => console.error(`subscription database: idle connection lost: ${err.message}`))
  try {
    await pool.query('SELECT 1')
  } catch (err) {
    await pool.end()
    // Not err.message alone: with a bad URL it can be vague; never the URL (it may hold a password).
    throw new Error(`cannot connect to the PostgreSQL server in DATABASE_URL: ${err.message}`)
  }
  return {
    kind: 'postgres',
    query: async (text, params) => {
      const result = await pool.query(text, params)
      return { rows: result.rows, rowCount: result.rowCount ?? 0 }
    },
    exec: async (sql) => {
      await pool.query(sql)
    },
    close: () => pool.end(),
  }
}

async function openPGlite(dataDir) {
  const { PGlite } = require('@electric-sql/pglite')
  // 0700: the rows hold each subscription's auth secret.
  if (dataDir !== undefined) await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 })
  // One process per data directory: PGlite is the only user of its files.
  const db = await PGlite.create(dataDir)
  return {
    kind: 'pglite',
    query: async (text, params) => {
      const result = await db.query(text, params)
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length }
    },
    exec: async (sql) => {
      await db.exec(sql)
    },
    close: () => db.close(),
  }
}

module.exports = { openDatabase }
