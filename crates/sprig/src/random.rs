//! Random strings and numbers: `randAlphaNum`, `randAlpha`, `randNumeric`, `randAscii`,
//! `randInt`, `randBytes`, `uuidv4`.
//!
//! All randomness comes from the operating system (the browser's `crypto.getRandomValues`
//! on wasm), as Sprig's does through `crypto/rand`.

use gotmpl::{FuncError, FuncMap, Type, Value};

use crate::conv::arg_int;
use crate::encoding::base64_encode;

/// The most random bytes or characters one call produces. Go would try to allocate any
/// size and die when memory runs out; we refuse instead of aborting the process.
const MAX_RANDOM_LEN: i64 = 64 << 20;

fn too_long(count: i64) -> Result<(), FuncError> {
    if count > MAX_RANDOM_LEN {
        return Err(FuncError::msg(format!("runtime error: {count} random bytes is more than this renderer allows")));
    }
    Ok(())
}

/// Fills `buf` with secure random bytes.
pub fn fill_random(buf: &mut [u8]) -> Result<(), FuncError> {
    getrandom::getrandom(buf).map_err(|e| FuncError::msg(format!("crypto/rand: {e}")))
}

/// A uniformly random number below `bound` (which must be positive), by rejection
/// sampling so that no value is favoured.
pub fn random_below(bound: u64) -> Result<u64, FuncError> {
    let zone = u64::MAX - u64::MAX % bound;
    loop {
        let mut bytes = [0u8; 8];
        fill_random(&mut bytes)?;
        let n = u64::from_le_bytes(bytes);
        if n < zone {
            return Ok(n % bound);
        }
    }
}

/// `count` characters drawn uniformly from `alphabet` (goutils' `CryptoRandom*`); none
/// for a negative count, where Sprig swallows goutils' error.
fn random_string(count: i64, alphabet: &[u8]) -> Result<Value, FuncError> {
    too_long(count)?;
    let mut out = String::with_capacity(count.max(0) as usize);
    for _ in 0..count.max(0) {
        out.push(alphabet[random_below(alphabet.len() as u64)? as usize] as char);
    }
    Ok(Value::str(out))
}

const DIGITS: &[u8] = b"0123456789";
const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// The printable ASCII characters, space to tilde.
fn ascii_printable() -> Vec<u8> {
    (32u8..=126).collect()
}

/// A random version 4 UUID in its canonical text form.
pub fn uuid_v4() -> Result<String, FuncError> {
    let mut b = [0u8; 16];
    fill_random(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

pub fn register(m: &mut FuncMap) {
    m.add("randAlphaNum", &[Type::Int], |_, args| random_string(arg_int(args, 0), ALPHANUMERIC));
    m.add("randAlpha", &[Type::Int], |_, args| random_string(arg_int(args, 0), LETTERS));
    m.add("randNumeric", &[Type::Int], |_, args| random_string(arg_int(args, 0), DIGITS));
    m.add("randAscii", &[Type::Int], |_, args| random_string(arg_int(args, 0), &ascii_printable()));
    m.add("randInt", &[Type::Int, Type::Int], |_, args| {
        let (min, max) = (arg_int(args, 0), arg_int(args, 1));
        // Go's rand.Intn panics unless its argument is positive.
        let span = max.checked_sub(min).filter(|s| *s > 0).ok_or("invalid argument to Intn")?;
        Ok(Value::Int(min + random_below(span as u64)? as i64))
    });
    m.add("randBytes", &[Type::Int], |_, args| {
        let count = arg_int(args, 0);
        too_long(count)?;
        let len = usize::try_from(count).map_err(|_| "runtime error: makeslice: len out of range")?;
        let mut buf = vec![0u8; len];
        fill_random(&mut buf)?;
        Ok(Value::str(base64_encode(&buf)))
    });
    m.add("uuidv4", &[], |_, _| Ok(Value::str(uuid_v4()?)));
}
