//! Release storage and cluster access for the `chartroom` CLI (native only).
//!
//! - [`release`]: the release record as Helm 4 stores it, and its encoding.
//! - [`storage`]: Helm's storage drivers (Secret, ConfigMap, memory) and `Storage` operations.
#![forbid(unsafe_code)]

pub mod gojson;
pub mod gotime;
pub mod release;
pub mod storage;

pub use gotime::GoTime;
pub use release::{decode_release, encode_release, Release, Status};
