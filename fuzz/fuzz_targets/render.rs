//! The whole `helm template` pipeline through `chart::api::render`: a bundle of chart files
//! plus optional `@set` (one --set line per line) and `@values` (a -f file) sections
//! renders or fails with a message, with the limits the pipeline applies by default.
#![no_main]

use chart::api::{render, ChartSource, RenderRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut request = RenderRequest::default();
    let mut files = Vec::new();
    for (name, content) in chartroom_fuzz::split_bundle(data) {
        match name.as_str() {
            "@set" => request.set.extend(String::from_utf8_lossy(&content).lines().map(str::to_string)),
            "@values" => request.values_files.push(("values.yaml".into(), String::from_utf8_lossy(&content).into_owned())),
            _ => files.push((name, content)),
        }
    }
    request.chart = ChartSource::Files(files);
    let _ = render(&request);
});
