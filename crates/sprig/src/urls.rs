//! `urlParse` and `urlJoin`: Go's `net/url` parsing and formatting, as Sprig exposes them
//! (a dict with `scheme`, `host`, `hostname`, `path`, `query`, `opaque`, `fragment` and
//! `userinfo`).

use gotmpl::lex::go_quote;
use gotmpl::{FuncError, FuncMap, Type, Value};

use crate::conv::arg_str;

/// The escaping contexts of `net/url` (its `encoding` enum).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host
        && matches!(c, b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'[' | b']' | b'<' | b'>' | b'"')
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

/// Go's `escape` for every mode but query components.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Go's `unescape`, with its `EscapeError` and `InvalidHostError` texts.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let pair = bytes.get(i + 1).copied().and_then(hex_value).zip(bytes.get(i + 2).copied().and_then(hex_value));
                let Some((hi, lo)) = pair else {
                    let end = (i + 3).min(bytes.len());
                    return Err(format!("invalid URL escape {}", go_quote(&String::from_utf8_lossy(&bytes[i..end]))));
                };
                if mode == Mode::Host && hi < 8 && &s[i..i + 3] != "%25" {
                    return Err(format!("invalid URL escape {}", go_quote(&s[i..i + 3])));
                }
                out.push(hi << 4 | lo);
                i += 3;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, mode) {
                    return Err(format!("invalid character {} in host name", go_quote(&(c as char).to_string())));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The parts of a URL that Sprig reads or writes (`url.URL`).
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub opaque: String,
    /// Username and optional password, unescaped.
    pub user: Option<(String, Option<String>)>,
    pub host: String,
    pub path: String,
    pub raw_query: String,
    pub force_query: bool,
    pub fragment: String,
    omit_host: bool,
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || (port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit()))
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let close = host.rfind(']').ok_or("missing ']' in host")?;
        let port = &host[close + 1..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '-' | '.' | '_' | ':' | '~' | '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '=' | '%' | '@')
            || !c.is_ascii()
    })
}

type Authority = (Option<(String, Option<String>)>, String);

fn parse_authority(authority: &str) -> Result<Authority, String> {
    let at = authority.rfind('@');
    let host = parse_host(match at {
        Some(i) => &authority[i + 1..],
        None => authority,
    })?;
    let Some(i) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..i];
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match userinfo.split_once(':') {
        None => (unescape(userinfo, Mode::UserPassword)?, None),
        Some((name, password)) => {
            (unescape(name, Mode::UserPassword)?, Some(unescape(password, Mode::UserPassword)?))
        }
    };
    Ok((Some(user), host))
}

impl Url {
    /// Go's `url.Parse`, with its error text (`parse "RAW": REASON`).
    pub fn parse(raw: &str) -> Result<Url, String> {
        let (without_fragment, fragment) = match raw.split_once('#') {
            Some((u, f)) => (u, Some(f)),
            None => (raw, None),
        };
        let mut url = Url::parse_without_fragment(without_fragment)
            .map_err(|e| format!("parse {}: {e}", go_quote(without_fragment)))?;
        if let Some(fragment) = fragment {
            url.fragment = unescape(fragment, Mode::Fragment).map_err(|e| format!("parse {}: {e}", go_quote(raw)))?;
        }
        Ok(url)
    }

    fn parse_without_fragment(raw: &str) -> Result<Url, String> {
        if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err("net/url: invalid control character in URL".into());
        }
        let mut url = Url::default();
        if raw == "*" {
            url.path = "*".into();
            return Ok(url);
        }
        let (scheme, mut rest) = get_scheme(raw)?;
        url.scheme = scheme.to_ascii_lowercase();
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            url.force_query = true;
            rest = &rest[..rest.len() - 1];
        } else if let Some((before, query)) = rest.split_once('?') {
            url.raw_query = query.to_string();
            rest = before;
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                url.opaque = rest.to_string();
                return Ok(url);
            }
            let first_segment = rest.split('/').next().unwrap_or("");
            if first_segment.contains(':') {
                return Err("first path segment in URL cannot contain colon".into());
            }
        }
        if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let authority_and_path = &rest[2..];
            let (authority, path) = match authority_and_path.find('/') {
                Some(i) => authority_and_path.split_at(i),
                None => (authority_and_path, ""),
            };
            let (user, host) = parse_authority(authority)?;
            url.user = user;
            url.host = host;
            rest = path;
        } else if !url.scheme.is_empty() && rest.starts_with('/') {
            url.omit_host = true;
        }
        url.path = unescape(rest, Mode::Path)?;
        Ok(url)
    }

    /// `URL.Hostname`: the host without port or IPv6 brackets.
    pub fn hostname(&self) -> String {
        let host = self.host.as_str();
        let without_port = if host.starts_with('[') {
            host.rfind(']').map_or(host, |i| &host[..=i])
        } else {
            host.rfind(':').map_or(host, |i| &host[..i])
        };
        without_port.trim_start_matches('[').trim_end_matches(']').to_string()
    }

    /// `Userinfo.String`: the escaped `user[:password]`.
    fn userinfo_string(&self) -> String {
        match &self.user {
            None => String::new(),
            Some((name, password)) => {
                let mut s = escape(name, Mode::UserPassword);
                if let Some(password) = password {
                    s.push(':');
                    s.push_str(&escape(password, Mode::UserPassword));
                }
                s
            }
        }
    }
}

impl std::fmt::Display for Url {
    /// `URL.String`.
    // The conditions are kept in the shape of Go's, which is easier to check against.
    #[allow(clippy::nonminimal_bool)]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        if !self.scheme.is_empty() {
            out.push_str(&self.scheme);
            out.push(':');
        }
        if !self.opaque.is_empty() {
            out.push_str(&self.opaque);
        } else {
            if (!self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some())
                && !(self.omit_host && self.host.is_empty() && self.user.is_none())
            {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    out.push_str("//");
                }
                if self.user.is_some() {
                    out.push_str(&self.userinfo_string());
                    out.push('@');
                }
                out.push_str(&escape(&self.host, Mode::Host));
            }
            let path = escape(&self.path, Mode::Path);
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                out.push('/');
            }
            if out.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
                // A colon in the first segment would read as a scheme.
                out.push_str("./");
            }
            out.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            out.push('?');
            out.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            out.push('#');
            out.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        f.write_str(&out)
    }
}

/// Sprig's `urlParse`.
fn url_parse(raw: &str) -> Result<Value, FuncError> {
    let url = Url::parse(raw).map_err(|e| FuncError::msg(format!("unable to parse url: {e}")))?;
    let hostname = url.hostname();
    let userinfo = url.userinfo_string();
    Ok(Value::map([
        ("scheme", Value::str(url.scheme)),
        ("host", Value::str(url.host)),
        ("hostname", Value::str(hostname)),
        ("path", Value::str(url.path)),
        ("query", Value::str(url.raw_query)),
        ("opaque", Value::str(url.opaque)),
        ("fragment", Value::str(url.fragment)),
        ("userinfo", Value::str(userinfo)),
    ]))
}

/// Sprig's `dictGetOrEmpty`: a missing key is empty; anything but a string panics.
fn dict_string(dict: &gotmpl::MapRef, key: &str) -> Result<String, FuncError> {
    match dict.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Nil) => Err(FuncError::msg("reflect: call of reflect.Value.Type on zero Value")),
        Some(other) => Err(FuncError::msg(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            other.kind().go_name()
        ))),
    }
}

/// Sprig's `urlJoin`.
fn url_join(dict: &gotmpl::MapRef) -> Result<Value, FuncError> {
    let mut url = Url {
        scheme: dict_string(dict, "scheme")?,
        host: dict_string(dict, "host")?,
        path: dict_string(dict, "path")?,
        raw_query: dict_string(dict, "query")?,
        opaque: dict_string(dict, "opaque")?,
        fragment: dict_string(dict, "fragment")?,
        ..Url::default()
    };
    let userinfo = dict_string(dict, "userinfo")?;
    if !userinfo.is_empty() {
        let probe = Url::parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| FuncError::msg(format!("unable to parse userinfo in dict: {e}")))?;
        url.user = probe.user;
    }
    Ok(Value::str(url.to_string()))
}

pub fn register(m: &mut FuncMap) {
    m.add("urlParse", &[Type::String], |_, args| url_parse(arg_str(args, 0)));
    m.add("urlJoin", &[Type::AnyMap], |_, args| match args.first() {
        Some(Value::Map(dict)) => url_join(dict),
        // A nil map reads as empty.
        _ => url_join(&gotmpl::MapRef::default()),
    });
}
