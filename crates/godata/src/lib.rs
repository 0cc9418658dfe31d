//! Go-faithful data encodings as Helm v4 uses them.
//!
//! * [`yaml`]: `sigs.k8s.io/yaml` over go-yaml v2: how Helm reads values files,
//!   `Chart.yaml` and `fromYaml` input (YAML 1.1 scalars, then a trip through JSON, so every
//!   number becomes a `float64`), and how `toYaml` writes (through JSON, then go-yaml v2's
//!   emitter).
//! * [`json`]: Go's `encoding/json` (`toJson`, `toPrettyJson`, `toRawJson`, `fromJson`).
#![forbid(unsafe_code)]

mod gofloat;
pub mod json;
mod unicode;
pub mod yaml;

pub use json::JsonError;
pub use yaml::YamlError;

/// Go's `strconv.FormatFloat(x, 'g', -1, 64)`, exposed for other crates that print floats
/// the way go-yaml does.
pub fn format_float_g(x: f64) -> String {
    gofloat::format_g(x)
}
