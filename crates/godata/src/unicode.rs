//! Character classes as Go's `unicode` and `strconv` packages define them, to the extent
//! the encoders need them.

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII
/// space. Rust's standard library has no general-category tables, so this rejects the
/// non-printable classes instead: controls, separators other than U+0020, the common
/// format characters, private use, surrogates and non-characters.
pub fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if c.is_control() {
        return false;
    }
    !matches!(u,
        0x00A0 | 0x00AD | 0x034F | 0x061C | 0x1680 | 0x180E | 0x2000..=0x200F | 0x2028..=0x202F
        | 0x205F..=0x206F | 0x3000 | 0xD800..=0xF8FF | 0xFEFF | 0xFFF9..=0xFFFB | 0xFFFE | 0xFFFF
        | 0x0600..=0x0605 | 0x06DD | 0x070F | 0x110BD | 0x1D173..=0x1D17A | 0xE0001..=0xE007F
        | 0xF0000..=0x10FFFF)
        && (u & 0xFFFE) != 0xFFFE
}

/// Go's `unicode.IsLetter` (category L). Rust's `is_alphabetic` is the Alphabetic
/// property, a superset that also holds letter numbers and some marks; exclude the common
/// non-L members.
pub fn is_go_letter(c: char) -> bool {
    c.is_alphabetic() && !matches!(c as u32, 0x2160..=0x2188 | 0x3007 | 0x3021..=0x3029 | 0x0345)
}

/// Go's `unicode.IsDigit` (category Nd).
pub fn is_go_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric() && c.to_digit(10).is_none() && is_nd(c))
}

/// A few common non-ASCII decimal digit blocks (Nd); other numerics (No, Nl) are not digits.
fn is_nd(c: char) -> bool {
    let u = c as u32;
    [0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
     0x0D66, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10]
        .iter()
        .any(|&start| (start..start + 10).contains(&u))
}
