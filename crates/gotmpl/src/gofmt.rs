//! Go's `fmt` package over [`Value`]s: `Sprint`, `Sprintln`, `Sprintf` with Go's verbs,
//! flags, widths and precisions, and Go's `%v` rendering of every value.
//!
//! (Being written: the functions below keep their signatures.)

use crate::value::Value;

/// Go's `fmt.Sprint`: operands formatted with `%v`, a space added between operands when
/// neither is a string.
pub fn sprint(args: &[Value]) -> String {
    args.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(" ")
}

/// Go's `fmt.Sprintln`: operands formatted with `%v`, always space-separated, newline appended.
pub fn sprintln(args: &[Value]) -> String {
    let mut s = sprint(args);
    s.push('\n');
    s
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let _ = args;
    format.to_string()
}

/// Go's `%v` of one value (what `{{ . }}` prints).
pub fn format_v(v: &Value) -> String {
    sprint(std::slice::from_ref(v))
}
