#![cfg_attr(test, allow(dead_code))] // #[napi] exports are only reached through Node, not from `cargo test`
//! The napi layer: thin wrappers that convert JS values, run the core, and map errors.
//!
//! Every CPU task is one `Task` struct in its own file; its sync export calls
//! `compute()` then `resolve()` on the same struct, so sync and async cannot drift.
//! Errors cross as `napi::Error` whose message is `"<CODE>: <message>"`; `index.js` turns
//! that into a `WebPushError` with `.code`.

mod client;
mod declarative;
mod decrypt;
mod encrypt;
mod keys;
mod push_service;
mod send;
mod vapid;

use napi::bindgen_prelude::{Buffer, Either};

use crate::error::Error;

impl From<Error> for napi::Error {
  fn from(err: Error) -> Self {
    napi::Error::from_reason(format!("{}: {err}", err.code()))
  }
}

/// Copies a payload into owned bytes (tasks run off the JS thread).
pub(crate) fn payload_bytes(payload: Either<String, Buffer>) -> Vec<u8> {
  match payload {
    Either::A(text) => text.into_bytes(),
    Either::B(bytes) => bytes.to_vec(),
  }
}
