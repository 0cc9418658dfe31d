//! The .tgz loader: any bytes load as a chart or fail with an error, within the archive
//! limits (no unbounded decompression).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    let _ = chart::load_archive(data, &mut warnings);
});
