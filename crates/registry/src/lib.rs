//! Chart registries for the `chartroom` CLI: an OCI distribution client (no shelling
//! out) that pushes and pulls Helm charts with Helm's media types and annotations, and
//! stores registry credentials in Docker's `config.json` format as Helm does.
//!
//! Native only (network and file system); chart knowledge comes from the pure `chart`
//! crate.
#![forbid(unsafe_code)]

pub mod client;
pub mod credentials;
pub mod helm;
pub mod provenance;
pub mod reference;
pub mod repo;

use std::fmt;

/// What went wrong, so callers (and tests) can tell failures apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The `oci://` reference is malformed.
    BadReference,
    /// The registry refused the credentials (401) or the action (403).
    Denied,
    /// The repository, tag or blob does not exist.
    NotFound,
    /// The registry could not be reached (connection refused, TLS failure, ...).
    Unreachable,
    /// The registry answered something that breaks the protocol or is not a Helm chart:
    /// wrong media type, digest mismatch, malformed JSON.
    Invalid,
    /// Reading or writing local files failed.
    Io,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// `sha256:<hex>` of some bytes: the OCI digest.
pub fn sha256_digest(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(data);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
