//! Chart operations that work on chart files and registries rather than on a cluster:
//! `package`, `push`, `pull`, `registry login/logout`, `lint`, `create`, `show`, `repo`,
//! `search repo`.

pub mod create;
pub mod dependency;
pub mod lint;
pub mod package;
pub mod registry;
pub mod repo;
pub mod show;


/// An I/O error as Go words the common ones.
pub(crate) fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
