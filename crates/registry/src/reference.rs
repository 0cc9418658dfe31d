//! `oci://HOST[:PORT]/PATH[:TAG|@DIGEST]` references, checked as OCI's distribution spec
//! names them (lower-case path components, tag grammar, digest form).

use crate::{Error, ErrorKind, Result};

/// A parsed OCI reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// `host` or `host:port`.
    pub registry: String,
    /// The repository path, e.g. `owner/helm/kubernetes-example`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

pub const OCI_SCHEME: &str = "oci://";

fn bad(reference: &str, why: &str) -> Error {
    Error::new(ErrorKind::BadReference, format!("invalid reference \"{reference}\": {why}"))
}

impl Reference {
    /// Parses `oci://…` (the scheme is required, as Helm requires it on the command line).
    pub fn parse(text: &str) -> Result<Reference> {
        let Some(rest) = text.strip_prefix(OCI_SCHEME) else {
            return Err(bad(text, "must start with oci://"));
        };
        let (registry, path) = rest.split_once('/').unwrap_or((rest, ""));
        if registry.is_empty() || !registry.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) {
            return Err(bad(text, "invalid registry host"));
        }
        if let Some((_, port)) = registry.rsplit_once(':').filter(|_| !registry.starts_with('[')) {
            if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad(text, "invalid registry port"));
            }
        }
        let (path, digest) = match path.split_once('@') {
            Some((p, d)) => (p, Some(d.to_string())),
            None => (path, None),
        };
        // A tag follows the last ':' after the last '/'.
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match path[last_slash..].rfind(':') {
            Some(i) => (&path[..last_slash + i], Some(path[last_slash + i + 1..].to_string())),
            None => (path, None),
        };
        if repository.is_empty() {
            return Err(bad(text, "missing repository"));
        }
        for component in repository.split('/') {
            if !valid_path_component(component) {
                return Err(bad(text, "invalid repository name"));
            }
        }
        if let Some(t) = &tag {
            if !valid_tag(t) {
                return Err(bad(text, "invalid tag"));
            }
        }
        if let Some(d) = &digest {
            if !valid_digest(d) {
                return Err(bad(text, "invalid digest"));
            }
        }
        Ok(Reference { registry: registry.to_string(), repository: repository.to_string(), tag, digest })
    }

    /// The reference without scheme, as Helm prints it: `host/repo:tag`.
    pub fn display_with_tag(&self, tag: &str) -> String {
        format!("{}/{}:{tag}", self.registry, self.repository)
    }

    /// This repository with one more path component (push appends the chart name).
    pub fn child(&self, name: &str) -> Result<Reference> {
        if !valid_path_component(name) {
            return Err(Error::new(ErrorKind::BadReference, format!("invalid chart name \"{name}\" for an OCI repository")));
        }
        Ok(Reference {
            registry: self.registry.clone(),
            repository: format!("{}/{name}", self.repository),
            tag: None,
            digest: None,
        })
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn valid_path_component(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run: '.', '_', '__', or one or more '-'.
        let start = i;
        while i < b.len() && !is_alnum(b[i]) {
            i += 1;
        }
        let sep = &s[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.chars().all(|c| c == '-')) {
            return false;
        }
    }
    true
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`
fn valid_tag(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-')
}

/// `sha256:<64 hex>` (the only algorithm charts use).
pub fn valid_digest(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)))
}

/// Helm's tag for a chart version: OCI tags cannot hold `+`, so Helm writes `_`.
pub fn tag_for_version(version: &str) -> String {
    version.replace('+', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_path_and_tag() {
        let r = Reference::parse("oci://localhost:5000/owner/helm/chart:1.0.0").expect("valid");
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "owner/helm/chart");
        assert_eq!(r.tag.as_deref(), Some("1.0.0"));
        let r = Reference::parse("oci://ghcr.io/owner/helm").expect("valid");
        assert_eq!((r.registry.as_str(), r.repository.as_str(), r.tag), ("ghcr.io", "owner/helm", None));
    }

    #[test]
    fn rejects_bad_references() {
        for bad in ["localhost/x", "oci://", "oci://host", "oci://host/Upper", "oci://host/a//b", "oci://host/a:b:c/d", "oci://host:x/a", "oci://host/a@sha256:12"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn version_tags() {
        assert_eq!(tag_for_version("1.0.0+build.1"), "1.0.0_build.1");
    }
}
