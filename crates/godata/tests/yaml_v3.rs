//! goyaml.v3's encoder with indent 2 (Helm's `toYamlPretty`), against texts Helm v4.1.4
//! printed for the same data (checked with `helm template`, see tests/difftest/charts/shapes).

use godata::yaml::{to_yaml, to_yaml_v3};
use gotmpl::{Type, Value};

fn map(entries: &[(&str, Value)]) -> Value {
    let m = Value::empty_map();
    if let Value::Map(r) = &m {
        for (k, v) in entries {
            r.insert(*k, v.clone());
        }
    }
    m
}

#[test]
fn sequences_are_indented_under_their_key() {
    let v = map(&[
        ("b", Value::list(vec![Value::Float(1.0), map(&[("x", Value::list(vec![Value::str("z")]))])])),
        ("m", Value::list(vec![Value::list(vec![Value::Int(1), Value::Int(2)]), Value::list(vec![])])),
    ]);
    assert_eq!(to_yaml_v3(&v).unwrap(), "b:\n  - 1\n  - x:\n      - z\nm:\n  - - 1\n    - 2\n  - []\n");
    assert_eq!(to_yaml(&v).unwrap(), "b:\n- 1\n- x:\n  - z\nm:\n- - 1\n  - 2\n- []\n");
}

#[test]
fn floats_are_formatted_directly_and_long_lines_stay_whole() {
    let long = format!("{} {}", "x".repeat(100), "y".repeat(100));
    let v = map(&[
        ("huge", Value::Float(12345678901234567890.0)),
        ("j", Value::Float(1e6)),
        ("long", Value::str(long.clone())),
    ]);
    assert_eq!(to_yaml_v3(&v).unwrap(), format!("huge: 1.2345678901234567e+19\nj: 1e+06\nlong: {long}\n"));
}

#[test]
fn scalar_styles() {
    // v3 still quotes YAML 1.1 booleans; a tab no longer rules out the literal style; NEL is
    // escaped rather than folded by a JSON round trip; a nil slice is an empty sequence.
    let v = Value::list(vec![
        Value::str("yes"),
        Value::str("a\tb\nc"),
        Value::str("a\u{85}b"),
        Value::nil_list(Type::String),
    ]);
    assert_eq!(to_yaml_v3(&v).unwrap(), "- \"yes\"\n- |-\n  a\tb\n  c\n- \"a\\Nb\"\n- []\n");
}
