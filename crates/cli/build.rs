//! Embeds the playground web app (the workspace's `dist/`, built by scripts/web-build.sh)
//! into the binary for `chartroom play`. Without a `dist/` the list is empty and `play`
//! says how to build it; the rest of the CLI does not depend on it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Startup time is part of every `chartroom template` run. A position-independent
    // executable makes the dynamic loader apply ~57,000 relocations (about 1 ms, a third of a
    // small chart's whole run) before main; a fixed-address executable has them resolved at
    // link time. Only the binary is affected, not the library or tests.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dist = std::env::var_os("CHARTROOM_WEB_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../dist"));
    println!("cargo:rerun-if-env-changed=CHARTROOM_WEB_DIST");
    // A directory here is rescanned by cargo on every build; a missing one makes cargo rerun
    // this script each time, so building the web app later is noticed without a clean.
    println!("cargo:rerun-if-changed={}", dist.display());

    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, "", &mut files);
    }
    files.sort();
    let mut generated = String::from("/// The playground's files by URL path (no leading `/`).\npub static WEB_ASSETS: &[(&str, &[u8])] = &[\n");
    for (url_path, path) in &files {
        let absolute = path.canonicalize().unwrap_or_else(|_| path.clone());
        let _ = writeln!(generated, "    ({url_path:?}, include_bytes!({:?})),", absolute.display().to_string());
    }
    generated.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("web_assets.rs");
    std::fs::write(&out, generated).expect("write web_assets.rs");
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Trunk's staging directory (`.stage`) exists only while it builds.
        if name.starts_with('.') {
            continue;
        }
        let url_path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let path = entry.path();
        if path.is_dir() {
            collect(&path, &url_path, files);
        } else if path.is_file() {
            files.push((url_path, path));
        }
    }
}
