//! The few browser services the playground uses: localStorage for the working copy, reading
//! a picked or dropped file, and a clock for render timings. Every failure comes back as a
//! value; a browser without storage simply does not persist.

use gloo::storage::{LocalStorage, Storage};
use wasm_bindgen::JsCast;
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

/// The base URL of `chartroom play`'s API (`api/`), when the page is served by it: the
/// server marks the page with `<meta name="chartroom-play" content="api/">`.
pub fn play_api_base() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let meta = document.query_selector(r#"meta[name="chartroom-play"]"#).ok()??;
    meta.get_attribute("content").filter(|base| !base.is_empty())
}

async fn fetch(url: &str) -> Result<web_sys::Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| format!("{url}: {e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        let text = JsFuture::from(response.text().map_err(|e| format!("{e:?}"))?).await.ok().and_then(|t| t.as_string());
        return Err(format!("{url}: HTTP {} {}", response.status(), text.unwrap_or_default().trim()));
    }
    Ok(response)
}

/// The body of a GET as bytes, with the value of one response header.
pub async fn fetch_bytes(url: &str, header: &str) -> Result<(Vec<u8>, Option<String>), String> {
    let response = fetch(url).await?;
    let value = response.headers().get(header).ok().flatten();
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{url}: {e:?}"))?;
    Ok((js_sys::Uint8Array::new(&buffer).to_vec(), value))
}

/// The body of a GET as text.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let response = fetch(url).await?;
    let text = JsFuture::from(response.text().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{url}: {e:?}"))?;
    Ok(text.as_string().unwrap_or_default())
}

/// Offers `bytes` to the user as a downloaded file called `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|e| format!("{e:?}"))?.dyn_into().map_err(|_| "not an anchor")?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The click has started the download; the object URL is no longer needed.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The page's URL fragment without the `#`.
pub fn location_fragment() -> String {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    hash.strip_prefix('#').unwrap_or(&hash).to_string()
}

/// The page's URL without its fragment.
pub fn page_url() -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

/// Seconds since the Unix epoch (for archive entry times).
pub fn unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}
