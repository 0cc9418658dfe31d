//! The YAML layer (sigs.k8s.io/yaml over go-yaml v2 semantics) and JSON: parse any text;
//! whatever parses must encode back to YAML and JSON without panicking, and Helm's values
//! loader (multi-document splitting) must cope too. Whenever the fast YAML reader accepts
//! a text, it must read it exactly as the saphyr path does, and the direct conversion of
//! its nodes to values must agree with go-yaml's decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let godata::yaml::FastReading::Different(difference) = godata::yaml::compare_with_saphyr(text) {
        panic!("the fast YAML reader differs from saphyr: {difference}");
    }
    if let Err(difference) = godata::yaml::compare_direct_conversion(text) {
        panic!("the direct conversion of YAML nodes differs from the decoder: {difference}");
    }
    if let Ok(value) = godata::yaml::parse(text) {
        let _ = godata::yaml::to_yaml(&value);
        let _ = godata::json::to_json(&value);
    }
    let _ = godata::yaml::parse_all(text);
    let _ = godata::json::parse(text);
    let _ = chart::values::load_values(text);
    let _ = chart::yaml::parse_chart_document(text);
});
