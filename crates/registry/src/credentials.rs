//! Registry credentials in Docker's `config.json` format (what Helm reads and writes at
//! `$HELM_REGISTRY_CONFIG`, by default `~/.config/helm/registry/config.json`):
//! `{"auths": {"HOST": {"auth": base64("user:password")}}}`. Other keys are kept.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Map, Value};

use crate::{Error, ErrorKind, Result};

/// A username and password (or token) for one registry host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub password: String,
}

/// Where Helm keeps registry credentials, from the environment: `HELM_REGISTRY_CONFIG`,
/// else `$HELM_CONFIG_HOME`, `$XDG_CONFIG_HOME/helm` or `$HOME/.config/helm`, plus
/// `registry/config.json`.
pub fn default_config_path(var: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    if let Some(p) = var("HELM_REGISTRY_CONFIG") {
        return PathBuf::from(p);
    }
    let config_home = var("HELM_CONFIG_HOME").map(PathBuf::from).unwrap_or_else(|| {
        var("XDG_CONFIG_HOME")
            .map(|x| PathBuf::from(x).join("helm"))
            .unwrap_or_else(|| PathBuf::from(var("HOME").unwrap_or_else(|| ".".into())).join(".config").join("helm"))
    });
    config_home.join("registry").join("config.json")
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{}: {e}", path.display()))
}

fn read_config(path: &Path) -> Result<Map<String, Value>> {
    match std::fs::read(path) {
        Ok(data) if data.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        Ok(data) => match serde_json::from_slice::<Value>(&data) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(Error::new(ErrorKind::Invalid, format!("{}: not a JSON object", path.display()))),
            Err(e) => Err(Error::new(ErrorKind::Invalid, format!("{}: {e}", path.display()))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(e) => Err(io_error(path, &e)),
    }
}

fn write_config(path: &Path, config: &Map<String, Value>) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    }
    // Tab-indented, as Docker's and Helm's credential stores write it.
    let mut text = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut text, formatter);
    serde::Serialize::serialize(config, &mut ser).map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))?;
    // Credentials: readable by the owner only, as Docker and Helm write them.
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, &text).map_err(|e| io_error(&tmp, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
    }
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, &e))
}

/// The stored credential for a registry host, if any.
pub fn lookup(path: &Path, host: &str) -> Result<Option<Credential>> {
    let config = read_config(path)?;
    let Some(entry) = config.get("auths").and_then(|a| a.get(host)) else { return Ok(None) };
    if let Some(auth) = entry.get("auth").and_then(Value::as_str) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| Error::new(ErrorKind::Invalid, format!("{}: bad auth for {host}: {e}", path.display())))?;
        let text = String::from_utf8_lossy(&decoded);
        let (user, pass) = text
            .split_once(':')
            .ok_or_else(|| Error::new(ErrorKind::Invalid, format!("{}: bad auth for {host}", path.display())))?;
        return Ok(Some(Credential { username: user.to_string(), password: pass.to_string() }));
    }
    let user = entry.get("username").and_then(Value::as_str);
    let pass = entry.get("password").and_then(Value::as_str);
    Ok(match (user, pass) {
        (Some(u), Some(p)) => Some(Credential { username: u.to_string(), password: p.to_string() }),
        _ => None,
    })
}

/// Stores (replaces) the credential for a host.
pub fn store(path: &Path, host: &str, credential: &Credential) -> Result<()> {
    let mut config = read_config(path)?;
    let auths = config.entry("auths").or_insert_with(|| Value::Object(Map::new()));
    if !auths.is_object() {
        *auths = Value::Object(Map::new());
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", credential.username, credential.password));
    if let Some(map) = auths.as_object_mut() {
        let mut entry = Map::new();
        entry.insert("auth".into(), Value::String(encoded));
        map.insert(host.to_string(), Value::Object(entry));
    }
    write_config(path, &config)
}

/// Removes the credential for a host; whether there was one. As with Helm, logging out
/// of a host one was not logged in to is not an error.
pub fn remove(path: &Path, host: &str) -> Result<bool> {
    let mut config = read_config(path)?;
    let removed = config.get_mut("auths").and_then(Value::as_object_mut).and_then(|m| m.remove(host));
    if removed.is_none() {
        return Ok(false);
    }
    write_config(path, &config)?;
    Ok(true)
}
