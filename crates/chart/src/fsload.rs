//! Loading charts from disk (feature `fs`): a chart directory, honouring `.helmignore`
//! (Helm's `LoadDir`), or a `.tgz` file (Helm's `LoadFile`).

use std::path::{Path, PathBuf};

use crate::ignore::{Rules, HELM_IGNORE};
use crate::load::{load_archive_with, load_files_with, LoadLimits};
use crate::model::Chart;
use crate::{Error, Result};

/// Symlinked directories may point back up the tree; Helm follows them, we stop here.
const MAX_WALK_DEPTH: usize = 64;

/// Loads a chart from a directory or a chart archive, as `helm template PATH` does.
pub fn load_path(path: &Path, warnings: &mut Vec<String>) -> Result<Chart> {
    load_path_with(path, &LoadLimits::default(), warnings)
}

/// [`load_path`] under the given limits.
pub fn load_path_with(path: &Path, limits: &LoadLimits, warnings: &mut Vec<String>) -> Result<Chart> {
    let meta = std::fs::metadata(path).map_err(|e| Error::load(format!("stat {}: {}", path.display(), io_text(&e))))?;
    if meta.is_dir() {
        load_dir_with(path, limits, warnings)
    } else {
        load_file_with(path, limits, warnings)
    }
}

/// An I/O error as Go words the common ones (`no such file or directory`, ...).
pub fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Helm's `LoadFile`: checks the file looks like a gzip archive first.
pub fn load_file(path: &Path, warnings: &mut Vec<String>) -> Result<Chart> {
    load_file_with(path, &LoadLimits::default(), warnings)
}

/// [`load_file`] under the given limits; a file over the archive size is not read at all.
pub fn load_file_with(path: &Path, limits: &LoadLimits, warnings: &mut Vec<String>) -> Result<Chart> {
    let name = path.display().to_string();
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > limits.max_archive_bytes {
            return Err(Error::load(format!(
                "chart archive {name} is larger than the maximum size {}",
                limits.max_archive_bytes
            )));
        }
    }
    let data = std::fs::read(path).map_err(|e| Error::load(format!("open {name}: {}", io_text(&e))))?;
    if !data.starts_with(&[0x1f, 0x8b, 0x08]) {
        if name.ends_with(".yml") || name.ends_with(".yaml") {
            return Err(Error::load(format!("file '{name}' seems to be a YAML file, but expected a gzipped archive")));
        }
        return Err(Error::load(format!(
            "file '{name}' does not appear to be a gzipped archive; got '{}'",
            sniff_content_type(&data)
        )));
    }
    load_archive_with(&data, limits, warnings).map_err(|e| {
        if e.message == "gzip: invalid header" {
            Error::load(format!("file '{name}' does not appear to be a valid chart file (details: {})", e.message))
        } else {
            e
        }
    })
}

/// A rough `http.DetectContentType` for the common non-archive cases.
fn sniff_content_type(data: &[u8]) -> &'static str {
    let head = &data[..data.len().min(512)];
    if head.is_empty() {
        return "text/plain; charset=utf-8";
    }
    if std::str::from_utf8(head).is_ok() && !head.iter().any(|&b| b < 0x09 || (0x0e..0x20).contains(&b)) {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// Helm's `LoadDir`: walks the directory in lexical order, skipping what `.helmignore`
/// (plus Helm's default rules) ignores.
pub fn load_dir(dir: &Path, warnings: &mut Vec<String>) -> Result<Chart> {
    load_dir_with(dir, &LoadLimits::default(), warnings)
}

/// [`load_dir`] under the given limits: each file is held to the file size limit, and
/// subchart archives inside share the decompressed-size budget.
pub fn load_dir_with(dir: &Path, limits: &LoadLimits, warnings: &mut Vec<String>) -> Result<Chart> {
    let mut rules = Rules::empty();
    let ignore_file = dir.join(HELM_IGNORE);
    if ignore_file.exists() {
        let text = std::fs::read_to_string(&ignore_file)
            .map_err(|e| Error::load(format!("open {}: {}", ignore_file.display(), io_text(&e))))?;
        rules = Rules::parse(&text).map_err(Error::load)?;
    }
    rules.add_defaults();
    let mut files = Vec::new();
    walk(dir, "", &rules, limits, &mut files, 0)?;
    load_files_with(files, limits, warnings)
}

fn walk(
    dir: &Path,
    rel: &str,
    rules: &Rules,
    limits: &LoadLimits,
    files: &mut Vec<(String, Vec<u8>)>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_WALK_DEPTH {
        return Err(Error::load(format!("too many levels of directories at {}", dir.display())));
    }
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| Error::load(format!("open {}: {}", dir.display(), io_text(&e))))?
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    for (name, path) in entries {
        let rel_name = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        // Symbolic links are followed, as Helm's sympath.Walk does.
        let meta = std::fs::metadata(&path)
            .map_err(|e| Error::load(format!("error reading {rel_name}: {}", io_text(&e))))?;
        if meta.is_dir() {
            if rules.ignore(&rel_name, true) {
                continue;
            }
            walk(&path, &rel_name, rules, limits, files, depth + 1)?;
            continue;
        }
        if rules.ignore(&rel_name, false) {
            continue;
        }
        if !meta.is_file() {
            return Err(Error::load(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                path.display()
            )));
        }
        if meta.len() > limits.max_file_bytes {
            return Err(Error::load(format!(
                "chart file {} is larger than the maximum file size {}",
                crate::goquote::quote(&name),
                limits.max_file_bytes
            )));
        }
        let mut data = std::fs::read(&path).map_err(|e| Error::load(format!("error reading {rel_name}: {}", io_text(&e))))?;
        if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
            data.drain(..3);
        }
        files.push((rel_name, data));
    }
    Ok(())
}
