//! Building a [`Chart`] from its files (Helm's `loader.LoadFiles`) and from a `.tgz`
//! (Helm's `LoadArchive`), with Helm's checks and messages.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use crate::chartfile;
use crate::gopath;
use crate::model::{Chart, File, Metadata, API_VERSION_V1};
use crate::{Error, Result};

/// Helm's `MaxDecompressedChartSize`: the most a chart archive may expand to (100 MiB).
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's `MaxDecompressedFileSize`: the largest single file Helm loads (5 MiB).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Subchart nesting limit, so a hostile archive of archives cannot recurse without end.
const MAX_CHART_DEPTH: usize = 64;

/// Builds a chart from its files (paths relative to the chart root, `/`-separated), as
/// Helm's `LoadFiles`. Warnings Helm logs while loading are appended to `warnings`.
pub fn load_files(files: Vec<(String, Vec<u8>)>, warnings: &mut Vec<String>) -> Result<Chart> {
    let files = files.into_iter().map(|(name, data)| File::new(name, data)).collect();
    load_chart_files(files, warnings, 0)
}

fn parse_yaml(file: &File) -> std::result::Result<gotmpl::Value, String> {
    crate::yaml::parse_chart_document(&file.text())
}

fn load_chart_files(files: Vec<File>, warnings: &mut Vec<String>, depth: usize) -> Result<Chart> {
    if depth > MAX_CHART_DEPTH {
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
                subcharts.entry(sub).or_default().push(File { name: inner.to_string(), data: f.data });
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
            load_archive_depth(&first.data, warnings, depth + 1)
        } else {
            // Strip the subchart's directory; files directly in charts/ are not charts.
            let inner: Vec<File> = files
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(File { name: rest.to_string(), data: f.data })
                })
                .collect();
            load_chart_files(inner, warnings, depth + 1)
        };
        let sub = loaded.map_err(|e| e.context(format!("error unpacking subchart {name} in {}", chart.name())))?;
        deps.push(sub);
    }
    chart.set_dependencies(deps);
    Ok(chart)
}

/// Loads a chart from the bytes of a `.tgz` (Helm's `LoadArchive`).
pub fn load_archive(data: &[u8], warnings: &mut Vec<String>) -> Result<Chart> {
    load_archive_depth(data, warnings, 0)
}

fn load_archive_depth(data: &[u8], warnings: &mut Vec<String>, depth: usize) -> Result<Chart> {
    let files = load_archive_files(data)?;
    load_chart_files(files, warnings, depth)
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
    if data.len() < 10 || data[0] != 0x1f || data[1] != 0x8b {
        return Err(Error::load("gzip: invalid header"));
    }
    let gz = flate2::read::MultiGzDecoder::new(data);
    let mut archive = tar::Archive::new(gz);
    let entries = archive.entries().map_err(|e| Error::load(io_message(&e)))?;
    let mut files = Vec::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::load(io_message(&e)))?;
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
        if size > remaining {
            return Err(Error::load(format!(
                "decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}"
            )));
        }
        if size > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(Error::load(format!(
                "decompressed chart file {} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}",
                crate::goquote::quote(&header_name)
            )));
        }
        let mut content = Vec::with_capacity(size.min(MAX_DECOMPRESSED_FILE_SIZE) as usize);
        let read = (&mut entry)
            .take(remaining)
            .read_to_end(&mut content)
            .map_err(|e| Error::load(io_message(&e)))? as u64;
        remaining -= read;
        if read < size || remaining == 0 {
            return Err(Error::load(format!(
                "decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}"
            )));
        }
        if content.starts_with(UTF8_BOM) {
            content.drain(..UTF8_BOM.len());
        }
        files.push(File { name, data: Arc::from(content) });
    }
    if files.is_empty() {
        return Err(Error::load("no files in chart archive"));
    }
    Ok(files)
}
