//! The few browser services the playground uses: localStorage for the working copy, reading
//! a picked or dropped file, and a clock for render timings. Every failure comes back as a
//! value; a browser without storage simply does not persist.

use gloo::storage::{LocalStorage, Storage};
use wasm_bindgen_futures::JsFuture;

use crate::workspace::Workspace;

/// Versioned so a future change of the stored shape starts fresh instead of misreading.
const STORAGE_KEY: &str = "chartroom.workspace.v1";

/// The stored working copy, if there is one and it still reads.
pub fn load_workspace() -> Option<Workspace> {
    let mut workspace: Workspace = LocalStorage::get(STORAGE_KEY).ok()?;
    workspace.repair();
    Some(workspace)
}

/// Stores the working copy; the error says why not (typically the storage quota).
pub fn save_workspace(workspace: &Workspace) -> Result<(), String> {
    LocalStorage::set(STORAGE_KEY, workspace).map_err(|e| e.to_string())
}

pub fn forget_workspace() {
    LocalStorage::delete(STORAGE_KEY);
}

/// The bytes of a file the user picked or dropped.
pub async fn read_file(file: web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| format!("could not read {}: {e:?}", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Milliseconds from an arbitrary origin, for measuring how long a render took.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
