'use strict'

// The browser side of the examples: public/app.js (the page script) and public/sw.js (the
// service worker). Express serves the directory; the Next.js example serves each file from a
// route handler through `readBrowserFile`.

const fsp = require('node:fs/promises')
const path = require('node:path')

/** The directory holding app.js and sw.js. */
const browserDir = path.join(__dirname, 'public')

const names = new Set(['app.js', 'sw.js'])

/** The bytes of `app.js` or `sw.js`. */
function readBrowserFile(name) {
  if (!names.has(name)) throw new RangeError(`no browser file named ${name}: app.js or sw.js`)
  return fsp.readFile(path.join(browserDir, name))
}

module.exports = { browserDir, readBrowserFile }
