//! Rendering a chart tree the way Helm's engine does (`pkg/engine/engine.go`):
//!
//! 1. every template of the chart and its enabled subcharts becomes one template of a single
//!    Go template set, named by its full path (`parent/charts/child/templates/x.yaml`);
//! 2. the files are parsed deepest path first, and among equal depth in reverse name order,
//!    so a `define` in a parent chart wins over a subchart's one of the same name;
//! 3. every non-partial file is executed in that same order with its chart's own dot (its
//!    `.Values` scoped to the subchart, its `.Chart`, `.Files`) plus `.Template`;
//! 4. `<no value>` is removed from each file's output (Helm runs with missingkey=zero).
//!
//! The caller (values and chart model) prepares each chart's dot; this module only knows
//! about paths, sources and dots.

use std::collections::BTreeMap;

use gotmpl::{Error as TemplateError, Options, Templates, Value};

use crate::funcs::{helm_funcs, HelmFuncOptions, WARN_END, WARN_START};

/// The name of the root template of Helm's set; `tpl` parses its text under this name.
pub const ROOT_TEMPLATE_NAME: &str = "gotpl";

/// One chart of the tree, ready to render.
#[derive(Clone, Debug)]
pub struct RenderUnit {
    /// Helm's `ChartFullPath()`: `root` or `root/charts/sub/charts/subsub`.
    pub full_path: String,
    /// Library charts render none of their files; only their `_` partials are parsed.
    pub is_library: bool,
    /// The chart's templates: (path inside the chart, e.g. `templates/x.yaml`, source).
    pub templates: Vec<(String, std::sync::Arc<str>)>,
    /// The chart's dot: a map with `Values`, `Release`, `Chart`, `Capabilities`, `Files`, ...
    /// `.Template` is set on it for each file as it renders.
    pub dot: Value,
    /// Enabled subcharts.
    pub children: Vec<RenderUnit>,
}

#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// missingkey=error instead of zero.
    pub strict: bool,
    /// `required` does not fail (lint).
    pub lint_mode: bool,
    /// Keep, for every output byte, the template span that produced it.
    pub source_map: bool,
    /// Replaces Helm's offline `lookup` (the deploy crate passes a live one).
    pub extra_funcs: Option<gotmpl::FuncMap>,
    pub limits: crate::api::RenderLimits,
}

/// The rendered files of a chart tree, by full template path; partials are not included.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub files: BTreeMap<String, String>,
    /// Source maps by file, when asked for.
    pub source_maps: BTreeMap<String, gotmpl::exec::SourceMap>,
}

/// A render failure, with Helm's message and the structured template error behind it.
#[derive(Clone, Debug)]
pub struct RenderError {
    /// What Helm prints after `Error: `.
    pub message: String,
    /// The engine's error, for editors (file, line, column).
    pub template_error: Option<TemplateError>,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

struct Entry<'a> {
    name: String,
    source: &'a std::sync::Arc<str>,
    base_path: String,
    dot: &'a Value,
    render: bool,
}

fn collect<'a>(unit: &'a RenderUnit, out: &mut Vec<Entry<'a>>) {
    for child in &unit.children {
        collect(child, out);
    }
    for (path, source) in &unit.templates {
        let base = path.rsplit('/').next().unwrap_or(path);
        let partial = base.starts_with('_');
        if unit.is_library && !partial {
            continue;
        }
        out.push(Entry {
            name: format!("{}/{}", unit.full_path, path),
            source,
            base_path: format!("{}/templates", unit.full_path),
            dot: &unit.dot,
            render: !partial,
        });
    }
}

/// Helm's function map for these options, built once per process: some 240 functions,
/// a noticeable part of rendering a small chart when built for every render.
fn shared_helm_funcs(opts: &HelmFuncOptions) -> std::sync::Arc<gotmpl::FuncMap> {
    use std::sync::{Arc, OnceLock};
    static MAPS: [OnceLock<Arc<gotmpl::FuncMap>>; 4] = [const { OnceLock::new() }; 4];
    // Every field is part of the key (a new field fails to compile here).
    let HelmFuncOptions { lint_mode, strict } = opts;
    let slot = usize::from(*lint_mode) * 2 + usize::from(*strict);
    MAPS[slot].get_or_init(|| Arc::new(helm_funcs(opts))).clone()
}

/// The function map renders use by default, for parsing ahead of them (`parse_ahead`).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn default_funcs_for_parsing() -> std::sync::Arc<gotmpl::FuncMap> {
    shared_helm_funcs(&HelmFuncOptions { lint_mode: false, strict: false })
}

/// Set once by a process that exits right after it has rendered (the `chartroom` binary).
static EXITING_SOON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Declares that this process ends soon after rendering, so large results (the parsed
/// templates, a render's intermediate values) need not be freed piece by piece: the operating
/// system reclaims the whole process faster. Not for long-running processes.
pub fn declare_exiting_soon() {
    EXITING_SOON.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// See [`declare_exiting_soon`].
pub fn exiting_soon() -> bool {
    EXITING_SOON.load(std::sync::atomic::Ordering::Relaxed)
}

/// Helm's `sortTemplates`: by number of `/` descending, then by name descending.
fn helm_template_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
    cb.cmp(&ca).then_with(|| b.cmp(a))
}

/// Renders every template of the tree.
pub fn render(root: &RenderUnit, opts: &RenderOptions) -> Result<Rendered, RenderError> {
    let mut entries = Vec::new();
    collect(root, &mut entries);
    entries.sort_by(|a, b| helm_template_order(&a.name, &b.name));

    let mut set = Templates::named(ROOT_TEMPLATE_NAME);
    let helm_opts = HelmFuncOptions { lint_mode: opts.lint_mode, strict: opts.strict };
    match &opts.extra_funcs {
        None => set.share_funcs(shared_helm_funcs(&helm_opts)),
        Some(extra) => {
            let mut funcs = helm_funcs(&helm_opts);
            funcs.extend(extra);
            set.add_funcs(&funcs);
        }
    }
    let parsed = parse_all(&set, &entries);
    for (e, trees) in entries.iter().zip(parsed) {
        // Go parses in order and stops at the first bad file; so do we, whatever the threads.
        set.add_trees(trees.map_err(|err| cleanup_parse_error(&e.name, err))?);
    }

    let exec_opts = Options {
        missing_key: if opts.strict { gotmpl::exec::MissingKey::Error } else { gotmpl::exec::MissingKey::Zero },
        source_map: opts.source_map,
        max_steps: opts.limits.max_steps,
        max_output: opts.limits.max_output_bytes,
        max_depth: opts.limits.max_template_depth.unwrap_or(Options::default().max_depth),
        ..Options::default()
    };
    let to_render: Vec<&Entry<'_>> = entries.iter().filter(|e| e.render).collect();
    let mut out = Rendered::default();
    // Natively, as many files as possible run side by side first; the rest, one at a time.
    #[cfg(not(target_arch = "wasm32"))]
    let sequential_from =
        if opts.extra_funcs.is_none() { execute_side_by_side(&set, &to_render, &exec_opts, &mut out)? } else { 0 };
    #[cfg(target_arch = "wasm32")]
    let sequential_from = 0;
    for e in &to_render[sequential_from..] {
        if let Value::Map(m) = e.dot {
            m.insert("Template", template_value(e));
        }
        let (text, map) = execute_one(&set, e, e.dot, &exec_opts).map_err(|err| cleanup_exec_error(&e.name, err))?;
        // Helm runs with missingkey=zero, which still prints "<no value>" for missing
        // interface values; Helm deletes those from the output.
        out.files.insert(e.name.clone(), text.replace("<no value>", ""));
        if let Some(map) = map {
            out.source_maps.insert(e.name.clone(), map);
        }
    }
    if exiting_soon() {
        // Hundreds of thousands of small allocations for a big chart: milliseconds to free
        // one by one, and the process is about to hand all its memory back at once.
        std::mem::forget(set);
    }
    Ok(out)
}

/// One file's output and source map.
type Executed = Result<(String, Option<gotmpl::exec::SourceMap>), TemplateError>;

fn execute_one(set: &Templates, e: &Entry<'_>, dot: &Value, exec_opts: &Options) -> Executed {
    if exec_opts.source_map {
        set.execute_mapped(&e.name, dot, exec_opts).map(|(text, map)| (text, Some(map)))
    } else {
        set.execute(&e.name, dot, exec_opts).map(|text| (text, None))
    }
}

/// Executes the files on several threads, when there are several threads and enough files to
/// pay for them, into `out`; returns how many files (in order) are done.
///
/// Helm runs the files one after another, and a file may change values that a later file
/// reads (`set $.Values ...`, or `set .` on its chart's dot). So every map that exists
/// beforehand is read-only during the run (a [`gotmpl::WriteFence`]): a file that tries to
/// write one is stopped before the write, and it and every file after it are left to the
/// caller to run one at a time as Helm does; the files before it saw exactly what they would
/// have seen in Helm. Errors are reported as Helm would: the first failing file in order.
#[cfg(not(target_arch = "wasm32"))]
fn execute_side_by_side(
    set: &Templates,
    entries: &[&Entry<'_>],
    exec_opts: &Options,
    out: &mut Rendered,
) -> Result<usize, RenderError> {
    use std::sync::atomic::{AtomicUsize, Ordering};

    const MIN_FILES: usize = 4;
    // Below this much template text a thread costs more than it saves.
    const MIN_SOURCE_BYTES: usize = 16 * 1024;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let total: usize = entries.iter().map(|e| e.source.len()).sum();
    if threads < 2 || entries.len() < MIN_FILES || total < MIN_SOURCE_BYTES {
        return Ok(0);
    }
    // Helm sets `.Template` on the chart's shared dot before each file; here each file gets
    // its own shallow copy of the dot instead. The copies are made before the fence, so
    // writing to one is caught like a write to the shared dot would be.
    let dots: Vec<Value> = entries.iter().map(|e| dot_with_template(e)).collect();
    let fence = gotmpl::WriteFence::raise();
    let next = AtomicUsize::new(0);
    // The first file that failed, and the first that tried to write to a fenced map: no
    // file after either needs running here.
    let first_failure = AtomicUsize::new(usize::MAX);
    let first_writer = AtomicUsize::new(usize::MAX);
    let work = || {
        let mut done: Vec<(usize, Executed)> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let stop = first_failure.load(Ordering::Relaxed).min(first_writer.load(Ordering::Relaxed));
            if i >= entries.len() || i > stop {
                return done;
            }
            match fence.run(|| execute_one(set, entries[i], &dots[i], exec_opts)) {
                Ok(result) => {
                    if result.is_err() {
                        first_failure.fetch_min(i, Ordering::Relaxed);
                    }
                    done.push((i, result));
                }
                Err(gotmpl::FencedWriteAttempted) => {
                    first_writer.fetch_min(i, Ordering::Relaxed);
                }
            }
        }
    };
    let mut slots: Vec<Option<Executed>> = (0..entries.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut finished = vec![work()];
        for helper in helpers {
            match helper.join() {
                Ok(done) => finished.push(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, result) in finished.into_iter().flatten() {
            slots[i] = Some(result);
        }
    });
    let writer = first_writer.into_inner();
    // Every file before the first writer ran (each index was taken by one worker, which
    // finished it), and none of them saw a write.
    for (done, (e, slot)) in entries.iter().zip(slots).enumerate() {
        if done == writer {
            return Ok(done);
        }
        let Some(result) = slot else { return Ok(done) };
        let (text, map) = result.map_err(|err| cleanup_exec_error(&e.name, err))?;
        out.files.insert(e.name.clone(), text.replace("<no value>", ""));
        if let Some(map) = map {
            out.source_maps.insert(e.name.clone(), map);
        }
    }
    Ok(entries.len())
}

/// The file's `.Template`: its `Name` and `BasePath`.
fn template_value(e: &Entry<'_>) -> Value {
    Value::map([("Name", Value::str(e.name.as_str())), ("BasePath", Value::str(e.base_path.as_str()))])
}

/// A shallow copy of the entry's chart dot with its `.Template`.
#[cfg(not(target_arch = "wasm32"))]
fn dot_with_template(e: &Entry<'_>) -> Value {
    let template = template_value(e);
    match e.dot {
        Value::Map(m) => {
            let copy = {
                let map = m.read();
                gotmpl::Map { elem: map.elem, entries: map.entries.clone() }
            };
            let copy = gotmpl::MapRef::new(copy);
            copy.insert("Template", template);
            Value::Map(copy)
        }
        other => other.clone(),
    }
}

/// Parses every file, on several threads where there are any: parsing a file needs only the
/// function names, so the files are independent; they are added to the set afterwards, in
/// Helm's order.
fn parse_all(set: &Templates, entries: &[Entry<'_>]) -> Vec<Result<Vec<gotmpl::ast::Tree>, TemplateError>> {
    let parse_one = |e: &Entry<'_>| match crate::parse_ahead::take(&e.name, e.source) {
        Some(trees) => Ok(trees),
        None => set.parse_detached_source(&e.name, e.source.clone()),
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let total: usize = entries.iter().map(|e| e.source.len()).sum();
        // Below ~64 KiB of templates a thread costs more than it saves.
        if threads > 1 && total > 64 * 1024 {
            // Files differ wildly in size: hand them out one at a time from a shared counter
            // (the calling thread works too), so no thread idles while another parses.
            let next = std::sync::atomic::AtomicUsize::new(0);
            let work = || {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(e) = entries.get(i) else { break };
                    done.push((i, parse_one(e)));
                }
                done
            };
            let mut slots: Vec<Option<Result<Vec<gotmpl::ast::Tree>, TemplateError>>> =
                (0..entries.len()).map(|_| None).collect();
            std::thread::scope(|scope| {
                let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
                for (i, r) in work() {
                    slots[i] = Some(r);
                }
                for h in helpers {
                    match h.join() {
                        Ok(done) => done.into_iter().for_each(|(i, r)| slots[i] = Some(r)),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
            });
            let out: Vec<_> = slots.into_iter().flatten().collect();
            return out;
        }
    }
    entries.iter().map(parse_one).collect()
}

/// Helm's `cleanupParseError`: `parse error at (FILE:LINE): MESSAGE`, from Go's
/// `template: FILE:LINE: MESSAGE` (the location is the second `: `-separated token, the
/// message the last one).
fn cleanup_parse_error(filename: &str, err: TemplateError) -> RenderError {
    let text = err.message.clone();
    let tokens: Vec<&str> = text.split(": ").collect();
    let message = if tokens.len() == 1 {
        format!("parse error in ({filename}): {text}")
    } else {
        format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1])
    };
    RenderError { message, template_error: Some(err) }
}

/// Helm's exec error cleanup. A `required`/`fail` message anywhere in the chain becomes
/// `execution error at (OUTER LOCATION): MESSAGE`. Otherwise Helm 4 lays the chain of
/// template frames out one per block, when every link is a template frame or an
/// `include`; other function errors keep Go's one-line text.
fn cleanup_exec_error(filename: &str, err: TemplateError) -> RenderError {
    let text = err.message.clone();
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return RenderError { message: format!("execution error in ({filename}): {text}"), template_error: Some(err) };
    }
    let location = tokens[1];
    // Helm's `(?s)HELM_ERR_START(.*)HELM_ERR_END`: from the first start marker to the last
    // end marker, across lines.
    if let Some(start) = tokens[2].find(WARN_START) {
        let rest = &tokens[2][start + WARN_START.len()..];
        if let Some(end) = rest.rfind(WARN_END) {
            return RenderError {
                message: format!("execution error at ({location}): {}", &rest[..end]),
                template_error: Some(err),
            };
        }
    }
    let message = format_exec_chain(&text).unwrap_or(text);
    RenderError { message, template_error: Some(err) }
}

/// Lays out Go's chain `template: LOC: executing "NAME" at <NODE>: error calling include:
/// template: ...` as Helm 4 prints it:
///
/// ```text
/// LOC
///   executing "NAME" at <NODE>:
///     error calling include:
/// LOC2
///   executing "NAME2" at <NODE2>:
///     ROOT MESSAGE
/// ```
/// Returns `None` (keep Go's text) when a link is a function error other than `include`.
fn format_exec_chain(text: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    loop {
        let Some((loc, name, node, after)) = parse_frame(rest) else {
            // A link that is not a template frame ends an include chain as it is.
            if out.is_empty() {
                return None;
            }
            out.push(rest.to_string());
            break;
        };
        out.push(format!("{loc}\n  executing \"{name}\" at <{node}>:"));
        if let Some(inner) = after.strip_prefix("error calling include: ") {
            out.push("    error calling include:".to_string());
            rest = inner;
            continue;
        }
        if after.starts_with("error calling ") {
            return None;
        }
        out.push(format!("    {after}"));
        break;
    }
    Some(out.join("\n"))
}

/// One frame `template: LOC: executing "NAME" at <NODE>: REST` as (LOC, NAME, NODE, REST).
fn parse_frame(text: &str) -> Option<(&str, &str, &str, &str)> {
    let frame = text.strip_prefix("template: ")?;
    let (loc, after) = frame.split_once(": ")?;
    let after = after.strip_prefix("executing \"")?;
    let (name, after) = after.split_once("\" at <")?;
    let (node, rest) = split_node(after)?;
    Some((loc, name, node, rest))
}

/// Splits `NODE>: REST` at the `>: ` that closes the node text (node text can itself
/// contain `>`, e.g. comparisons in strings; the first `>: ` is what Go's layout allows).
fn split_node(s: &str) -> Option<(&str, &str)> {
    let i = s.find(">: ")?;
    Some((&s[..i], &s[i + 3..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_order_is_deepest_first_then_reverse_name() {
        let mut names = vec!["a/templates/b.yaml", "a/charts/s/templates/x.yaml", "a/templates/a.yaml", "a/templates/_h.tpl"];
        names.sort_by(|a, b| helm_template_order(a, b));
        assert_eq!(names, vec!["a/charts/s/templates/x.yaml", "a/templates/b.yaml", "a/templates/a.yaml", "a/templates/_h.tpl"]);
    }

    #[test]
    fn include_chain_is_laid_out_like_helm_4() {
        let go = "template: c/templates/x.yaml:1:6: executing \"c/templates/x.yaml\" at <include \"mid\" .>: error calling include: template: c/templates/_h.tpl:2:10: executing \"inner\" at <.Values.x.y.z>: nil pointer evaluating interface {}.y";
        assert_eq!(
            format_exec_chain(go).unwrap(),
            "c/templates/x.yaml:1:6\n  executing \"c/templates/x.yaml\" at <include \"mid\" .>:\n    error calling include:\nc/templates/_h.tpl:2:10\n  executing \"inner\" at <.Values.x.y.z>:\n    nil pointer evaluating interface {}.y"
        );
        let other = "template: c/templates/x.yaml:1:6: executing \"c/templates/x.yaml\" at <index .Values.b 5>: error calling index: index out of range: 5";
        assert_eq!(format_exec_chain(other), None);
        let missing = "template: c/templates/x.yaml:1:6: executing \"c/templates/x.yaml\" at <include \"nope\" .>: error calling include: template: no template \"nope\" associated with template \"gotpl\"";
        assert_eq!(
            format_exec_chain(missing).unwrap(),
            "c/templates/x.yaml:1:6\n  executing \"c/templates/x.yaml\" at <include \"nope\" .>:\n    error calling include:\ntemplate: no template \"nope\" associated with template \"gotpl\""
        );
    }

    #[test]
    fn required_becomes_execution_error_at_outer_location() {
        let err = TemplateError::new(
            gotmpl::ErrorKind::Exec,
            "template: c/templates/x.yaml:1:6: executing \"c/templates/x.yaml\" at <include \"req\" .>: error calling include: template: c/templates/_h.tpl:2:3: executing \"req\" at <required \"m\" .x>: error calling required: HELM_ERR_STARTinner reqHELM_ERR_END",
            None,
        );
        assert_eq!(cleanup_exec_error("c/templates/x.yaml", err).message, "execution error at (c/templates/x.yaml:1:6): inner req");
    }

    /// Files run side by side must see what Helm's one-after-another run shows them: a file
    /// that changes `.Values` or its chart's dot is seen by every file after it.
    #[test]
    fn files_that_change_values_are_seen_by_later_files_as_in_helm() {
        // Enough files and text for the side-by-side path (Helm's order: z, m, c, b, a).
        let pad = format!("{{{{/* {} */}}}}", "x".repeat(5000));
        let files: Vec<(String, Vec<u8>)> = vec![
            ("Chart.yaml".into(), b"apiVersion: v2\nname: c\nversion: 1.0.0\n".to_vec()),
            ("values.yaml".into(), b"counter: 0\n".to_vec()),
            ("templates/z.yaml".into(), format!("{pad}z: {{{{ .Values.counter }}}}").into_bytes()),
            ("templates/m.yaml".into(), format!("{pad}{{{{- $_ := set .Values \"counter\" (add1 .Values.counter) }}}}m: {{{{ .Values.counter }}}}").into_bytes()),
            ("templates/c.yaml".into(), format!("{pad}c: {{{{ .Values.counter }}}}").into_bytes()),
            ("templates/b.yaml".into(), format!("{pad}{{{{- $_ := set . \"fromB\" \"yes\" }}}}b: {{{{ .Values.counter }}}}").into_bytes()),
            ("templates/a.yaml".into(), format!("{pad}a: {{{{ .fromB }}}} {{{{ .Template.Name }}}}").into_bytes()),
        ];
        let req = crate::api::RenderRequest { chart: crate::api::ChartSource::Files(files), ..Default::default() };
        let out = crate::api::render(&req).expect("renders").output;
        for want in ["z: 0", "m: 1", "c: 1", "b: 1", "a: yes c/templates/a.yaml"] {
            assert!(out.contains(want), "{want:?} missing from:\n{out}");
        }
    }
}
