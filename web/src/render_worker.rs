//! Rendering off the page's thread. A template can loop for a very long time (nested
//! `range`s, huge strings); rendered on the page's own thread that would freeze typing. So
//! the page starts a Web Worker that runs this same wasm module (the compiled module is
//! handed over, nothing is downloaded twice) and sends it render jobs; the worker keeps the
//! chart's files and the loaded chart between renders, so the page only sends what changed.
//! A watchdog on the page terminates a worker that does not answer in time and starts a
//! fresh one; the engine's own step and output limits end most runaways before that.

use std::cell::RefCell;
use std::collections::BTreeMap;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::{ChartCache, Job, Outcome, WireOutcome, BROWSER_LIMITS};
use crate::teach::{Origin, Question};
use crate::workspace::FileContent;

/// The worker's script: it imports the page's own wasm-bindgen glue (its URL and the
/// compiled module come in the first message), then answers each later message with the
/// exported [`chartroom_worker_handle`]. Messages that arrive while the module is still
/// starting wait on the same promise, so they are answered in order.
const WORKER_SCRIPT: &str = r#"
let ready = null;
self.onmessage = (event) => {
  if (ready === null) {
    const { glue, module } = event.data;
    ready = import(glue).then(async (bindings) => {
      await bindings.default({ module_or_path: module });
      return bindings.chartroom_worker_handle;
    });
    ready.catch((error) => self.postMessage({ fatal: `the render worker did not start: ${error}` }));
    return;
  }
  ready.then((handle) => self.postMessage(handle(event.data)))
    .catch((error) => self.postMessage({ id: event.data.id, fatal: `the render worker failed: ${error}` }));
};
"#;

/// What changed in the chart's files since the cache last saw them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FilesDelta {
    /// The cache starts over with `upserts` as its only files.
    pub reset: bool,
    pub upserts: Vec<(String, Vec<u8>)>,
    pub removed: Vec<String>,
}

impl FilesDelta {
    pub fn is_empty(&self) -> bool {
        !self.reset && self.upserts.is_empty() && self.removed.is_empty()
    }

    pub fn apply(self, cache: &mut ChartCache) {
        if self.reset {
            cache.replace_all(self.upserts.into_iter().collect());
            return;
        }
        for path in &self.removed {
            cache.remove(path);
        }
        for (path, bytes) in self.upserts {
            cache.upsert(path, bytes);
        }
    }
}

/// Remembers which files a cache (in the worker or on the page) holds, to send it only
/// the differences from the working copy.
#[derive(Default)]
pub struct FileSync {
    known: Option<BTreeMap<String, FileContent>>,
}

impl FileSync {
    /// The changes that bring the cache to `files`; afterwards the cache is assumed to have them.
    pub fn delta(&mut self, files: &BTreeMap<String, FileContent>) -> FilesDelta {
        let delta = match &self.known {
            None => FilesDelta {
                reset: true,
                upserts: files.iter().map(|(path, content)| (path.clone(), content.as_bytes().to_vec())).collect(),
                removed: Vec::new(),
            },
            Some(known) if known == files => return FilesDelta::default(),
            Some(known) => FilesDelta {
                reset: false,
                upserts: files
                    .iter()
                    .filter(|(path, content)| known.get(*path) != Some(content))
                    .map(|(path, content)| (path.clone(), content.as_bytes().to_vec()))
                    .collect(),
                removed: known.keys().filter(|path| !files.contains_key(*path)).cloned().collect(),
            },
        };
        self.known = Some(files.clone());
        delta
    }

    /// The cache lost its files (a new worker): the next delta sends all of them.
    pub fn forget(&mut self) {
        self.known = None;
    }
}

/// What the worker tells the page.
pub enum WorkerEvent {
    Answer { id: u64, outcomes: Vec<Outcome>, engine_ms: f64 },
    /// Where a line of the preview came from (the teaching view's question `id`).
    Explained { id: u64, answer: Result<Origin, String> },
    /// The worker cannot go on (it failed to start, or the engine trapped); `id` is the
    /// job it was working on, when known.
    Crashed { id: Option<u64>, reason: String },
}

/// The page's side of one render worker. Dropping it terminates the worker.
pub struct RenderWorker {
    worker: web_sys::Worker,
    files: FileSync,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl Drop for RenderWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl RenderWorker {
    /// Starts a worker over this page's wasm module; answers go to `on_event`.
    pub fn spawn(on_event: impl Fn(WorkerEvent) + Clone + 'static) -> Result<RenderWorker, String> {
        let glue = glue_script_url().ok_or("cannot find the page's wasm-bindgen script")?;
        let blob_parts = Array::of1(&JsValue::from_str(WORKER_SCRIPT));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&blob_parts, &options).map_err(describe)?;
        let script_url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
        let worker_options = web_sys::WorkerOptions::new();
        worker_options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(&script_url, &worker_options).map_err(describe);
        // The worker has fetched (or will fetch) its script by itself from here on.
        let _ = web_sys::Url::revoke_object_url(&script_url);
        let worker = worker?;

        let on_answer = on_event.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            on_answer(read_answer(&event.data()));
        });
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            on_event(WorkerEvent::Crashed { id: None, reason: format!("the render worker failed: {}", event.message()) });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        let start = Object::new();
        Reflect::set(&start, &"glue".into(), &glue.into()).map_err(describe)?;
        Reflect::set(&start, &"module".into(), &wasm_bindgen::module()).map_err(describe)?;
        worker.post_message(&start).map_err(describe)?;
        Ok(RenderWorker { worker, files: FileSync::default(), _on_message: on_message, _on_error: on_error })
    }

    /// Sends render job `id`: the file changes since the last job, then the jobs (answered
    /// in the same order).
    pub fn send(&mut self, id: u64, files: &BTreeMap<String, FileContent>, jobs: &[Job]) -> Result<(), String> {
        let jobs = serde_json::to_string(jobs).map_err(|e| e.to_string())?;
        self.post(id, files, "jobs", jobs)
    }

    /// Asks where a line of a render came from (answered with [`WorkerEvent::Explained`]).
    pub fn ask(&mut self, id: u64, files: &BTreeMap<String, FileContent>, question: &Question) -> Result<(), String> {
        let question = serde_json::to_string(question).map_err(|e| e.to_string())?;
        self.post(id, files, "explain", question)
    }

    fn post(&mut self, id: u64, files: &BTreeMap<String, FileContent>, key: &str, json: String) -> Result<(), String> {
        let delta = self.files.delta(files);
        let message = Object::new();
        let result = (|| {
            Reflect::set(&message, &"id".into(), &JsValue::from_f64(id as f64))?;
            if !delta.is_empty() {
                Reflect::set(&message, &"files".into(), &delta_to_js(delta)?)?;
            }
            Reflect::set(&message, &key.into(), &json.into())?;
            self.worker.post_message(&message)
        })();
        result.map_err(|e| {
            // The worker may have missed the files: resend all of them next time.
            self.files.forget();
            describe(e)
        })
    }
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

/// The absolute URL of the wasm-bindgen glue module the page was started from: Trunk
/// preloads it with `<link rel="modulepreload">`, whose `href` property is absolute.
fn glue_script_url() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let link = document.query_selector(r#"link[rel="modulepreload"][href$=".js"]"#).ok()??;
    let href = Reflect::get(&link, &"href".into()).ok()?.as_string()?;
    (!href.is_empty()).then_some(href)
}

fn delta_to_js(delta: FilesDelta) -> Result<JsValue, JsValue> {
    let object = Object::new();
    Reflect::set(&object, &"reset".into(), &JsValue::from_bool(delta.reset))?;
    let upserts = Array::new();
    for (path, bytes) in &delta.upserts {
        upserts.push(&Array::of2(&JsValue::from_str(path), &Uint8Array::from(bytes.as_slice())));
    }
    Reflect::set(&object, &"upserts".into(), &upserts)?;
    let removed: Array = delta.removed.iter().map(|path| JsValue::from_str(path)).collect();
    Reflect::set(&object, &"removed".into(), &removed)?;
    Ok(object.into())
}

fn delta_from_js(value: &JsValue) -> FilesDelta {
    let reset = Reflect::get(value, &"reset".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    let upserts = Reflect::get(value, &"upserts".into())
        .ok()
        .and_then(|v| v.dyn_into::<Array>().ok())
        .map(|array| {
            array
                .iter()
                .filter_map(|pair| {
                    let pair = pair.dyn_into::<Array>().ok()?;
                    let path = pair.get(0).as_string()?;
                    let bytes = pair.get(1).dyn_into::<Uint8Array>().ok()?.to_vec();
                    Some((path, bytes))
                })
                .collect()
        })
        .unwrap_or_default();
    let removed = Reflect::get(value, &"removed".into())
        .ok()
        .and_then(|v| v.dyn_into::<Array>().ok())
        .map(|array| array.iter().filter_map(|path| path.as_string()).collect())
        .unwrap_or_default();
    FilesDelta { reset, upserts, removed }
}

fn read_answer(data: &JsValue) -> WorkerEvent {
    let id = Reflect::get(data, &"id".into()).ok().and_then(|v| v.as_f64()).map(|id| id as u64);
    if let Some(reason) = Reflect::get(data, &"fatal".into()).ok().and_then(|v| v.as_string()) {
        return WorkerEvent::Crashed { id, reason };
    }
    if let Some(explained) = Reflect::get(data, &"explained".into()).ok().and_then(|v| v.as_string()) {
        return match (id, serde_json::from_str::<Result<Origin, String>>(&explained)) {
            (Some(id), Ok(answer)) => WorkerEvent::Explained { id, answer },
            (Some(id), Err(e)) => WorkerEvent::Explained { id, answer: Err(format!("unreadable answer from the render worker: {e}")) },
            (None, _) => WorkerEvent::Crashed { id, reason: "the render worker answered without a job id".into() },
        };
    }
    let engine_ms = Reflect::get(data, &"engineMs".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let answer = Reflect::get(data, &"outcomes".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    match (id, serde_json::from_str::<Vec<WireOutcome>>(&answer)) {
        (Some(id), Ok(outcomes)) => {
            WorkerEvent::Answer { id, outcomes: outcomes.into_iter().map(WireOutcome::into_outcome).collect(), engine_ms }
        }
        (_, Err(e)) => WorkerEvent::Crashed { id, reason: format!("unreadable answer from the render worker: {e}") },
        (None, Ok(_)) => WorkerEvent::Crashed { id, reason: "the render worker answered without a job id".into() },
    }
}

thread_local! {
    /// The worker's chart: its files and, once rendered, the loaded chart.
    static WORKER_CACHE: RefCell<ChartCache> = RefCell::new(ChartCache::default());
}

/// In the worker: applies a job's file changes, renders its jobs, and returns the answer
/// message (`{ id, outcomes: JSON, engineMs }`).
#[wasm_bindgen]
pub fn chartroom_worker_handle(message: JsValue) -> JsValue {
    let started = js_sys::Date::now();
    let id = Reflect::get(&message, &"id".into()).unwrap_or(JsValue::NULL);
    let files = Reflect::get(&message, &"files".into()).ok().filter(|v| v.is_object());
    let jobs = Reflect::get(&message, &"jobs".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    if let Some(question) = Reflect::get(&message, &"explain".into()).ok().and_then(|v| v.as_string()) {
        let answer = WORKER_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(files) = files {
                delta_from_js(&files).apply(&mut cache);
            }
            explain(&mut cache, &question)
        });
        let message = Object::new();
        let encoded = serde_json::to_string(&answer).unwrap_or_else(|e| format!("{{\"Err\":\"{e}\"}}"));
        let _ = Reflect::set(&message, &"id".into(), &id);
        let _ = Reflect::set(&message, &"explained".into(), &encoded.into());
        return message.into();
    }
    let outcomes: Vec<WireOutcome> = WORKER_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(files) = files {
            delta_from_js(&files).apply(&mut cache);
        }
        match serde_json::from_str::<Vec<Job>>(&jobs) {
            Ok(jobs) => jobs.iter().map(|job| WireOutcome::from_outcome(cache.render(job, BROWSER_LIMITS))).collect(),
            Err(e) => vec![WireOutcome::from_outcome(Err(chart::api::RenderFailure {
                message: format!("unreadable render job: {e}"),
                ..Default::default()
            }))],
        }
    });
    let answer = Object::new();
    let encoded = serde_json::to_string(&outcomes).unwrap_or_else(|_| "[]".into());
    // Setting plain properties on a fresh object cannot fail.
    let _ = Reflect::set(&answer, &"id".into(), &id);
    let _ = Reflect::set(&answer, &"outcomes".into(), &encoded.into());
    let _ = Reflect::set(&answer, &"engineMs".into(), &JsValue::from_f64(js_sys::Date::now() - started));
    answer.into()
}

/// Answers a teaching question (JSON [`Question`]) from a chart cache, in the worker or,
/// without one, on the page.
pub fn explain(cache: &mut ChartCache, question: &str) -> Result<Origin, String> {
    let question: Question = serde_json::from_str(question).map_err(|e| format!("unreadable question: {e}"))?;
    cache.explain(&question.job, BROWSER_LIMITS, question.document, question.line).map(Origin::from_engine)
}

/// True when this code runs in a worker rather than on the page.
pub fn in_worker() -> bool {
    js_sys::global().dyn_ref::<web_sys::Window>().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, FileContent> {
        pairs.iter().map(|(p, t)| (p.to_string(), FileContent::Text(t.to_string()))).collect()
    }

    #[test]
    fn deltas_send_only_changes() {
        let mut sync = FileSync::default();
        let first = sync.delta(&files(&[("a", "1"), ("b", "2")]));
        assert!(first.reset);
        assert_eq!(first.upserts.len(), 2);
        assert!(sync.delta(&files(&[("a", "1"), ("b", "2")])).is_empty());
        let change = sync.delta(&files(&[("a", "1"), ("b", "3"), ("c", "4")]));
        assert_eq!(change, FilesDelta { reset: false, upserts: vec![("b".into(), b"3".to_vec()), ("c".into(), b"4".to_vec())], removed: vec![] });
        let removal = sync.delta(&files(&[("c", "4")]));
        assert_eq!(removal.removed, ["a", "b"]);
        sync.forget();
        assert!(sync.delta(&files(&[("c", "4")])).reset);
    }
}
