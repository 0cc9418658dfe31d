//! The --set family parsers: every line, in every mode, parses or fails with a message.
#![no_main]

use chart::strvals::{self, ValueMode};
use gotmpl::MapRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let _ = strvals::parse(line);
    let _ = strvals::parse_into(line, &MapRef::default(), ValueMode::String);
    let _ = strvals::parse_into(line, &MapRef::default(), ValueMode::Json);
    let read_file = |path: &str| -> Result<String, String> { Ok(path.repeat(2)) };
    let _ = strvals::parse_into(line, &MapRef::default(), ValueMode::File(&read_file));
    let _ = strvals::parse_into(line, &MapRef::default(), ValueMode::Literal);
    // Repeated lines into one map exercise merging into existing (typed) entries.
    let shared = MapRef::default();
    for part in line.split('\n') {
        let _ = strvals::parse_into(part, &shared, ValueMode::Typed);
    }
});
