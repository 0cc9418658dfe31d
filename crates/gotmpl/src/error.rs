//! Errors, formatted exactly as Go's `text/template` formats them, so that tools built on
//! this crate (Helm's messages in particular) can reproduce Go's text byte for byte.
//!
//! * parse errors: `template: NAME:LINE: MESSAGE`
//! * execution errors: `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`
//!
//! Besides the text, an error keeps where it happened in structured form, for editors.

use std::fmt;

/// Where in a template source an error happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The name the source was parsed under (Go's `ParseName`: for Helm, the file path).
    pub source: String,
    /// 1-based line.
    pub line: usize,
    /// Go's column: the 0-based byte offset from the start of the line (what Go prints).
    pub col: usize,
    /// Byte offset into the source.
    pub offset: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The template text does not parse.
    Parse,
    /// Executing the template failed.
    Exec,
    /// A resource limit (nesting depth, output size, iteration count) was hit.
    Limit,
}

/// A template error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// The complete message, formatted as Go formats it.
    pub message: String,
    /// Where it happened, when known.
    pub location: Option<Location>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>, location: Option<Location>) -> Error {
        Error { kind, message: message.into(), location }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
