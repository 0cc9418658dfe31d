//! Helm charts between "chart bytes" and "values ready to render": the chart model,
//! loading (files, `.tgz`, directories), `Chart.yaml` validation, Helm's dependency
//! processing, values coalescing, the `--set` family, and the top-level template data
//! (`.Values`, `.Release`, `.Chart`, `.Capabilities`, `.Files`).
//!
//! The core is pure (no file system, no network) and builds for wasm32. Directory loading
//! lives in [`fsload`] behind the `fs` feature.
#![forbid(unsafe_code)]

pub mod api;
pub mod chartfile;
pub mod create;
pub mod dependency;
pub mod deps;
mod error;
pub mod files;
pub mod funcs;
#[cfg(feature = "fs")]
pub mod fsload;
pub mod gopath;
pub mod goquote;
mod govalues;
pub mod ignore;
mod jsondecode;
pub mod lint;
pub mod load;
pub mod manifest;
pub mod model;
pub mod package;
pub mod parse_ahead;
mod pipeline;
pub mod render;
pub mod schema;
/// Chart versions, dependency ranges and `kubeVersion` follow Masterminds/semver v3, which
/// Sprig already implements for `semverCompare`; one implementation serves both.
pub use sprig::semver;
pub mod strvals;
pub mod teach;
pub mod toml;
pub mod toplevel;
pub mod uservalues;
pub mod values;
pub mod yaml;

pub use error::{Error, ErrorKind, Result};
pub use load::{load_archive, load_files};
pub use model::{Chart, Crd, Dependency, File, Lock, Maintainer, Metadata};
pub use uservalues::{compute_values, UserValues};
