//! Cases whose expected output was produced by real Helm v4.1.4 (`helm template` of a
//! chart whose values file is `data/NAME.cases.yaml` and whose template is
//! `{{ range $i, $c := .Values.cases }}c{{ $i }}: {{ EXPR }}{{ end }}` with EXPR
//! `toYaml $c | toJson`, `$c | toJson`, `fromYaml $c | toJson` or `fromJson $c | toJson`).
//! `examples/probe.rs` prints the same lines for comparing against Helm directly.

use godata::{json, yaml};
use gotmpl::Value;

fn render(mode: &str, case: &Value) -> String {
    match mode {
        "toYaml" => {
            let y = yaml::to_yaml(case).unwrap_or_default();
            json::to_json(&Value::str(y.strip_suffix('\n').unwrap_or(&y))).unwrap()
        }
        "toJson" => json::to_json(case).unwrap_or_default(),
        _ => {
            let input = case.as_str().unwrap_or_default();
            let result = if mode == "fromYaml" {
                yaml::parse_object(input, "map[string]interface {}").map_err(|e| e.message)
            } else {
                json::parse_object(input).map_err(|e| e.message)
            };
            let m = match result {
                Ok(Value::Nil) if mode == "fromYaml" => Value::empty_map(),
                Ok(v) => v,
                Err(msg) => Value::map([("Error", Value::str(msg))]),
            };
            json::to_json(&m).unwrap()
        }
    }
}

fn check(name: &str, mode: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let cases_text = std::fs::read_to_string(format!("{dir}{name}.cases.yaml")).unwrap();
    let expected = std::fs::read_to_string(format!("{dir}{name}.expected")).unwrap();
    let values = yaml::parse(&cases_text).unwrap();
    let cases = values.as_map().unwrap().get("cases").unwrap();
    let cases = cases.as_list().unwrap();
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(cases.len(), expected.len(), "{name}: case count");
    let mut failures = Vec::new();
    for (i, (case, want)) in cases.iter().zip(&expected).enumerate() {
        let got = format!("c{i}: {}", render(mode, case));
        if got != *want {
            failures.push(format!("case {i} ({case:?}):\n  want {want}\n  got  {got}"));
        }
    }
    assert!(failures.is_empty(), "{name}: {} of {} differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn to_yaml_matches_helm() {
    check("to_yaml", "toYaml");
}

#[test]
fn from_yaml_matches_helm() {
    check("from_yaml", "fromYaml");
}

#[test]
fn from_yaml_tabs_match_helm() {
    check("from_yaml_tabs", "fromYaml");
}

#[test]
fn to_json_matches_helm() {
    check("to_json", "toJson");
}

#[test]
fn from_json_matches_helm() {
    check("from_json", "fromJson");
}
