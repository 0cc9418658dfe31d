//! The executor with Sprig and Helm's functions (include, tpl, toYaml, ...): any template
//! that parses must run to output or an error within the bounds of
//! `bounded_exec_options` (a hang or runaway allocation is a finding).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn base_set() -> &'static gotmpl::Templates {
    static SET: OnceLock<gotmpl::Templates> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = gotmpl::Templates::named("gotpl");
        set.add_funcs(&chart::funcs::helm_funcs(&Default::default()));
        set
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut set = base_set().clone();
    if set.parse("c/templates/x.yaml", text).is_err() {
        return;
    }
    // A fresh dot per run: templates may mutate maps (set, unset, merge).
    let dot = godata::yaml::parse(chartroom_fuzz::TEMPLATE_DOT_YAML).expect("the fixed dot parses");
    let _ = set.execute("c/templates/x.yaml", &dot, &chartroom_fuzz::bounded_exec_options());
});
