//! Shared helpers for the integration tests: where the Helm corpus is, and how two outputs
//! are compared.

use std::path::{Path, PathBuf};

/// The Helm conformance corpus (`../shared/conformance`, or `CHARTROOM_CONFORMANCE_DIR`),
/// when it is there.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var("CHARTROOM_CONFORMANCE_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    dir.join("cases.tsv").is_file().then_some(dir)
}

/// The `# Source:` and `kind:` lines of an output: what a nondeterministic case compares
/// (same documents from the same templates, in the same order).
pub fn source_and_kind_lines(s: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(s)
        .lines()
        .filter(|l| l.starts_with("# Source: ") || l.starts_with("kind: "))
        .map(str::to_string)
        .collect()
}

/// Where two outputs first differ, as a line number and both lines.
pub fn first_difference(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    for (i, (a, b)) in w.lines().zip(g.lines()).enumerate() {
        if a != b {
            return format!("line {}: helm {:?} / ours {:?}", i + 1, a, b);
        }
    }
    format!("lengths differ: helm {} lines / ours {} lines", w.lines().count(), g.lines().count())
}

/// Outside CI a missing tool skips a test (with a message); under `CI=true`, where
/// scripts/setup-test.sh installs every tool, it fails.
pub fn skip(reason: &str) {
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "cannot run in CI: {reason}");
    eprintln!("skipping: {reason}");
}

/// The Helm oracle at `.tools/bin/helm`, or a [`skip`].
pub fn helm() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin/helm");
    if p.exists() {
        return Some(p);
    }
    skip("no helm at .tools/bin/helm");
    None
}

/// A server process the test started; killed when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// `server` once something accepts connections on `port` (20 s at most).
pub fn wait_for(port: u16, server: Server) -> Server {
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("server on port {port} did not start");
}
