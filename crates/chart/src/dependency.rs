//! The pure parts of `helm dependency list|update|build`: the lock digest (Helm's
//! `HashReq`), picking a version from a repository's candidates, `file://` paths, URL
//! equality and the lock's `generated` time. Network and disk work lives in the CLI.

use crate::model::{Dependency, Lock};
use crate::semver::{Constraints, Version};

/// `json.Marshal(*chart.Dependency)`: Go's field order, `omitempty`, HTML escaping.
pub fn dependency_json(d: &Dependency) -> String {
    let mut out = String::from("{\"name\":");
    godata::json::write_string(&mut out, &d.name, true);
    if !d.version.is_empty() {
        out.push_str(",\"version\":");
        godata::json::write_string(&mut out, &d.version, true);
    }
    out.push_str(",\"repository\":");
    godata::json::write_string(&mut out, &d.repository, true);
    if !d.condition.is_empty() {
        out.push_str(",\"condition\":");
        godata::json::write_string(&mut out, &d.condition, true);
    }
    if !d.tags.is_empty() {
        out.push_str(",\"tags\":[");
        for (i, t) in d.tags.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            godata::json::write_string(&mut out, t, true);
        }
        out.push(']');
    }
    if d.enabled {
        out.push_str(",\"enabled\":true");
    }
    if !d.import_values.is_empty() {
        out.push_str(",\"import-values\":[");
        for (i, v) in d.import_values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Values decoded from YAML always encode; a failure would mean a cycle,
            // which YAML cannot express, so `null` is only a defensive fallback.
            out.push_str(&godata::json::to_json(v).unwrap_or_else(|_| "null".into()));
        }
        out.push(']');
    }
    if !d.alias.is_empty() {
        out.push_str(",\"alias\":");
        godata::json::write_string(&mut out, &d.alias, true);
    }
    out.push('}');
    out
}

fn list_json(deps: Option<&[Option<Dependency>]>) -> String {
    let Some(deps) = deps else { return "null".into() };
    let items: Vec<String> = deps.iter().map(|d| d.as_ref().map_or_else(|| "null".into(), dependency_json)).collect();
    format!("[{}]", items.join(","))
}

/// The bytes Helm's `HashReq(req, lock)` hashes: `json.Marshal([2][]*Dependency{req, lock})`.
/// `None` is Go's nil slice (`null`). The digest is `"sha256:" + hex(sha256(bytes))`.
pub fn hash_input(requested: Option<&[Option<Dependency>]>, locked: &[Option<Dependency>]) -> String {
    format!("[{},{}]", list_json(requested), list_json(Some(locked)))
}

/// A locked dependency: the three fields Helm keeps in `Chart.lock`.
pub fn locked(name: &str, repository: &str, version: &str) -> Dependency {
    Dependency { name: name.into(), repository: repository.into(), version: version.into(), ..Default::default() }
}

/// The first candidate (callers pass them newest first, as an index is sorted) that is a
/// version at all and satisfies `constraint`; the candidate's original text is returned
/// (Helm's `v.Original()`).
pub fn pick_version<'a>(constraint: &Constraints, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates.into_iter().find(|c| Version::parse(c).is_ok_and(|v| constraint.check(&v)))
}

/// Sorts version strings newest first (unparsable ones last, in text order), as Helm sorts
/// an index's versions or a registry's tags.
pub fn sort_newest_first(versions: &mut [String]) {
    versions.sort_by(|a, b| match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => y.compare(&x),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    });
}

/// Helm's `GetLocalPath` without the existence check: a `file://` repository relative to
/// the chart directory as given on the command line (Go's `filepath.Join`, so cleaned).
pub fn local_path(repository: &str, chart_path: &str) -> String {
    let p = repository.strip_prefix("file://").unwrap_or(repository);
    if p.starts_with('/') || chart_path.is_empty() {
        crate::gopath::clean(p)
    } else {
        crate::gopath::clean(&format!("{chart_path}/{p}"))
    }
}

/// Helm's `urlutil.Equal` for repository URLs: the same once trailing slashes (a cleaned
/// path) are disregarded.
pub fn urls_equal(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Whether a repository is an OCI registry reference.
pub fn is_oci(repository: &str) -> bool {
    repository.starts_with("oci://")
}

/// Whether a repository is an alias of a configured repository (`@name` or `alias:name`);
/// returns the name.
pub fn repository_alias(repository: &str) -> Option<&str> {
    repository.strip_prefix('@').or_else(|| repository.strip_prefix("alias:"))
}

/// Go's `time.RFC3339Nano` of a UTC instant (fraction without trailing zeros), as
/// `json.Marshal(time.Time)` writes the lock's `generated`.
pub fn rfc3339_nano_utc(unix_seconds: i64, nanos: u32) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A new lock with its digest already computed by the caller.
pub fn new_lock(generated: String, digest: String, dependencies: Vec<Dependency>) -> Lock {
    Lock { generated, digest, dependencies: dependencies.into_iter().map(Some).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str, version: &str, repo: &str) -> Dependency {
        locked(name, repo, version)
    }

    #[test]
    fn hash_input_matches_go_json() {
        let mut req = dep("sub", ">=0.1.0", "file://../sub");
        req.condition = "sub.enabled".into();
        req.tags = vec!["a".into(), "b".into()];
        req.import_values = vec![gotmpl::Value::str("data")];
        req.alias = "foo".into();
        let text = hash_input(Some(&[Some(req)]), &[Some(dep("sub", "0.1.0", "file://../sub"))]);
        assert_eq!(
            text,
            r#"[[{"name":"sub","version":"\u003e=0.1.0","repository":"file://../sub","condition":"sub.enabled","tags":["a","b"],"import-values":["data"],"alias":"foo"}],[{"name":"sub","version":"0.1.0","repository":"file://../sub"}]]"#
        );
        assert_eq!(hash_input(None, &[]), "[null,[]]");
    }

    #[test]
    fn picks_the_newest_matching_version() {
        let c = Constraints::parse("~0.1").unwrap();
        let mut vs = vec!["0.1.0".to_string(), "1.0.0".into(), "0.1.5".into(), "junk".into(), "0.2.0".into()];
        sort_newest_first(&mut vs);
        assert_eq!(vs, ["1.0.0", "0.2.0", "0.1.5", "0.1.0", "junk"]);
        assert_eq!(pick_version(&c, vs.iter().map(String::as_str)), Some("0.1.5"));
        let none = Constraints::parse("9.x").unwrap();
        assert_eq!(pick_version(&none, vs.iter().map(String::as_str)), None);
    }

    #[test]
    fn local_paths_join_like_go() {
        assert_eq!(local_path("file://../sub", "parent"), "sub");
        assert_eq!(local_path("file://../nonexist", "bad"), "nonexist");
        assert_eq!(local_path("file:///abs/x/", "p"), "/abs/x");
        assert_eq!(local_path("file://sub", "/a/b/"), "/a/b/sub");
    }

    #[test]
    fn generated_time_is_rfc3339_nano() {
        assert_eq!(rfc3339_nano_utc(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_nano_utc(1795554656, 931_253_970), "2026-11-24T21:10:56.93125397Z");
    }

    #[test]
    fn repository_helpers() {
        assert!(urls_equal("http://x/", "http://x"));
        assert_eq!(repository_alias("@stable"), Some("stable"));
        assert_eq!(repository_alias("alias:stable"), Some("stable"));
        assert!(is_oci("oci://h/p"));
    }
}
