//! The bridge between the playground's state and the chart engine: building a
//! `helm template` request for an environment, and shaping its answer for display
//! (documents grouped by template, error positions mapped back to working-copy files).

use std::collections::BTreeMap;

use chart::api::{ChartSource, RenderFailure, RenderLimits, RenderRequest, RenderResult, RenderedDocument};
use chart::teach::LineOrigin;
use serde::{Deserialize, Serialize};

use crate::workspace::{Environment, Workspace};

/// The answer for one environment.
pub type Outcome = Result<RenderResult, RenderFailure>;

/// Bounds for renders in the browser: far below the CLI's, because a runaway template
/// should end in the engine's own error within a second or two rather than run into the
/// page's watchdog (real charts use a small fraction of these; kube-prometheus-stack's
/// largest template needs well under a million steps).
pub const BROWSER_LIMITS: RenderLimits =
    RenderLimits { max_steps: 20_000_000, max_output_bytes: 16 * 1024 * 1024, ..RenderLimits::DEFAULT };

/// Everything `helm template` needs for one environment except the chart files: small and
/// serialisable, so it travels to the render worker while the files stay cached there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub release_name: String,
    pub namespace: String,
    pub kube_version: Option<String>,
    /// `-f` files in order: (working-copy path, text).
    pub values_files: Vec<(String, String)>,
    pub set: Vec<String>,
}

/// The flags `helm template <chart> -f ... --set ...` gets for one environment.
pub fn job_for(workspace: &Workspace, env: &Environment) -> Result<Job, RenderFailure> {
    let mut values_files = Vec::with_capacity(env.values_files.len());
    for path in &env.values_files {
        let Some(content) = workspace.files.get(path) else {
            // What Helm says for a missing -f file, so the message reads familiar.
            return Err(RenderFailure {
                message: format!("open {path}: no such file or directory"),
                ..Default::default()
            });
        };
        values_files.push((path.clone(), String::from_utf8_lossy(content.as_bytes()).into_owned()));
    }
    let kube_version = Some(env.kube_version.trim()).filter(|v| !v.is_empty()).map(str::to_string);
    Ok(Job {
        release_name: env.release_name.trim().to_string(),
        namespace: env.namespace.trim().to_string(),
        kube_version,
        values_files,
        set: env.set_arguments(),
    })
}

/// The request for a job, keeping the source map the teaching view reads only when asked
/// (it costs time: only renders that explain a line keep one).
fn mapped_request(job: &Job, chart: ChartSource, limits: RenderLimits, source_map: bool) -> RenderRequest {
    RenderRequest {
        source_map,
        chart,
        release_name: job.release_name.clone(),
        namespace: job.namespace.clone(),
        kube_version: job.kube_version.clone(),
        values_files: job.values_files.clone(),
        set: job.set.clone(),
        limits,
        ..RenderRequest::default()
    }
}

/// The request `helm template <chart> -f ... --set ...` for one environment, with the
/// working copy's files as the chart (tests; the page renders through a [`ChartCache`]).
#[cfg(test)]
pub fn request_for(workspace: &Workspace, env: &Environment) -> Result<RenderRequest, RenderFailure> {
    let job = job_for(workspace, env)?;
    let files = workspace.files.iter().map(|(path, content)| (path.clone(), content.as_bytes().to_vec())).collect();
    Ok(mapped_request(&job, ChartSource::Files(files), BROWSER_LIMITS, false))
}

/// Renders the chart for one environment, loading it afresh (tests; the page renders
/// through a [`ChartCache`]).
#[cfg(test)]
pub fn render_environment(workspace: &Workspace, env: &Environment) -> Outcome {
    chart::api::render(&request_for(workspace, env)?)
}

/// A chart loaded once and rendered many times: changing `--set` lines, values files or
/// the environment re-renders without re-reading every file of the chart (for
/// kube-prometheus-stack, loading is a large share of a render). Any file change drops the
/// loaded chart; the engine's API loads whole charts, so it is reloaded on the next render.
#[derive(Default)]
pub struct ChartCache {
    files: BTreeMap<String, Vec<u8>>,
    /// `None` until loaded; `Some(None)` when loading failed (the full path then reports
    /// the error exactly as an uncached render would).
    loaded: Option<Option<LoadedChart>>,
    /// The last source-mapped render (for explaining lines) and its job, until a file changes.
    mapped: Option<(Job, Outcome)>,
}

struct LoadedChart {
    chart: chart::Chart,
    /// What loading warned about; a render's warnings start with these.
    warnings: Vec<String>,
}

impl ChartCache {
    pub fn replace_all(&mut self, files: BTreeMap<String, Vec<u8>>) {
        self.files = files;
        self.loaded = None;
        self.mapped = None;
    }

    pub fn upsert(&mut self, path: String, bytes: Vec<u8>) {
        self.files.insert(path, bytes);
        self.loaded = None;
        self.mapped = None;
    }

    pub fn remove(&mut self, path: &str) {
        self.files.remove(path);
        self.loaded = None;
        self.mapped = None;
    }

    pub fn render(&mut self, job: &Job, limits: RenderLimits) -> Outcome {
        self.render_with(job, limits, false)
    }

    /// Explains 1-based `line` of document `document` of `job`'s render: which template
    /// expression wrote it and what values it read. The source-mapped render this needs is
    /// kept for further lines until the job or a file changes.
    pub fn explain(&mut self, job: &Job, limits: RenderLimits, document: usize, line: usize) -> Result<LineOrigin, String> {
        if self.mapped.as_ref().is_none_or(|(mapped_job, _)| mapped_job != job) {
            let outcome = self.render_with(job, limits, true);
            self.mapped = Some((job.clone(), outcome));
        }
        match &self.mapped {
            Some((_, Ok(result))) => chart::teach::explain_line(result, document, line),
            Some((_, Err(failure))) => Err(failure.message.clone()),
            None => Err("nothing rendered".into()),
        }
    }

    fn render_with(&mut self, job: &Job, limits: RenderLimits, source_map: bool) -> Outcome {
        let files = &self.files;
        let loaded = self.loaded.get_or_insert_with(|| {
            let pairs = files.iter().map(|(path, bytes)| (path.clone(), bytes.clone())).collect();
            let mut warnings = Vec::new();
            chart::load_files(pairs, &mut warnings).ok().map(|chart| LoadedChart { chart, warnings })
        });
        match loaded {
            Some(loaded) => {
                let chart = ChartSource::Loaded(Box::new(independent_copy(&loaded.chart)));
                let mut result = chart::api::render(&mapped_request(job, chart, limits, source_map))?;
                if !loaded.warnings.is_empty() {
                    result.warnings.splice(0..0, loaded.warnings.iter().cloned());
                }
                Ok(result)
            }
            None => {
                let pairs = self.files.iter().map(|(path, bytes)| (path.clone(), bytes.clone())).collect();
                chart::api::render(&mapped_request(job, ChartSource::Files(pairs), limits, source_map))
            }
        }
    }
}

/// A copy of a loaded chart that shares nothing mutable with it: a chart's values are a
/// shared Go map, and coalescing (or a template's `set`) may write to the render's copy.
fn independent_copy(chart: &chart::Chart) -> chart::Chart {
    let mut copy = chart.clone();
    fn detach(chart: &mut chart::Chart) {
        if let gotmpl::Value::Map(values) = gotmpl::Value::Map(chart.values.clone()).deep_copy() {
            chart.values = values;
        }
        chart.dependencies.iter_mut().for_each(detach);
    }
    detach(&mut copy);
    copy
}

/// An outcome as it crosses from the render worker to the page (the parts the page shows).
#[derive(Debug, Serialize, Deserialize)]
pub enum WireOutcome {
    Rendered {
        /// `None` when the output is exactly its documents joined as `helm template`
        /// prints them (almost always): the page rebuilds it instead of receiving
        /// megabytes twice.
        output: Option<String>,
        documents: Vec<WireDocument>,
        notes: String,
        computed_values: String,
        warnings: Vec<String>,
    },
    Failed {
        message: String,
        file: Option<String>,
        line: Option<usize>,
        column: Option<usize>,
    },
}

/// Documents as `helm template` prints them one after another.
fn joined_documents(documents: &[RenderedDocument]) -> String {
    let mut joined = String::with_capacity(documents.iter().map(|d| d.source.len() + d.content.len() + 16).sum());
    for doc in documents {
        joined.push_str("---\n# Source: ");
        joined.push_str(&doc.source);
        joined.push('\n');
        joined.push_str(&doc.content);
        joined.push('\n');
    }
    joined
}

#[derive(Debug, Serialize, Deserialize)]
pub struct WireDocument {
    pub source: String,
    pub kind: String,
    pub name: String,
    pub content: String,
    pub is_hook: bool,
    pub is_crd: bool,
}

impl WireOutcome {
    pub fn from_outcome(outcome: Outcome) -> WireOutcome {
        match outcome {
            Ok(result) => WireOutcome::Rendered {
                computed_values: result.computed_values_yaml(),
                output: Some(result.output).filter(|output| *output != joined_documents(&result.documents)),
                documents: result
                    .documents
                    .into_iter()
                    .map(|d| WireDocument { source: d.source, kind: d.kind, name: d.name, content: d.content, is_hook: d.is_hook, is_crd: d.is_crd })
                    .collect(),
                notes: result.notes,
                warnings: result.warnings,
            },
            Err(failure) => WireOutcome::Failed { message: failure.message, file: failure.file, line: failure.line, column: failure.column },
        }
    }

    pub fn into_outcome(self) -> Outcome {
        match self {
            WireOutcome::Rendered { output, documents, notes, computed_values, warnings } => {
                let documents: Vec<RenderedDocument> = documents
                    .into_iter()
                    .map(|d| RenderedDocument { source: d.source, kind: d.kind, name: d.name, content: d.content, is_hook: d.is_hook, is_crd: d.is_crd })
                    .collect();
                Ok(RenderResult {
                output: output.unwrap_or_else(|| joined_documents(&documents)),
                documents,
                notes,
                computed_values,
                warnings,
                ..RenderResult::default()
            })
            }
            WireOutcome::Failed { message, file, line, column } => {
                Err(RenderFailure { message, file, line, column, during_render: false })
            }
        }
    }
}

/// The documents rendered from one template file, in output order.
#[derive(Debug, PartialEq)]
pub struct SourceGroup<'a> {
    /// `chart/templates/file.yaml`, as on the `# Source:` line.
    pub source: &'a str,
    pub documents: Vec<&'a RenderedDocument>,
}

/// Groups documents by their `# Source:` template. Groups come in the order their first
/// document appears in Helm's output (which is sorted by kind, so this keeps the install
/// order readable); documents keep their output order within a group.
pub fn group_by_source(documents: &[RenderedDocument]) -> Vec<SourceGroup<'_>> {
    let mut groups: Vec<SourceGroup<'_>> = Vec::new();
    for doc in documents {
        match groups.iter_mut().find(|g| g.source == doc.source) {
            Some(group) => group.documents.push(doc),
            None => groups.push(SourceGroup { source: &doc.source, documents: vec![doc] }),
        }
    }
    groups
}

/// Where in the working copy an error points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorPosition {
    /// The full chart path as Helm prints it (`chart/templates/x.yaml`).
    pub chart_path: String,
    /// The working-copy path (`templates/x.yaml`), when that file exists there.
    pub file: Option<String>,
    pub line: usize,
    pub column: Option<usize>,
}

impl ErrorPosition {
    pub fn label(&self) -> String {
        match self.column {
            Some(column) => format!("{}:{}:{}", self.chart_path, self.line, column),
            None => format!("{}:{}", self.chart_path, self.line),
        }
    }
}

/// The position of a failure: the engine's own fields when it filled them, else the first
/// `path/with/slashes:line[:column]` in Helm's message (template parse and exec errors
/// carry one, e.g. `template: c/templates/x.yaml:3:7: executing ...`).
pub fn error_position(workspace: &Workspace, failure: &RenderFailure) -> Option<ErrorPosition> {
    let (chart_path, line, column) = match (&failure.file, failure.line) {
        (Some(file), Some(line)) => (file.clone(), line, failure.column),
        _ => find_position_in_message(&failure.message)?,
    };
    let file = working_copy_path(workspace, &chart_path);
    Some(ErrorPosition { chart_path, file, line, column })
}

/// Maps `chart/templates/x.yaml` (or `chart/charts/sub/templates/x.yaml`) to the
/// working-copy path by dropping the chart's own directory name.
pub fn working_copy_path(workspace: &Workspace, chart_path: &str) -> Option<String> {
    let (_, inner) = chart_path.split_once('/')?;
    workspace.files.contains_key(inner).then(|| inner.to_string())
}

fn find_position_in_message(message: &str) -> Option<(String, usize, Option<usize>)> {
    let is_path_char = |c: char| c.is_alphanumeric() || matches!(c, '/' | '.' | '_' | '-');
    let chars: Vec<(usize, char)> = message.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_token = i == 0 || !is_path_char(chars[i - 1].1);
        if !starts_token || !is_path_char(chars[i].1) {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut j = i;
        while j < chars.len() && is_path_char(chars[j].1) {
            j += 1;
        }
        let end = chars.get(j).map_or(message.len(), |c| c.0);
        let path = &message[start..end];
        if path.contains('/') && !path.starts_with('/') {
            let rest = &message[end..];
            if let Some((line, after)) = leading_number(rest.strip_prefix(':').unwrap_or("")) {
                let column = after.strip_prefix(':').and_then(leading_number).map(|(c, _)| c);
                return Some((path.to_string(), line, column));
            }
        }
        i = j.max(i + 1);
    }
    None
}

/// A positive decimal number at the start of `text`, and what follows it.
fn leading_number(text: &str) -> Option<(usize, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number = text[..digits].parse().ok().filter(|n: &usize| *n > 0)?;
    Some((number, &text[digits..]))
}

/// The offset of 1-based `line`/`column` (column counted in characters) in `text`, in
/// UTF-16 code units as the DOM's `setSelectionRange` counts; clamped to the text so a
/// stale position never points past its end.
pub fn utf16_offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut byte_offset = text.len();
    let mut line_start = 0;
    for (index, current) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let body = current.trim_end_matches('\n');
            let within = body.char_indices().nth(column.saturating_sub(1)).map_or(body.len(), |(i, _)| i);
            byte_offset = line_start + within;
            break;
        }
        line_start += current.len();
    }
    text[..byte_offset].encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;

    fn doc(source: &str, kind: &str, name: &str) -> RenderedDocument {
        RenderedDocument {
            source: source.into(),
            kind: kind.into(),
            name: name.into(),
            content: String::new(),
            is_hook: false,
            is_crd: false,
        }
    }

    #[test]
    fn groups_keep_first_appearance_order() {
        let docs = [doc("c/templates/a.yaml", "Service", "s"), doc("c/templates/b.yaml", "Service", "t"), doc("c/templates/a.yaml", "Deployment", "d")];
        let groups = group_by_source(&docs);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].source, "c/templates/a.yaml");
        assert_eq!(groups[0].documents.len(), 2);
        assert_eq!(groups[1].documents[0].name, "t");
    }

    #[test]
    fn positions_are_found_in_helm_messages() {
        let exec = "template: c/templates/x.yaml:3:7: executing \"c/templates/x.yaml\" at <.Values.a.b>: nil pointer";
        assert_eq!(find_position_in_message(exec), Some(("c/templates/x.yaml".into(), 3, Some(7))));
        let parse = "parse error at (c/templates/x.yaml:12): unexpected \"}\" in operand";
        assert_eq!(find_position_in_message(parse), Some(("c/templates/x.yaml".into(), 12, None)));
        assert_eq!(find_position_in_message("values don't meet the specifications"), None);
        assert_eq!(find_position_in_message("time 12:30 a/b:x"), None);
    }

    #[test]
    fn positions_map_to_working_copy_files() {
        let ws = Workspace::from_pairs([("Chart.yaml", b"".to_vec()), ("templates/x.yaml", b"a".to_vec())]);
        let failure = RenderFailure { message: "template: c/templates/x.yaml:2:1: boom".into(), ..Default::default() };
        let pos = error_position(&ws, &failure).unwrap();
        assert_eq!(pos.file.as_deref(), Some("templates/x.yaml"));
        assert_eq!(pos.label(), "c/templates/x.yaml:2:1");
        let elsewhere = RenderFailure { file: Some("c/templates/y.yaml".into()), line: Some(4), ..Default::default() };
        assert_eq!(error_position(&ws, &elsewhere).unwrap().file, None);
    }

    #[test]
    fn offsets_clamp_to_the_text() {
        let text = "ab\ncdé\nf";
        assert_eq!(utf16_offset_of(text, 1, 1), 0);
        assert_eq!(utf16_offset_of(text, 2, 3), 5);
        assert_eq!(utf16_offset_of(text, 2, 99), 6);
        assert_eq!(utf16_offset_of(text, 3, 1), 7);
        assert_eq!(utf16_offset_of(text, 9, 1), 8);
        assert_eq!(utf16_offset_of("😀x", 1, 2), 2);
    }

    fn job(set: &[&str]) -> Job {
        Job {
            release_name: "r".into(),
            namespace: "default".into(),
            kube_version: None,
            values_files: Vec::new(),
            set: set.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn cached_charts_render_like_fresh_ones() {
        let ws = crate::example::example_workspace();
        let mut cache = ChartCache::default();
        cache.replace_all(ws.files.iter().map(|(p, c)| (p.clone(), c.as_bytes().to_vec())).collect());
        for env in &ws.environments {
            let fresh = render_environment(&ws, env).unwrap();
            let job = job_for(&ws, env).unwrap();
            for _ in 0..2 {
                let cached = cache.render(&job, BROWSER_LIMITS).unwrap();
                assert_eq!(cached.output, fresh.output);
                assert_eq!(cached.warnings, fresh.warnings);
            }
        }
    }

    #[test]
    fn renders_from_the_cache_do_not_leak_into_each_other() {
        let mut cache = ChartCache::default();
        cache.replace_all(BTreeMap::from([
            ("Chart.yaml".to_string(), b"apiVersion: v2\nname: c\nversion: 0.1.0\n".to_vec()),
            ("values.yaml".to_string(), b"a: 1\nm:\n  k: v\n".to_vec()),
            (
                "templates/x.yaml".to_string(),
                b"{{ $_ := set .Values.m \"added\" \"yes\" }}a: {{ .Values.a }}\nm: {{ .Values.m | toJson }}\n".to_vec(),
            ),
        ]));
        let first = cache.render(&job(&["a=2", "m.k=w"]), BROWSER_LIMITS).unwrap();
        assert!(first.output.contains("a: 2\nm: {\"added\":\"yes\",\"k\":\"w\"}"), "{}", first.output);
        let second = cache.render(&job(&[]), BROWSER_LIMITS).unwrap();
        assert!(second.output.contains("a: 1\nm: {\"added\":\"yes\",\"k\":\"v\"}"), "{}", second.output);
        cache.upsert("values.yaml".into(), b"a: 3\nm: {}\n".to_vec());
        assert!(cache.render(&job(&[]), BROWSER_LIMITS).unwrap().output.contains("a: 3\nm: {\"added\":\"yes\"}"));
        cache.remove("Chart.yaml");
        assert!(cache.render(&job(&[]), BROWSER_LIMITS).is_err());
    }

    #[test]
    fn runaway_templates_end_in_the_engines_error() {
        let mut cache = ChartCache::default();
        cache.replace_all(BTreeMap::from([
            ("Chart.yaml".to_string(), b"apiVersion: v2\nname: c\nversion: 0.1.0\n".to_vec()),
            ("templates/x.yaml".to_string(), b"x: {{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}\n".to_vec()),
        ]));
        let failure = cache.render(&job(&[]), BROWSER_LIMITS).unwrap_err();
        assert!(failure.message.contains("exceeded maximum"), "{}", failure.message);
    }

    #[test]
    fn outcomes_survive_the_trip_from_the_worker() {
        let ws = crate::example::example_workspace();
        let fresh = render_environment(&ws, &ws.environments[0]).unwrap();
        let wire = serde_json::to_string(&WireOutcome::from_outcome(Ok(fresh.clone()))).unwrap();
        assert!(wire.contains("\"output\":null"), "the output is rebuilt from the documents");
        let mut odd = fresh.clone();
        odd.output.push_str("# not a document\n");
        let odd_wire = serde_json::to_string(&WireOutcome::from_outcome(Ok(odd.clone()))).unwrap();
        assert_eq!(serde_json::from_str::<WireOutcome>(&odd_wire).unwrap().into_outcome().unwrap().output, odd.output);
        let back = serde_json::from_str::<WireOutcome>(&wire).unwrap().into_outcome().unwrap();
        let computed_values = fresh.computed_values_yaml();
        assert!(computed_values.contains("frontend"), "the worker sends the computed values");
        assert_eq!((back.output, back.documents, back.notes, back.computed_values), (fresh.output, fresh.documents, fresh.notes, computed_values));
        let failure = RenderFailure { message: "boom".into(), file: Some("c/x".into()), line: Some(3), column: None, during_render: false };
        let wire = serde_json::to_string(&WireOutcome::from_outcome(Err(failure.clone()))).unwrap();
        assert_eq!(serde_json::from_str::<WireOutcome>(&wire).unwrap().into_outcome().unwrap_err(), failure);
    }

    /// Where a re-render's time goes for a large chart, natively (steady state, chart
    /// cached as in the worker): `CHARTROOM_KPS=path.tgz cargo test --release -p
    /// chartroom-web -- --ignored --nocapture re_render_phases`.
    #[test]
    #[ignore]
    fn re_render_phases() {
        let Ok(path) = std::env::var("CHARTROOM_KPS") else { return };
        let bytes = std::fs::read(path).unwrap();
        let files = chart::load::load_archive_files(&bytes).unwrap();
        let mut cache = ChartCache::default();
        cache.replace_all(files.iter().map(|f| (f.name.clone(), f.data.to_vec())).collect());
        let median = |mut times: Vec<f64>| {
            times.sort_by(f64::total_cmp);
            times[times.len() / 2]
        };
        let render_ms = median((0..15).map(|i| {
            let started = std::time::Instant::now();
            cache.render(&job(&[&format!("commonLabels.edit=e{i}")]), BROWSER_LIMITS).unwrap();
            started.elapsed().as_secs_f64() * 1000.0
        }).collect());
        let chart = chart::load_files(files.iter().map(|f| (f.name.clone(), f.data.to_vec())).collect(), &mut Vec::new()).unwrap();
        fn templates(chart: &chart::Chart, out: &mut Vec<(String, String)>) {
            out.extend(chart.templates.iter().map(|t| (t.name.clone(), String::from_utf8_lossy(&t.data).into_owned())));
            chart.dependencies.iter().for_each(|d| templates(d, out));
        }
        let mut all = Vec::new();
        templates(&chart, &mut all);
        let options = gotmpl::parse::ParseOptions { is_func: &|_| true, skip_func_check: true };
        let parse_ms = median((0..15).map(|_| {
            let started = std::time::Instant::now();
            for (name, text) in &all {
                let _ = gotmpl::parse::parse(name, text, &options);
            }
            started.elapsed().as_secs_f64() * 1000.0
        }).collect());
        let copy_ms = median((0..15).map(|_| {
            let started = std::time::Instant::now();
            drop(independent_copy(&chart));
            started.elapsed().as_secs_f64() * 1000.0
        }).collect());
        println!("re-render {render_ms:.1} ms; parsing its {} template files {parse_ms:.1} ms; chart copy {copy_ms:.2} ms", all.len());
    }

    #[test]
    fn missing_values_files_fail_like_helm() {
        let ws = Workspace::from_pairs([("Chart.yaml", b"".to_vec())]);
        let env = Environment { values_files: vec!["values-x.yaml".into()], ..Environment::new("x") };
        let failure = request_for(&ws, &env).unwrap_err();
        assert_eq!(failure.message, "open values-x.yaml: no such file or directory");
    }
}
