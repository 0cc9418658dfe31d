//! Release storage and cluster access for the `chartroom` CLI (native only).
//!
//! - [`release`]: the release record as Helm 4 stores it, and its encoding.
//! - [`storage`]: Helm's storage drivers (Secret, ConfigMap, memory) and `Storage` operations.
//! - [`cluster`]: kubeconfig, namespace, discovery and Capabilities of the target cluster.
//! - [`resources`]: manifest objects and their server-side apply, reads and deletes.
//! - [`content`]: what a render contributes to a release record.
//! - [`action`]: install, upgrade, rollback, uninstall (with hooks and `--wait`).
//! - [`diff`]: what an upgrade would change, against the stored release and the live objects.
//! - [`recover`]: clears a release stuck in `pending-*` after a crash, safely.
//! - [`printer`]: Helm's outputs for releases (status block, history, list).
//! - [`status_resources`]: the RESOURCES section of `status` (the server's tables).
//! - [`progress`]: the live per-resource display while `--wait` waits.
#![forbid(unsafe_code)]

pub mod action;
pub mod cluster;
pub mod diff;
pub mod content;
pub mod gojson;
pub mod gotime;
pub mod printer;
pub mod progress;
pub mod recover;
pub mod release;
pub mod resources;
pub mod status_resources;
pub mod storage;

pub use gotime::GoTime;
pub use release::{decode_release, encode_release, Release, Status};
