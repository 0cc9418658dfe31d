//! One call from chart files to `helm template`'s answer: what the playground (through
//! wasm), the JavaScript API and the CLI's `template` share.

/// Everything `helm template` takes, with files already read by the caller.
#[derive(Clone, Debug)]
pub struct RenderRequest {
    /// The chart: either the files of a chart directory (paths relative to the chart root,
    /// `/`-separated) or one `.tgz` archive.
    pub chart: ChartSource,
    pub release_name: String,
    pub namespace: String,
    /// `--kube-version`, e.g. `1.29` or `v1.29.3`; `None` for Helm's default (v1.35.0).
    pub kube_version: Option<String>,
    /// `-a/--api-versions`, added to the built-in list.
    pub api_versions: Vec<String>,
    /// `-f` files in order: (name for messages, YAML text).
    pub values_files: Vec<(String, String)>,
    /// `--set-json`, `--set`, `--set-string`, `--set-literal` lines, in command-line order
    /// within each kind; Helm applies the kinds in that order.
    pub set_json: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    /// `--set-file` lines with the named files' contents: (line `key=path`, contents by path).
    pub set_file: Vec<(String, String)>,
    pub set_literal: Vec<String>,
    pub is_upgrade: bool,
    pub include_crds: bool,
    pub skip_tests: bool,
    pub no_hooks: bool,
    /// `-s/--show-only` patterns.
    pub show_only: Vec<String>,
    pub skip_schema_validation: bool,
    pub render_subchart_notes: bool,
    /// missingkey=error.
    pub strict: bool,
    /// Lint mode: a failing `required` yields "" instead of failing (Helm's linter).
    pub lint_mode: bool,
    /// Record which template span produced each output byte.
    pub source_map: bool,
    /// `--post-renderer`: rewrites the rendered manifests (CRDs and resources, not hooks)
    /// before they are printed, as Helm's post-renderers do.
    pub post_renderer: Option<PostRenderer>,
    /// Bounds on one render, so a runaway template ends in a clear error instead of hanging
    /// the command or freezing the playground.
    pub limits: RenderLimits,
}

/// Resource limits of a render, from loading the chart to its output: one set, which the
/// command line (`--max-*` flags), the JavaScript API and the playground fill in. The
/// defaults are Helm's where Helm has a limit; elsewhere they are far above what real
/// charts need (Helm has none there and runs out of memory or stack instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderLimits {
    /// Template evaluation steps per rendered file (node visits and range iterations).
    pub max_steps: u64,
    /// Bytes of output per rendered file (and per `include`/`tpl` result).
    pub max_output_bytes: usize,
    /// Nested `template`/`include`/`tpl` calls; `None` is the engine's default, Go's
    /// 100000 natively and 150 in the browser, whose stack is small.
    pub max_template_depth: Option<usize>,
    /// Loading the chart: archive size, file count and size, decompressed size.
    pub load: crate::load::LoadLimits,
}

impl RenderLimits {
    /// The defaults, usable in constants.
    pub const DEFAULT: RenderLimits = RenderLimits {
        max_steps: 100_000_000,
        max_output_bytes: 100 * 1024 * 1024,
        max_template_depth: None,
        load: crate::load::LoadLimits::DEFAULT,
    };
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits::DEFAULT
    }
}

/// A post-renderer: takes the rendered manifests, returns the replacement or an error text.
/// (The CLI runs an executable; the engine itself never runs anything.)
#[derive(Clone)]
pub struct PostRenderer(pub std::sync::Arc<dyn Fn(&str) -> Result<String, String> + Send + Sync>);

impl std::fmt::Debug for PostRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostRenderer")
    }
}

/// Where a chart comes from.
#[derive(Clone, Debug)]
pub enum ChartSource {
    Files(Vec<(String, Vec<u8>)>),
    Archive(Vec<u8>),
    /// A chart the caller loaded already (the CLI reads directories with `fsload`).
    Loaded(Box<crate::Chart>),
}

impl Default for RenderRequest {
    fn default() -> Self {
        RenderRequest {
            chart: ChartSource::Files(Vec::new()),
            release_name: "release-name".into(),
            namespace: "default".into(),
            kube_version: None,
            api_versions: Vec::new(),
            values_files: Vec::new(),
            set_json: Vec::new(),
            set: Vec::new(),
            set_string: Vec::new(),
            set_file: Vec::new(),
            set_literal: Vec::new(),
            is_upgrade: false,
            include_crds: false,
            skip_tests: false,
            no_hooks: false,
            show_only: Vec::new(),
            skip_schema_validation: false,
            render_subchart_notes: false,
            strict: false,
            lint_mode: false,
            source_map: false,
            post_renderer: None,
            limits: RenderLimits::default(),
        }
    }
}

/// One document of the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedDocument {
    /// `chart/templates/file.yaml` (the `# Source:` line).
    pub source: String,
    pub kind: String,
    pub name: String,
    /// The document text (no `---`, no `# Source:` line).
    pub content: String,
    pub is_hook: bool,
    pub is_crd: bool,
}

/// `helm template`'s answer.
#[derive(Clone, Debug, Default)]
pub struct RenderResult {
    /// Exactly what `helm template` prints on stdout.
    pub output: String,
    /// The same, document by document, in output order.
    pub documents: Vec<RenderedDocument>,
    /// The rendered `NOTES.txt` (not part of `output`, as with `helm template`).
    pub notes: String,
    /// The computed values (chart defaults merged with the user's) as YAML, for a caller
    /// that shows them (the playground). [`render`] leaves this empty, since `helm template`
    /// never prints them; [`RenderResult::computed_values_yaml`] makes them.
    pub computed_values: String,
    /// Helm's warnings (e.g. coalescing type clashes), one per line.
    pub warnings: Vec<String>,
    /// Per rendered template file (full path), its text and its source map, when asked for.
    pub files: Vec<(String, String, Option<gotmpl::exec::SourceMap>)>,
    /// What a release record stores, for install/upgrade: the manifest of plain resources
    /// (CRDs from `crds/` excluded) as Helm keeps it, the hooks, the chart after dependency
    /// processing, and the user-supplied values (`config`, before coalescing).
    pub release: ReleaseParts,
}

impl RenderResult {
    /// The computed values (chart defaults merged with the user's) as YAML, as the
    /// playground shows them. Made on request: `helm template` never prints them.
    pub fn computed_values_yaml(&self) -> String {
        match &self.release.values {
            Some(values) => godata::yaml::to_yaml(&gotmpl::Value::Map(values.clone())).unwrap_or_default(),
            None => String::new(),
        }
    }
}

/// The parts of a rendered chart that a release record keeps.
#[derive(Clone, Debug, Default)]
pub struct ReleaseParts {
    /// `---\n# Source: ...\n<doc>\n` per resource, in install order (Helm's `rel.Manifest`).
    pub manifest: String,
    pub hooks: Vec<crate::manifest::Hook>,
    /// The plain resources, in install order.
    pub resources: Vec<crate::manifest::Manifest>,
    pub chart: Option<Box<crate::Chart>>,
    /// The merged `-f`/`--set` values (Helm's release `config`).
    pub user_values: Option<gotmpl::MapRef>,
    /// The final values the templates saw.
    pub values: Option<gotmpl::MapRef>,
}

/// Why rendering failed: Helm's message plus, where known, the place to point at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderFailure {
    /// What Helm prints after `Error: ` (without the `Use --debug` hint).
    pub message: String,
    /// The chart file (full path, e.g. `mychart/templates/x.yaml`) the error is in.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The failure happened while rendering the release (Helm then adds its
    /// "Use --debug flag to render out invalid YAML" hint on the command line).
    pub during_render: bool,
}

impl std::fmt::Display for RenderFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderFailure {}

/// Renders a chart as `helm template` would, returning its output or Helm's error.
pub fn render(req: &RenderRequest) -> Result<RenderResult, RenderFailure> {
    crate::pipeline::render(req)
}
