#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![deny(
  clippy::unwrap_used,
  clippy::expect_used,
  clippy::panic,
  clippy::indexing_slicing
)]
#![cfg_attr(
  test,
  allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
  )
)]

pub mod base64url;
pub mod batch_row;
pub mod client;
pub mod clock;
pub mod crypto;
pub mod declarative;
pub mod ece;
pub mod endpoint_policy;
pub mod error;
pub mod fanout;
pub mod headers;
pub mod keys;
pub mod limiter;
pub mod pool;
pub mod push_services;
pub mod request;
pub mod retry;
pub mod send;
pub mod subscription;
pub mod testing;
pub mod tls;
pub mod vapid;

#[cfg(feature = "napi")]
mod binding;

pub use error::{Error, Result};
