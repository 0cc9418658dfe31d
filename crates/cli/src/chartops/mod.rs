//! Chart operations that work on chart files and registries rather than on a cluster:
//! `package`, `push`, `pull`, `registry login/logout`, `lint`, `create`, `show`, `repo`,
//! `search repo`.

pub(crate) use chart::fsload::io_text;

pub mod create;
pub mod dependency;
pub mod lint;
pub mod package;
pub mod registry;
pub mod repo;
pub mod resolve;
pub mod show;


