//! `getHostByName`: a DNS lookup, answering one of the host's addresses at random.
//!
//! In the browser (wasm32-unknown-unknown) there is no resolver, so it answers the empty
//! string there. Natively a failed lookup is an error, as in Sprig, where indexing the
//! empty answer panics inside `rand.Intn`.

use gotmpl::{FuncError, FuncMap, Type, Value};

use crate::conv::arg_str;

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn lookup_host(name: &str) -> Vec<String> {
    use std::net::ToSocketAddrs;
    let mut addresses: Vec<String> = match (name, 0u16).to_socket_addrs() {
        Ok(found) => found.map(|a| a.ip().to_string()).collect(),
        Err(_) => Vec::new(),
    };
    addresses.dedup();
    addresses
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn get_host_by_name(name: &str) -> Result<Value, FuncError> {
    let addresses = lookup_host(name);
    if addresses.is_empty() {
        return Err(FuncError::msg("invalid argument to Intn"));
    }
    let pick = crate::random::random_below(addresses.len() as u64)? as usize;
    Ok(Value::str(addresses[pick].as_str()))
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn get_host_by_name(_name: &str) -> Result<Value, FuncError> {
    Ok(Value::str(""))
}

pub fn register(m: &mut FuncMap) {
    m.add("getHostByName", &[Type::String], |_, args| get_host_by_name(arg_str(args, 0)));
}
