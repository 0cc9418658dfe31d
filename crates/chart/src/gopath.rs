//! Go's `path` package functions Helm relies on: `Clean`, `Ext`, `Base`, and
//! `filepath.Match` (the `.helmignore` matcher), on `/`-separated paths.

/// Go's `path.Clean` and `path.Base`: one implementation, Sprig's (its `clean`/`base`
/// template functions are exactly these).
pub use sprig::paths::{base, clean};

/// Go's `path.Ext`: the suffix from the last `.` of the last element, or "".
pub fn ext(path: &str) -> &str {
    let base_start = path.rfind('/').map_or(0, |i| i + 1);
    match path[base_start..].rfind('.') {
        Some(i) => &path[base_start + i..],
        None => "",
    }
}

/// Go's `filepath.ErrBadPattern` text.
pub const BAD_PATTERN: &str = "syntax error in pattern";

/// Go's `filepath.Match` on Unix: `*` and `?` do not cross `/`, `[...]` classes with `^`
/// negation and ranges, `\` escapes. Errors only for malformed patterns.
pub fn match_pattern(pattern: &str, name: &str) -> Result<bool, &'static str> {
    let pat: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pat, &name)
}

fn match_from(mut pat: &[char], mut name: &[char]) -> Result<bool, &'static str> {
    'pattern: while !pat.is_empty() {
        let (star, chunk, rest) = scan_chunk(pat);
        pat = rest;
        if star && chunk.is_empty() {
            // A trailing star matches the rest of the name if it has no separator.
            return Ok(!name.contains(&'/'));
        }
        // Try to match the chunk right here.
        let (rest_name, ok) = match_chunk(chunk, name)?;
        if ok && (rest_name.is_empty() || !pat.is_empty()) {
            name = rest_name;
            continue;
        }
        if star {
            // Let the star swallow more characters (never a separator).
            let mut i = 0;
            while i < name.len() && name[i] != '/' {
                let (rest_name, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    // A final chunk must consume the whole name.
                    if pat.is_empty() && !rest_name.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = rest_name;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // Go checks the rest of the pattern for syntax errors before failing.
        while !pat.is_empty() {
            let (_, chunk, rest) = scan_chunk(pat);
            pat = rest;
            match_chunk(chunk, &[])?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off leading stars and the chunk up to the next star.
fn scan_chunk(mut pat: &[char]) -> (bool, &[char], &[char]) {
    let mut star = false;
    while pat.first() == Some(&'*') {
        pat = &pat[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pat.len() {
        match pat[i] {
            '\\' => {
                if i + 1 < pat.len() {
                    i += 1;
                }
            }
            '[' => in_range = true,
            ']' => in_range = false,
            '*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pat[..i], &pat[i..])
}

/// Matches one star-free chunk at the start of `name`; returns the unmatched rest.
fn match_chunk<'a>(mut chunk: &[char], mut name: &'a [char]) -> Result<(&'a [char], bool), &'static str> {
    // Once the name runs out Go keeps scanning the chunk, only to report syntax errors.
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && name.is_empty() {
            failed = true;
        }
        match chunk[0] {
            '[' => {
                let r = if failed { '\0' } else { name[0] };
                if !failed {
                    name = &name[1..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut count = 0;
                loop {
                    if !chunk.is_empty() && chunk[0] == ']' && count > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_escaped(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&'-') {
                        let (h, rest) = get_escaped(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    count += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed {
                    if name[0] == '/' {
                        failed = true;
                    }
                    name = &name[1..];
                }
                chunk = &chunk[1..];
            }
            '\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return Err(BAD_PATTERN);
                }
                if !failed {
                    if chunk[0] != name[0] {
                        failed = true;
                    }
                    name = &name[1..];
                }
                chunk = &chunk[1..];
            }
            c => {
                if !failed {
                    if c != name[0] {
                        failed = true;
                    }
                    name = &name[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return Ok((name, false));
    }
    Ok((name, true))
}

fn get_escaped(chunk: &[char]) -> Result<(char, &[char]), &'static str> {
    match chunk.first() {
        None | Some('-') | Some(']') => Err(BAD_PATTERN),
        Some('\\') => match chunk.get(1) {
            None => Err(BAD_PATTERN),
            Some(&c) => escaped_rest(c, &chunk[2..]),
        },
        Some(&c) => escaped_rest(c, &chunk[1..]),
    }
}

/// A class item must be followed by more of the class (at least its closing `]`).
fn escaped_rest(c: char, rest: &[char]) -> Result<(char, &[char]), &'static str> {
    if rest.is_empty() {
        Err(BAD_PATTERN)
    } else {
        Ok((c, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_go() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("a//b/./c/"), "a/b/c");
        assert_eq!(clean("../x"), "../x");
    }

    #[test]
    fn matches_like_go() {
        assert_eq!(match_pattern("*.txt", "a.txt"), Ok(true));
        assert_eq!(match_pattern("*.txt", "d/a.txt"), Ok(false));
        assert_eq!(match_pattern("a*/b", "abc/b"), Ok(true));
        assert_eq!(match_pattern("a*b*c*d*e*/f", "axbxcxdxe/f"), Ok(true));
        assert_eq!(match_pattern("a*b*c*d*e*/f", "axbxcxdxexxx/f"), Ok(true));
        assert_eq!(match_pattern("a*b*c*d*e*/f", "axbxcxdxe/xxx/f"), Ok(false));
        assert_eq!(match_pattern("ab[c]", "abc"), Ok(true));
        assert_eq!(match_pattern("ab[^c]", "abc"), Ok(false));
        assert_eq!(match_pattern("ab[a-b]", "abb"), Ok(true));
        assert_eq!(match_pattern("a?b", "a/b"), Ok(false));
        assert_eq!(match_pattern("[", "a"), Err(BAD_PATTERN));
        assert_eq!(match_pattern("a\\", "a"), Err(BAD_PATTERN));
        assert_eq!(match_pattern("*x", "xxx"), Ok(true));
        assert_eq!(match_pattern(".?*", ".helmignore"), Ok(true));
        assert_eq!(match_pattern(".?*", "."), Ok(false));
        assert_eq!(match_pattern("*", ""), Ok(true));
    }
}
