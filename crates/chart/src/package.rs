//! `helm package`: a loaded chart written back out as a `.tgz`, laid out as Helm v4 writes
//! it (Helm's `chartutil.Save`).
//!
//! What Helm does, and so what this does:
//! - `Chart.yaml` is re-serialised from the parsed metadata (keys sorted, empty fields
//!   dropped), not copied; `Chart.lock` likewise; then `values.yaml`, `values.schema.json`,
//!   templates and other files in load order; then each subchart, recursively, as a plain
//!   directory under `charts/` (subchart archives are expanded).
//! - Every entry is a USTAR regular file, mode 0644, uid/gid 0, no directory entries, and
//!   the modification time of the file it came from (`Chart.lock` takes its `generated`
//!   time). The archive is therefore deterministic for the same input files and times.
//! - The gzip header carries Helm's extra field and the comment `Helm`.
//!
//! The compressed bytes are not Go's (Go's deflate makes different, equally valid choices),
//! but the uncompressed tar stream is byte-for-byte what Helm writes.
//!
//! Pure: the caller supplies file modification times ([`ModTimes`]).

use std::collections::HashMap;
use std::io::{Read, Write};

use gotmpl::Value;

use crate::model::{Chart, Dependency, Lock, Metadata, API_VERSION_V1, API_VERSION_V2};
use crate::{Error, Result};

/// The gzip "extra" field Helm puts in every chart archive.
pub const HELM_GZIP_EXTRA: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";
/// The gzip comment Helm puts in every chart archive.
pub const HELM_GZIP_COMMENT: &[u8] = b"Helm";

const BLOCK: usize = 512;

/// `--version` and `--app-version` of `helm package`.
#[derive(Clone, Debug, Default)]
pub struct PackageOptions {
    pub version: Option<String>,
    pub app_version: Option<String>,
}

/// Modification times (Unix seconds) of the files a chart was loaded from, keyed by the
/// path the file gets inside the archive: `chart/templates/x.yaml`,
/// `chart/charts/sub/Chart.yaml` (the subchart's own path, whether it came from a
/// directory or an archive). Files without an entry get `default`.
#[derive(Clone, Debug, Default)]
pub struct ModTimes {
    pub by_path: HashMap<String, i64>,
    pub default: i64,
}

impl ModTimes {
    fn of(&self, path: &str) -> i64 {
        self.by_path.get(path).copied().unwrap_or(self.default)
    }
}

/// A packaged chart: its file name (`NAME-VERSION.tgz`) and bytes.
#[derive(Clone, Debug)]
pub struct Package {
    pub file_name: String,
    pub data: Vec<u8>,
}

/// Applies `--version`/`--app-version` and Helm's pre-packaging checks (version is semver,
/// every `Chart.yaml` dependency present in `charts/`), then writes the archive.
pub fn package(chart: &Chart, options: &PackageOptions, times: &ModTimes) -> Result<Package> {
    let mut chart = chart.clone();
    if let Some(v) = options.version.as_deref().filter(|v| !v.is_empty()) {
        chart.metadata.version = v.to_string();
    }
    if crate::semver::Version::parse(&chart.metadata.version).is_err() {
        return Err(Error::load("invalid semantic version"));
    }
    if let Some(v) = options.app_version.as_deref().filter(|v| !v.is_empty()) {
        chart.metadata.app_version = v.to_string();
    }
    if chart.metadata.has_dependencies {
        crate::deps::check_dependencies(&chart)?;
    }
    let data = archive(&chart, times)?;
    Ok(Package { file_name: format!("{}-{}.tgz", chart.name(), chart.metadata.version), data })
}

/// The `.tgz` bytes of a chart as Helm's `Save` writes them (no version checks).
pub fn archive(chart: &Chart, times: &ModTimes) -> Result<Vec<u8>> {
    let mut tar = Vec::new();
    write_chart(&mut tar, chart, "", times)?;
    // Go's tar writer ends with two zero blocks and no padding to a record size.
    tar.extend_from_slice(&[0u8; 2 * BLOCK]);
    let mut gz = flate2::GzBuilder::new()
        .extra(HELM_GZIP_EXTRA)
        .comment(HELM_GZIP_COMMENT)
        .operating_system(255)
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).map_err(|e| Error::load(e.to_string()))?;
    gz.finish().map_err(|e| Error::load(e.to_string()))
}

fn write_chart(out: &mut Vec<u8>, chart: &Chart, prefix: &str, times: &ModTimes) -> Result<()> {
    let name = chart.name();
    if name.is_empty() || name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(Error::load(format!("{} is not a valid chart name", crate::goquote::quote(name))));
    }
    let base = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
    let path = |file: &str| format!("{base}/{file}");

    let chart_yaml_path = path("Chart.yaml");
    let chart_yaml = chart_yaml(&chart.metadata)?;
    write_file(out, &chart_yaml_path, chart_yaml.as_bytes(), times.of(&chart_yaml_path))?;

    if chart.metadata.api_version == API_VERSION_V2 {
        if let Some(lock) = &chart.lock {
            let lock_path = path("Chart.lock");
            // Helm stamps the lock with its own `generated` time.
            let mtime = parse_rfc3339(&lock.generated).unwrap_or_else(|| times.of(&lock_path));
            write_file(out, &lock_path, lock_yaml(lock)?.as_bytes(), mtime)?;
        }
    }
    for f in chart.raw.iter().filter(|f| f.name == "values.yaml") {
        let p = path(&f.name);
        write_file(out, &p, &f.data, times.of(&p))?;
    }
    if let Some(schema) = &chart.schema {
        if godata::json::parse(&String::from_utf8_lossy(schema)).is_err() || std::str::from_utf8(schema).is_err() {
            return Err(Error::load("Invalid JSON in values.schema.json"));
        }
        let p = path("values.schema.json");
        write_file(out, &p, schema, times.of(&p))?;
    }
    for f in chart.templates.iter().chain(&chart.files) {
        let p = path(&f.name);
        write_file(out, &p, &f.data, times.of(&p))?;
    }
    for dep in &chart.dependencies {
        write_chart(out, dep, &format!("{base}/charts"), times)?;
    }
    Ok(())
}

/// `Chart.yaml` as Helm re-serialises it (`yaml.Marshal(metadata)`: JSON field names,
/// `omitempty`, keys sorted).
pub fn chart_yaml(md: &Metadata) -> Result<String> {
    let mut entries: Vec<(&str, Value)> = Vec::new();
    let text = |key: &'static str, v: &str, entries: &mut Vec<(&str, Value)>| {
        if !v.is_empty() {
            entries.push((key, Value::str(v)));
        }
    };
    text("name", &md.name, &mut entries);
    text("home", &md.home, &mut entries);
    if !md.sources.is_empty() {
        entries.push(("sources", Value::string_list(md.sources.iter().cloned())));
    }
    text("version", &md.version, &mut entries);
    text("description", &md.description, &mut entries);
    if !md.keywords.is_empty() {
        entries.push(("keywords", Value::string_list(md.keywords.iter().cloned())));
    }
    if !md.maintainers.is_empty() {
        let list = md
            .maintainers
            .iter()
            .map(|m| match m {
                None => Value::Nil,
                Some(m) => {
                    let mut fields = Vec::new();
                    for (k, v) in [("name", &m.name), ("email", &m.email), ("url", &m.url)] {
                        if !v.is_empty() {
                            fields.push((k, Value::str(v.as_str())));
                        }
                    }
                    Value::map(fields)
                }
            })
            .collect();
        entries.push(("maintainers", Value::list(list)));
    }
    text("icon", &md.icon, &mut entries);
    text("apiVersion", &md.api_version, &mut entries);
    text("condition", &md.condition, &mut entries);
    text("tags", &md.tags, &mut entries);
    text("appVersion", &md.app_version, &mut entries);
    if md.deprecated {
        entries.push(("deprecated", Value::Bool(true)));
    }
    if let Some(annotations) = md.annotations.as_ref().filter(|a| !a.is_empty()) {
        entries.push(("annotations", Value::map(annotations.iter().map(|(k, v)| (k.clone(), Value::str(v.as_str()))))));
    }
    text("kubeVersion", &md.kube_version, &mut entries);
    // Helm drops the dependencies of v1 charts: they live in requirements.yaml.
    if md.api_version != API_VERSION_V1 && !md.dependencies.is_empty() {
        entries.push(("dependencies", Value::list(md.dependencies.iter().map(dependency_value).collect())));
    }
    text("type", &md.chart_type, &mut entries);
    godata::yaml::to_yaml(&Value::map(entries)).map_err(|e| Error::load(e.to_string()))
}

fn dependency_value(dep: &Option<Dependency>) -> Value {
    let Some(d) = dep else { return Value::Nil };
    let mut fields: Vec<(&str, Value)> = vec![("name", Value::str(d.name.as_str()))];
    if !d.version.is_empty() {
        fields.push(("version", Value::str(d.version.as_str())));
    }
    fields.push(("repository", Value::str(d.repository.as_str())));
    if !d.condition.is_empty() {
        fields.push(("condition", Value::str(d.condition.as_str())));
    }
    if !d.tags.is_empty() {
        fields.push(("tags", Value::string_list(d.tags.iter().cloned())));
    }
    if d.enabled {
        fields.push(("enabled", Value::Bool(true)));
    }
    if !d.import_values.is_empty() {
        fields.push(("import-values", Value::list(d.import_values.clone())));
    }
    if !d.alias.is_empty() {
        fields.push(("alias", Value::str(d.alias.as_str())));
    }
    Value::map(fields)
}

/// `Chart.lock` as Helm re-serialises it.
pub fn lock_yaml(lock: &Lock) -> Result<String> {
    let deps = Value::list(lock.dependencies.iter().map(dependency_value).collect());
    let doc = Value::map(vec![
        ("generated", Value::str(lock.generated.as_str())),
        ("digest", Value::str(lock.digest.as_str())),
        ("dependencies", deps),
    ]);
    godata::yaml::to_yaml(&doc).map_err(|e| Error::load(e.to_string()))
}

/// Parses an RFC 3339 timestamp (`2024-01-02T03:04:05.123+01:00`) to Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Appends one regular file as Go's `archive/tar` writes a header with only name, mode,
/// size and time set: USTAR when the name fits (splitting long names into prefix/name at
/// a `/`), PAX otherwise.
fn write_file(out: &mut Vec<u8>, name: &str, data: &[u8], mtime: i64) -> Result<()> {
    // USTAR's numeric fields hold 11 octal digits; Go switches formats past that, which
    // no real file time needs: clamp instead.
    let mtime = mtime.clamp(0, 0o77777777777);
    match split_ustar_path(name) {
        Some((prefix, short)) => {
            out.extend_from_slice(&header(short, prefix, b'0', data.len() as u64, mtime));
        }
        None => {
            let record = pax_record("path", name);
            let (dir, file) = match name.rfind('/') {
                Some(i) => (&name[..=i], &name[i + 1..]),
                None => ("", name),
            };
            let pax_name = truncate_ascii(&format!("{dir}PaxHeaders.0/{file}"), 100);
            out.extend_from_slice(&header(&pax_name, "", b'x', record.len() as u64, 0));
            out.extend_from_slice(record.as_bytes());
            pad(out);
            out.extend_from_slice(&header(&truncate_ascii(name, 100), "", b'0', data.len() as u64, mtime));
        }
    }
    out.extend_from_slice(data);
    pad(out);
    Ok(())
}

fn pad(out: &mut Vec<u8>) {
    let rem = out.len() % BLOCK;
    if rem != 0 {
        out.resize(out.len() + BLOCK - rem, 0);
    }
}

fn truncate_ascii(s: &str, max: usize) -> String {
    let ascii: String = s.chars().filter(char::is_ascii).collect();
    let mut t = ascii[..ascii.len().min(max)].to_string();
    while t.ends_with('/') {
        t.pop();
    }
    t
}

/// A PAX record: `"%d key=value\n"` where the length counts itself.
fn pax_record(key: &str, value: &str) -> String {
    let body = format!(" {key}={value}\n");
    let mut len = body.len();
    loop {
        let total = len.to_string().len() + body.len();
        if total == len {
            return format!("{len}{body}");
        }
        len = total;
    }
}

/// Go's `splitUSTARPath`: the name fits as-is, or as `prefix/name` with prefix ≤ 155 and
/// name ≤ 100 bytes. Non-ASCII names need PAX.
fn split_ustar_path(name: &str) -> Option<(&str, &str)> {
    if !name.is_ascii() {
        return None;
    }
    if name.len() <= 100 {
        return Some(("", name));
    }
    let length = name.len();
    if length <= 100 || length > 155 + 1 + 100 {
        return None;
    }
    let limit = (length - 1).min(155);
    let i = name[..=limit].rfind('/')?;
    let (prefix, rest) = (&name[..i], &name[i + 1..]);
    if i == 0 || rest.is_empty() || rest.len() > 100 {
        return None;
    }
    Some((prefix, rest))
}

fn header(name: &str, prefix: &str, type_flag: u8, size: u64, mtime: i64) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let put = |h: &mut [u8; BLOCK], at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    let octal = |h: &mut [u8; BLOCK], at: usize, width: usize, value: u64| {
        let s = format!("{value:0w$o}", w = width - 1);
        h[at..at + width - 1].copy_from_slice(s.as_bytes());
    };
    put(&mut h, 0, name.as_bytes());
    let mode = if type_flag == b'x' { 0 } else { 0o644 };
    octal(&mut h, 100, 8, mode);
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, size);
    octal(&mut h, 136, 12, mtime as u64);
    h[156] = type_flag;
    put(&mut h, 257, b"ustar\x0000");
    octal(&mut h, 329, 8, 0);
    octal(&mut h, 337, 8, 0);
    put(&mut h, 345, prefix.as_bytes());
    // Checksum: the sum of all bytes with the checksum field read as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    h
}

/// A regular file of a chart archive as stored: path (first element included), time, and
/// the bytes when the file is itself an archive (a nested subchart).
#[derive(Clone, Debug)]
pub struct ArchiveEntry {
    pub name: String,
    pub mtime: i64,
    pub nested_archive: Option<Vec<u8>>,
}

/// The regular files of a gzipped tar archive with their modification times (for reading
/// the times of a subchart archive's files).
pub fn archive_entries(data: &[u8]) -> Result<Vec<ArchiveEntry>> {
    let gz = flate2::read::MultiGzDecoder::new(data);
    let mut archive = tar::Archive::new(gz);
    let mut out = Vec::new();
    let entries = archive.entries().map_err(|e| Error::load(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::load(e.to_string()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mtime = entry.header().mtime().unwrap_or(0) as i64;
        let mut limited = (&mut entry).take(crate::load::MAX_DECOMPRESSED_FILE_SIZE);
        let nested_archive = if name.ends_with(".tgz") {
            let mut buf = Vec::new();
            limited.read_to_end(&mut buf).map_err(|e| Error::load(e.to_string()))?;
            Some(buf)
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| Error::load(e.to_string()))?;
            None
        };
        out.push(ArchiveEntry { name, mtime, nested_archive });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-01-02T03:04:05.123+01:00"), Some(1_704_161_045));
        assert_eq!(parse_rfc3339("2024-01-02 03:04:05"), None);
        assert_eq!(parse_rfc3339(""), None);
    }

    #[test]
    fn pax_record_counts_its_own_length() {
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        let r = pax_record("path", &"x".repeat(95));
        assert_eq!(r.len(), r.split(' ').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0));
    }

    #[test]
    fn long_names_split_at_a_slash() {
        let name = format!("{}/{}", "d".repeat(120), "f.yaml");
        assert_eq!(split_ustar_path(&name), Some((&name[..120], "f.yaml")));
        assert_eq!(split_ustar_path(&"x".repeat(101)), None);
    }
}
