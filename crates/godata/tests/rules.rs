//! Single rules, each checked against Helm v4.1.4 by hand (see the comments for what Helm
//! printed), plus the limits this crate adds.

use godata::{json, yaml};
use gotmpl::Value;

fn values(text: &str) -> Value {
    yaml::parse(text).unwrap()
}

fn get(v: &Value, key: &str) -> Value {
    v.as_map().unwrap().get(key).unwrap_or(Value::Nil)
}

#[test]
fn values_numbers_are_float64_and_yaml11_scalars_resolve() {
    // helm: typeOf .Values.a -> float64 for ints, floats, octal, hex, binary, 1_000.
    let v = values("a: 1\nb: 1.0\nc: yes\nd: on\ne: 0755\nf: 0x1F\nn: 1_000\np: 0b101\nk: ~\nl: \"yes\"\nm: 2001-12-14\n");
    for key in ["a", "b", "e", "f", "p"] {
        assert_eq!(get(&v, key).type_name(), "float64", "{key}");
    }
    assert!(matches!(get(&v, "e"), Value::Float(x) if x == 493.0));
    assert!(matches!(get(&v, "f"), Value::Float(x) if x == 31.0));
    assert!(matches!(get(&v, "c"), Value::Bool(true)));
    assert!(matches!(get(&v, "d"), Value::Bool(true)));
    assert!(get(&v, "k").is_nil());
    assert_eq!(get(&v, "l").as_str(), Some("yes"));
    // Timestamps stay strings.
    assert_eq!(get(&v, "m").as_str(), Some("2001-12-14"));
    // The key `n` itself is YAML 1.1 `false`, stringified: helm shows "false": 1000.
    assert!(matches!(get(&v, "false"), Value::Float(x) if x == 1000.0));
}

#[test]
fn large_integers_lose_precision_like_json() {
    // helm: q: 9007199254740993 -> toJson 9007199254740992; g: 12345678901234567890 ->
    // 12345678901234567000 in both toJson and toYaml.
    let v = values("q: 9007199254740993\ng: 12345678901234567890\n");
    assert_eq!(json::to_json(&v).unwrap(), r#"{"g":12345678901234567000,"q":9007199254740992}"#);
    assert_eq!(yaml::to_yaml(&v).unwrap(), "g: 12345678901234567000\nq: 9007199254740992\n");
}

#[test]
fn infinity_in_values_is_an_error() {
    // helm: cannot load values.yaml: ...: error converting YAML to JSON: json: unsupported value: +Inf
    let e = yaml::parse("i: .inf\n").unwrap_err();
    assert_eq!(e.message, "error converting YAML to JSON: json: unsupported value: +Inf");
}

#[test]
fn control_characters_are_refused_as_by_libyamls_reader() {
    // helm (values.yaml, found by scripts/difffuzz): "...: yaml: control characters are not
    // allowed" for C0 controls, DEL and C1 controls, in any document; tab is fine. A syntax
    // error in an earlier 512-byte reader chunk is reported instead; an explicit `...` ending
    // the first document stops reading.
    let control = "error converting YAML to JSON: yaml: control characters are not allowed";
    let pad = "#".repeat(700);
    for text in [
        "a: b\u{1}\n".to_string(),
        "a: \u{7f}\n".to_string(),
        "a: \u{90}\n".to_string(),
        "a: 1\n---\nb: \u{2}\n".to_string(),
        format!("a: 1\n---\n{pad}\nb: \u{2}\n"),
        format!("a: 1\n{pad}\u{2}\n"),
        format!("a: b: c\n{}\nz: \u{1}\n", "#".repeat(100)),
    ] {
        assert_eq!(yaml::parse(&text).unwrap_err().message, control, "{text:?}");
    }
    let e = yaml::parse(&format!("a: b: c\n{}\nz: \u{1}\n", "#".repeat(600))).unwrap_err();
    assert_eq!(e.message, "error converting YAML to JSON: yaml: mapping values are not allowed in this context");
    assert!(yaml::parse(&format!("a: 1\n...\n{pad}\u{2}\n")).is_ok());
    assert!(yaml::parse("a: \"x\ty\"\n").is_ok());
}

#[test]
fn syntax_error_lines() {
    let e = yaml::parse("a: 1\nb: 2\n c: 3").unwrap_err();
    assert_eq!(e.message, "error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this context");
    assert_eq!(e.to_string(), e.message);
    assert_eq!(e.line, Some(3));
}

#[test]
fn first_document_only_and_streams() {
    assert_eq!(json::to_json(&values("a: 1\n---\nb: 2\n")).unwrap(), r#"{"a":1}"#);
    let docs = yaml::parse_all("a: 1\n---\nb: 2\n---\n").unwrap();
    assert_eq!(docs.len(), 3);
    assert!(docs[2].is_nil());
    assert!(yaml::parse("").unwrap().is_nil());
    assert!(yaml::parse("# comment only\n").unwrap().is_nil());
}

#[test]
fn anchors_aliases_and_merge_keys() {
    // `y` is YAML 1.1 `true`: Helm prints the key as "true".
    let v = values("base: &b {x: 1, y: 2, z: 4}\nd:\n  <<: *b\n  z: 3\nl: &l [1, 2]\nm: *l\n");
    assert_eq!(
        json::to_json(&v).unwrap(),
        r#"{"base":{"true":2,"x":1,"z":4},"d":{"true":2,"x":1,"z":3},"l":[1,2],"m":[1,2]}"#
    );
    let e = yaml::parse("a: &a [*a]").unwrap_err();
    assert_eq!(e.message, "error converting YAML to JSON: yaml: anchor 'a' value contains itself");
}

#[test]
fn alias_bomb_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let e = yaml::parse(&text).unwrap_err();
    assert_eq!(e.message, "error converting YAML to JSON: yaml: document contains excessive aliasing");
}

#[test]
fn nesting_depth_is_capped() {
    let deep = "[".repeat(yaml::MAX_DEPTH + 10) + &"]".repeat(yaml::MAX_DEPTH + 10);
    let e = yaml::parse(&deep).unwrap_err();
    assert!(e.message.contains("exceeded max depth"), "{}", e.message);
    let ok = "[".repeat(100) + &"]".repeat(100);
    assert!(yaml::parse(&ok).is_ok());
    let mut block = String::new();
    for i in 0..(yaml::MAX_DEPTH + 5) {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    let e = yaml::parse(&block).unwrap_err();
    assert!(e.message.contains("exceeded max depth"), "{}", e.message);
}

#[test]
fn string_targets_for_struct_fields() {
    // helm: appVersion: 1.10 -> .Chart.AppVersion "1.1"; description: 3.14159265358979 ->
    // "3.1415927"; keywords: [1.5, true, 7] -> ["1.5","true","7"].
    let text = "appVersion: 1.10\ndescription: 3.14159265358979\nkeywords: [1.5, true, 7]\nother: 2\n";
    let v = yaml::parse_with_string_targets(text, &|path: &[String]| {
        path.first().is_some_and(|k| k != "other")
    })
    .unwrap();
    assert_eq!(
        json::to_json(&v).unwrap(),
        r#"{"appVersion":"1.1","description":"3.1415927","keywords":["1.5","true","7"],"other":2}"#
    );
}

#[test]
fn json_variants() {
    let v = Value::map([("b", Value::list(vec![Value::Int(1), Value::str("<&>")])), ("a", Value::empty_map())]);
    assert_eq!(json::to_json(&v).unwrap(), r#"{"a":{},"b":[1,"\u003c\u0026\u003e"]}"#);
    assert_eq!(json::to_json_raw(&v).unwrap(), r#"{"a":{},"b":[1,"<&>"]}"#);
    assert_eq!(json::to_json_indent(&v, "", "  ").unwrap(), "{\n  \"a\": {},\n  \"b\": [\n    1,\n    \"\\u003c\\u0026\\u003e\"\n  ]\n}");
    assert_eq!(json::to_json(&Value::Float(f64::NAN)).unwrap_err().message, "json: unsupported value: NaN");
    assert_eq!(json::to_json(&Value::Float(f64::NEG_INFINITY)).unwrap_err().message, "json: unsupported value: -Inf");
}

#[test]
fn to_yaml_of_int_types_and_nan() {
    assert_eq!(yaml::to_yaml(&Value::Int64(7)).unwrap(), "7\n");
    let e = yaml::to_yaml(&Value::Float(f64::NAN)).unwrap_err();
    assert_eq!(e.message, "error marshaling into JSON: json: unsupported value: NaN");
}

#[test]
fn self_referencing_map_fails_cleanly() {
    let m = Value::empty_map();
    m.as_map().unwrap().insert("self", m.clone());
    assert!(json::to_json(&m).is_err());
    assert!(yaml::to_yaml(&m).is_err());
    // Break the cycle so the Arc is freed.
    m.as_map().unwrap().remove("self");
}

#[test]
fn json_nesting_is_capped_at_go_limit_without_recursion() {
    // Helm 4.1.4 (oracle): 10000 levels decode, the 10001st bracket is refused with Go's
    // scanner message. Decoding runs on a 256 KiB stack to show it does not recurse.
    let worker = std::thread::Builder::new().stack_size(256 * 1024).spawn(|| {
        let at_limit = "[".repeat(10_000) + &"]".repeat(10_000);
        let decoded = godata::json::parse(&at_limit).map(|_| ());
        let over = "[".repeat(10_001) + &"]".repeat(10_001);
        let refused = godata::json::parse(&over).unwrap_err();
        let object = format!("{{\"a\":{}1{}}}", "{\"b\":".repeat(10_000), "}".repeat(10_000));
        let object_refused = godata::json::parse(&object).unwrap_err();
        (decoded, refused.message, object_refused.message)
    });
    let (decoded, refused, object_refused) = worker.expect("spawn").join().expect("no stack overflow");
    assert_eq!(decoded, Ok(()));
    assert_eq!(refused, "invalid character '[' exceeded max depth");
    assert_eq!(object_refused, "invalid character '{' exceeded max depth");
}
