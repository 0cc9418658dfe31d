//! Semantic versions and range constraints as Helm checks them (Masterminds/semver v3):
//! chart versions must parse, dependency `version` ranges select subcharts, and
//! `kubeVersion` ranges gate installation.

use std::cmp::Ordering;

/// A parsed version. Masterminds accepts `v` prefixes and missing minor/patch parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Dot-separated identifiers of `[0-9A-Za-z-]+`.
fn valid_identifiers(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|part| !part.is_empty() && part.chars().all(is_ident_char))
}

impl Version {
    /// Masterminds' `NewVersion`.
    pub fn parse(text: &str) -> Option<Version> {
        let s = text.strip_prefix('v').unwrap_or(text);
        let (s, metadata) = match s.split_once('+') {
            Some((a, m)) => {
                if !valid_identifiers(m) {
                    return None;
                }
                (a, m.to_string())
            }
            None => (s, String::new()),
        };
        let (core, pre) = match s.split_once('-') {
            Some((a, p)) => {
                if !valid_identifiers(p) {
                    return None;
                }
                // Numeric prerelease identifiers may not have leading zeros.
                if p.split('.').any(|id| id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit())) {
                    return None;
                }
                (a, p.to_string())
            }
            None => (s, String::new()),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        let mut nums = [0u64; 3];
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            nums[i] = part.parse().ok()?;
        }
        Some(Version { major: nums[0], minor: nums[1], patch: nums[2], pre, metadata })
    }

    /// Masterminds' `Compare`: metadata is ignored; a prerelease sorts before its release.
    pub fn compare(&self, other: &Version) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| compare_prerelease(&self.pre, &other.pre))
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (ap, bp): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..ap.len().max(bp.len()) {
        let (x, y) = match (ap.get(i), bp.get(i)) {
            (Some(x), Some(y)) => (*x, *y),
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (None, None) => break,
        };
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(nx), Ok(ny)) => nx.cmp(&ny),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

#[derive(Clone, Debug)]
struct Single {
    op: Op,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

/// A parsed constraint: `||`-separated groups of conditions that must all hold.
#[derive(Clone, Debug)]
pub struct Constraint {
    groups: Vec<Vec<Single>>,
}

const OPS: &[(&str, Op)] = &[
    ("!=", Op::NotEqual),
    (">=", Op::GreaterEqual),
    ("=>", Op::GreaterEqual),
    ("<=", Op::LessEqual),
    ("=<", Op::LessEqual),
    ("~>", Op::Tilde),
    (">", Op::Greater),
    ("<", Op::Less),
    ("=", Op::TildeOrEqual),
    ("~", Op::Tilde),
    ("^", Op::Caret),
];

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

impl Constraint {
    /// Masterminds' `NewConstraint`; the error is its message.
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut groups = Vec::new();
        for part in text.split("||") {
            let singles = parse_group(part).ok_or_else(|| format!("improper constraint: {part}"))?;
            groups.push(singles);
        }
        Ok(Constraint { groups })
    }

    pub fn check(&self, v: &Version) -> bool {
        self.groups.iter().any(|group| group.iter().all(|c| c.check(v)))
    }
}

/// Helm's `IsCompatibleRange`: false when either side does not parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    match (Version::parse(version), Constraint::parse(constraint)) {
        (Some(v), Ok(c)) => c.check(&v),
        _ => false,
    }
}

/// Splits one `||` group into operator/version items; `None` if it is not well formed.
fn parse_group(part: &str) -> Option<Vec<Single>> {
    // Rewrite `A - B` ranges into `>= A <= B` first.
    let tokens: Vec<&str> = part.split_whitespace().collect();
    let mut rewritten: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if i + 2 < tokens.len() && tokens[i + 1] == "-" && looks_like_version(tokens[i]) && looks_like_version(tokens[i + 2]) {
            rewritten.push(format!(">={}", tokens[i]));
            rewritten.push(format!("<={}", tokens[i + 2]));
            i += 3;
        } else {
            rewritten.push(tokens[i].to_string());
            i += 1;
        }
    }
    let text = rewritten.join(" ");
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < chars.len() && chars[pos] == ' ' {
            pos += 1;
        }
        if pos >= chars.len() {
            break;
        }
        if !out.is_empty() {
            // Items are separated by blanks or a comma.
            if chars[pos] == ',' {
                pos += 1;
                while pos < chars.len() && chars[pos] == ' ' {
                    pos += 1;
                }
            } else if chars[pos - 1] != ' ' {
                return None;
            }
        }
        let rest: String = chars[pos..].iter().collect();
        let (op, op_len) = OPS
            .iter()
            .find(|(s, _)| rest.starts_with(s))
            .map(|(s, op)| (*op, s.chars().count()))
            .unwrap_or((Op::TildeOrEqual, 0));
        pos += op_len;
        while pos < chars.len() && chars[pos] == ' ' {
            pos += 1;
        }
        let start = pos;
        while pos < chars.len() && !matches!(chars[pos], ' ' | ',') {
            pos += 1;
        }
        let version: String = chars[start..pos].iter().collect();
        out.push(parse_single(op, &version)?);
    }
    if out.is_empty() {
        return None;
    }
    Some(out)
}

fn looks_like_version(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    s.chars().next().is_some_and(|c| c.is_ascii_digit() || matches!(c, 'x' | 'X' | '*'))
}

fn parse_single(op: Op, text: &str) -> Option<Single> {
    let s = text.strip_prefix('v').unwrap_or(text);
    // Split off prerelease/metadata after the numeric (or wildcard) core.
    let core_end = s.find(['-', '+']).unwrap_or(s.len());
    let (core, tail) = s.split_at(core_end);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    for p in &parts {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit() || matches!(c, 'x' | 'X' | '*')) {
            return None;
        }
    }
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let version_text = if is_x(parts[0]) {
        dirty = true;
        format!("0.0.0{tail}")
    } else if parts.len() < 2 || is_x(parts[1]) {
        dirty = true;
        minor_dirty = true;
        format!("{}.0.0{tail}", parts[0])
    } else if parts.len() < 3 || is_x(parts[2]) {
        dirty = true;
        patch_dirty = true;
        format!("{}.{}.0{tail}", parts[0], parts[1])
    } else {
        format!("{core}{tail}")
    };
    let con = Version::parse(&version_text)?;
    Some(Single { op, con, dirty, minor_dirty, patch_dirty })
}

impl Single {
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        // A prerelease only satisfies constraints that mention prereleases.
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        match self.op {
            Op::TildeOrEqual => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == Ordering::Equal
                }
            }
            Op::NotEqual => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                        }
                        return false;
                    }
                }
                v.compare(c) != Ordering::Equal
            }
            Op::Greater => {
                if !self.dirty {
                    return v.compare(c) == Ordering::Greater;
                }
                if v.major > c.major {
                    true
                } else if v.major < c.major || self.minor_dirty {
                    false
                } else if self.patch_dirty {
                    v.minor > c.minor
                } else {
                    v.compare(c) == Ordering::Greater
                }
            }
            Op::Less => v.compare(c) == Ordering::Less,
            Op::GreaterEqual => v.compare(c) != Ordering::Less,
            Op::LessEqual => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            Op::Tilde => self.tilde(v),
            Op::Caret => {
                if v.compare(c) == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                v.patch == c.patch
            }
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        !(v.minor != c.minor && !self.minor_dirty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(Version::parse("01.2.3").is_some());
        assert!(Version::parse("1.2").is_some());
        assert!(Version::parse("v1.2.3+01").is_some());
        assert!(Version::parse("1.2.3-01").is_none());
        assert!(Version::parse("1.2.3.4").is_none());
        assert!(Version::parse(" 1.2.3").is_none());
        assert!(Version::parse("1.2.3-").is_none());
    }

    #[test]
    fn constraints() {
        assert!(is_compatible_range("~1.2.0", "1.2.9"));
        assert!(!is_compatible_range("~1.2.0", "1.3.0"));
        assert!(is_compatible_range("^1.2", "1.9.0"));
        assert!(!is_compatible_range("^0.2.3", "0.3.0"));
        assert!(is_compatible_range(">=1.0.0, <2.0.0", "1.5.0"));
        assert!(is_compatible_range(">= 1.0.0 < 2.0.0", "1.5.0"));
        assert!(is_compatible_range("1.x || >=3", "3.1.0"));
        assert!(is_compatible_range("1.2 - 1.4.5", "1.4.0"));
        assert!(!is_compatible_range(">=1.0.0", "1.5.0-beta"));
        assert!(is_compatible_range(">=1.0.0-0", "1.5.0-beta"));
        assert!(!is_compatible_range("", "1.0.0"));
        assert!(is_compatible_range("*", "3.0.0"));
        assert!(is_compatible_range("0.1.0", "0.1.0"));
        assert!(is_compatible_range(">= 1.21.0-0", "1.35.0"));
    }
}
