//! The crate's error: a message worded as Helm prints it (after Helm's `Error: ` prefix),
//! plus a kind for callers that want to react differently.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The chart's files are unusable: bad archive, bad paths, missing or invalid
    /// `Chart.yaml`, unparsable `values.yaml`, ...
    Load,
    /// `Chart.yaml` parsed but breaks Helm's rules (`validation: ...`).
    Validation,
    /// User-supplied values (`-f`, `--set`...) are malformed.
    Values,
    /// Dependencies are missing or inconsistent.
    Dependency,
    /// The chart cannot be installed (library chart, incompatible kubeVersion, ...).
    NotInstallable,
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

    pub fn load(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Load, message)
    }

    pub fn validation(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Validation, format!("validation: {}", message.into()))
    }

    /// The same error with `context: ` in front, as Go's `fmt.Errorf("context: %w", err)`.
    pub fn context(self, context: impl fmt::Display) -> Error {
        Error { kind: self.kind, message: format!("{context}: {}", self.message) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
