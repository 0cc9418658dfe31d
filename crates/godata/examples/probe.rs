//! Prints what Helm would render for a values file whose `cases` list is fed through
//! `toYaml`, `toJson` or `fromYaml`, so the output can be compared with real Helm:
//!
//! ```text
//! cargo run -p godata --example probe -- toYaml values.yaml
//! ```
//! matches `helm template` of `{{ range $i, $c := .Values.cases }}` /
//! `c{{ $i }}: {{ toYaml $c | toJson }}` (or `{{ $c | toJson }}`, `{{ fromYaml $c | toJson }}`).

use godata::{json, yaml};
use gotmpl::Value;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: probe toYaml|toJson|fromYaml|fromJson VALUES");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let values = match yaml::parse(&text) {
        Ok(v) => v,
        Err(e) => {
            println!("Error: {e}");
            return;
        }
    };
    let cases = values.as_map().and_then(|m| m.get("cases")).unwrap_or(Value::Nil);
    for (i, case) in cases.as_list().unwrap_or(&[]).iter().enumerate() {
        let rendered = match mode.as_str() {
            "toYaml" => {
                let y = yaml::to_yaml(case).unwrap_or_default();
                json::to_json(&Value::str(y.strip_suffix('\n').unwrap_or(&y))).unwrap_or_default()
            }
            "toJson" => json::to_json(case).unwrap_or_default(),
            "fromYaml" | "fromJson" => {
                let input = case.as_str().unwrap_or_default();
                let result = if mode == "fromYaml" {
                    yaml::parse_object(input, "map[string]interface {}").map_err(|e| e.message)
                } else {
                    json::parse_object(input).map_err(|e| e.message)
                };
                let m = match result {
                    // fromYaml of an empty document gives an empty map; fromJson of `null`
                    // a nil map, which prints as null.
                    Ok(Value::Nil) if mode == "fromYaml" => Value::empty_map(),
                    Ok(v) => v,
                    Err(msg) => Value::map([("Error", Value::str(msg))]),
                };
                json::to_json(&m).unwrap_or_default()
            }
            _ => String::new(),
        };
        println!("c{i}: {rendered}");
    }
}
