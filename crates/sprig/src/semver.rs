//! `semver` and `semverCompare`, with the parsing and constraint rules of
//! github.com/Masterminds/semver v3.4.0 (the version Helm v4.1.4 links).
//!
//! Charts lean on `semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version` to pick API
//! versions, so every quirk matters: loose versions (`v1.2`, `1`) are coerced, a prerelease
//! version only satisfies an AND group that itself names a prerelease, x-ranges mark a
//! constraint "dirty" and change what `>`/`<=`/`!=` mean, and hyphen ranges are rewritten
//! textually before anything else.

use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

use ::regex::Regex;
use gotmpl::{FuncMap, Kind, Object, Sig, Type, Value};

const INVALID_SEMVER: &str = "invalid semantic version";
const INVALID_METADATA: &str = "invalid metadata string";
const INVALID_PRERELEASE: &str = "invalid prerelease string";
const SEGMENT_STARTS_ZERO: &str = "version segment starts with 0";

/// The loose version syntax `NewVersion` accepts (semver's `looseSemVerRegex`); matched by
/// [`match_loose_version`], kept as the specification its test checks against.
#[cfg(test)]
const LOOSE_VERSION: &str = r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

/// [`LOOSE_VERSION`] matched by hand (every chart's version goes through it, and compiling
/// the regex cost more than the rest of a small chart's load): the major, minor and patch
/// digits (minor and patch with their dot, or empty), the prerelease and the metadata.
/// The syntax leaves no choice to backtracking, so one left-to-right pass decides.
fn match_loose_version(text: &str) -> Option<[&str; 5]> {
    let bytes = text.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'v'));
    let digits_from = |from: usize| from + bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let major_end = digits_from(at);
    if major_end == at {
        return None;
    }
    let major = &text[at..major_end];
    at = major_end;
    let mut dotted = [""; 2];
    for part in &mut dotted {
        if bytes.get(at) == Some(&b'.') {
            let end = digits_from(at + 1);
            if end == at + 1 {
                return None;
            }
            *part = &text[at..end];
            at = end;
        }
    }
    // `[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*`
    let identifiers = |s: &str| !s.is_empty() && s.split('.').all(|p| !p.is_empty() && is_identifier(p));
    let rest = &text[at..];
    let (pre, meta) = match rest.as_bytes().first() {
        None => ("", ""),
        Some(b'-') => match rest[1..].split_once('+') {
            Some((pre, meta)) => (pre, Some(meta).filter(|m| identifiers(m))?),
            None => (&rest[1..], ""),
        },
        Some(b'+') => ("", Some(&rest[1..]).filter(|m| identifiers(m))?),
        Some(_) => return None,
    };
    if rest.starts_with('-') && !identifiers(pre) {
        return None;
    }
    Some([major, dotted[0], dotted[1], pre, meta])
}

/// The version syntax inside constraints: like [`LOOSE_VERSION`] but with x-range
/// wildcards. (The `|` inside the classes is literal, as in the Go source.)
const CONSTRAINT_VERSION: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

/// The operators, in the order Go's alternation tries them; the empty operator means `=`.
const OPERATORS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

/// Go's `\s`: ASCII whitespace without `\v` (the regex crate's ASCII `\s` has `\v`).
const WS: &str = r"[\t\n\f\r ]";

/// The patterns, each compiled on first use: a chart run usually needs one or two of them,
/// and compiling all five took about a millisecond, a fair part of a small chart's run.
/// They are ASCII-only (as Go's classes are), which also makes them far quicker to compile.
macro_rules! pattern {
    ($name:ident, $make:expr) => {
        fn $name() -> &'static Regex {
            static PATTERN: OnceLock<Regex> = OnceLock::new();
            PATTERN.get_or_init(|| {
                ::regex::RegexBuilder::new(&$make).unicode(false).build().expect("semver patterns are valid")
            })
        }
    };
}

#[cfg(test)]
pattern!(loose_version_pattern, format!("^{LOOSE_VERSION}$"));
pattern!(constraint_pattern, format!(r"^{WS}*({OPERATORS}){WS}*({CONSTRAINT_VERSION}){WS}*$"));
pattern!(range_pattern, format!(r"{WS}*({CONSTRAINT_VERSION}){WS}+-{WS}+({CONSTRAINT_VERSION}){WS}*"));
pattern!(find_constraint_pattern, format!(r"({OPERATORS}){WS}*({CONSTRAINT_VERSION})"));
pattern!(
    valid_group_pattern,
    format!(r"^({WS}*({OPERATORS}){WS}*({CONSTRAINT_VERSION}){WS}*)((?:{WS}+|,{WS}*)({OPERATORS}){WS}*({CONSTRAINT_VERSION}){WS}*)*$")
);

/// A parsed semantic version (`semver.Version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    /// The text the version was parsed from.
    pub original: String,
}

/// Go's `strconv.ParseUint(s, 10, 64)` on a string of ASCII digits, with its error text.
fn parse_segment(digits: &str) -> Result<u64, String> {
    digits.parse::<u64>().map_err(|_| {
        format!("error parsing version segment: strconv.ParseUint: parsing {digits:?}: value out of range")
    })
}

fn is_numeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn is_identifier(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn validate_prerelease(pre: &str) -> Result<(), String> {
    for part in pre.split('.') {
        if part.is_empty() {
            return Err(INVALID_PRERELEASE.into());
        } else if is_numeric(part) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(SEGMENT_STARTS_ZERO.into());
            }
        } else if !is_identifier(part) {
            return Err(INVALID_PRERELEASE.into());
        }
    }
    Ok(())
}

fn validate_metadata(meta: &str) -> Result<(), String> {
    if meta.split('.').any(|part| part.is_empty() || !is_identifier(part)) {
        return Err(INVALID_METADATA.into());
    }
    Ok(())
}

impl Version {
    /// `semver.NewVersion` with `CoerceNewVersion` on (the default): `v1`, `1.2`, `01.2.3`
    /// are accepted and completed with zeros.
    pub fn parse(text: &str) -> Result<Version, String> {
        let [major, minor, patch, pre, metadata] = match_loose_version(text).ok_or(INVALID_SEMVER)?;
        let numeric = |digits: &str| -> Result<u64, String> {
            match digits.trim_start_matches('.') {
                "" => Ok(0),
                digits => parse_segment(digits),
            }
        };
        let version = Version {
            major: numeric(major)?,
            minor: numeric(minor)?,
            patch: numeric(patch)?,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: text.to_string(),
        };
        if !version.pre.is_empty() {
            validate_prerelease(&version.pre)?;
        }
        if !version.metadata.is_empty() {
            validate_metadata(&version.metadata)?;
        }
        Ok(version)
    }

    /// `semver.StrictNewVersion`: exactly `MAJOR.MINOR.PATCH[-pre][+metadata]`, with no `v`
    /// prefix, no missing parts and no leading zeros (what Helm requires of SemVer 2 versions).
    pub fn parse_strict(text: &str) -> Result<Version, String> {
        if text.is_empty() {
            return Err("version string empty".into());
        }
        let mut parts = text.splitn(3, '.');
        let (Some(major), Some(minor), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(INVALID_SEMVER.into());
        };
        let (rest, metadata) = match rest.split_once('+') {
            Some((rest, metadata)) => {
                validate_metadata(metadata)?;
                (rest, metadata)
            }
            None => (rest, ""),
        };
        let (patch, pre) = match rest.split_once('-') {
            Some((patch, pre)) => {
                validate_prerelease(pre)?;
                (patch, pre)
            }
            None => (rest, ""),
        };
        for segment in [major, minor, patch] {
            if !is_numeric(segment) {
                return Err("invalid characters in version".into());
            }
            if segment.len() > 1 && segment.starts_with('0') {
                return Err(SEGMENT_STARTS_ZERO.into());
            }
        }
        let number = |segment: &str| match segment {
            "" => Err(format!("error parsing version segment: strconv.ParseUint: parsing {segment:?}: invalid syntax")),
            digits => parse_segment(digits),
        };
        Ok(Version {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(patch)?,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: text.to_string(),
        })
    }

    /// `semver.New`: a version from its parts, its original text being its canonical form.
    fn from_parts(major: u64, minor: u64, patch: u64, pre: &str, metadata: &str, v_prefix: &str) -> Version {
        let mut v = Version {
            major,
            minor,
            patch,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: String::new(),
        };
        v.original = format!("{v_prefix}{v}");
        v
    }

    fn v_prefix(&self) -> &'static str {
        if self.original.starts_with('v') {
            "v"
        } else {
            ""
        }
    }

    /// `Version.Compare`: precedence order, ignoring build metadata.
    pub fn compare(&self, other: &Version) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            })
    }

    fn inc_patch(&self) -> Version {
        let patch = if self.pre.is_empty() { self.patch + 1 } else { self.patch };
        Version::from_parts(self.major, self.minor, patch, "", "", self.v_prefix())
    }

    fn inc_minor(&self) -> Version {
        Version::from_parts(self.major, self.minor + 1, 0, "", "", self.v_prefix())
    }

    fn inc_major(&self) -> Version {
        Version::from_parts(self.major + 1, 0, 0, "", "", self.v_prefix())
    }
}

impl std::fmt::Display for Version {
    /// `Version.String`: the canonical form, without the `v` prefix.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

/// Semver's prerelease precedence, part by part: numbers numerically and below words,
/// words byte-wise, a missing part lowest.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (a_parts, b_parts): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..a_parts.len().max(b_parts.len()) {
        let ordering = compare_prerelease_part(
            a_parts.get(i).copied().unwrap_or(""),
            b_parts.get(i).copied().unwrap_or(""),
        );
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

fn compare_prerelease_part(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Less;
    }
    if b.is_empty() {
        return Ordering::Greater;
    }
    // Go parses both with ParseUint: a part too large for u64 counts as a word.
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(_), Err(_)) => Ordering::Less,
        (Ok(x), Ok(y)) => {
            if x > y {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
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

impl Op {
    fn parse(op: &str) -> Op {
        match op {
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => Op::TildeOrEqual,
        }
    }
}

/// One comparison of a constraint, e.g. `>=1.2.x`.
#[derive(Clone, Debug)]
struct Comparator {
    op: Op,
    version: Version,
    /// Which parts were wildcards or missing (`1.x` is minor-dirty, `1.2` patch-dirty).
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

fn is_wildcard(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

impl Comparator {
    fn parse(text: &str) -> Result<Comparator, String> {
        if text.is_empty() {
            // An empty constraint means any version.
            return Ok(Comparator {
                op: Op::TildeOrEqual,
                version: Version::from_parts(0, 0, 0, "", "", ""),
                dirty: true,
                minor_dirty: false,
                patch_dirty: false,
            });
        }
        let caps = constraint_pattern()
            .captures(text)
            .ok_or_else(|| format!("improper constraint: {text}"))?;
        let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let (major, minor, patch, pre) = (group(3), group(4), group(5), group(6));
        let trimmed_minor = minor.trim_start_matches('.');
        let trimmed_patch = patch.trim_start_matches('.');
        let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
        let version_text = if is_wildcard(major) || major.is_empty() {
            dirty = true;
            format!("0.0.0{pre}")
        } else if is_wildcard(trimmed_minor) || minor.is_empty() {
            dirty = true;
            minor_dirty = true;
            format!("{major}.0.0{pre}")
        } else if is_wildcard(trimmed_patch) || patch.is_empty() {
            dirty = true;
            patch_dirty = true;
            format!("{major}{minor}.0{pre}")
        } else {
            group(2).to_string()
        };
        let version = Version::parse(&version_text).map_err(|_| "constraint parser error".to_string())?;
        Ok(Comparator { op: Op::parse(group(1)), version, dirty, minor_dirty, patch_dirty })
    }

    /// Whether `v` satisfies this comparison; `include_pre` says whether the AND group
    /// names a prerelease (only then may a prerelease version match).
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.version;
        match self.op {
            Op::TildeOrEqual if self.dirty => self.tilde(v),
            Op::TildeOrEqual => v.compare(c) == Ordering::Equal,
            Op::NotEqual => self.not_equal(v),
            Op::Greater => self.greater(v),
            Op::Less => v.compare(c) == Ordering::Less,
            Op::GreaterEqual => v.compare(c) != Ordering::Less,
            Op::LessEqual => self.less_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.version;
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

    fn greater(&self, v: &Version) -> bool {
        let c = &self.version;
        if !self.dirty {
            return v.compare(c) == Ordering::Greater;
        }
        if v.major > c.major {
            true
        } else if v.major < c.major || self.minor_dirty {
            // `>11` needs 12 or higher: 11.1.0 is not greater.
            false
        } else if self.patch_dirty {
            v.minor > c.minor
        } else {
            v.compare(c) == Ordering::Greater
        }
    }

    fn less_equal(&self, v: &Version) -> bool {
        let c = &self.version;
        if !self.dirty {
            return v.compare(c) != Ordering::Greater;
        }
        !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.version;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        // ~0.0.0 accepts everything.
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.version;
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
        c.patch == v.patch
    }
}

/// A parsed constraint string: OR groups of AND-ed comparisons (`semver.Constraints`).
#[derive(Clone, Debug)]
pub struct Constraints {
    groups: Vec<Group>,
}

#[derive(Clone, Debug)]
struct Group {
    comparators: Vec<Comparator>,
    /// Whether any comparison names a prerelease, which lets prerelease versions match.
    has_prerelease: bool,
}

/// Rewrites hyphen ranges `A - B` into `>= A, <= B `, as text, the way semver does before
/// parsing anything else.
fn rewrite_ranges(text: &str) -> String {
    let mut out = text.to_string();
    if !text.contains('-') {
        return out;
    }
    for caps in range_pattern().captures_iter(text) {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let low = caps.get(1).map_or("", |m| m.as_str());
        let high = caps.get(11).map_or("", |m| m.as_str());
        out = out.replacen(whole, &format!(">= {low}, <= {high} "), 1);
    }
    out
}

impl Constraints {
    /// `semver.NewConstraint`.
    pub fn parse(text: &str) -> Result<Constraints, String> {
        let rewritten = rewrite_ranges(text);
        let mut groups = Vec::new();
        for group_text in rewritten.split("||") {
            if !valid_group_pattern().is_match(group_text) {
                return Err(format!("improper constraint: {group_text}"));
            }
            let mut parts: Vec<&str> =
                find_constraint_pattern().find_iter(group_text).map(|m| m.as_str()).collect();
            if parts.is_empty() {
                parts.push(group_text);
            }
            let comparators = parts.into_iter().map(Comparator::parse).collect::<Result<Vec<_>, _>>()?;
            let has_prerelease = comparators.iter().any(|c| !c.version.pre.is_empty());
            groups.push(Group { comparators, has_prerelease });
        }
        Ok(Constraints { groups })
    }

    /// `Constraints.Check`.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|g| g.comparators.iter().all(|c| c.check(v, g.has_prerelease)))
    }
}

/// Sprig's `semverCompare CONSTRAINT VERSION`.
///
/// Charts ask the same question in every template (`semverCompare ">=1.19-0"
/// .Capabilities.KubeVersion.Version`), and parsing a constraint costs far more than
/// checking it: answers are remembered per (constraint, version).
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    /// Pairs kept at most.
    static ANSWERS: crate::memo::Memo<(String, String), Result<bool, String>> = crate::memo::Memo::new(1024);
    ANSWERS.get_or_compute(&(constraint.to_string(), version.to_string()), || {
        Constraints::parse(constraint).and_then(|c| Ok(c.check(&Version::parse(version)?)))
    })
}

/// A `*semver.Version` (what `semver` returns) or a `semver.Version` value (what its
/// `IncMajor` & co. return), as a template object.
#[derive(Clone, Debug)]
pub struct VersionObject {
    pub version: Version,
    pub pointer: bool,
}

impl VersionObject {
    fn value(version: Version, pointer: bool) -> Value {
        Value::Object(Arc::new(VersionObject { version, pointer }))
    }
}

fn version_arg(v: &Value) -> Result<&Version, String> {
    match v {
        Value::Object(o) => match o.as_any().downcast_ref::<VersionObject>() {
            Some(vo) if vo.pointer => Ok(&vo.version),
            _ => Err(format!(
                "wrong type for value; expected *semver.Version; got {}",
                v.type_name()
            )),
        },
        Value::Nil => Err("invalid memory address or nil pointer dereference".into()),
        other => Err(format!("wrong type for value; expected *semver.Version; got {}", other.type_name())),
    }
}

fn string_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

impl Object for VersionObject {
    fn type_name(&self) -> &str {
        if self.pointer {
            "*semver.Version"
        } else {
            "semver.Version"
        }
    }

    fn kind(&self) -> Kind {
        if self.pointer {
            Kind::Ptr
        } else {
            Kind::Struct
        }
    }

    fn method(&self, name: &str) -> Option<Sig> {
        Some(match name {
            "String" | "Original" | "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata"
            | "IncMajor" | "IncMinor" | "IncPatch" | "MarshalJSON" | "MarshalText" | "Value" => {
                Sig::new(&[])
            }
            "SetPrerelease" | "SetMetadata" => Sig::new(&[Type::String]),
            // These take a *Version; the argument is checked in call_method.
            "LessThan" | "LessThanEqual" | "GreaterThan" | "GreaterThanEqual" | "Equal" | "Compare"
                if self.pointer =>
            {
                Sig::new(&[Type::Any])
            }
            _ => return None,
        })
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let v = &self.version;
        let int = |n: u64| Value::Int64(n as i64);
        Ok(match name {
            "String" => Value::str(v.to_string()),
            "Original" => Value::str(v.original.as_str()),
            "Major" => int(v.major),
            "Minor" => int(v.minor),
            "Patch" => int(v.patch),
            "Prerelease" => Value::str(v.pre.as_str()),
            "Metadata" => Value::str(v.metadata.as_str()),
            "IncMajor" => VersionObject::value(v.inc_major(), false),
            "IncMinor" => VersionObject::value(v.inc_minor(), false),
            "IncPatch" => VersionObject::value(v.inc_patch(), false),
            "MarshalJSON" => Value::str(format!("\"{v}\"")),
            "MarshalText" | "Value" => Value::str(v.to_string()),
            "SetPrerelease" | "SetMetadata" => {
                let text = string_arg(args, 0);
                let mut next = v.clone();
                if name == "SetPrerelease" {
                    if !text.is_empty() {
                        validate_prerelease(text)?;
                    }
                    next.pre = text.to_string();
                } else {
                    if !text.is_empty() {
                        validate_metadata(text)?;
                    }
                    next.metadata = text.to_string();
                }
                next.original = format!("{}{}", v.v_prefix(), next);
                VersionObject::value(next, false)
            }
            "LessThan" | "LessThanEqual" | "GreaterThan" | "GreaterThanEqual" | "Equal" | "Compare" => {
                let other = version_arg(args.first().unwrap_or(&Value::Nil))?;
                let ord = v.compare(other);
                match name {
                    "LessThan" => Value::Bool(ord == Ordering::Less),
                    "LessThanEqual" => Value::Bool(ord != Ordering::Greater),
                    "GreaterThan" => Value::Bool(ord == Ordering::Greater),
                    "GreaterThanEqual" => Value::Bool(ord != Ordering::Less),
                    "Equal" => Value::Bool(ord == Ordering::Equal),
                    _ => Value::Int(ord as i64),
                }
            }
            _ => return Err(format!("{name} is not a method of {}", self.type_name())),
        })
    }

    /// `%v` uses the `String` method for both the pointer and the value.
    fn format_v(&self) -> String {
        self.version.to_string()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub fn register(m: &mut FuncMap) {
    m.add("semverCompare", &[Type::String, Type::String], |_, args| {
        Ok(Value::Bool(semver_compare(string_arg(args, 0), string_arg(args, 1))?))
    });
    m.add("semver", &[Type::String], |_, args| {
        Ok(VersionObject::value(Version::parse(string_arg(args, 0))?, true))
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn loose_versions_match_by_hand_as_the_regex_does() {
        let mut cases: Vec<String> = [
            "1", "v1", "1.2", "1.2.3", "v1.2.3", "01.2.3", "1.2.3-alpha", "1.2.3-alpha.1", "1.2.3-a-b.c",
            "1.2.3+meta", "1.2.3-pre+meta.1", "1.2.3+meta-x", "1.2-pre", "1-pre", "1+m", "", "v", "V1", "1.",
            "1.2.", "1.2.3.4", "1.2.3-", "1.2.3+", "1.2.3-a..b", "1.2.3-.a", "1.2.3-a.", "1.2.3+a..b", "1.2.3-a+b+c",
            "1.2.3 ", " 1.2.3", "1.2.3\n", "1.x", "1.2.3-ä", "1.2.3-a_b", "vv1", "1.2.3-0.0", "1.2.3+-", "1.2.3--",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every string over a small alphabet, up to 5 characters.
        let alphabet = ["1", "0", ".", "-", "+", "v", "a"];
        let mut layer = vec![String::new()];
        for _ in 0..5 {
            layer = layer.iter().flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}"))).collect();
            cases.extend(layer.iter().cloned());
        }
        for text in &cases {
            let by_regex = super::loose_version_pattern().captures(text).map(|c| {
                let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
                [g(1), g(2), g(3), g(5), g(8)]
            });
            assert_eq!(super::match_loose_version(text), by_regex, "{text:?}");
        }
    }

    use super::*;

    fn satisfies(constraint: &str, version: &str) -> bool {
        semver_compare(constraint, version).unwrap_or(false)
    }

    #[test]
    fn loose_versions_are_coerced() {
        assert!(Version::parse("01.2.3").is_ok());
        assert!(Version::parse("1.2").is_ok());
        assert!(Version::parse("v1.2.3+01").is_ok());
        assert!(Version::parse("1.2.3-01").is_err());
        assert!(Version::parse("1.2.3.4").is_err());
        assert!(Version::parse(" 1.2.3").is_err());
        assert!(Version::parse("1.2.3-").is_err());
    }

    #[test]
    fn strict_versions_take_no_shortcuts() {
        assert!(Version::parse_strict("1.2.3-rc.1+b").is_ok());
        assert!(Version::parse_strict("0.0.0").is_ok());
        for bad in ["", "1.2", "v1.2.3", "01.2.3", "1.02.3", "1..3", "1.2.3-", "1.2.3+", "1.2.3-01", "1.2.x"] {
            assert!(Version::parse_strict(bad).is_err(), "{bad:?} should not parse strictly");
        }
    }

    #[test]
    fn constraints_match_as_masterminds_does() {
        assert!(satisfies("~1.2.0", "1.2.9"));
        assert!(!satisfies("~1.2.0", "1.3.0"));
        assert!(satisfies("^1.2", "1.9.0"));
        assert!(!satisfies("^0.2.3", "0.3.0"));
        assert!(satisfies(">=1.0.0, <2.0.0", "1.5.0"));
        assert!(satisfies(">= 1.0.0 < 2.0.0", "1.5.0"));
        assert!(satisfies("1.x || >=3", "3.1.0"));
        assert!(satisfies("1.2 - 1.4.5", "1.4.0"));
        assert!(!satisfies(">=1.0.0", "1.5.0-beta"));
        assert!(satisfies(">=1.0.0-0", "1.5.0-beta"));
        assert!(!satisfies("", "1.0.0"));
        assert!(satisfies("*", "3.0.0"));
        assert!(satisfies("0.1.0", "0.1.0"));
        assert!(satisfies(">= 1.21.0-0", "1.35.0"));
    }
}
