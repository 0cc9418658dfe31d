//! The playground page: file tree and environment settings (left), editor (middle), live
//! preview (right), environment tabs on top. One struct component owns all state, so an
//! edit can update the working copy without re-rendering the page; rendering happens after
//! typing pauses.

use std::collections::BTreeMap;

use chart::api::{RenderFailure, RenderResult};
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::browser;
use crate::editor::{Editor, Jump};
use crate::engine::{error_position, group_by_source, job_for, working_copy_path, ChartCache, Job, Outcome, BROWSER_LIMITS};
use crate::envdiff::{diff_environments, ResourceChange};
use crate::example::example_workspace;
use crate::render_worker::{FileSync, RenderWorker, WorkerEvent};
use crate::share;
use crate::teach::{self, GroupLayout, Origin, Question, Span};
use crate::workspace::{Environment, FileContent, Workspace};

/// How long typing must pause before the preview re-renders.
const RENDER_DEBOUNCE_MS: u32 = 150;
/// How long a render may run before its worker is stopped. The engine's step and output
/// limits end most runaway templates sooner, with their own message; this catches the rest
/// (one slow function call, such as hashing huge strings in a loop).
const RENDER_TIMEOUT_MS: u32 = 5000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Manifests,
    Notes,
    Values,
    Output,
    Diff,
}

impl Tab {
    const ALL: [Tab; 5] = [Tab::Manifests, Tab::Notes, Tab::Values, Tab::Output, Tab::Diff];

    fn title(self) -> &'static str {
        match self {
            Tab::Manifests => "Manifests",
            Tab::Notes => "Notes",
            Tab::Values => "Computed values",
            Tab::Output => "Output",
            Tab::Diff => "Diff",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Tab::Manifests => "tab-manifests",
            Tab::Notes => "tab-notes",
            Tab::Values => "tab-values",
            Tab::Output => "tab-output",
            Tab::Diff => "tab-diff",
        }
    }
}

/// A change to the selected environment's settings.
pub enum EnvEdit {
    Name(String),
    ReleaseName(String),
    Namespace(String),
    KubeVersion(String),
    SetLines(String),
    AddValuesFile(String),
    RemoveValuesFile(usize),
    /// Moves a values file one place earlier (applied sooner, so overridden by later ones).
    RaiseValuesFile(usize),
}

pub enum Msg {
    SelectFile(String),
    /// The editor's text changed.
    Edit(String),
    /// Typing paused (or something changed that needs no debounce): render now.
    Render,
    SelectEnvironment(usize),
    AddEnvironment,
    RemoveEnvironment,
    EditEnvironment(EnvEdit),
    SelectTab(Tab),
    DiffBase(usize),
    DiffTarget(usize),
    /// Open a working-copy file at line/column (from an error).
    OpenAt { path: String, line: usize, column: usize },
    /// Open the file of a span (full chart path) with the span selected.
    OpenSpan { span: Span, focus: bool },
    /// A click in the preview of the documents from template `source`, at this offset of
    /// its text (UTF-16 units): explain that line.
    TeachAt { source: String, offset: usize },
    /// Explain 1-based `line` of document `document` of the shown render.
    TeachLine { document: usize, line: usize, by_keyboard: bool },
    /// Explain the line this many lines below (above, when negative) the explained one.
    TeachMove(isize),
    TeachClose,
    PickArchive(web_sys::File),
    ArchiveRead { name: String, bytes: Result<Vec<u8>, String> },
    ResetToExample,
    Dragging(bool),
    CreateFile(String),
    DeleteSelectedFile,
    /// `chartroom play`: the chart from disk (its bytes and version), first or after a change.
    PlayChartFetched(Result<(Vec<u8>, u64), String>),
    /// `chartroom play`: the long poll for changes answered with this version.
    PlayChanges(Result<u64, String>),
    /// `chartroom play`: ask again for changes (after an answer or a pause).
    PlayWait,
    DownloadOutput,
    DownloadChart,
    ShareLink,
    /// The render worker answered (or failed).
    Worker(WorkerEvent),
    /// Render job `id` ran past [`RENDER_TIMEOUT_MS`].
    RenderTimedOut(u64),
}

/// Archives larger than this are not read: Helm refuses charts that decompress to more,
/// and reading hundreds of megabytes into the page would only stall it.
const MAX_ARCHIVE_BYTES: f64 = chart::load::MAX_DECOMPRESSED_CHART_SIZE as f64;
/// How long to wait before asking `chartroom play` again after a failed request.
const PLAY_RETRY_MS: u32 = 2000;

/// The page is served by `chartroom play`: the chart comes from disk and follows it.
struct Play {
    api_base: String,
    /// The version of the chart on screen; 0 until the first load.
    version: u64,
    loaded: bool,
    /// A pending retry after an error (dropping it cancels it).
    retry: Option<Timeout>,
}

/// The last render of the selected environment.
struct Rendered {
    environment: String,
    outcome: Outcome,
    /// From asking for the render to having its answer on the page.
    millis: f64,
    /// The engine's share of that (in the worker, or on the page without one).
    engine_millis: f64,
}

/// A render job sent to the worker and not yet answered.
struct InFlight {
    id: u64,
    started: f64,
    /// The selected environment, then (on the Diff tab) the two compared ones.
    environments: Vec<String>,
    /// Per environment: why it could not even be asked for (a missing `-f` file), or
    /// `None` when its job went to the engine (answers come in the same order).
    refused: Vec<Option<RenderFailure>>,
    /// Whether the last two environments are the Diff tab's pair.
    with_diff: bool,
    /// Fires [`Msg::RenderTimedOut`]; dropping it (on the answer) cancels it.
    _watchdog: Option<Timeout>,
}

/// The teaching view's line and what the engine said about it.
struct Teaching {
    document: usize,
    line: usize,
    /// The question's id; answers to older questions are dropped.
    question: u64,
    /// `None` while the worker works on it.
    answer: Option<Result<Origin, String>>,
    by_keyboard: bool,
}

/// Rendering on the page's own thread, when no worker can be started.
#[derive(Default)]
struct PageRenderer {
    cache: ChartCache,
    files: FileSync,
}

pub struct App {
    workspace: Workspace,
    /// Bumped whenever files are replaced from outside the editor, so the editor remounts.
    generation: u64,
    rendered: Option<Rendered>,
    /// While the latest render failed: the most recent successful one, kept on screen (dimmed).
    last_good: Option<RenderResult>,
    tab: Tab,
    diff_pair: (usize, usize),
    diff: Option<Result<Vec<ResourceChange>, String>>,
    pending_render: Option<Timeout>,
    jump: Option<(String, Jump)>,
    jump_sequence: u64,
    /// A one-line notice about loading or saving.
    notice: Option<String>,
    dragging: bool,
    play: Option<Play>,
    /// The last share link made, shown for copying.
    share_link: Option<String>,
    /// Renders so far (exposed on `#status` with the last one's time, for measurements).
    render_count: u64,
    link: yew::html::Scope<App>,
    /// `None` when workers cannot be used here: renders then run on the page's thread.
    worker: Option<RenderWorker>,
    /// Whether a render worker has ever answered on this page. Until one has, a worker
    /// failure means workers do not work here (rendering moves to the page's thread);
    /// afterwards it means one job broke its worker, which is replaced.
    workers_work: bool,
    page_renderer: PageRenderer,
    last_job: u64,
    in_flight: Option<InFlight>,
    /// Something changed while a render was running: render again when it answers.
    render_queued: bool,
    /// The working copy as last stored, to skip storing it again unchanged.
    saved: Option<Workspace>,
    /// The preview line being explained, if any.
    teaching: Option<Teaching>,
    /// Scroll the explained line into view after the next render (keyboard stepping).
    reveal_taught_line: bool,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let play_api = browser::play_api_base();
        let mut notice = None;
        let shared = match share::decode(&browser::location_fragment()) {
            Some(Ok(workspace)) => {
                notice = Some("Opened a shared chart".to_string());
                Some(workspace)
            }
            Some(Err(reason)) => {
                notice = Some(format!("Could not open the shared link: {reason}"));
                None
            }
            None => None,
        };
        // A play server's chart replaces whatever starts here as soon as it arrives.
        let workspace = match (&shared, &play_api) {
            (Some(workspace), _) => workspace.clone(),
            (None, Some(_)) => example_workspace(),
            (None, None) => browser::load_workspace().unwrap_or_else(example_workspace),
        };
        let last_env = workspace.environments.len().saturating_sub(1);
        let mut app = App {
            workspace,
            generation: 0,
            rendered: None,
            last_good: None,
            tab: Tab::Manifests,
            diff_pair: (0, last_env),
            diff: None,
            pending_render: None,
            jump: None,
            jump_sequence: 0,
            notice,
            dragging: false,
            play: play_api.map(|api_base| Play { api_base, version: 0, loaded: false, retry: None }),
            share_link: None,
            render_count: 0,
            link: ctx.link().clone(),
            worker: None,
            workers_work: false,
            page_renderer: PageRenderer::default(),
            last_job: 0,
            in_flight: None,
            render_queued: false,
            saved: None,
            teaching: None,
            reveal_taught_line: false,
        };
        app.worker = app.spawn_worker();
        if app.play.is_some() {
            app.notice = Some("Loading the chart from chartroom play…".into());
            app.fetch_play_chart(ctx);
        }
        app.render_now();
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::SelectFile(path) => {
                self.workspace.selected_file = path;
                self.jump = None;
                self.save();
                true
            }
            Msg::Edit(text) => {
                let path = self.workspace.selected_file.clone();
                self.workspace.files.insert(path, FileContent::Text(text));
                self.schedule_render(ctx);
                // The textarea already shows the text; nothing else changes until the render.
                false
            }
            Msg::Render => {
                self.pending_render = None;
                self.render_now();
                true
            }
            Msg::SelectEnvironment(index) => {
                if index < self.workspace.environments.len() {
                    self.workspace.selected_environment = index;
                    self.render_now();
                }
                true
            }
            Msg::AddEnvironment => {
                let base = self.workspace.environment().cloned().unwrap_or_else(|| Environment::new("env"));
                let name = unused_name(&self.workspace.environments, "env");
                self.workspace.environments.push(Environment { name, ..base });
                self.workspace.selected_environment = self.workspace.environments.len() - 1;
                self.render_now();
                true
            }
            Msg::RemoveEnvironment => {
                if self.workspace.environments.len() > 1 {
                    self.workspace.environments.remove(self.workspace.selected_environment);
                    self.workspace.selected_environment = self.workspace.selected_environment.saturating_sub(1);
                    let last = self.workspace.environments.len() - 1;
                    self.diff_pair = (self.diff_pair.0.min(last), self.diff_pair.1.min(last));
                    self.render_now();
                }
                true
            }
            Msg::EditEnvironment(edit) => {
                let debounce = matches!(edit, EnvEdit::SetLines(_));
                let files_known: Vec<String> = self.workspace.files.keys().cloned().collect();
                if let Some(env) = self.workspace.environment_mut() {
                    apply_env_edit(env, edit, &files_known);
                }
                if debounce {
                    self.schedule_render(ctx);
                    false
                } else {
                    self.render_now();
                    true
                }
            }
            Msg::SelectTab(tab) => {
                self.tab = tab;
                if tab == Tab::Diff {
                    self.render_now();
                }
                true
            }
            Msg::DiffBase(index) => {
                self.diff_pair.0 = index;
                self.render_now();
                true
            }
            Msg::DiffTarget(index) => {
                self.diff_pair.1 = index;
                self.render_now();
                true
            }
            Msg::Worker(WorkerEvent::Answer { id, outcomes, engine_ms }) => {
                if self.in_flight.as_ref().is_none_or(|job| job.id != id) {
                    return false;
                }
                self.workers_work = true;
                if let Some(job) = self.in_flight.take() {
                    self.finish_render(job, Ok(outcomes), engine_ms);
                }
                true
            }
            Msg::Worker(WorkerEvent::Explained { id, answer }) => {
                self.workers_work = true;
                self.answer_question(id, answer);
                true
            }
            Msg::Worker(WorkerEvent::Crashed { id, reason }) => {
                if let (Some(id), Some(teaching)) = (id, &self.teaching) {
                    if teaching.question == id {
                        self.answer_question(id, Err(reason.clone()));
                    }
                }
                let current = self.in_flight.as_ref().is_some_and(|job| id.is_none_or(|id| id == job.id));
                if !self.workers_work {
                    // It never worked: render on the page's thread from now on.
                    self.worker = None;
                    self.notice = Some(format!("Rendering on the page's thread ({reason})"));
                    if current {
                        self.in_flight = None;
                        self.render_now();
                    }
                    return true;
                }
                self.worker = self.spawn_worker();
                if current {
                    if let Some(job) = self.in_flight.take() {
                        self.finish_render(job, Err(RenderFailure { message: reason, ..Default::default() }), 0.0);
                    }
                }
                true
            }
            Msg::RenderTimedOut(id) => {
                if self.in_flight.as_ref().is_none_or(|job| job.id != id) {
                    return false;
                }
                // Terminating is the only way to stop a busy worker; the new one gets
                // all files with the next job.
                self.worker = self.spawn_worker();
                if let Some(job) = self.in_flight.take() {
                    let message = format!(
                        "Rendering was stopped after {} s: a template runs too long (an endless or very large loop?). \
                         The page stays usable; edit the chart and it renders again.",
                        RENDER_TIMEOUT_MS / 1000
                    );
                    self.finish_render(job, Err(RenderFailure { message, ..Default::default() }), 0.0);
                }
                true
            }
            Msg::OpenAt { path, line, column } => {
                if self.workspace.files.contains_key(&path) {
                    self.workspace.selected_file = path.clone();
                    self.jump_sequence += 1;
                    self.jump = Some((path, Jump { line, column, end: None, focus: true, sequence: self.jump_sequence }));
                }
                true
            }
            Msg::OpenSpan { span, focus } => {
                if let Some(path) = working_copy_path(&self.workspace, &span.file) {
                    self.workspace.selected_file = path.clone();
                    self.jump_sequence += 1;
                    let end = Some((span.end_line, span.end_column));
                    self.jump = Some((path, Jump { line: span.line, column: span.column, end, focus, sequence: self.jump_sequence }));
                }
                true
            }
            Msg::TeachAt { source, offset } => {
                let place = self.shown_result().and_then(|result| {
                    let group = group_by_source(&result.documents).into_iter().find(|g| g.source == source)?;
                    GroupLayout::new(&result.documents, &group.documents).line_at(offset)
                });
                match place {
                    Some((document, line)) => self.ask(document, line, false),
                    None => return false,
                }
                true
            }
            Msg::TeachLine { document, line, by_keyboard } => {
                self.ask(document, line, by_keyboard);
                true
            }
            Msg::TeachMove(step) => {
                let Some(teaching) = &self.teaching else { return false };
                let (document, line) = (teaching.document, teaching.line);
                let lines = self.shown_result().and_then(|result| {
                    let doc = result.documents.get(document)?;
                    let group = group_by_source(&result.documents).into_iter().find(|g| g.source == doc.source)?;
                    Some(GroupLayout::new(&result.documents, &group.documents).line_count(document))
                });
                let target = line.saturating_add_signed(step).clamp(1, lines.unwrap_or(1).max(1));
                if target == line {
                    return false;
                }
                self.ask(document, target, true);
                self.reveal_taught_line = true;
                true
            }
            Msg::TeachClose => self.teaching.take().is_some(),
            Msg::PickArchive(file) => {
                let name = file.name();
                if file.size() > MAX_ARCHIVE_BYTES {
                    self.notice = Some(format!(
                        "{name} is {:.0} MB: too large to open (charts may not exceed {} MB, Helm's own limit)",
                        file.size() / 1e6,
                        MAX_ARCHIVE_BYTES as u64 / 1_000_000
                    ));
                    return true;
                }
                self.notice = Some(format!("Reading {name}…"));
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let bytes = browser::read_file(file).await;
                    link.send_message(Msg::ArchiveRead { name, bytes });
                });
                true
            }
            Msg::ArchiveRead { name, bytes } => {
                let files = bytes.and_then(|bytes| chart::load::load_archive_files(&bytes).map_err(|e| e.to_string()));
                match files {
                    Ok(files) => {
                        let pairs = files.into_iter().map(|file| (file.name, file.data.to_vec()));
                        self.replace_workspace(Workspace::from_pairs(pairs));
                        self.notice = Some(format!("Loaded {name}"));
                    }
                    Err(message) => self.notice = Some(format!("Could not load {name}: {message}")),
                }
                true
            }
            Msg::ResetToExample => {
                browser::forget_workspace();
                self.replace_workspace(example_workspace());
                self.notice = Some("Restored the example chart".into());
                true
            }
            Msg::CreateFile(path) => {
                match self.workspace.create_file(&path) {
                    Ok(path) => {
                        self.notice = Some(format!("Created {path}"));
                        self.render_now();
                    }
                    Err(reason) => self.notice = Some(format!("Cannot create the file: {reason}")),
                }
                true
            }
            Msg::DeleteSelectedFile => {
                let path = self.workspace.selected_file.clone();
                self.workspace.delete_file(&path);
                self.notice = Some(format!("Deleted {path}"));
                self.render_now();
                true
            }
            Msg::PlayChartFetched(fetched) => {
                let loaded = fetched.and_then(|(bytes, version)| {
                    let files = chart::load::load_archive_files(&bytes).map_err(|e| e.to_string())?;
                    Ok((files, version))
                });
                match loaded {
                    Ok((files, version)) => {
                        let fresh = Workspace::from_pairs(files.into_iter().map(|file| (file.name, file.data.to_vec())));
                        let first = self.play.as_ref().is_some_and(|play| !play.loaded);
                        if first {
                            self.replace_workspace(fresh);
                            self.notice = Some("Following the chart on disk (chartroom play)".into());
                        } else {
                            // Keep the environments and selections; the files are the disk's.
                            self.workspace.files = fresh.files;
                            for env in &mut self.workspace.environments {
                                env.values_files.retain(|path| self.workspace.files.contains_key(path));
                            }
                            self.generation += 1;
                            self.notice = Some("Reloaded: files changed on disk".into());
                            self.render_now();
                        }
                        if let Some(play) = &mut self.play {
                            play.version = version;
                            play.loaded = true;
                        }
                        ctx.link().send_message(Msg::PlayWait);
                    }
                    Err(reason) => {
                        self.notice = Some(format!("Could not load the chart from chartroom play: {reason}"));
                        self.retry_play(ctx);
                    }
                }
                true
            }
            Msg::PlayChanges(answer) => {
                let current = self.play.as_ref().map_or(0, |play| play.version);
                match answer {
                    Ok(version) if version != current => self.fetch_play_chart(ctx),
                    Ok(_) => ctx.link().send_message(Msg::PlayWait),
                    Err(_) => {
                        self.notice = Some("chartroom play is not answering; retrying".into());
                        self.retry_play(ctx);
                        return true;
                    }
                }
                false
            }
            Msg::PlayWait => {
                if let Some(play) = &mut self.play {
                    play.retry = None;
                    if !play.loaded {
                        self.fetch_play_chart(ctx);
                        return false;
                    }
                    let url = format!("{}changes?since={}", play.api_base, play.version);
                    let link = ctx.link().clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let answer = browser::fetch_text(&url).await;
                        let version = answer.and_then(|text| text.trim().parse::<u64>().map_err(|e| e.to_string()));
                        link.send_message(Msg::PlayChanges(version));
                    });
                }
                false
            }
            Msg::DownloadOutput => {
                let env_name = self.workspace.environment().map_or("default", |env| env.name.as_str());
                match self.rendered.as_ref().map(|r| &r.outcome) {
                    Some(Ok(result)) => {
                        let name = format!("{}-{env_name}.yaml", self.chart_name());
                        if let Err(reason) = browser::download(&name, result.output.as_bytes(), "application/yaml") {
                            self.notice = Some(format!("Download failed: {reason}"));
                        }
                    }
                    _ => self.notice = Some("Nothing to download: the chart does not render".into()),
                }
                true
            }
            Msg::DownloadChart => {
                match self.package_chart() {
                    Ok(package) => {
                        if let Err(reason) = browser::download(&package.file_name, &package.data, "application/gzip") {
                            self.notice = Some(format!("Download failed: {reason}"));
                        }
                    }
                    Err(reason) => self.notice = Some(format!("Cannot package the chart: {reason}")),
                }
                true
            }
            Msg::ShareLink => {
                match share::encode(&self.workspace) {
                    Ok(fragment) => {
                        let link = format!("{}#{fragment}", browser::page_url());
                        self.notice = Some(format!("Share link ready ({} characters)", link.len()));
                        self.share_link = Some(link);
                    }
                    Err(reason) => {
                        self.share_link = None;
                        self.notice = Some(format!("No share link: {reason}"));
                    }
                }
                true
            }
            Msg::Dragging(dragging) => {
                let changed = self.dragging != dragging;
                self.dragging = dragging;
                changed
            }
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        // Stepping through lines with the keyboard keeps the explained line on screen.
        if std::mem::take(&mut self.reveal_taught_line) {
            let mark = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("taught-line"));
            if let Some(mark) = mark {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                mark.scroll_into_view_with_scroll_into_view_options(&options);
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let ondragover = link.callback(|event: DragEvent| {
            // Without this the browser would open the dropped file itself.
            event.prevent_default();
            Msg::Dragging(true)
        });
        let ondragleave = link.callback(|_: DragEvent| Msg::Dragging(false));
        let ondrop = link.batch_callback(|event: DragEvent| {
            event.prevent_default();
            let file = event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0));
            std::iter::once(Msg::Dragging(false)).chain(file.map(Msg::PickArchive)).collect::<Vec<_>>()
        });
        html! {
            <div id="app" class={classes!(self.dragging.then_some("dragging"))} {ondragover} {ondragleave} {ondrop}>
                { self.view_header(ctx) }
                <div class="panes">
                    <aside id="sidebar">
                        { self.view_file_tree(ctx) }
                        { self.view_environment_settings(ctx) }
                    </aside>
                    <section id="editor-pane">{ self.view_editor(ctx) }</section>
                    <section id="preview-pane">{ self.view_preview(ctx) }</section>
                </div>
            </div>
        }
    }
}

fn unused_name(environments: &[Environment], stem: &str) -> String {
    (1..)
        .map(|n| format!("{stem}-{n}"))
        .find(|name| environments.iter().all(|env| &env.name != name))
        .unwrap_or_else(|| stem.to_string())
}

fn apply_env_edit(env: &mut Environment, edit: EnvEdit, files: &[String]) {
    match edit {
        EnvEdit::Name(name) => {
            let name = name.trim();
            if !name.is_empty() {
                env.name = name.to_string();
            }
        }
        EnvEdit::ReleaseName(name) => env.release_name = name,
        EnvEdit::Namespace(namespace) => env.namespace = namespace,
        EnvEdit::KubeVersion(version) => env.kube_version = version,
        EnvEdit::SetLines(lines) => env.set_lines = lines,
        EnvEdit::AddValuesFile(path) => {
            if files.contains(&path) && !env.values_files.contains(&path) {
                env.values_files.push(path);
            }
        }
        EnvEdit::RemoveValuesFile(index) => {
            if index < env.values_files.len() {
                env.values_files.remove(index);
            }
        }
        EnvEdit::RaiseValuesFile(index) => {
            if index > 0 && index < env.values_files.len() {
                env.values_files.swap(index - 1, index);
            }
        }
    }
}

impl App {
    fn schedule_render(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        // Replacing the timeout drops (cancels) the previous one.
        self.pending_render = Some(Timeout::new(RENDER_DEBOUNCE_MS, move || link.send_message(Msg::Render)));
    }

    /// Starts a render of the selected environment (and, on the Diff tab, of the compared
    /// pair). With a render already running it is queued instead: at most one job is in
    /// the worker at a time, and the latest state is rendered when it answers.
    fn render_now(&mut self) {
        self.workspace.repair();
        if self.in_flight.is_some() {
            self.render_queued = true;
            return;
        }
        let Some(selected) = self.workspace.environment() else { return };
        let mut environments = vec![selected.clone()];
        let pair = (self.workspace.environments.get(self.diff_pair.0), self.workspace.environments.get(self.diff_pair.1));
        let with_diff = match pair {
            (Some(base), Some(target)) if self.tab == Tab::Diff => {
                environments.extend([base.clone(), target.clone()]);
                true
            }
            _ => false,
        };
        let prepared: Vec<Result<Job, RenderFailure>> = environments.iter().map(|env| job_for(&self.workspace, env)).collect();
        let jobs: Vec<Job> = prepared.iter().filter_map(|job| job.as_ref().ok().cloned()).collect();
        self.last_job += 1;
        let mut job = InFlight {
            id: self.last_job,
            started: browser::now_ms(),
            environments: environments.into_iter().map(|env| env.name).collect(),
            refused: prepared.into_iter().map(Result::err).collect(),
            with_diff,
            _watchdog: None,
        };
        if let Some(worker) = &mut self.worker {
            match worker.send(job.id, &self.workspace.files, &jobs) {
                Ok(()) => {
                    let (link, id) = (self.link.clone(), job.id);
                    job._watchdog = Some(Timeout::new(RENDER_TIMEOUT_MS, move || link.send_message(Msg::RenderTimedOut(id))));
                    self.in_flight = Some(job);
                    return;
                }
                Err(reason) => {
                    self.worker = None;
                    self.notice = Some(format!("Rendering on the page's thread ({reason})"));
                }
            }
        }
        let renderer = &mut self.page_renderer;
        renderer.files.delta(&self.workspace.files).apply(&mut renderer.cache);
        let outcomes = jobs.iter().map(|job| renderer.cache.render(job, BROWSER_LIMITS)).collect();
        let engine_ms = browser::now_ms() - job.started;
        self.finish_render(job, Ok(outcomes), engine_ms);
    }

    /// Shows a render's answers: `Err` when the job as a whole failed (stopped or crashed).
    fn finish_render(&mut self, job: InFlight, answers: Result<Vec<Outcome>, RenderFailure>, engine_millis: f64) {
        let mut answers = match answers {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect::<Vec<_>>().into_iter(),
            Err(failure) => vec![Err(failure); job.refused.iter().filter(|r| r.is_none()).count()].into_iter(),
        };
        let mut outcomes = job.refused.into_iter().map(|refused| match refused {
            Some(failure) => Err(failure),
            None => answers.next().unwrap_or_else(|| {
                Err(RenderFailure { message: "the render worker gave no answer for this environment".into(), ..Default::default() })
            }).and_then(|outcome| outcome),
        });
        let mut names = job.environments.into_iter();
        let environment = names.next().unwrap_or_default();
        let outcome = outcomes.next().unwrap_or_else(|| Err(RenderFailure::default()));
        self.render_count += 1;
        // The last good result stays on screen (dimmed) under an error. Moved, not copied:
        // a large chart's result is megabytes.
        match (&outcome, self.rendered.take()) {
            (Ok(_), _) => self.last_good = None,
            (Err(_), Some(Rendered { outcome: Ok(previous), .. })) => self.last_good = Some(previous),
            (Err(_), _) => {}
        }
        self.rendered = Some(Rendered { environment, outcome, millis: browser::now_ms() - job.started, engine_millis });
        // Line numbers of the old render mean nothing in the new one.
        self.teaching = None;
        if job.with_diff {
            let (base_name, target_name) = (names.next().unwrap_or_default(), names.next().unwrap_or_default());
            let (base, target) = (outcomes.next(), outcomes.next());
            self.diff = match (base, target) {
                (Some(Ok(base)), Some(Ok(target))) => {
                    Some(Ok(diff_environments(&base.documents, &target.documents, &base_name, &target_name)))
                }
                (Some(Err(failure)), _) => Some(Err(format!("{base_name}: {}", failure.message))),
                (_, Some(Err(failure))) => Some(Err(format!("{target_name}: {}", failure.message))),
                _ => None,
            };
        } else {
            // Stale once anything changed; recomputed when the tab is opened.
            self.diff = None;
        }
        self.save();
        if std::mem::take(&mut self.render_queued) {
            self.render_now();
        }
    }

    /// The render the preview shows when it is the current one (not a dimmed last good one).
    fn shown_result(&self) -> Option<&RenderResult> {
        self.rendered.as_ref().and_then(|r| r.outcome.as_ref().ok())
    }

    /// Asks where a line of the shown render came from: in the worker (which renders once
    /// more, with a source map), or on the page without one.
    fn ask(&mut self, document: usize, line: usize, by_keyboard: bool) {
        let Some(env) = self.workspace.environment() else { return };
        self.last_job += 1;
        let id = self.last_job;
        self.teaching = Some(Teaching { document, line, question: id, answer: None, by_keyboard });
        let job = match job_for(&self.workspace, env) {
            Ok(job) => job,
            Err(failure) => return self.answer_question(id, Err(failure.message)),
        };
        let question = Question { job, document, line };
        if let Some(worker) = &mut self.worker {
            if worker.ask(id, &self.workspace.files, &question).is_ok() {
                return;
            }
        }
        let renderer = &mut self.page_renderer;
        renderer.files.delta(&self.workspace.files).apply(&mut renderer.cache);
        let answer = renderer.cache.explain(&question.job, BROWSER_LIMITS, document, line).map(Origin::from_engine);
        self.answer_question(id, answer);
    }

    /// Shows the answer to question `id` (if it is still the current one) and opens the
    /// first expression in the editor.
    fn answer_question(&mut self, id: u64, answer: Result<Origin, String>) {
        let Some(teaching) = self.teaching.as_mut().filter(|t| t.question == id) else { return };
        let first = answer.as_ref().ok().and_then(|origin| origin.expressions.first()).map(|e| e.span.clone());
        let focus = !teaching.by_keyboard;
        teaching.answer = Some(answer);
        if let Some(span) = first {
            self.link.send_message(Msg::OpenSpan { span, focus });
        }
    }

    fn spawn_worker(&mut self) -> Option<RenderWorker> {
        self.worker = None;
        let link = self.link.clone();
        match RenderWorker::spawn(move |event| link.send_message(Msg::Worker(event))) {
            Ok(worker) => Some(worker),
            Err(reason) => {
                self.notice = Some(format!("Rendering on the page's thread ({reason})"));
                None
            }
        }
    }

    fn save(&mut self) {
        // Under `chartroom play` the disk is the working copy; the browser's stored one
        // (what the plain playground reopens) stays as it was.
        if self.play.is_some() || self.saved.as_ref() == Some(&self.workspace) {
            return;
        }
        if let Err(reason) = browser::save_workspace(&self.workspace) {
            self.notice = Some(format!("Not saved in this browser: {reason}"));
        }
        // Also after a failure: trying again only helps once something changed.
        self.saved = Some(self.workspace.clone());
    }

    fn fetch_play_chart(&mut self, ctx: &Context<Self>) {
        let Some(play) = &self.play else { return };
        let url = format!("{}chart", play.api_base);
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move {
            let fetched = browser::fetch_bytes(&url, "X-Chartroom-Version").await;
            let fetched = fetched.map(|(bytes, version)| (bytes, version.and_then(|v| v.parse().ok()).unwrap_or(0)));
            link.send_message(Msg::PlayChartFetched(fetched));
        });
    }

    fn retry_play(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        if let Some(play) = &mut self.play {
            play.retry = Some(Timeout::new(PLAY_RETRY_MS, move || link.send_message(Msg::PlayWait)));
        }
    }

    /// The chart's name from `Chart.yaml`, for file names.
    fn chart_name(&self) -> String {
        let chart_yaml = self.workspace.files.get("Chart.yaml").map(|f| String::from_utf8_lossy(f.as_bytes()).into_owned());
        chart_yaml
            .and_then(|text| {
                text.lines().find_map(|line| line.strip_prefix("name:").map(|name| name.trim().trim_matches(['"', '\'']).to_string()))
            })
            .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or_else(|| "chart".to_string())
    }

    /// The working copy as `helm package` would write it (Helm's layout; loadable by helm).
    fn package_chart(&self) -> Result<chart::package::Package, String> {
        let files = self.workspace.files.iter().map(|(path, content)| (path.clone(), content.as_bytes().to_vec())).collect();
        let mut warnings = Vec::new();
        let loaded = chart::load_files(files, &mut warnings).map_err(|e| e.to_string())?;
        let times = chart::package::ModTimes { default: browser::unix_seconds(), ..Default::default() };
        chart::package::package(&loaded, &chart::package::PackageOptions::default(), &times).map_err(|e| e.to_string())
    }

    fn replace_workspace(&mut self, workspace: Workspace) {
        self.workspace = workspace;
        self.generation += 1;
        self.jump = None;
        self.diff_pair = (0, self.workspace.environments.len().saturating_sub(1));
        self.last_good = None;
        // Nothing of the previous chart may linger as its "last good" render.
        self.rendered = None;
        self.render_now();
    }

    fn view_header(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let selected = self.workspace.selected_environment;
        let onpick = link.batch_callback(|event: Event| {
            let input = event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
            let file = input.as_ref().and_then(|i| i.files()).and_then(|files| files.get(0));
            // Clear it so picking the same file again still fires `change`.
            if let Some(input) = input {
                input.set_value("");
            }
            file.map(Msg::PickArchive)
        });
        html! {
            <header>
                <h1>{ "Chartroom" }</h1>
                <nav id="env-tabs" aria-label="Environments">
                    { for self.workspace.environments.iter().enumerate().map(|(index, env)| html! {
                        <button class={classes!("env-tab", (index == selected).then_some("selected"))}
                            data-env={env.name.clone()} onclick={link.callback(move |_| Msg::SelectEnvironment(index))}>
                            { &env.name }
                        </button>
                    }) }
                    <button id="add-env" title="Add an environment (a copy of the selected one)"
                        onclick={link.callback(|_| Msg::AddEnvironment)}>{ "+" }</button>
                </nav>
                <div class="actions">
                    <label class="button" title="Open a packaged chart (.tgz); you can also drop it on the page">
                        { "Open .tgz" }
                        <input id="load-tgz" type="file" accept=".tgz,.tar.gz,application/gzip" onchange={onpick} />
                    </label>
                    <button id="reset-example" onclick={link.callback(|_| Msg::ResetToExample)}>{ "Example chart" }</button>
                    <button id="download-output" title="The rendered YAML of this environment (helm template's output)"
                        onclick={link.callback(|_| Msg::DownloadOutput)}>{ "Download YAML" }</button>
                    <button id="download-chart" title="The working copy packaged as helm package writes it"
                        onclick={link.callback(|_| Msg::DownloadChart)}>{ "Download .tgz" }</button>
                    <button id="share" title="A link holding this chart and its environments"
                        onclick={link.callback(|_| Msg::ShareLink)}>{ "Share link" }</button>
                </div>
                if let Some(share_link) = &self.share_link {
                    <input id="share-link" type="text" readonly=true value={share_link.clone()}
                        onfocus={Callback::from(|event: FocusEvent| {
                            if let Some(input) = event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                                input.select();
                            }
                        })} />
                }
                <span id="status" data-renders={self.render_count.to_string()}
                    data-render-ms={self.rendered.as_ref().map(|r| format!("{:.2}", r.millis))}
                    data-engine-ms={self.rendered.as_ref().map(|r| format!("{:.2}", r.engine_millis))}
                    data-rendering={self.in_flight.is_some().then_some("true")}>{ self.status_line() }</span>
            </header>
        }
    }

    fn status_line(&self) -> String {
        let render = match &self.rendered {
            None => String::new(),
            Some(Rendered { environment, outcome: Ok(result), millis, .. }) => {
                format!("{environment}: {} documents in {millis:.1} ms", result.documents.len())
            }
            Some(Rendered { environment, outcome: Err(_), .. }) => format!("{environment}: error"),
        };
        let render = if self.in_flight.is_some() { format!("{render} · rendering…") } else { render };
        match &self.notice {
            Some(notice) => format!("{notice} · {render}"),
            None => render,
        }
    }

    fn view_file_tree(&self, ctx: &Context<Self>) -> Html {
        #[derive(Default)]
        struct Directory<'a> {
            directories: BTreeMap<&'a str, Directory<'a>>,
            files: Vec<(&'a str, &'a str)>,
        }
        let mut root = Directory::default();
        for path in self.workspace.files.keys() {
            let mut parts: Vec<&str> = path.split('/').collect();
            let name = parts.pop().unwrap_or_default();
            let mut directory = &mut root;
            for part in parts {
                directory = directory.directories.entry(part).or_default();
            }
            directory.files.push((name, path.as_str()));
        }
        fn view_directory(directory: &Directory<'_>, selected: &str, link: &yew::html::Scope<App>) -> Html {
            html! {
                <ul>
                    { for directory.directories.iter().map(|(name, inner)| html! {
                        <li class="directory"><details open=true>
                            <summary>{ format!("{name}/") }</summary>
                            { view_directory(inner, selected, link) }
                        </details></li>
                    }) }
                    { for directory.files.iter().map(|(name, path)| {
                        let target = path.to_string();
                        html! {
                            <li class={classes!("file", (*path == selected).then_some("selected"))} data-path={path.to_string()}
                                onclick={link.callback(move |_| Msg::SelectFile(target.clone()))}>{ *name }</li>
                        }
                    }) }
                </ul>
            }
        }
        let onsubmit = ctx.link().callback(|event: SubmitEvent| {
            event.prevent_default();
            let form = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
            let input = form
                .as_ref()
                .and_then(|f| f.elements().named_item("path"))
                .and_then(|element| element.dyn_into::<HtmlInputElement>().ok());
            let path = input.as_ref().map(|i| i.value()).unwrap_or_default();
            if let Some(input) = input {
                input.set_value("");
            }
            Msg::CreateFile(path)
        });
        html! {
            <nav id="file-tree" aria-label="Chart files">
                { view_directory(&root, &self.workspace.selected_file, ctx.link()) }
                <form id="new-file" {onsubmit}>
                    <input name="path" type="text" placeholder="templates/new.yaml" spellcheck="false" aria-label="New file path" />
                    <button type="submit">{ "Add file" }</button>
                </form>
            </nav>
        }
    }

    fn view_environment_settings(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let Some(env) = self.workspace.environment() else { return html! {} };
        let text_input = |id: &'static str, label: &'static str, value: &str, placeholder: &'static str, make: fn(String) -> EnvEdit| {
            let onchange = link.callback(move |event: Event| {
                let value = event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default();
                Msg::EditEnvironment(make(value))
            });
            html! {
                <label for={id}>{ label }
                    <input {id} type="text" value={value.to_string()} {placeholder} spellcheck="false" {onchange} />
                </label>
            }
        };
        let candidates = self.workspace.candidate_values_files(env);
        let onadd = link.callback(|event: Event| {
            let select = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok());
            let value = select.as_ref().map(|s| s.value()).unwrap_or_default();
            if let Some(select) = select {
                select.set_value("");
            }
            Msg::EditEnvironment(EnvEdit::AddValuesFile(value))
        });
        let onsetlines = link.callback(|event: InputEvent| {
            let value = event.target().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok()).map(|t| t.value()).unwrap_or_default();
            Msg::EditEnvironment(EnvEdit::SetLines(value))
        });
        html! {
            <section id="env-settings" key={format!("{}-{}", self.generation, self.workspace.selected_environment)}>
                <h2>{ format!("Environment {}", env.name) }</h2>
                { text_input("env-name", "Name", &env.name, "", EnvEdit::Name) }
                { text_input("env-release", "Release name", &env.release_name, "release-name", EnvEdit::ReleaseName) }
                { text_input("env-namespace", "Namespace", &env.namespace, "default", EnvEdit::Namespace) }
                { text_input("env-kube", "Kube version", &env.kube_version, "v1.35.0 (Helm's default)", EnvEdit::KubeVersion) }
                <div class="values-files">
                    <span class="label">{ "Values files (-f, in order, after values.yaml)" }</span>
                    <ol id="env-values-files">
                        { for env.values_files.iter().enumerate().map(|(index, path)| html! {
                            <li>
                                <span class="path">{ path }</span>
                                if index > 0 {
                                    <button title="Apply earlier" onclick={link.callback(move |_| Msg::EditEnvironment(EnvEdit::RaiseValuesFile(index)))}>{ "↑" }</button>
                                }
                                <button title="Remove" onclick={link.callback(move |_| Msg::EditEnvironment(EnvEdit::RemoveValuesFile(index)))}>{ "✕" }</button>
                            </li>
                        }) }
                    </ol>
                    if !candidates.is_empty() {
                        <select id="env-add-values" onchange={onadd}>
                            <option value="" selected=true>{ "add a values file…" }</option>
                            { for candidates.iter().map(|path| html! { <option value={path.clone()}>{ path }</option> }) }
                        </select>
                    }
                </div>
                <label for="env-set">{ "--set (one per line)" }
                    <textarea id="env-set" rows="3" spellcheck="false" placeholder="frontend.autoscaling.averageUtilization=60"
                        defaultvalue={env.set_lines.clone()} oninput={onsetlines} />
                </label>
                if self.workspace.environments.len() > 1 {
                    <button id="remove-env" onclick={link.callback(|_| Msg::RemoveEnvironment)}>{ "Remove this environment" }</button>
                }
            </section>
        }
    }

    fn view_editor(&self, ctx: &Context<Self>) -> Html {
        let path = &self.workspace.selected_file;
        let Some(content) = self.workspace.files.get(path) else {
            return html! { <p class="empty">{ "No file selected." }</p> };
        };
        let body = match content {
            FileContent::Text(text) => {
                let jump = self.jump.as_ref().filter(|(p, _)| p == path).map(|(_, jump)| *jump);
                html! {
                    <Editor key={format!("{}:{path}", self.generation)} initial_text={AttrValue::from(text.clone())}
                        on_input={ctx.link().callback(Msg::Edit)} {jump} />
                }
            }
            FileContent::Binary(bytes) => html! {
                <p class="empty">{ format!("Binary file, {} bytes (not editable here).", bytes.len()) }</p>
            },
        };
        html! {
            <>
                <div class="editor-header">
                    <h2 id="editor-path">{ path }</h2>
                    <button id="delete-file" title="Delete this file from the working copy"
                        onclick={ctx.link().callback(|_| Msg::DeleteSelectedFile)}>{ "Delete" }</button>
                </div>
                { body }
            </>
        }
    }

    fn view_preview(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let tabs = html! {
            <nav class="preview-tabs" role="tablist">
                { for Tab::ALL.iter().map(|tab| {
                    let tab = *tab;
                    html! {
                        <button id={tab.id()} role="tab" class={classes!((tab == self.tab).then_some("selected"))}
                            onclick={link.callback(move |_| Msg::SelectTab(tab))}>{ tab.title() }</button>
                    }
                }) }
            </nav>
        };
        let failure = self.rendered.as_ref().and_then(|r| r.outcome.as_ref().err());
        let result = match self.rendered.as_ref().map(|r| &r.outcome) {
            Some(Ok(result)) => Some(result),
            _ => self.last_good.as_ref(),
        };
        let stale = failure.is_some();
        let body = match self.tab {
            Tab::Diff => self.view_diff(ctx),
            _ => match result {
                None => html! {},
                Some(result) => html! {
                    <div class={classes!("result", stale.then_some("stale"))}>
                        { for result.warnings.iter().map(|w| html! { <p class="warning">{ w }</p> }) }
                        { self.view_result(result) }
                    </div>
                },
            },
        };
        html! {
            <>
                { tabs }
                { for failure.map(|failure| self.view_failure(ctx, failure)) }
                if let Some(teaching) = self.teaching.as_ref().filter(|_| self.tab == Tab::Manifests) {
                    { teach::view_panel(
                        teaching.answer.as_ref(),
                        &link.callback(|span| Msg::OpenSpan { span, focus: true }),
                        link.callback(|_| Msg::TeachClose),
                    ) }
                }
                <div id="preview">{ body }</div>
            </>
        }
    }

    fn view_failure(&self, ctx: &Context<Self>, failure: &RenderFailure) -> Html {
        let position = error_position(&self.workspace, failure);
        let place = position.map(|position| {
            let label = position.label();
            match position.file {
                Some(path) => {
                    let (line, column) = (position.line, position.column.unwrap_or(1));
                    let onclick = ctx.link().callback(move |_| Msg::OpenAt { path: path.clone(), line, column });
                    html! { <button class="error-position" title="Open in the editor" {onclick}>{ label }</button> }
                }
                None => html! { <span class="error-position">{ label }</span> },
            }
        });
        html! {
            <div id="render-error" class="error" role="alert">
                <strong>{ "Error" }</strong>
                { for place }
                <pre>{ &failure.message }</pre>
            </div>
        }
    }

    fn view_result(&self, result: &RenderResult) -> Html {
        match self.tab {
            Tab::Manifests if result.documents.is_empty() => html! { <p class="empty">{ "No manifests rendered." }</p> },
            Tab::Manifests => html! {
                <div id="manifests">
                    { for group_by_source(&result.documents).into_iter().map(|group| {
                        let summary: Vec<String> = group.documents.iter().map(|d| format!("{} {}", d.kind, d.name)).collect();
                        let layout = GroupLayout::new(&result.documents, &group.documents);
                        html! {
                            <details class="source-group" open=true key={group.source.to_string()} data-source={group.source.to_string()}>
                                <summary><span class="source">{ group.source }</span>
                                    <span class="kinds">{ summary.join(", ") }</span></summary>
                                { self.view_group_text(group.source, layout) }
                            </details>
                        }
                    }) }
                </div>
            },
            Tab::Notes if result.notes.is_empty() => html! { <p class="empty">{ "This chart has no templates/NOTES.txt." }</p> },
            Tab::Notes => html! { <pre id="notes">{ &result.notes }</pre> },
            Tab::Values => html! { <pre id="computed-values">{ &result.computed_values }</pre> },
            Tab::Output => html! { <pre id="output">{ &result.output }</pre> },
            Tab::Diff => html! {},
        }
    }

    /// A source group's documents; a click (or Enter) on a line explains it, the arrow keys
    /// step through lines, Escape closes the explanation.
    fn view_group_text(&self, source: &str, layout: GroupLayout) -> Html {
        let link = &self.link;
        let onclick = {
            let source = source.to_string();
            link.batch_callback(move |event: MouseEvent| {
                // Yew delegates events to the app's root, so the pre is found from the target.
                let target = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())?;
                let element = target.closest("pre.teachable").ok()??;
                let offset = teach::caret_offset_in(&element)?;
                Some(Msg::TeachAt { source: source.clone(), offset })
            })
        };
        // The explained line, when it is one of this group's.
        let taught = self.teaching.as_ref().and_then(|t| layout.line_range(t.document, t.line));
        let first_document = layout.documents.first().map(|(index, _)| *index);
        let here = taught.is_some();
        let onkeydown = link.batch_callback(move |event: KeyboardEvent| {
            let msg = match event.key().as_str() {
                "ArrowDown" if here => Msg::TeachMove(1),
                "ArrowUp" if here => Msg::TeachMove(-1),
                "Escape" if here => Msg::TeachClose,
                "Enter" if !here => Msg::TeachLine { document: first_document?, line: 1, by_keyboard: true },
                _ => return None,
            };
            event.prevent_default();
            Some(msg)
        });
        let text = layout.text;
        let body = match taught {
            Some(range) => {
                html! {
                    <>
                        { &text[..range.start] }
                        <mark id="taught-line">{ &text[range.clone()] }</mark>
                        { &text[range.end..] }
                    </>
                }
            }
            None => html! { { text } },
        };
        html! {
            <pre class="teachable" tabindex="0" title="Click a line to see the template expression and values that produced it"
                {onclick} {onkeydown}>{ body }</pre>
        }
    }

    fn view_diff(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let envs = &self.workspace.environments;
        let picker = |id: &'static str, selected: usize, make: fn(usize) -> Msg| {
            let onchange = link.callback(move |event: Event| {
                let value = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
                make(value.and_then(|v| v.parse().ok()).unwrap_or(0))
            });
            html! {
                <select {id} {onchange}>
                    { for envs.iter().enumerate().map(|(index, env)| html! {
                        <option value={index.to_string()} selected={index == selected}>{ &env.name }</option>
                    }) }
                </select>
            }
        };
        let (base, target) = self.diff_pair;
        let base_name = envs.get(base).map_or("", |e| e.name.as_str());
        let target_name = envs.get(target).map_or("", |e| e.name.as_str());
        let body = match &self.diff {
            None => html! {},
            Some(Err(message)) => html! { <p class="error">{ format!("Cannot compare: {message}") }</p> },
            Some(Ok(changes)) => {
                let unchanged = changes.iter().filter(|c| matches!(c, ResourceChange::Unchanged { .. })).count();
                html! {
                    <>
                        if changes.len() == unchanged {
                            <p class="empty">{ format!("{base_name} and {target_name} render the same manifests.") }</p>
                        }
                        { for changes.iter().filter_map(|change| view_change(change, base_name, target_name)) }
                        if unchanged > 0 {
                            <p class="unchanged">{ format!("{unchanged} resource(s) unchanged.") }</p>
                        }
                    </>
                }
            }
        };
        html! {
            <div id="env-diff">
                <div class="diff-pickers">
                    { "From " }{ picker("diff-base", base, Msg::DiffBase) }{ " to " }{ picker("diff-target", target, Msg::DiffTarget) }
                </div>
                { body }
            </div>
        }
    }
}

fn view_change(change: &ResourceChange, base_name: &str, target_name: &str) -> Option<Html> {
    let (class, verb, source, text, lines_are_diff) = match change {
        ResourceChange::Removed { source, text, .. } => ("removed", format!("only in {base_name} (removed in {target_name})"), source, text, false),
        ResourceChange::Added { source, text, .. } => ("added", format!("only in {target_name} (added)"), source, text, false),
        ResourceChange::Changed { source, diff, .. } => ("changed", "changed".to_string(), source, diff, true),
        ResourceChange::Unchanged { .. } => return None,
    };
    let lines = text.lines().map(|line| {
        let line_class = match (lines_are_diff, line.chars().next()) {
            (true, Some('+')) => "add",
            (true, Some('-')) => "del",
            (true, Some('@')) => "hunk",
            (false, _) if class == "added" => "add",
            (false, _) => "del",
            _ => "ctx",
        };
        html! { <span class={line_class}>{ line }{ "\n" }</span> }
    });
    Some(html! {
        <details class={classes!("resource-change", class)} open=true data-resource={change.key().display()}>
            <summary><span class="resource">{ change.key().display() }</span>{ " " }
                <span class="verb">{ verb }</span><span class="source">{ source }</span></summary>
            <pre class="diff">{ for lines }</pre>
        </details>
    })
}
