//! values.schema.json validation, checked against Helm v4.1.4: every expectation below is
//! what `helm template` printed for the same schema and values (the lines after the chart's
//! `name:` header).

use chart::schema::{chart_block, format_errors, validate, SchemaError, HEADER};
use gotmpl::Value;

fn yaml(text: &str) -> Value {
    let value = godata::yaml::parse(text).expect("test values are valid YAML");
    if value.is_nil() {
        Value::empty_map()
    } else {
        value
    }
}

fn run(schema: &str, values: &Value) -> Result<(), SchemaError> {
    validate(values, schema.as_bytes())
}

/// The values pass.
fn ok(schema: &str, values: &str) {
    assert_eq!(run(schema, &yaml(values)), Ok(()), "schema {schema}");
}

/// Helm prints exactly these lines.
fn fails(schema: &str, values: &str, expected: &[&str]) {
    fails_value(schema, &yaml(values), expected);
}

fn fails_value(schema: &str, values: &Value, expected: &[&str]) {
    let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(run(schema, values), Err(SchemaError::Invalid(expected)), "schema {schema}");
}

/// Helm prints these lines in a random order (Go map iteration); compared as sets.
fn fails_unordered(schema: &str, values: &str, expected: &[&str]) {
    match run(schema, &yaml(values)) {
        Err(SchemaError::Invalid(mut lines)) => {
            let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            lines.sort();
            expected.sort();
            assert_eq!(lines, expected, "schema {schema}");
        }
        other => panic!("schema {schema}: expected violations, got {other:?}"),
    }
}

/// The schema is refused with this message.
fn bad(schema: &str, expected: &str) {
    assert_eq!(run(schema, &yaml("a: 1")), Err(SchemaError::BadSchema(expected.to_string())), "schema {schema}");
}

fn set_int(key: &str, i: i64) -> Value {
    Value::map([(key, Value::Int64(i))])
}

#[test]
fn types() {
    let s = r##"{"type":"object","properties":{"a":{"type":"integer"}}}"##;
    ok(s, "a: 1");
    ok(s, "a: 1.0");
    fails(s, "a: 1.5", &["- at '/a': got number, want integer"]);
    fails(s, "a: x", &["- at '/a': got string, want integer"]);
    assert_eq!(run(s, &set_int("a", 3)), Ok(()));
    let nullable = r##"{"properties":{"r":{"type":["integer","null"],"minimum":0}}}"##;
    fails(nullable, "r: three", &["- at '/r': got string, want null or integer"]);
    ok(nullable, "r: null");
    fails(r##"{"properties":{"p":{"type":"string"}}}"##, "p: null", &["- at '/p': got null, want string"]);
    ok(r##"{"type":"object"}"##, "");
}

#[test]
fn set_values_are_int64() {
    let s = r##"{"properties":{"age":{"type":"integer","minimum":0}}}"##;
    fails_value(s, &set_int("age", -5), &["- at '/age': minimum: got -5, want 0"]);
    assert_eq!(run(s, &set_int("age", 5)), Ok(()));
}

#[test]
fn numbers_print_like_go_text_message() {
    let s = r##"{"properties":{"a":{"minimum":1000000},"b":{"maximum":-1234567.5},"c":{"maxLength":2},"e":{"multipleOf":0.01},"f":{"exclusiveMinimum":100000000000000000000000},"g":{"minimum":1e-7}}}"##;
    let long = "x".repeat(1500);
    fails_unordered(
        s,
        &format!("a: -1234567.5\nb: 1e21\nc: {long}\ne: 0.015\nf: 12345678\ng: 0.00000001"),
        &[
            "- at '/a': minimum: got -1.2345675×10⁰⁶, want 1×10⁰⁶",
            "- at '/b': maximum: got 1×10²¹, want -1.2345675×10⁰⁶",
            "- at '/c': maxLength: got 1,500, want 2",
            "- at '/e': multipleOf: got 0.015, want 0.01",
            "- at '/f': exclusiveMinimum: got 1.2345678×10⁰⁷, want 1×10²³",
            "- at '/g': minimum: got 1×10⁻⁰⁸, want 1×10⁻⁰⁷",
        ],
    );
    let max = r##"{"additionalProperties":{"maximum":-1e300}}"##;
    let cases = [
        ("123456.5", "123,456.5"),
        ("99999", "99,999"),
        ("0", "0"),
        ("-0.0001", "-0.0001"),
        ("0.00001234", "1.234×10⁻⁰⁵"),
        ("999999", "999,999"),
        ("1234.5678", "1,234.5678"),
        ("100000", "100,000"),
        ("1e100", "1×10¹⁰⁰"),
        ("12345678901234567890", "1.2345678901234567×10¹⁹"),
        ("0.1", "0.1"),
        ("1.7976931348623157e308", "1.7976931348623157×10³⁰⁸"),
        ("-12.5e-10", "-1.25×10⁻⁰⁹"),
    ];
    for (value, shown) in cases {
        fails(max, &format!("k: {value}"), &[&format!("- at '/k': maximum: got {shown}, want -1×10³⁰⁰")]);
    }
    ok(r##"{"properties":{"a":{"multipleOf":0.1}}}"##, "a: 0.3");
    ok(r##"{"properties":{"a":{"exclusiveMaximum":5}}}"##, "a: 4.999999");
}

#[test]
fn object_keywords() {
    fails(r##"{"required":["a","b","c"]}"##, "x: 1", &["- at '': missing properties 'a', 'b', 'c'"]);
    fails(r##"{"required":["a"],"properties":{"a":{"type":"string"}}}"##, "b: 1", &["- at '': missing property 'a'"]);
    fails(
        r##"{"additionalProperties":false,"properties":{"a":{}}}"##,
        "a: 1\nb: 2\nc: 3",
        &["- at '': additional properties 'b', 'c' not allowed"],
    );
    fails(
        r##"{"patternProperties":{"^x-":{"type":"string"},"^x-y":{"type":"boolean"}},"additionalProperties":false}"##,
        "x-y: 1\nz: 2",
        &[
            "- at '/x-y': got number, want string",
            "- at '/x-y': got number, want boolean",
            "- at '': additional properties 'z' not allowed",
        ],
    );
    fails(
        r##"{"$schema":"http://json-schema.org/draft-07/schema#","dependencies":{"a":["b","c"],"d":{"required":["e"]}}}"##,
        "a: 1\nd: 1",
        &["- at '': properties 'b', 'c' required, if 'a' exists", "- at '': missing property 'e'"],
    );
    fails(
        r##"{"dependentRequired":{"a":["b","c"]},"dependentSchemas":{"d":{"required":["e"]}}}"##,
        "a: 1\nd: 1",
        &["- at '': missing property 'e'", "- at '': properties 'b', 'c' required, if 'a' exists"],
    );
    fails(
        r##"{"propertyNames":{"pattern":"^[a-z]+$","maxLength":3}}"##,
        "abcd: 1\nB: 2",
        &[
            "- at '': invalid propertyName 'B'",
            "  - at '': 'B' does not match pattern '^[a-z]+$'",
            "- at '': invalid propertyName 'abcd'",
            "  - at '': maxLength: got 4, want 3",
        ],
    );
    fails(r##"{"properties":{"a":{}},"unevaluatedProperties":false}"##, "a: 1\nb: 2", &["- at '/b': false schema"]);
    fails(
        r##"{"allOf":[{"properties":{"a":{}}}],"unevaluatedProperties":{"type":"string"}}"##,
        "a: 1\nb: 2",
        &["- at '/b': got number, want string"],
    );
    fails_unordered(
        r##"{"properties":{"a/b":{"type":"string"},"c~d":{"type":"string"}}}"##,
        "a/b: 1\nc~d: 2",
        &["- at '/c~0d': got number, want string", "- at '/a~1b': got number, want string"],
    );
    fails(
        r##"{"$defs":{"p":{"type":"object","required":["x"],"properties":{"y":{"type":"string"}}}},"properties":{"a":{"$ref":"#/$defs/p","minProperties":3}}}"##,
        "a: {y: 1}",
        &["- at '/a': missing property 'x'", "- at '/a': minProperties: got 1, want 3"],
    );
}

#[test]
fn array_keywords() {
    fails(
        r##"{"properties":{"a":{"minItems":3,"maxItems":1,"uniqueItems":true}}}"##,
        "a: [1, 1.0]",
        &["- at '/a': minItems: got 2, want 3", "- at '/a': maxItems: got 2, want 1", "- at '/a': items at 0 and 1 are equal"],
    );
    // v6.0.2 numbers items after prefixItems/items-tuples from 0.
    fails(
        r##"{"properties":{"l":{"prefixItems":[{"type":"string"}],"items":{"type":"number"}}}}"##,
        "l: [1, \"a\", 2]",
        &["- at '/l/0': got number, want string", "- at '/l/0': got string, want number"],
    );
    fails(
        r##"{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"l":{"items":[{"type":"string"}],"additionalItems":{"type":"string"}}}}"##,
        "l: [\"a\", 1, 2]",
        &["- at '/l/0': got number, want string", "- at '/l/1': got number, want string"],
    );
    fails(
        r##"{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"l":{"items":[{"type":"string"}],"additionalItems":false}}}"##,
        "l: [1, \"a\", 2]",
        &["- at '/l/0': got number, want string", "- at '/l': last 2 additionalItem(s) not allowed"],
    );
    fails(r##"{"properties":{"l":{"items":{"type":"number"}}}}"##, "l: [1, \"a\", 2]", &["- at '/l/1': got string, want number"]);
    fails(
        r##"{"properties":{"l":{"contains":{"type":"string"}}}}"##,
        "l: [1, 2]",
        &["- at '/l': no items match contains schema", "  - at '/l/0': got number, want string", "  - at '/l/1': got number, want string"],
    );
    fails(
        r##"{"properties":{"l":{"contains":{"type":"string"},"minContains":2,"maxContains":0}}}"##,
        "l: [1, \"a\"]",
        &[
            "- at '/l': min 2 items required to match contains schema, but matched 1 items at 1",
            "  - at '/l/0': got number, want string",
            "- at '/l': max 0 items required to match contains schema, but matched 1 items at 1",
        ],
    );
    fails(
        r##"{"properties":{"l":{"contains":{"type":"string"},"maxContains":1}}}"##,
        "l: [\"b\", \"a\"]",
        &["- at '/l': max 1 items required to match contains schema, but matched 2 items at 0 1"],
    );
}

#[test]
fn strings_enum_const() {
    fails(
        r##"{"properties":{"a":{"enum":["x","y",1,null,true]}}}"##,
        "a: z",
        &["- at '/a': value must be one of 'x', 'y', 1, <nil>, true"],
    );
    fails(r##"{"properties":{"a":{"enum":["x"]}}}"##, "a: z", &["- at '/a': value must be 'x'"]);
    fails(r##"{"properties":{"a":{"enum":[[1],"x"]}}}"##, "a: z", &["- at '/a': 'enum' failed"]);
    fails(r##"{"properties":{"a":{"const":"x"}}}"##, "a: z", &["- at '/a': value must be 'x'"]);
    fails(r##"{"properties":{"a":{"const":{"k":1}}}}"##, "a: z", &["- at '/a': 'const' failed"]);
    fails(r##"{"properties":{"a":{"const":1.50}}}"##, "a: 2", &["- at '/a': value must be 1.50"]);
    ok(r##"{"properties":{"a":{"const":1.50}}}"##, "a: 1.5");
    fails(r##"{"properties":{"a":{"enum":[1.0, 2]}}}"##, "a: 3", &["- at '/a': value must be one of 1.0, 2"]);
    fails(
        r##"{"properties":{"a":{"pattern":"^[a-z]+$"}}}"##,
        "a: \"AB'c\"",
        &[r"- at '/a': 'AB\'c' does not match pattern '^[a-z]+$'"],
    );
    fails(
        r##"{"properties":{"a":{"minLength":3,"maxLength":1}}}"##,
        "a: ab",
        &["- at '/a': minLength: got 2, want 3", "- at '/a': maxLength: got 2, want 1"],
    );
    // Go's \d is ASCII only.
    fails(
        r##"{"properties":{"é":{"type":"string","pattern":"^\\d+$"}}}"##,
        "é: \"١٢\"",
        &[r"- at '/é': '١٢' does not match pattern '^\\d+$'"],
    );
}

#[test]
fn combinators() {
    fails(
        r##"{"properties":{"a":{"oneOf":[{"type":"string"},{"type":"object"}]}}}"##,
        "a: 1",
        &["- at '/a': 'oneOf' failed, none matched", "  - at '/a': got number, want string", "  - at '/a': got number, want object"],
    );
    fails(
        r##"{"properties":{"a":{"oneOf":[{"type":"number"},{"minimum":0}]}}}"##,
        "a: 1",
        &["- at '/a': 'oneOf' failed, subschemas 0, 1 matched"],
    );
    fails(
        r##"{"properties":{"a":{"anyOf":[{"type":"string"},{"type":"object","required":["x","y"]}]}}}"##,
        "a: {}",
        &["- at '/a': 'anyOf' failed", "  - at '/a': got object, want string", "  - at '/a': missing properties 'x', 'y'"],
    );
    fails(
        r##"{"properties":{"a":{"allOf":[{"type":"string"},{"minimum":5}]}}}"##,
        "a: 1",
        &["- at '/a': 'allOf' failed", "  - at '/a': got number, want string", "  - at '/a': minimum: got 1, want 5"],
    );
    fails(r##"{"properties":{"a":{"not":{"type":"number"}}}}"##, "a: 1", &["- at '/a': 'not' failed"]);
    let conditional = r##"{"if":{"properties":{"kind":{"const":"A"}}},"then":{"required":["a"]},"else":{"required":["b"]}}"##;
    fails(conditional, "kind: A", &["- at '': missing property 'a'"]);
    fails(conditional, "kind: B", &["- at '': missing property 'b'"]);
    ok(conditional, "kind: B\nb: 1");
}

#[test]
fn references() {
    // Draft-07 ignores keywords next to $ref.
    fails(
        r##"{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"p":{"type":"string","minLength":3}},"properties":{"a":{"$ref":"#/definitions/p","type":"number"}}}"##,
        "a: 1",
        &["- at '/a': got number, want string"],
    );
    fails(
        r##"{"$defs":{"p":{"type":"string","minLength":3}},"properties":{"a":{"$ref":"#/$defs/p","type":"number"}}}"##,
        "a: 1",
        &["- at '/a': got number, want string"],
    );
    fails(
        r##"{"$schema":"https://json-schema.org/draft/2019-09/schema","properties":{"a":{"$ref":"#/$defs/x","type":"string"}},"$defs":{"x":{"minimum":3}}}"##,
        "a: 1",
        &["- at '/a': got number, want string"],
    );
    fails(
        r##"{"$id":"https://example.com/root.json","$defs":{"x":{"$id":"x.json","type":"string"}},"properties":{"a":{"$ref":"x.json"}}}"##,
        "a: 1",
        &["- at '/a': got number, want string"],
    );
    fails(
        r##"{"$defs":{"x":{"$anchor":"xa","type":"string"}},"properties":{"a":{"$ref":"#xa"}}}"##,
        "a: 1",
        &["- at '/a': got number, want string"],
    );
    fails(
        r##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##,
        "a: 1",
        &[r##"- at '': both /$ref/$ref/$ref and /$ref resolve to "file:///values.schema.json#/$defs/a" causing reference cycle"##],
    );
    // Helm logs a warning and accepts anything for an unresolved urn: reference.
    ok(r##"{"$ref":"urn:foo:bar"}"##, "a: 1");
    ok("true", "a: 1");
    fails("false", "a: 1", &["- at '': false schema"]);
}

#[test]
fn formats_are_asserted_before_2019() {
    let draft7 = r##"{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"a":{"format":"hostname"},"b":{"format":"email"},"c":{"format":"ipv4"},"d":{"format":"uuid"},"e":{"format":"duration"},"f":{"format":"time"},"h":{"format":"json-pointer"}}}"##;
    fails_unordered(
        draft7,
        "a: \"-bad_host\"\nb: \"a..b@x\"\nc: \"1.2.3.04\"\nd: \"123\"\ne: \"P1H\"\nf: \"25:00:00Z\"\nh: \"x\"",
        &[
            "- at '/a': '-bad_host' is not valid hostname: label starts with hyphen",
            "- at '/b': 'a..b@x' is not valid email: consecutive dots",
            "- at '/c': '1.2.3.04' is not valid ipv4: leading zeros",
            "- at '/d': '123' is not valid uuid: must have 5 elements",
            "- at '/e': 'P1H' is not valid duration: invalid unit 'H'",
            "- at '/f': '25:00:00Z' is not valid time: hour/min/sec out of range",
            "- at '/h': 'x' is not valid json-pointer: not starting with /",
        ],
    );
    ok(r##"{"properties":{"a":{"format":"hostname"}}}"##, "a: \"-bad_host\"");
    fails(
        r##"{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"a":{"maximum":5,"exclusiveMaximum":true}}}"##,
        "a: 5",
        &["- at '/a': exclusiveMaximum: got 5, want 5"],
    );
    fails(
        r##"{"$schema":"http://json-schema.org/draft-06/schema#","properties":{"a":{"exclusiveMaximum":5}}}"##,
        "a: 5",
        &["- at '/a': exclusiveMaximum: got 5, want 5"],
    );
}

#[test]
fn broken_schemas() {
    bad(r##"{"type":"object","##, "unexpected EOF");
    bad("", "EOF");
    bad(r##"{"type":"object"} x"##, "invalid character after top-level value");
    bad(r##"{"a" 1}"##, "invalid character '1' after object key");
    bad(r##"{"a":tru}"##, "invalid character '}' in literal true (expecting 'e')");
    bad(r##"{"a":-x}"##, "invalid character 'x' in numeric literal");
    bad(r##"{"a":1.}"##, "invalid character '}' after decimal point in numeric literal");
    bad(r##"{"a":[1 2]}"##, "invalid character '2' after array element");
    bad(r##"{"a":1 "b"}"##, "invalid character '\"' after object key:value pair");
    bad("{,}", "invalid character ',' looking for beginning of object key string");
    bad(r##"{"$ref":"#/definitions/nope"}"##, r##"json-pointer in "file:///values.schema.json#/definitions/nope" not found"##);
    bad(r##"{"$ref":"other.json"}"##, r##"failing loading "file:///other.json": open /other.json: no such file or directory"##);
    let meta2020 = r##""file:///values.schema.json#" is not valid against metaschema: jsonschema validation failed with 'https://json-schema.org/draft/2020-12/schema#'"##;
    let meta7 = r##""file:///values.schema.json#" is not valid against metaschema: jsonschema validation failed with 'http://json-schema.org/draft-07/schema#'"##;
    let regex_error = "'([' is not valid regex: error parsing regexp: missing closing ]: `[`";
    bad(
        r##"{"properties":{"a":{"pattern":"(["}}}"##,
        &format!("{meta2020}\n- at '': 'allOf' failed\n  - at '/properties/a': 'allOf' failed\n    - at '/properties/a/pattern': {regex_error}"),
    );
    bad(
        r##"{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"a":{"pattern":"(["}}}"##,
        &format!("{meta7}\n- at '/properties/a/pattern': {regex_error}"),
    );
    bad(
        r##"{"patternProperties":{"([":{}}}"##,
        &format!("{meta2020}\n- at '': 'allOf' failed\n  - at '': invalid propertyName '(['\n    - at '': {regex_error}"),
    );
    bad(
        r##"{"$schema":"http://json-schema.org/draft-07/schema#","patternProperties":{"([":{}}}"##,
        &format!("{meta7}\n- at '': invalid propertyName '(['\n  - at '': {regex_error}"),
    );
    bad(
        r##"{"properties":{"a":{"patternProperties":{"([":{}}}}}"##,
        &format!("{meta2020}\n- at '': 'allOf' failed\n  - at '/properties/a': 'allOf' failed\n    - at '': invalid propertyName '(['\n      - at '': {regex_error}"),
    );
    bad(
        r##"{"properties":{"a":{"items":{"properties":{"b":1}}}}}"##,
        &format!("{meta2020}\n- at '': 'allOf' failed\n  - at '/properties/a': 'allOf' failed\n    - at '/properties/a/items': 'allOf' failed\n      - at '/properties/a/items/properties/b': got number, want boolean or object"),
    );
    bad(
        r##"{"properties":{"a":{"allOf":[{"pattern":"(["}]}}}"##,
        &format!("{meta2020}\n- at '': 'allOf' failed\n  - at '/properties/a': 'allOf' failed\n    - at '/properties/a/allOf/0': 'allOf' failed\n      - at '/properties/a/allOf/0/pattern': {regex_error}"),
    );
    bad("[1]", &format!("{meta2020}\n- at '': got array, want boolean or object"));
}

#[test]
fn message_assembly() {
    // helm-chart-with-schema-and-subchart: the parent's block, then the subchart's.
    let text = format_errors(&[
        ("chart-without-schema".to_string(), vec!["- at '': missing property 'lastname'".to_string()]),
        ("ok-chart".to_string(), vec![]),
        ("subchart-with-schema".to_string(), vec!["- at '': missing property 'age'".to_string()]),
    ]);
    let expected = std::fs::read_to_string(conformance("expected/helm-schema-subchart-fail.err")).ok();
    let ours = format!("Error: {text}\n");
    assert_eq!(
        ours,
        "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nchart-without-schema:\n- at '': missing property 'lastname'\nsubchart-with-schema:\n- at '': missing property 'age'\n\n"
    );
    if let Some(expected) = expected {
        assert_eq!(ours, expected);
    }
    assert_eq!(format_errors(&[]), "");
    assert!(HEADER.ends_with(":\n"));
    assert_eq!(chart_block("c", &SchemaError::BadSchema("EOF".into())), "c:\nEOF");
}

fn conformance(path: &str) -> std::path::PathBuf {
    std::path::Path::new("/work/shared/conformance").join(path)
}

/// The conformance corpus's schema cases, where it is present.
#[test]
fn conformance_charts() {
    let root = conformance("charts");
    if !root.exists() {
        return;
    }
    let read = |chart: &str, file: &str| std::fs::read_to_string(root.join(chart).join(file)).expect("corpus file");
    let own_values_pass = [
        "prometheus",
        "prometheus/charts/alertmanager",
        "traefik",
        "cert-manager",
        "bitnami-apache",
        "vault",
        "alertmanager",
        "bitnami-nginx",
        "bitnami-postgresql",
        "helm-chart-with-schema",
    ];
    for chart in own_values_pass {
        let values = yaml(&read(chart, "values.yaml"));
        let schema = read(chart, "values.schema.json");
        assert_eq!(validate(&values, schema.as_bytes()), Ok(()), "{chart}");
    }

    let with = |chart: &str, key_path: &[&str], value: Value| {
        let values = yaml(&read(chart, "values.yaml"));
        let mut map = values.as_map().expect("values map").clone();
        for key in &key_path[..key_path.len() - 1] {
            map = map.get(key).and_then(|v| v.as_map().cloned()).expect("nested map");
        }
        map.insert(key_path[key_path.len() - 1], value);
        validate(&values, read(chart, "values.schema.json").as_bytes())
    };
    let lines = |v: &[&str]| Err(SchemaError::Invalid(v.iter().map(|s| s.to_string()).collect()));
    assert_eq!(
        with("traefik", &["deployment", "replicas"], Value::str("three")),
        lines(&["- at '/deployment/replicas': got string, want null or integer"])
    );
    assert_eq!(
        with("cert-manager", &["replicaCount"], Value::str("notanumber")),
        lines(&["- at '/replicaCount': got string, want number"])
    );
    assert_eq!(
        with("helm-chart-with-schema", &["age"], Value::Int64(-5)),
        lines(&["- at '/age': minimum: got -5, want 0"])
    );
    // external-dns-default: the chart's own values leave `policy` null.
    assert_eq!(
        validate(&yaml(&read("external-dns", "values.yaml")), read("external-dns", "values.schema.json").as_bytes()),
        lines(&["- at '/policy': got null, want string"])
    );
    let negative = "helm-chart-with-schema-negative";
    assert_eq!(
        validate(&yaml(&read(negative, "values.yaml")), read(negative, "values.schema.json").as_bytes()),
        lines(&["- at '': missing property 'employmentInfo'", "- at '/age': minimum: got -5, want 0"])
    );
}
