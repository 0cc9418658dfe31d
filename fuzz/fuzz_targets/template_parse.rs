//! The template lexer and parser: any text, with Helm's full function set known, must
//! parse or fail with an error; printing the parsed trees must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut set = gotmpl::Templates::named("gotpl");
    set.add_funcs(&chart::funcs::helm_funcs(&Default::default()));
    if set.parse("c/templates/x.yaml", text).is_ok() {
        for name in set.names() {
            if let Some(tree) = set.lookup(&name) {
                let _ = tree.root.to_string();
            }
        }
    }
});
