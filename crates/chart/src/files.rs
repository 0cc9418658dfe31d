//! `.Files`: a chart's non-template files with Helm's methods (`Get`, `GetBytes`, `Glob`,
//! `Lines`, `AsConfig`, `AsSecrets`), as Helm's `engine.files` type.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{Kind, Object, Sig, Type, Value};

use crate::model::File;

/// Helm's `engine.files`: file name to content.
#[derive(Clone, Debug, Default)]
pub struct Files {
    pub entries: Arc<BTreeMap<String, Arc<[u8]>>>,
}

impl Files {
    /// The `.Files` of a chart: every file that is not a template, values or Chart.yaml.
    pub fn new(files: &[File]) -> Files {
        Files { entries: Arc::new(files.iter().map(|f| (f.name.clone(), f.data.clone())).collect()) }
    }

    pub fn get(&self, name: &str) -> String {
        self.entries.get(name).map(|d| String::from_utf8_lossy(d).into_owned()).unwrap_or_default()
    }

    /// Helm's `Glob` (gobwas/glob with `/` as separator); a bad pattern matches everything.
    pub fn glob(&self, pattern: &str) -> Files {
        let compiled = GlobPattern::compile(pattern).unwrap_or_else(|| GlobPattern::compile("**").unwrap_or_default());
        Files {
            entries: Arc::new(
                self.entries
                    .iter()
                    .filter(|(name, _)| compiled.matches(name))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        }
    }

    pub fn lines(&self, name: &str) -> Result<Vec<String>, String> {
        let Some(data) = self.entries.get(name) else {
            return Ok(Vec::new());
        };
        let mut s = String::from_utf8_lossy(data).into_owned();
        if s.is_empty() {
            // Helm indexes the last byte of an empty file and panics.
            return Err("runtime error: index out of range [-1]".to_string());
        }
        if s.ends_with('\n') {
            s.pop();
        }
        Ok(s.split('\n').map(str::to_string).collect())
    }

    fn as_yaml_map(&self, encode: impl Fn(&[u8]) -> String) -> String {
        let map = Value::typed_map(
            Type::String,
            self.entries.iter().map(|(k, v)| (crate::gopath::base(k), Value::str(encode(v)))),
        );
        match godata::yaml::to_yaml(&map) {
            Ok(text) => text.strip_suffix('\n').unwrap_or(&text).to_string(),
            Err(_) => String::new(),
        }
    }

    pub fn as_config(&self) -> String {
        self.as_yaml_map(|d| String::from_utf8_lossy(d).into_owned())
    }

    pub fn as_secrets(&self) -> String {
        self.as_yaml_map(sprig::encoding::base64_encode)
    }
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }

    fn kind(&self) -> Kind {
        Kind::Map
    }

    fn method(&self, name: &str) -> Option<Sig> {
        match name {
            "Get" | "GetBytes" | "Glob" | "Lines" => Some(Sig::new(&[Type::String])),
            "AsConfig" | "AsSecrets" => Some(Sig::new(&[])),
            _ => None,
        }
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let arg = args.first().and_then(Value::as_str).unwrap_or("");
        match name {
            "Get" => Ok(Value::str(self.get(arg))),
            // Go returns []byte; templates mostly pass it on to string functions.
            "GetBytes" => Ok(Value::str(self.get(arg))),
            "Glob" => Ok(Value::object(self.glob(arg))),
            "Lines" => Ok(Value::string_list(self.lines(arg)?)),
            "AsConfig" => Ok(Value::str(self.as_config())),
            "AsSecrets" => Ok(Value::str(self.as_secrets())),
            _ => Err(format!("{name} is not a method of {}", self.type_name())),
        }
    }

    fn format_v(&self) -> String {
        let items: Vec<String> = self
            .entries
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(u8::to_string).collect();
                format!("{k}:[{}]", bytes.join(" "))
            })
            .collect();
        format!("map[{}]", items.join(" "))
    }

    fn truth(&self) -> bool {
        !self.entries.is_empty()
    }

    /// `range`/`len`/`index` see the `map[string][]byte`. The `[]byte` values are given as
    /// strings of the same bytes (our values have no byte slices).
    fn underlying(&self) -> Option<Value> {
        Some(Value::map(
            self.entries.iter().map(|(k, v)| (k.as_str(), Value::str(String::from_utf8_lossy(v).into_owned()))),
        ))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A gobwas/glob pattern with `/` as separator: `*` (not `/`), `**` (anything), `?`,
/// `[abc]`, `[!a-z]`, `{a,b}`, `\` escapes.
#[derive(Clone, Debug, Default)]
pub struct GlobPattern {
    tokens: Vec<Token>,
}

#[derive(Clone, Debug)]
enum Token {
    Char(char),
    Any,
    Star,
    SuperStar,
    Class { negated: bool, ranges: Vec<(char, char)> },
    Alternatives(Vec<Vec<Token>>),
}

impl GlobPattern {
    pub fn compile(pattern: &str) -> Option<GlobPattern> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let tokens = parse_tokens(&chars, &mut pos, false, 0)?;
        if pos != chars.len() {
            return None;
        }
        Some(GlobPattern { tokens })
    }

    pub fn matches(&self, name: &str) -> bool {
        let chars: Vec<char> = name.chars().collect();
        let mut budget = 1_000_000usize;
        match_tokens(&self.tokens, &chars, &mut budget)
    }
}

fn parse_tokens(chars: &[char], pos: &mut usize, in_alt: bool, depth: usize) -> Option<Vec<Token>> {
    if depth > 32 {
        return None;
    }
    let mut out = Vec::new();
    while *pos < chars.len() {
        let c = chars[*pos];
        match c {
            ',' | '}' if in_alt => return Some(out),
            '\\' => {
                *pos += 1;
                out.push(Token::Char(*chars.get(*pos)?));
                *pos += 1;
            }
            '*' => {
                if chars.get(*pos + 1) == Some(&'*') {
                    *pos += 2;
                    out.push(Token::SuperStar);
                } else {
                    *pos += 1;
                    out.push(Token::Star);
                }
            }
            '?' => {
                *pos += 1;
                out.push(Token::Any);
            }
            '[' => {
                *pos += 1;
                let negated = chars.get(*pos) == Some(&'!');
                if negated {
                    *pos += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *chars.get(*pos)?;
                    *pos += 1;
                    if c == ']' {
                        break;
                    }
                    if chars.get(*pos) == Some(&'-') && chars.get(*pos + 1).is_some_and(|&h| h != ']') {
                        let hi = chars[*pos + 1];
                        *pos += 2;
                        ranges.push((c, hi));
                    } else {
                        ranges.push((c, c));
                    }
                }
                out.push(Token::Class { negated, ranges });
            }
            '{' => {
                *pos += 1;
                let mut alternatives = Vec::new();
                loop {
                    alternatives.push(parse_tokens(chars, pos, true, depth + 1)?);
                    match chars.get(*pos)? {
                        ',' => *pos += 1,
                        _ => {
                            *pos += 1;
                            break;
                        }
                    }
                }
                out.push(Token::Alternatives(alternatives));
            }
            c => {
                *pos += 1;
                out.push(Token::Char(c));
            }
        }
    }
    if in_alt {
        return None;
    }
    Some(out)
}

fn match_tokens(tokens: &[Token], name: &[char], budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let Some((first, rest)) = tokens.split_first() else {
        return name.is_empty();
    };
    match first {
        Token::Char(c) => name.first() == Some(c) && match_tokens(rest, &name[1..], budget),
        Token::Any => name.first().is_some_and(|&c| c != '/') && match_tokens(rest, &name[1..], budget),
        Token::Class { negated, ranges } => match name.first() {
            Some(&c) => {
                let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                inside != *negated && match_tokens(rest, &name[1..], budget)
            }
            None => false,
        },
        Token::Star => {
            for i in 0..=name.len() {
                if match_tokens(rest, &name[i..], budget) {
                    return true;
                }
                if i < name.len() && name[i] == '/' {
                    return false;
                }
            }
            false
        }
        Token::SuperStar => (0..=name.len()).any(|i| match_tokens(rest, &name[i..], budget)),
        Token::Alternatives(alts) => alts.iter().any(|alt| {
            let mut combined = alt.clone();
            combined.extend_from_slice(rest);
            match_tokens(&combined, name, budget)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let m = |p: &str, n: &str| GlobPattern::compile(p).unwrap().matches(n);
        assert!(m("files/*.txt", "files/a.txt"));
        assert!(!m("files/*.txt", "files/x/a.txt"));
        assert!(m("files/**.txt", "files/x/a.txt"));
        assert!(m("**", "a/b/c"));
        assert!(m("{a,b}/*", "b/x"));
        assert!(m("[!x]?", "ab"));
        assert!(!m("?", "/"));
    }

    #[test]
    fn secrets_are_padded_base64_as_helm_prints_them() {
        let file = |name: &str, data: &[u8]| crate::model::File::new(name, data);
        let files = Files::new(&[file("files/a.txt", b"f"), file("files/b.txt", b"foobar"), file("files/c.txt", b"")]);
        assert_eq!(files.as_secrets(), "a.txt: Zg==\nb.txt: Zm9vYmFy\nc.txt: \"\"");
    }
}
