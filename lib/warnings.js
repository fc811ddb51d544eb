'use strict'

// Process warnings for VAPID subjects that some push service will refuse. The rule lives in
// Rust (src/push_services.rs); this only makes sure each subject is warned about once.

const binding = require('./native.js')

const warned = new Set()

/** Emits one `process.emitWarning` per subject that Apple's push service refuses. */
function warnAboutSubject(subject) {
  if (warned.has(subject)) return
  warned.add(subject)
  const warning = binding.appleSubjectWarning(subject)
  if (warning) process.emitWarning(warning, { type: 'WebPushWarning', code: 'WEBPUSH_APPLE_SUBJECT' })
}

module.exports = { warnAboutSubject }
