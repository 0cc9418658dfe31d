//! The chart loader from files (Chart.yaml rules, values, subcharts, dependencies): a
//! bundle of files (see `split_bundle`) loads or fails with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = chartroom_fuzz::split_bundle(data);
    let mut warnings = Vec::new();
    let _ = chart::load_files(files, &mut warnings);
});
