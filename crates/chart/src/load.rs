//! Building a [`Chart`] from its files (Helm's `loader.LoadFiles`) and from a `.tgz`
//! (Helm's `LoadArchive`), with Helm's checks and messages.

use std::collections::BTreeMap;
use std::io::Read;

use crate::chartfile;
use crate::gopath;
use crate::model::{Chart, File, Metadata, API_VERSION_V1};
use crate::{Error, Result};

/// Helm's `MaxDecompressedChartSize`: the most a chart archive may expand to (100 MiB).
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's `MaxDecompressedFileSize`: the largest single file Helm loads (5 MiB).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// The most entries a chart archive may hold. Helm has no such cap; without one, an archive
/// of empty entries (512 bytes of tar header each, compressing about 1000:1) makes the
/// loader walk millions of headers. Real charts hold tens to a few hundred files.
pub const MAX_ARCHIVE_FILES: usize = 10_000;

/// The largest chart archive read (compressed). Helm reads any size; an archive larger than
/// what it may expand to is not a chart anyone publishes.
pub const MAX_ARCHIVE_SIZE: u64 = MAX_DECOMPRESSED_CHART_SIZE;

/// Subchart nesting limit, so a hostile archive of archives cannot recurse without end.
pub const MAX_CHART_DEPTH: usize = 64;

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// What loading one chart may cost. The defaults are Helm's where Helm has a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadLimits {
    /// Bytes of a compressed chart archive (`.tgz`).
    pub max_archive_bytes: u64,
    /// Bytes an archive may expand to, shared with the subchart archives inside it (Helm's
    /// `MaxDecompressedChartSize`, which Helm applies to each archive alone).
    pub max_decompressed_bytes: u64,
    /// Bytes of one file (Helm's `MaxDecompressedFileSize`).
    pub max_file_bytes: u64,
    /// Entries of one archive, directories included.
    pub max_files: usize,
    /// Levels of subcharts inside subcharts.
    pub max_chart_depth: usize,
}

impl LoadLimits {
    /// The defaults, usable in constants.
    pub const DEFAULT: LoadLimits = LoadLimits {
        max_archive_bytes: MAX_ARCHIVE_SIZE,
        max_decompressed_bytes: MAX_DECOMPRESSED_CHART_SIZE,
        max_file_bytes: MAX_DECOMPRESSED_FILE_SIZE,
        max_files: MAX_ARCHIVE_FILES,
        max_chart_depth: MAX_CHART_DEPTH,
    };
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits::DEFAULT
    }
}

/// What is left of the limits while one chart loads: the decompressed-size budget is
/// spent by the archive and every subchart archive inside it, so nesting archives does
/// not multiply what a chart may expand to.
struct Budget {
    limits: LoadLimits,
    decompressed_left: u64,
}

impl Budget {
    fn new(limits: &LoadLimits) -> Budget {
        Budget { limits: *limits, decompressed_left: limits.max_decompressed_bytes }
    }

    fn too_large(&self) -> Error {
        Error::load(format!(
            "decompressed chart is larger than the maximum size {}",
            self.limits.max_decompressed_bytes
        ))
    }
}

/// Builds a chart from its files (paths relative to the chart root, `/`-separated), as
/// Helm's `LoadFiles`. Warnings Helm logs while loading are appended to `warnings`.
pub fn load_files(files: Vec<(String, Vec<u8>)>, warnings: &mut Vec<String>) -> Result<Chart> {
    load_files_with(files, &LoadLimits::default(), warnings)
}

/// [`load_files`] under the given limits (they bound the subchart archives among the files).
pub fn load_files_with(files: Vec<(String, Vec<u8>)>, limits: &LoadLimits, warnings: &mut Vec<String>) -> Result<Chart> {
    let files = files
        .into_iter()
        .map(|(name, data)| {
            let file = File::new(name, data);
            crate::parse_ahead::offer(&file);
            file
        })
        .collect();
    load_chart_files(files, warnings, 0, &mut Budget::new(limits))
}

fn parse_yaml(file: &File) -> std::result::Result<gotmpl::Value, String> {
    crate::yaml::parse_chart_document(&file.text())
}

fn load_chart_files(files: Vec<File>, warnings: &mut Vec<String>, depth: usize, budget: &mut Budget) -> Result<Chart> {
    if depth > budget.limits.max_chart_depth {
        return Err(Error::load("charts are nested too deeply"));
    }
    let mut chart = Chart { raw: files.clone(), ..Chart::default() };
    let mut metadata: Option<Metadata> = None;

    // Chart.yaml first, wherever it is in the list.
    for f in files.iter().filter(|f| f.name == "Chart.yaml") {
        let md = metadata.get_or_insert_with(Metadata::default);
        let doc = parse_yaml(f).map_err(|e| Error::load(format!("cannot load Chart.yaml: {e}")))?;
        chartfile::decode_metadata_into(md, &doc).map_err(|e| Error::load(format!("cannot load Chart.yaml: {e}")))?;
        // Helm 2 charts may omit apiVersion: they are v1 charts.
        if md.api_version.is_empty() {
            md.api_version = API_VERSION_V1.to_string();
        }
    }

    let mut subcharts: BTreeMap<String, Vec<File>> = BTreeMap::new();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" => {
                let doc = parse_yaml(&f).map_err(|e| Error::load(format!("cannot load Chart.lock: {e}")))?;
                let lock = chartfile::decode_lock(&doc).map_err(|e| Error::load(format!("cannot load Chart.lock: {e}")))?;
                chart.lock = Some(lock);
            }
            "values.yaml" => {
                let values = crate::values::load_values(&f.text())
                    .map_err(|e| Error::load(format!("cannot load values.yaml: {e}")))?;
                chart.values = values;
            }
            "values.schema.json" => chart.schema = Some(f.data.clone()),
            "requirements.yaml" => {
                let md = metadata.get_or_insert_with(Metadata::default);
                if md.api_version != API_VERSION_V1 {
                    warnings.push(
                        "Warning: Dependencies are handled in Chart.yaml since apiVersion \"v2\". We recommend migrating dependencies to Chart.yaml."
                            .to_string(),
                    );
                }
                let doc = parse_yaml(&f).map_err(|e| Error::load(format!("cannot load requirements.yaml: {e}")))?;
                chartfile::decode_metadata_into(md, &doc)
                    .map_err(|e| Error::load(format!("cannot load requirements.yaml: {e}")))?;
                if md.api_version == API_VERSION_V1 {
                    chart.files.push(f);
                }
            }
            "requirements.lock" => {
                let doc = parse_yaml(&f).map_err(|e| Error::load(format!("cannot load requirements.lock: {e}")))?;
                let lock = chartfile::decode_lock(&doc)
                    .map_err(|e| Error::load(format!("cannot load requirements.lock: {e}")))?;
                chart.lock = Some(lock);
                let md = metadata.get_or_insert_with(Metadata::default);
                if md.api_version != API_VERSION_V1 {
                    warnings.push(
                        "Warning: Dependency locking is handled in Chart.lock since apiVersion \"v2\". We recommend migrating to Chart.lock."
                            .to_string(),
                    );
                }
                if md.api_version == API_VERSION_V1 {
                    chart.files.push(f);
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(f),
            name if name.starts_with("charts/") => {
                if gopath::ext(name) == ".prov" {
                    chart.files.push(f);
                    continue;
                }
                let inner = &name["charts/".len()..];
                let sub = inner.split('/').next().unwrap_or("").to_string();
                let inner = inner.to_string();
                subcharts.entry(sub).or_default().push(f.renamed(inner));
            }
            _ => chart.files.push(f),
        }
    }

    let Some(mut md) = metadata else {
        return Err(Error::load("Chart.yaml file is missing"));
    };
    chartfile::validate(&mut md)?;
    chart.metadata = md;

    let mut deps = Vec::new();
    for (name, files) in subcharts {
        if name.starts_with(['_', '.']) {
            continue;
        }
        let loaded = if gopath::ext(&name) == ".tgz" {
            let first = &files[0];
            if first.name != name {
                return Err(Error::load(format!(
                    "error unpacking subchart tar in {}: expected {name}, got {}",
                    chart.name(),
                    first.name
                )));
            }
            load_archive_depth(&first.data, warnings, depth + 1, budget)
        } else {
            // Strip the subchart's directory; files directly in charts/ are not charts.
            let inner: Vec<File> = files
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    let rest = rest.to_string();
                    Some(f.renamed(rest))
                })
                .collect();
            load_chart_files(inner, warnings, depth + 1, budget)
        };
        let sub = loaded.map_err(|e| e.context(format!("error unpacking subchart {name} in {}", chart.name())))?;
        deps.push(sub);
    }
    chart.set_dependencies(deps);
    Ok(chart)
}

/// Loads a chart from the bytes of a `.tgz` (Helm's `LoadArchive`).
pub fn load_archive(data: &[u8], warnings: &mut Vec<String>) -> Result<Chart> {
    load_archive_with(data, &LoadLimits::default(), warnings)
}

/// [`load_archive`] under the given limits.
pub fn load_archive_with(data: &[u8], limits: &LoadLimits, warnings: &mut Vec<String>) -> Result<Chart> {
    load_archive_depth(data, warnings, 0, &mut Budget::new(limits))
}

fn load_archive_depth(data: &[u8], warnings: &mut Vec<String>, depth: usize, budget: &mut Budget) -> Result<Chart> {
    let files = read_archive(data, budget)?;
    load_chart_files(files, warnings, depth, budget)
}

fn io_message(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "unexpected EOF".to_string()
    } else {
        e.to_string()
    }
}

/// Reads the files of a chart archive with Helm's path checks (Helm's `LoadArchiveFiles`):
/// the first path element (the chart's directory) is dropped; absolute paths, `..`,
/// drive letters and content outside the base directory are refused; sizes are capped.
pub fn load_archive_files(data: &[u8]) -> Result<Vec<File>> {
    load_archive_files_with(data, &LoadLimits::default())
}

/// [`load_archive_files`] under the given limits.
pub fn load_archive_files_with(data: &[u8], limits: &LoadLimits) -> Result<Vec<File>> {
    read_archive(data, &mut Budget::new(limits))
}

/// A stream that seeks forward by reading on. The tar reader skips the padding after every
/// entry; on a plain reader it does so through a freshly zeroed 32 KiB buffer each time, a
/// noticeable cost over the hundreds of entries of a big chart.
struct ForwardSeek<R> {
    inner: R,
    pos: u64,
}

impl<R: std::io::Read> std::io::Read for ForwardSeek<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: std::io::Read> std::io::Seek for ForwardSeek<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let std::io::SeekFrom::Current(ahead @ 0..) = to else {
            return Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "a compressed stream only seeks forward"));
        };
        let mut left = ahead as u64;
        let mut scratch = [0u8; 512];
        while left > 0 {
            let n = std::io::Read::read(self, &mut scratch[..left.min(512) as usize])?;
            if n == 0 {
                // The tar reader's own message for the same end.
                return Err(std::io::Error::other("unexpected EOF during skip"));
            }
            left -= n as u64;
        }
        Ok(self.pos)
    }
}

/// Reads an archive's files, spending `budget`'s decompressed bytes.
fn read_archive(data: &[u8], budget: &mut Budget) -> Result<Vec<File>> {
    let limits = budget.limits;
    if data.len() as u64 > limits.max_archive_bytes {
        return Err(Error::load(format!(
            "chart archive is larger than the maximum size {}",
            limits.max_archive_bytes
        )));
    }
    if data.len() < 10 || data[0] != 0x1f || data[1] != 0x8b {
        return Err(Error::load("gzip: invalid header"));
    }
    let gz = ForwardSeek { inner: flate2::read::MultiGzDecoder::new(data), pos: 0 };
    let mut archive = tar::Archive::new(gz);
    let entries = archive.entries_with_seek().map_err(|e| Error::load(io_message(&e)))?;
    let mut files = Vec::new();
    let mut entry_count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::load(io_message(&e)))?;
        // Every header counts, even those skipped below: walking them is the cost.
        entry_count += 1;
        if entry_count > limits.max_files {
            return Err(Error::load(format!("chart archive has more than {} files", limits.max_files)));
        }
        let header_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() || header_name.ends_with('/') && (kind.is_file() || kind == tar::EntryType::Continuous) {
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() || kind.is_gnu_longname() || kind.is_gnu_longlink() {
            continue;
        }

        // Archives made on Windows may use backslashes.
        let delimiter = if header_name.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = header_name.split(delimiter).collect();
        let joined = parts[1..].join(&delimiter.to_string());
        let normalized = joined.replace(delimiter, "/");
        if normalized.starts_with('/') {
            return Err(Error::load("chart illegally contains absolute paths"));
        }
        let name = gopath::clean(&normalized);
        if name == "." {
            return Err(Error::load(format!(
                "chart illegally contains content outside the base directory: {}",
                crate::goquote::quote(&header_name)
            )));
        }
        if name.starts_with("..") {
            return Err(Error::load("chart illegally references parent directory"));
        }
        let b = name.as_bytes();
        if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
            return Err(Error::load("chart contains illegally named files"));
        }
        if parts[0] == "Chart.yaml" {
            return Err(Error::load("chart yaml not in base directory"));
        }
        let size = entry.header().size().unwrap_or(0);
        if size > budget.decompressed_left {
            return Err(budget.too_large());
        }
        if size > limits.max_file_bytes {
            return Err(Error::load(format!(
                "decompressed chart file {} is larger than the maximum file size {}",
                crate::goquote::quote(&header_name),
                limits.max_file_bytes
            )));
        }
        let mut content = Vec::with_capacity(size.min(limits.max_file_bytes) as usize);
        let read = (&mut entry)
            .take(budget.decompressed_left)
            .read_to_end(&mut content)
            .map_err(|e| Error::load(io_message(&e)))? as u64;
        budget.decompressed_left -= read;
        if read < size || budget.decompressed_left == 0 {
            return Err(budget.too_large());
        }
        if content.starts_with(UTF8_BOM) {
            content.drain(..UTF8_BOM.len());
        }
        let file = File::new(name, content);
        crate::parse_ahead::offer(&file);
        files.push(file);
    }
    if files.is_empty() {
        return Err(Error::load("no files in chart archive"));
    }
    Ok(files)
}
