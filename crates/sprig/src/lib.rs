//! The Sprig v3 function library (github.com/Masterminds/sprig/v3), as Helm v4.1.4 ships it:
//! every function of Sprig's `TxtFuncMap` except `env` and `expandenv`, which Helm removes.
//!
//! Each module registers one family of functions; [`funcs`] gathers them all.
#![forbid(unsafe_code)]

use gotmpl::FuncMap;

pub mod conv;
pub mod crypto;
pub mod dates;
pub mod defaults;
pub mod dicts;
pub mod encoding;
pub mod lists;
pub mod math;
mod memo;
pub mod network;
pub mod paths;
pub mod random;
pub mod reflection;
pub mod regex;
pub mod semver;
pub mod strings;
pub mod urls;

/// Every Sprig function, ready to be added to a template set.
pub fn funcs() -> FuncMap {
    let mut m = FuncMap::new();
    strings::register(&mut m);
    lists::register(&mut m);
    dicts::register(&mut m);
    math::register(&mut m);
    defaults::register(&mut m);
    reflection::register(&mut m);
    encoding::register(&mut m);
    paths::register(&mut m);
    urls::register(&mut m);
    semver::register(&mut m);
    dates::register(&mut m);
    regex::register(&mut m);
    crypto::register(&mut m);
    random::register(&mut m);
    network::register(&mut m);
    m
}
