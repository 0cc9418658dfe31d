//! Parsing templates ahead of rendering, on a thread of its own, while the chart is still
//! being read.
//!
//! A template's parse needs only its text, but rendering can only start once the whole
//! chart is loaded and its values computed: inflating a big archive and reading its values
//! files is work for one core, leaving the other idle. So the loader offers every file
//! under a `templates/` directory as soon as it has it, a worker parses it, and the render
//! takes the trees instead of parsing again.
//!
//! The parse is speculative: the final template names (which depend on aliases and on which
//! subcharts the values enable) are not known yet, so trees are parsed under a provisional
//! name and renamed when taken. A parse that failed is never used: the render parses that
//! file again under its real name, so every error message is exactly the normal one.
//! Results are keyed by the source text's allocation, which the chart model shares all the
//! way to the render (`File::shared_text`), so a taken tree is the parse of exactly that
//! text.
//!
//! Off unless the process asks for it ([`enable`]): the `chartroom` binary does; libraries,
//! tests and the browser (no threads) render as before.

use std::sync::Arc;

use gotmpl::ast::Tree;

/// The provisional name trees are parsed under.
#[cfg(not(target_arch = "wasm32"))]
const PROVISIONAL_NAME: &str = "parse-ahead";

/// Starts the worker; files offered from now on are parsed ahead. Native builds only.
pub fn enable() {
    #[cfg(not(target_arch = "wasm32"))]
    native::enable();
}

/// Offers a chart file just read (named by its path in the archive or chart directory) to
/// the worker, when parse-ahead is on and the file is a template.
pub(crate) fn offer(file: &crate::model::File) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let is_template = file.name.starts_with("templates/") || file.name.contains("/templates/");
        if is_template {
            native::offer(file);
        }
    }
    #[cfg(target_arch = "wasm32")]
    let _ = file;
}

/// The trees parsed ahead from exactly this source, renamed to `name`; `None` when the file
/// was not parsed ahead, or its parse failed. Waits when the worker is parsing it right now;
/// a file still waiting in the queue is withdrawn (the caller parses it itself).
pub(crate) fn take(name: &str, source: &Arc<str>) -> Option<Vec<Tree>> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let mut trees = native::take(source)?;
        for (i, tree) in trees.iter_mut().enumerate() {
            // The first tree is the file's own; the others are its `define`s, named by
            // their definitions. Every tree remembers the file it came from.
            if i == 0 {
                tree.name = name.to_string();
            }
            tree.parse_name = name.to_string();
        }
        Some(trees)
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = (name, source);
        None
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::{HashMap, VecDeque};
    use std::sync::{Arc, Condvar, Mutex, OnceLock};

    use gotmpl::ast::Tree;

    use super::PROVISIONAL_NAME;

    /// A source is known by the address of its text (the worker keeps the `Arc` alive, so
    /// the address cannot be reused while the entry exists).
    type Key = usize;

    fn key(text: &Arc<str>) -> Key {
        Arc::as_ptr(text) as *const u8 as usize
    }

    #[derive(Default)]
    struct State {
        queue: VecDeque<Arc<str>>,
        /// The key being parsed right now.
        busy: Option<Key>,
        /// Finished parses; `None` for a failed one.
        done: HashMap<Key, (Arc<str>, Option<Vec<Tree>>)>,
    }

    struct Shared {
        state: Mutex<State>,
        changed: Condvar,
    }

    static SHARED: OnceLock<Shared> = OnceLock::new();

    pub(super) fn enable() {
        let mut started = false;
        SHARED.get_or_init(|| {
            started = true;
            Shared { state: Mutex::new(State::default()), changed: Condvar::new() }
        });
        if started {
            // The worker lives as long as the process; it sleeps when the queue is empty.
            let _ = std::thread::Builder::new().name("parse-ahead".into()).spawn(work);
        }
    }

    pub(super) fn offer(file: &crate::model::File) {
        let Some(shared) = SHARED.get() else { return };
        let text = file.shared_text();
        let mut state = lock(shared);
        state.queue.push_back(text);
        shared.changed.notify_all();
    }

    pub(super) fn take(source: &Arc<str>) -> Option<Vec<Tree>> {
        let shared = SHARED.get()?;
        let wanted = key(source);
        let mut state = lock(shared);
        loop {
            if let Some((_, trees)) = state.done.remove(&wanted) {
                return trees;
            }
            if state.busy == Some(wanted) {
                state = shared.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Queued but not started, or never offered: the caller parses it.
            state.queue.retain(|text| key(text) != wanted);
            return None;
        }
    }

    /// Waits until the worker has parsed everything offered so far (tests).
    #[cfg(test)]
    pub(super) fn settle() {
        let Some(shared) = SHARED.get() else { return };
        let mut state = lock(shared);
        while !state.queue.is_empty() || state.busy.is_some() {
            state = shared.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
        shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn work() {
        let Some(shared) = SHARED.get() else { return };
        // The default function set: a successful parse is valid for any superset of it
        // (renders with extra functions), and a failed one is never used.
        let funcs = crate::render::default_funcs_for_parsing();
        let mut set = gotmpl::Templates::named(PROVISIONAL_NAME);
        set.share_funcs(funcs);
        loop {
            let text = {
                let mut state = lock(shared);
                loop {
                    if let Some(text) = state.queue.pop_front() {
                        state.busy = Some(key(&text));
                        break text;
                    }
                    state = shared.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                }
            };
            let parsed = set.parse_detached_source(PROVISIONAL_NAME, text.clone()).ok();
            let mut state = lock(shared);
            state.busy = None;
            state.done.insert(key(&text), (text, parsed));
            shared.changed.notify_all();
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::model::File;

    #[test]
    fn offered_templates_are_taken_under_their_real_names() {
        enable();
        let good = File::new("c/templates/a.yaml", "{{ define \"x\" }}hi{{ end }}a: {{ .Values.v }}");
        let bad = File::new("c/charts/s/templates/b.yaml", "{{ if }}");
        let not_a_template = File::new("c/files/t.yaml", "{{ .X }}");
        for file in [&good, &bad, &not_a_template] {
            offer(file);
        }
        native::settle();
        let trees = take("c/templates/a.yaml", &good.shared_text()).expect("parsed ahead");
        let names: Vec<(&str, &str)> = trees.iter().map(|t| (t.name.as_str(), t.parse_name.as_str())).collect();
        assert_eq!(names, [("c/templates/a.yaml", "c/templates/a.yaml"), ("x", "c/templates/a.yaml")]);
        // Taken once: a second render of the same text parses it itself.
        assert!(take("c/templates/a.yaml", &good.shared_text()).is_none());
        // A failed parse is left to the render, for its real error message.
        assert!(take("c/charts/s/templates/b.yaml", &bad.shared_text()).is_none());
        assert!(take("c/files/t.yaml", &not_a_template.shared_text()).is_none());
        // The same text in another allocation is another source.
        let copy = File::new("c/templates/a.yaml", good.data.to_vec());
        offer(&copy);
        native::settle();
        let other = File::new("c/templates/a.yaml", good.data.to_vec());
        assert!(take("c/templates/a.yaml", &other.shared_text()).is_none());
    }
}
