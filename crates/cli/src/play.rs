//! `chartroom play [CHART]`: serves the playground web app (embedded at build time from
//! `dist/`, see build.rs) on 127.0.0.1 and opens a local chart in it. The page fetches the
//! chart from `/api/chart` when it starts and waits on `/api/changes` (a long poll) to
//! reload its copy whenever the files on disk change.
//!
//! Endpoints:
//! - `GET /api/chart`: the chart as a `.tgz` (a directory is archived on the fly, honouring
//!   `.helmignore` as `helm template` would), with its version in `X-Chartroom-Version`.
//! - `GET /api/changes?since=N`: answers with the current version as soon as it differs
//!   from `N`, or after [`LONG_POLL`] with `N` unchanged.
//! - everything else: the embedded app; `index.html` gets `<meta name="chartroom-play"
//!   content="api/">` (the API base), so the page knows to ask for the chart.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime};

use chart::ignore::{Rules, HELM_IGNORE};
use clap::Args;

use crate::{Env, Outcome};

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// How long `/api/changes` holds a request before answering "no change".
const LONG_POLL: Duration = Duration::from_secs(25);
/// How often the chart's files are checked for changes.
const POLL_INTERVAL: Duration = Duration::from_millis(300);
/// Directory walks stop here (symlinked directories may loop).
const MAX_WALK_DEPTH: usize = 64;

/// `chartroom play` flags.
#[derive(Args, Debug, Clone)]
pub struct PlayArgs {
    /// chart directory or packaged chart (.tgz) to open; without it the page starts with its
    /// bundled example
    #[arg(value_name = "CHART")]
    pub chart: Option<String>,
    /// port to listen on (127.0.0.1 only; 0 picks a free port)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

/// Runs the server until the process is stopped; returns only when it cannot start.
pub fn run(args: &PlayArgs, env: &Env) -> Outcome {
    if !WEB_ASSETS.iter().any(|(path, _)| *path == "index.html") {
        return Outcome::error(
            "this chartroom was built without the playground web app: run scripts/web-build.sh \
             (after scripts/setup-web.sh), then rebuild chartroom (cargo build --release -p chartroom); \
             scripts/play.sh does all of it",
        );
    }
    let chart = match args.chart.as_deref() {
        None => None,
        Some(path) => {
            let path = env.path(path);
            match std::fs::metadata(&path) {
                Ok(_) => Some(path),
                Err(e) => return Outcome::error(format!("open {}: {e}", path.display())),
            }
        }
    };
    let server = match tiny_http::Server::http(("127.0.0.1", args.port)) {
        Ok(server) => server,
        Err(e) => return Outcome::error(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)),
    };
    let port = server.server_addr().to_ip().map_or(args.port, |addr| addr.port());
    let watch = Arc::new(Watch::default());
    if let Some(chart) = &chart {
        let (watch, chart) = (Arc::clone(&watch), chart.clone());
        std::thread::spawn(move || watch_files(&chart, &watch));
    }
    // Printed now rather than in the Outcome: the command does not return while serving.
    let opening = chart.as_ref().map_or_else(|| "the bundled example".to_string(), |c| c.display().to_string());
    let mut stderr = std::io::stderr();
    let _ = writeln!(stderr, "Chartroom playground for {opening}: http://127.0.0.1:{port}/  (Ctrl-C stops it)");
    let state = Arc::new(State { chart, watch });
    for request in server.incoming_requests() {
        let state = Arc::clone(&state);
        // One thread per request: long polls wait without holding up the assets.
        std::thread::spawn(move || {
            let response = respond(&state, request.method(), request.url());
            let _ = request.respond(response);
        });
    }
    Outcome::default()
}

struct State {
    chart: Option<PathBuf>,
    watch: Arc<Watch>,
}

/// The chart's version: bumped whenever its files change, waited on by long polls.
#[derive(Default)]
struct Watch {
    version: Mutex<u64>,
    changed: Condvar,
}

impl Watch {
    fn current(&self) -> u64 {
        *self.version.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        let mut version = self.version.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *version += 1;
        self.changed.notify_all();
    }

    /// The version once it differs from `seen`, or `seen` after `timeout`.
    fn wait_for_change(&self, seen: u64, timeout: Duration) -> u64 {
        let version = self.version.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (version, _) = self
            .changed
            .wait_timeout_while(version, timeout, |version| *version == seen)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *version
    }
}

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn respond(state: &State, method: &tiny_http::Method, url: &str) -> Response {
    if *method != tiny_http::Method::Get && *method != tiny_http::Method::Head {
        return text_response(405, "only GET is served here\n");
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    match path {
        "/api/chart" => match &state.chart {
            None => text_response(404, "no chart was given to chartroom play\n"),
            Some(chart) => {
                // Read the version first: a change during the read then triggers another load.
                let version = state.watch.current();
                match chart_archive(chart) {
                    Ok(bytes) => with_header(bytes_response(200, bytes, "application/gzip"), "X-Chartroom-Version", &version.to_string()),
                    Err(message) => text_response(500, &format!("{message}\n")),
                }
            }
        },
        "/api/changes" => {
            let seen = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("since="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let version = state.watch.wait_for_change(seen, LONG_POLL);
            text_response(200, &version.to_string())
        }
        _ => {
            let asset_path = match path.trim_start_matches('/') {
                "" => "index.html",
                other => other,
            };
            match WEB_ASSETS.iter().find(|(p, _)| *p == asset_path) {
                Some((_, bytes)) if asset_path == "index.html" => {
                    let page = index_page(bytes, state.chart.is_some());
                    bytes_response(200, page, "text/html; charset=utf-8")
                }
                Some((_, bytes)) => bytes_response(200, bytes.to_vec(), content_type(asset_path)),
                None => text_response(404, "not found\n"),
            }
        }
    }
}

/// The app's page, marked so the app loads the chart from `/api/chart` and follows changes.
fn index_page(original: &[u8], has_chart: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(original);
    if !has_chart {
        return text.into_owned().into_bytes();
    }
    let marker = r#"<meta name="chartroom-play" content="api/">"#;
    match text.find("</head>") {
        Some(at) => format!("{}{marker}\n{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{marker}\n{text}").into_bytes(),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        // Browsers stream-compile wasm only with this type.
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

fn bytes_response(status: u16, bytes: Vec<u8>, content_type: &str) -> Response {
    let response = tiny_http::Response::from_data(bytes).with_status_code(status);
    let response = with_header(response, "Content-Type", content_type);
    // The page must see edits on disk, never a cached copy.
    with_header(response, "Cache-Control", "no-store")
}

fn text_response(status: u16, text: &str) -> Response {
    bytes_response(status, text.as_bytes().to_vec(), "text/plain; charset=utf-8")
}

fn with_header(response: Response, name: &str, value: &str) -> Response {
    match tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(header) => response.with_header(header),
        Err(()) => response,
    }
}

/// The chart as `.tgz` bytes: an archive as it is, a directory archived under its chart
/// directory name (the first path element, which loaders drop) with `.helmignore` applied.
fn chart_archive(chart: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(chart).map_err(|e| format!("open {}: {e}", chart.display()))?;
    if !meta.is_dir() {
        return std::fs::read(chart).map_err(|e| format!("open {}: {e}", chart.display()));
    }
    let files = chart_files(chart)?;
    let top = chart.file_name().map_or_else(|| "chart".to_string(), |n| n.to_string_lossy().into_owned());
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    for (rel, data) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, format!("{top}/{rel}"), data.as_slice())
            .map_err(|e| format!("archiving {rel}: {e}"))?;
    }
    let encoder = builder.into_inner().map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

/// The chart directory's files, relative and `/`-separated, minus what `.helmignore` (and
/// Helm's default rules) leave out.
fn chart_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let rules = ignore_rules(dir)?;
    let mut files = Vec::new();
    walk(dir, "", &rules, 0, &mut |rel, path, _| {
        let data = std::fs::read(path).map_err(|e| format!("error reading {rel}: {e}"))?;
        files.push((rel.to_string(), data));
        Ok(())
    })?;
    Ok(files)
}

fn ignore_rules(dir: &Path) -> Result<Rules, String> {
    let mut rules = Rules::empty();
    let ignore_file = dir.join(HELM_IGNORE);
    if ignore_file.is_file() {
        let text = std::fs::read_to_string(&ignore_file).map_err(|e| format!("open {}: {e}", ignore_file.display()))?;
        rules = Rules::parse(&text)?;
    }
    rules.add_defaults();
    Ok(rules)
}

type Visit<'a> = dyn FnMut(&str, &Path, &std::fs::Metadata) -> Result<(), String> + 'a;

fn walk(dir: &Path, rel: &str, rules: &Rules, depth: usize, visit: &mut Visit<'_>) -> Result<(), String> {
    if depth > MAX_WALK_DEPTH {
        return Err(format!("too many levels of directories at {}", dir.display()));
    }
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("open {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| (entry.file_name().to_string_lossy().into_owned(), entry.path()))
        .collect();
    entries.sort();
    for (name, path) in entries {
        let rel_name = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        // Follows symbolic links, as Helm does; a dangling one is skipped.
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if rules.ignore(&rel_name, meta.is_dir()) {
            continue;
        }
        if meta.is_dir() {
            walk(&path, &rel_name, rules, depth + 1, visit)?;
        } else if meta.is_file() {
            visit(&rel_name, &path, &meta)?;
        }
    }
    Ok(())
}

/// What a change on disk alters: every file's path, size and modification time.
fn fingerprint(chart: &Path) -> Vec<(String, u64, Option<SystemTime>)> {
    let mut seen = Vec::new();
    let Ok(meta) = std::fs::metadata(chart) else { return seen };
    if !meta.is_dir() {
        seen.push((String::new(), meta.len(), meta.modified().ok()));
        return seen;
    }
    // `.helmignore` itself decides what else counts.
    if let Ok(ignore_meta) = std::fs::metadata(chart.join(HELM_IGNORE)) {
        seen.push((HELM_IGNORE.to_string(), ignore_meta.len(), ignore_meta.modified().ok()));
    }
    let Ok(rules) = ignore_rules(chart) else { return seen };
    let _ = walk(chart, "", &rules, 0, &mut |rel, _, meta| {
        seen.push((rel.to_string(), meta.len(), meta.modified().ok()));
        Ok(())
    });
    seen
}

/// Polls the chart's files and bumps the version on any change. Polling (not inotify)
/// works the same on every platform and file system, and a chart is small.
fn watch_files(chart: &Path, watch: &Watch) {
    let mut last = fingerprint(chart);
    loop {
        std::thread::sleep(POLL_INTERVAL);
        let now = fingerprint(chart);
        if now != last {
            last = now;
            watch.bump();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_chart(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("chartroom-play-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("Chart.yaml"), "apiVersion: v2\nname: c\nversion: 0.1.0\n").unwrap();
        std::fs::write(dir.join("templates/x.yaml"), "a: {{ .Values.a }}\n").unwrap();
        std::fs::write(dir.join("values.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.join("notes.bak"), "ignored\n").unwrap();
        std::fs::write(dir.join(HELM_IGNORE), "*.bak\n").unwrap();
        dir
    }

    #[test]
    fn directories_are_archived_with_helmignore_applied() {
        let dir = temp_chart("archive");
        let bytes = chart_archive(&dir).unwrap();
        let files = chart::load::load_archive_files(&bytes).unwrap();
        let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, [".helmignore", "Chart.yaml", "templates/x.yaml", "values.yaml"]);
        let mut warnings = Vec::new();
        assert_eq!(chart::load_archive(&bytes, &mut warnings).unwrap().name(), "c");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fingerprints_change_with_files_but_not_ignored_ones() {
        let dir = temp_chart("fingerprint");
        let before = fingerprint(&dir);
        std::fs::write(dir.join("other.bak"), "still ignored\n").unwrap();
        assert_eq!(fingerprint(&dir), before);
        std::fs::write(dir.join("values.yaml"), "a: 22\n").unwrap();
        assert_ne!(fingerprint(&dir), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn long_polls_wake_on_change_and_time_out_otherwise() {
        let watch = Arc::new(Watch::default());
        assert_eq!(watch.wait_for_change(0, Duration::from_millis(20)), 0);
        let bumper = Arc::clone(&watch);
        let handle = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            bumper.bump();
        });
        assert_eq!(watch.wait_for_change(0, Duration::from_secs(10)), 1);
        handle.join().unwrap();
        // Already past the version asked about: answers at once.
        assert_eq!(watch.wait_for_change(0, Duration::from_secs(10)), 1);
    }

    #[test]
    fn the_index_page_is_marked_only_with_a_chart() {
        let page = b"<html><head><title>x</title></head><body></body></html>";
        let marked = String::from_utf8(index_page(page, true)).unwrap();
        assert!(marked.contains(r#"<meta name="chartroom-play" content="api/">"#));
        assert!(marked.find("chartroom-play").unwrap() < marked.find("</head>").unwrap());
        assert_eq!(index_page(page, false), page);
    }
}
