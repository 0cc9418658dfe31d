//! `.helmignore` rules (Helm's `pkg/ignore`), with Helm's exact, somewhat surprising
//! semantics: rules are tried in order and the first decision wins, and a negated rule
//! (`!pattern`) *ignores every path it does not match*.

use crate::gopath;

/// The name of the ignore file at a chart's root.
pub const HELM_IGNORE: &str = ".helmignore";

#[derive(Clone, Debug)]
struct Pattern {
    /// The pattern with `!`, a leading `/` and a trailing `/` removed.
    rule: String,
    negate: bool,
    must_dir: bool,
    kind: MatchKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchKind {
    /// Leading `/`: the pattern is matched against the whole path.
    Rooted,
    /// Contains `/`: matched against the whole path.
    Structural,
    /// No `/`: matched against the last path element only.
    BaseName,
}

/// A parsed `.helmignore`.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// No rules.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses the text of a `.helmignore` (one rule a line; `#` comments).
    pub fn parse(text: &str) -> Result<Rules, String> {
        let mut rules = Rules::default();
        // Go's bufio.Scanner splits on \n and drops a trailing \r.
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            rules.parse_rule(line)?;
        }
        Ok(rules)
    }

    /// Adds the rules Helm always applies: dot files under `templates/` are ignored.
    pub fn add_defaults(&mut self) {
        // A fixed, valid pattern: parsing cannot fail.
        let _ = self.parse_rule("templates/.?*");
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn parse_rule(&mut self, rule: &str) -> Result<(), String> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".to_string());
        }
        gopath::match_pattern(rule, "abc").map_err(str::to_string)?;

        let mut body = rule;
        let negate = body.starts_with('!');
        if negate {
            body = &body[1..];
        }
        let must_dir = body.ends_with('/');
        if must_dir {
            body = &body[..body.len() - 1];
        }
        let (kind, body) = if let Some(rooted) = body.strip_prefix('/') {
            (MatchKind::Rooted, rooted)
        } else if body.contains('/') {
            (MatchKind::Structural, body)
        } else {
            (MatchKind::BaseName, body)
        };
        self.patterns.push(Pattern { rule: body.to_string(), negate, must_dir, kind });
        Ok(())
    }

    /// Whether `path` (relative to the chart root, `/`-separated) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !p.matches(path) {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if p.matches(path) {
                return true;
            }
        }
        false
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        let subject = match self.kind {
            MatchKind::Rooted | MatchKind::Structural => path.to_string(),
            MatchKind::BaseName => gopath::base(path),
        };
        gopath::match_pattern(&self.rule, &subject).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_rules() {
        let mut r = Rules::parse("# c\n*.txt\nsecret/\n/root.md\ndocs/*.md\n").unwrap();
        r.add_defaults();
        assert!(r.ignore("a.txt", false));
        assert!(r.ignore("x/y/a.txt", false));
        assert!(r.ignore("secret", true));
        assert!(!r.ignore("secret", false));
        assert!(r.ignore("root.md", false));
        assert!(!r.ignore("x/root.md", false));
        assert!(r.ignore("docs/a.md", false));
        assert!(r.ignore("templates/.hidden", false));
        assert!(!r.ignore("templates/a.yaml", false));
        assert!(Rules::parse("a/**/b").is_err());
        assert!(Rules::parse("[").is_err());
    }

    #[test]
    fn negation_ignores_non_matches() {
        let r = Rules::parse("!keep.txt").unwrap();
        assert!(r.ignore("other.txt", false));
        assert!(!r.ignore("keep.txt", false));
    }
}
