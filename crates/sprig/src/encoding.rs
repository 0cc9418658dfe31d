//! `b64enc`, `b64dec`, `b32enc`, `b32dec`: Go's `encoding/base64` and `encoding/base32`
//! standard encodings.
//!
//! Sprig's decoders do not fail: on bad input they return the decoder's error text *as the
//! result* (`illegal base64 data at input byte 4`), so the decoders here reproduce where Go's
//! stop and what offset they report. Decoded bytes that are not UTF-8 are replaced with
//! U+FFFD, because template values are Rust strings (Go would pass the raw bytes through).

use gotmpl::{FuncMap, Type, Value};

use crate::conv::arg_str;

const BASE64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const PAD: u8 = b'=';

/// Go's `CorruptInputError` message.
fn corrupt(offset: usize, encoding: &str) -> String {
    format!("illegal {encoding} data at input byte {offset}")
}

fn decode_map(alphabet: &[u8]) -> [u8; 256] {
    let mut map = [0xFF; 256];
    for (i, &c) in alphabet.iter().enumerate() {
        map[c as usize] = i as u8;
    }
    map
}

/// `base64.StdEncoding.EncodeToString`.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64_ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `base64.StdEncoding.DecodeString`: the bytes decoded before an error, and the error.
/// Like Go, `\r` and `\n` are skipped anywhere and padding is required.
pub fn base64_decode(src: &[u8]) -> (Vec<u8>, Option<String>) {
    let map = decode_map(BASE64_ALPHABET);
    let is_newline = |c: u8| c == b'\n' || c == b'\r';
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        // One quantum of up to four symbols.
        let mut quantum = [0u8; 4];
        let mut len = 4;
        let mut error = None;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return (out, None);
                }
                return (out, Some(corrupt(si - j, "base64")));
            }
            let c = src[si];
            si += 1;
            let value = map[c as usize];
            if value != 0xFF {
                quantum[j] = value;
                j += 1;
                continue;
            }
            if is_newline(c) {
                continue;
            }
            if c != PAD {
                return (out, Some(corrupt(si - 1, "base64")));
            }
            // Padding: only after two or three symbols, and "==" after two.
            match j {
                0 | 1 => return (out, Some(corrupt(si - 1, "base64"))),
                2 => {
                    while si < src.len() && is_newline(src[si]) {
                        si += 1;
                    }
                    if si == src.len() {
                        return (out, Some(corrupt(src.len(), "base64")));
                    }
                    if src[si] != PAD {
                        return (out, Some(corrupt(si - 1, "base64")));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && is_newline(src[si]) {
                si += 1;
            }
            if si < src.len() {
                error = Some(corrupt(si, "base64"));
            }
            len = j;
            break;
        }
        let n = (u32::from(quantum[0]) << 18)
            | (u32::from(quantum[1]) << 12)
            | (u32::from(quantum[2]) << 6)
            | u32::from(quantum[3]);
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if error.is_some() {
            return (out, error);
        }
    }
    (out, None)
}

/// `base32.StdEncoding.EncodeToString`.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let n = block.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // How many symbols carry data for 1..=5 input bytes.
        let symbols = [0, 2, 4, 5, 7, 8][chunk.len()];
        for i in 0..8 {
            if i < symbols {
                out.push(BASE32_ALPHABET[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `base32.StdEncoding.DecodeString`: newlines are removed first, then the input is decoded
/// in quanta of eight symbols; offsets in errors refer to the input without newlines.
pub fn base32_decode(text: &[u8]) -> (Vec<u8>, Option<String>) {
    let map = decode_map(BASE32_ALPHABET);
    let src: Vec<u8> = text.iter().copied().filter(|&c| c != b'\n' && c != b'\r').collect();
    let total = src.len();
    let mut rest: &[u8] = &src;
    let mut out = Vec::with_capacity(total / 8 * 5);
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut quantum = [0u8; 8];
        let mut len = 8;
        let mut j = 0;
        while j < 8 {
            let Some((&c, tail)) = rest.split_first() else {
                return (out, Some(corrupt(total - rest.len() - j, "base32")));
            };
            rest = tail;
            if c == PAD && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return (out, Some(corrupt(total, "base32")));
                }
                for k in 0..7 - j {
                    if rest.len() > k && rest[k] != PAD {
                        return (out, Some(corrupt(total - rest.len() + k - 1, "base32")));
                    }
                }
                len = j;
                end = true;
                // 1, 3 and 6 symbols cannot encode whole bytes.
                if matches!(len, 1 | 3 | 6) {
                    return (out, Some(corrupt(total - rest.len() - 1, "base32")));
                }
                break;
            }
            quantum[j] = map[c as usize];
            if quantum[j] == 0xFF {
                return (out, Some(corrupt(total - rest.len() - 1, "base32")));
            }
            j += 1;
        }
        let n = quantum.iter().fold(0u64, |acc, &b| (acc << 5) | u64::from(b));
        let bytes = [(n >> 32) as u8, (n >> 24) as u8, (n >> 16) as u8, (n >> 8) as u8, n as u8];
        let produced = match len {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(&bytes[..produced]);
    }
    (out, None)
}

/// Sprig's convention: the decoded text, or the error text in its place.
fn decoded_or_error((bytes, error): (Vec<u8>, Option<String>)) -> Value {
    match error {
        Some(message) => Value::str(message),
        None => Value::str(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

pub fn register(m: &mut FuncMap) {
    m.add("b64enc", &[Type::String], |_, args| Ok(Value::str(base64_encode(arg_str(args, 0).as_bytes()))));
    m.add("b64dec", &[Type::String], |_, args| Ok(decoded_or_error(base64_decode(arg_str(args, 0).as_bytes()))));
    m.add("b32enc", &[Type::String], |_, args| Ok(Value::str(base32_encode(arg_str(args, 0).as_bytes()))));
    m.add("b32dec", &[Type::String], |_, args| Ok(decoded_or_error(base32_decode(arg_str(args, 0).as_bytes()))));
}
