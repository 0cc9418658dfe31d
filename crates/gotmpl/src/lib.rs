//! Go's `text/template` in Rust, faithful to Go 1.25 (the Go that built Helm v4.1.4).
//!
//! * [`lex`] and [`parse`] turn template text into [`ast`] trees, with byte positions.
//! * [`exec`] walks the trees over [`Value`]s, calling built-ins and host functions from a
//!   [`FuncMap`], and can record which template span produced each output byte.
//! * [`gofmt`] is Go's `fmt` (`print`, `printf`, `%v`) over [`Value`]s.
//!
//! Nothing here knows about Helm; Sprig and Helm's functions are registered by their crates.
#![forbid(unsafe_code)]

pub mod ast;
pub mod builtins;
mod ast_display;
pub mod error;
pub mod exec;
pub mod func;
pub mod gofmt;
pub mod lex;
pub mod parse;
pub mod value;

pub use error::{Error, ErrorKind, Location};
pub use exec::{MappedSource, MissingKey, NestedRun, Options, Segment, SourceMap, Templates};
pub use func::{CallContext, Func, FuncError, FuncImpl, FuncMap, Sig};
pub use value::{FencedWriteAttempted, Kind, List, Map, MapRef, Object, Str, Type, Value, WriteFence};
