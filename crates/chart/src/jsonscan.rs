//! Finding where the first JSON value of a text ends, as Go's `json.Decoder` does when
//! `--set-json a=[1,2],b=3` is decoded one value at a time.

/// The byte length of the first JSON value in `text` (leading whitespace included), or
/// `None` if the text does not start with a complete, well-formed JSON value.
pub fn first_value_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    pos = value_end(bytes, pos, 0)?;
    Some(pos)
}

/// Nesting cap, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 10_000;

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

fn value_end(b: &[u8], pos: usize, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    match *b.get(pos)? {
        b'{' => {
            let mut p = skip_ws(b, pos + 1);
            if b.get(p) == Some(&b'}') {
                return Some(p + 1);
            }
            loop {
                if b.get(p) != Some(&b'"') {
                    return None;
                }
                p = string_end(b, p)?;
                p = skip_ws(b, p);
                if b.get(p) != Some(&b':') {
                    return None;
                }
                p = skip_ws(b, p + 1);
                p = value_end(b, p, depth + 1)?;
                p = skip_ws(b, p);
                match b.get(p)? {
                    b',' => p = skip_ws(b, p + 1),
                    b'}' => return Some(p + 1),
                    _ => return None,
                }
            }
        }
        b'[' => {
            let mut p = skip_ws(b, pos + 1);
            if b.get(p) == Some(&b']') {
                return Some(p + 1);
            }
            loop {
                p = value_end(b, p, depth + 1)?;
                p = skip_ws(b, p);
                match b.get(p)? {
                    b',' => p = skip_ws(b, p + 1),
                    b']' => return Some(p + 1),
                    _ => return None,
                }
            }
        }
        b'"' => string_end(b, pos),
        b't' => literal(b, pos, b"true"),
        b'f' => literal(b, pos, b"false"),
        b'n' => literal(b, pos, b"null"),
        b'-' | b'0'..=b'9' => number_end(b, pos),
        _ => None,
    }
}

fn literal(b: &[u8], pos: usize, word: &[u8]) -> Option<usize> {
    if b.get(pos..pos + word.len())? == word {
        Some(pos + word.len())
    } else {
        None
    }
}

fn string_end(b: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos + 1;
    loop {
        match *b.get(p)? {
            b'"' => return Some(p + 1),
            b'\\' => p += 2,
            c if c < 0x20 => return None,
            _ => p += 1,
        }
    }
}

fn number_end(b: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos;
    if b.get(p) == Some(&b'-') {
        p += 1;
    }
    match b.get(p)? {
        b'0' => p += 1,
        b'1'..=b'9' => {
            while matches!(b.get(p), Some(b'0'..=b'9')) {
                p += 1;
            }
        }
        _ => return None,
    }
    if b.get(p) == Some(&b'.') {
        p += 1;
        if !matches!(b.get(p), Some(b'0'..=b'9')) {
            return None;
        }
        while matches!(b.get(p), Some(b'0'..=b'9')) {
            p += 1;
        }
    }
    if matches!(b.get(p), Some(b'e' | b'E')) {
        p += 1;
        if matches!(b.get(p), Some(b'+' | b'-')) {
            p += 1;
        }
        if !matches!(b.get(p), Some(b'0'..=b'9')) {
            return None;
        }
        while matches!(b.get(p), Some(b'0'..=b'9')) {
            p += 1;
        }
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::first_value_len;

    #[test]
    fn finds_value_ends() {
        assert_eq!(first_value_len("[1,2],b=3"), Some(5));
        assert_eq!(first_value_len(" {\"a\": [1, {}]} ,x"), Some(15));
        assert_eq!(first_value_len("\"a\\\"b\",c"), Some(6));
        assert_eq!(first_value_len("-1.5e3,"), Some(6));
        assert_eq!(first_value_len("nul"), None);
        assert_eq!(first_value_len("[1,"), None);
    }
}
