//! The whole `helm template` pipeline: merge user values, load the chart, process
//! dependencies and coalesce values, render every template, pull out `NOTES.txt`, sort the
//! documents and lay the output out as Helm prints it.

use gotmpl::{MapRef, Value};

use crate::api::{ChartSource, RenderFailure, RenderRequest, RenderResult, RenderedDocument};
use crate::files::Files;
use crate::manifest::{sort_manifests, Sorted};
use crate::model::Chart;
use crate::render::{render as render_units, RenderOptions, RenderUnit};
use crate::toplevel::{check_kube_version, metadata_as_map, Capabilities, ReleaseOptions};
use crate::uservalues::{compute_values, UserValues};

const NOTES_SUFFIX: &str = "NOTES.txt";

fn fail(message: impl Into<String>) -> RenderFailure {
    RenderFailure { message: message.into(), ..Default::default() }
}

impl From<crate::Error> for RenderFailure {
    fn from(e: crate::Error) -> RenderFailure {
        fail(e.message)
    }
}

pub fn render(req: &RenderRequest) -> Result<RenderResult, RenderFailure> {
    let caps = Capabilities::for_template(req.kube_version.as_deref(), &req.api_versions)?;
    let mut warnings = Vec::new();
    let mut chart = match &req.chart {
        ChartSource::Files(files) => crate::load::load_files_with(files.clone(), &req.limits.load, &mut warnings)?,
        ChartSource::Archive(bytes) => crate::load::load_archive_with(bytes, &req.limits.load, &mut warnings)?,
        ChartSource::Loaded(chart) => (**chart).clone(),
    };
    let user = UserValues {
        files: req.values_files.clone(),
        set_json: req.set_json.clone(),
        set: req.set.clone(),
        set_string: req.set_string.clone(),
        set_file: req.set_file.iter().map(|(line, _)| line.clone()).collect(),
        set_literal: req.set_literal.clone(),
        file_contents: req
            .set_file
            .iter()
            .flat_map(|(line, content)| {
                // The caller read each `key=path` file; map every path of the line to it.
                line.split(',')
                    .filter_map(|kv| kv.split_once('=').map(|(_, p)| p.to_string()))
                    .map(|p| (p, Ok(content.clone())))
                    .collect::<Vec<_>>()
            })
            .collect(),
    };
    let user_values = user.merge()?;
    let (values, value_warnings) = compute_values(&mut chart, &user)?;
    warnings.extend(value_warnings);
    // Helm validates the values against the charts' schemas before it renders. A big schema
    // costs as much as the render itself, so natively the two run side by side, the schema
    // on a snapshot of the values (templates may `set` them); the render's outcome is only
    // looked at once the values have passed, so failures read exactly as Helm's.
    let check_schemas = !req.skip_schema_validation && has_schema(&chart);
    let schema_report = |values: &Value| {
        let mut report = String::new();
        validate_schemas(&chart, values, &mut report);
        report
    };
    let render_checked = || -> Result<(RenderUnit, crate::render::Rendered), RenderFailure> {
        check_kube_version(&chart, &caps).map_err(|e| RenderFailure { during_render: true, ..fail(e.message) })?;
        let release = ReleaseOptions {
            is_upgrade: req.is_upgrade,
            is_install: !req.is_upgrade,
            ..ReleaseOptions::for_template(&req.release_name, &req.namespace)
        };
        let top = Value::map([
            ("Capabilities", Value::object(caps.clone())),
            ("Release", release.to_value()),
            ("Values", Value::Map(values.clone())),
        ]);
        let (root, _) = build_unit(&chart, &top);
        let rendered = render_units(
            &root,
            &RenderOptions {
                strict: req.strict,
                lint_mode: req.lint_mode,
                source_map: req.source_map,
                limits: req.limits,
                ..Default::default()
            },
        )
        .map_err(|e| {
            let loc = e.template_error.as_ref().and_then(|t| t.location.clone());
            RenderFailure {
                message: e.message.clone(),
                file: loc.as_ref().map(|l| l.source.clone()),
                line: loc.as_ref().map(|l| l.line),
                column: loc.as_ref().map(|l| l.col),
                during_render: true,
            }
        })?;
        Ok((root, rendered))
    };
    #[cfg(not(target_arch = "wasm32"))]
    let (report, outcome) = if check_schemas {
        let snapshot = Value::Map(values.clone()).deep_copy();
        std::thread::scope(|scope| {
            let schemas = scope.spawn(|| schema_report(&snapshot));
            let outcome = render_checked();
            let report = schemas.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (report, outcome)
        })
    } else {
        (String::new(), render_checked())
    };
    let schema_failure = |report: String| fail(format!("{}{report}", crate::schema::HEADER));
    // Without threads, the schemas are checked first and a failure skips the render.
    #[cfg(target_arch = "wasm32")]
    let (report, outcome) = {
        let report = if check_schemas { schema_report(&Value::Map(values.clone())) } else { String::new() };
        if !report.is_empty() {
            return Err(schema_failure(report));
        }
        (report, render_checked())
    };
    if !report.is_empty() {
        return Err(schema_failure(report));
    }
    let (root, rendered) = outcome?;

    // NOTES.txt is rendered like every file but is not a manifest; only the top chart's
    // notes are kept unless subchart notes are asked for.
    let top_notes = format!("{}/templates/{NOTES_SUFFIX}", chart.name());
    let mut notes = String::new();
    let mut manifests_in: Vec<(&str, &str)> = Vec::new();
    for (name, text) in &rendered.files {
        if name.ends_with(NOTES_SUFFIX) {
            if req.render_subchart_notes || *name == top_notes {
                if !notes.is_empty() {
                    notes.push('\n');
                }
                notes.push_str(text);
            }
        } else {
            manifests_in.push((name, text));
        }
    }
    let sorted = match sort_manifests(manifests_in.iter().copied()) {
        Ok(sorted) => sorted,
        Err(e) => {
            let mut failure = RenderFailure {
                message: e.message.clone(),
                file: Some(e.source.clone()),
                line: e.line,
                column: None,
                during_render: true,
            };
            // Helm names a line of the *rendered* document, which the user never sees. Point
            // at the template that produced it too: from this render's source map, or by
            // rendering once more with one (only on this error path, so the common path pays
            // nothing).
            if req.source_map {
                if let Some(origin) = origin_of_bad_line(&root, &rendered, &e) {
                    failure.message.push_str(&origin.note);
                    failure.file = Some(origin.file);
                    failure.line = Some(origin.line);
                    failure.column = Some(origin.column);
                }
            } else if let Err(mapped) = render(&RenderRequest { source_map: true, ..req.clone() }) {
                if mapped.message.starts_with(&failure.message) {
                    return Err(mapped);
                }
            }
            return Err(failure);
        }
    };

    let (output, documents) = assemble(&chart, &sorted, req)?;
    let manifest = sorted
        .manifests
        .iter()
        .map(|m| format!("---\n# Source: {}\n{}\n", m.source, m.content))
        .collect();
    let release = crate::api::ReleaseParts {
        manifest,
        hooks: sorted.hooks,
        resources: sorted.manifests,
        chart: Some(Box::new(chart)),
        user_values: Some(user_values),
        values: Some(values),
    };
    let mut source_maps = rendered.source_maps;
    let files = rendered
        .files
        .into_iter()
        .map(|(name, text)| {
            let map = source_maps.remove(&name);
            (name, text, map)
        })
        .collect();
    Ok(RenderResult { output, documents, notes, computed_values: String::new(), warnings, files, release })
}

/// Where a line of a rendered document that failed to parse as YAML came from.
struct BadLineOrigin {
    file: String,
    line: usize,
    column: usize,
    /// Appended to Helm's message.
    note: String,
}

fn origin_of_bad_line(
    root: &RenderUnit,
    rendered: &crate::render::Rendered,
    e: &crate::manifest::ManifestError,
) -> Option<BadLineOrigin> {
    let file_text = rendered.files.get(&e.source)?;
    let map = rendered.source_maps.get(&e.source)?;
    let doc_start = file_text.find(e.document.as_str())?;
    // YAML parsers often report the line after the fault (at end of input: one past the
    // last line); stay within the document.
    let line_count = e.document.lines().count().max(1);
    let bad_line = e.line?.clamp(1, line_count);
    let line_text = e.document.lines().nth(bad_line - 1).unwrap_or("");
    let line_start = doc_start + e.document.lines().take(bad_line - 1).map(|l| l.len() + 1).sum::<usize>();
    let line_end = line_start + line_text.len();
    let mut sources = std::collections::HashMap::new();
    collect_sources(root, &mut sources);
    // The segments that wrote this line: an action among them is the likely culprit (text
    // around it is the template's own, which parsed before); otherwise the line's text.
    let mut best: Option<(usize, usize)> = None; // (source index, source byte offset)
    let mut offset = line_start;
    while offset < line_end.max(line_start + 1) {
        let Some(seg) = map.segment_at(offset) else { break };
        let src = map.sources.get(seg.source)?;
        let text = sources.get(src.parse_name.as_str())?;
        let is_text = text.get(seg.span.clone()) == file_text.get(seg.output.clone());
        if !is_text {
            best = Some((seg.source, seg.span.start));
            break;
        }
        if best.is_none() {
            let first_visible = line_start + (line_text.len() - line_text.trim_start().len());
            let at = first_visible.clamp(seg.output.start, seg.output.end.saturating_sub(1));
            best = Some((seg.source, seg.span.start + (at - seg.output.start)));
        }
        offset = seg.output.end;
    }
    let (source_index, source_offset) = best?;
    let source = map.sources.get(source_index)?;
    let text = sources.get(source.parse_name.as_str())?;
    let loc = gotmpl::parse::location(&source.parse_name, text, source_offset);
    Some(BadLineOrigin {
        file: source.parse_name.clone(),
        line: loc.line,
        column: loc.col,
        note: format!(
            "\n  line {bad_line} of the rendered document, {:?}, comes from {}:{}:{}",
            line_text.trim_end(),
            source.parse_name,
            loc.line,
            loc.col
        ),
    })
}

fn collect_sources<'a>(unit: &'a RenderUnit, out: &mut std::collections::HashMap<String, &'a str>) {
    for (path, text) in &unit.templates {
        out.insert(format!("{}/{}", unit.full_path, path), &**text);
    }
    for child in &unit.children {
        collect_sources(child, out);
    }
}

/// Helm's `ValidateAgainstSchema`: the chart's values against its schema, then each
/// subchart's table (skipped when absent or null; reported when not a map), depth first.
/// Whether the chart or any of its subcharts has a `values.schema.json`.
fn has_schema(chart: &Chart) -> bool {
    chart.schema.is_some() || chart.dependencies.iter().any(has_schema)
}

fn validate_schemas(chart: &Chart, values: &Value, report: &mut String) {
    use crate::schema::{chart_block, not_a_map_line, validate, SchemaError};
    if let Some(schema) = &chart.schema {
        if let Err(e) = validate(values, schema) {
            report.push_str(&chart_block(chart.name(), &e));
        }
    }
    for dep in &chart.dependencies {
        match values.as_map().and_then(|m| m.get(dep.name())) {
            None | Some(Value::Nil) => {}
            Some(v @ Value::Map(_)) => validate_schemas(dep, &v, report),
            Some(other) => {
                report.push_str(&chart_block(dep.name(), &SchemaError::Invalid(vec![not_a_map_line(&other)])));
            }
        }
    }
}

/// Helm's `recAllTpls`: each chart's dot, with its own `.Values` (the parent's table under
/// the chart's name), `.Chart`, `.Files` and `.Subcharts` (the children's dots by name).
/// Returns the unit and the chart's dot.
fn build_unit(chart: &Chart, parent_dot: &Value) -> (RenderUnit, Value) {
    let get = |key: &str| parent_dot.as_map().and_then(|m| m.get(key)).unwrap_or(Value::Nil);
    let values = if chart.is_root() {
        get("Values")
    } else {
        match get("Values").as_map().and_then(|m| m.get(chart.name())) {
            Some(Value::Map(m)) => Value::Map(m),
            _ => Value::Map(MapRef::default()),
        }
    };
    let subcharts = MapRef::default();
    let dot = Value::map([
        ("Chart", metadata_as_map(&chart.metadata, chart.is_root())),
        ("Files", Value::object(Files::new(&chart.files))),
        ("Release", get("Release")),
        ("Capabilities", get("Capabilities")),
        ("Values", values),
        ("Subcharts", Value::Map(subcharts.clone())),
    ]);
    let mut children = Vec::new();
    for child in &chart.dependencies {
        let (unit, child_dot) = build_unit(child, &dot);
        subcharts.insert(child.name(), child_dot);
        children.push(unit);
    }
    let unit = RenderUnit {
        full_path: chart.full_path(),
        is_library: chart.metadata.is_library(),
        templates: chart.templates.iter().map(|f| (f.name.clone(), f.shared_text())).collect(),
        dot: dot.clone(),
        children,
    };
    (unit, dot)
}

/// Lays the release out as `helm template` prints it: CRDs (with `--include-crds`), then
/// the manifests in install order, trimmed, then the hooks; then `--show-only` filtering.
fn assemble(chart: &Chart, sorted: &Sorted, req: &RenderRequest) -> Result<(String, Vec<RenderedDocument>), RenderFailure> {
    let mut docs: Vec<RenderedDocument> = Vec::new();
    let mut manifest = String::new();
    if req.include_crds {
        for crd in chart.crd_objects() {
            let text = crd.file.text();
            manifest.push_str(&format!("---\n# Source: {}\n{}\n", crd.filename, text));
            docs.push(RenderedDocument {
                source: crd.filename.clone(),
                kind: "CustomResourceDefinition".into(),
                name: String::new(),
                content: text,
                is_hook: false,
                is_crd: true,
            });
        }
    }
    for m in &sorted.manifests {
        manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.source, m.content));
        docs.push(RenderedDocument {
            source: m.source.clone(),
            kind: m.head.kind.clone(),
            name: m.head.name.clone(),
            content: m.content.clone(),
            is_hook: false,
            is_crd: false,
        });
    }
    if let Some(post) = &req.post_renderer {
        manifest = (post.0)(&manifest)
            .map_err(|e| RenderFailure { during_render: true, ..fail(format!("error while running post render on files: {e}")) })?;
    }
    // `helm template` prints the release manifest trimmed, then every hook.
    let mut out = format!("{}\n", manifest.trim());
    if !req.no_hooks {
        for h in &sorted.hooks {
            if req.skip_tests && h.is_test() {
                continue;
            }
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.source, h.manifest));
            docs.push(RenderedDocument {
                source: h.source.clone(),
                kind: h.kind.clone(),
                name: h.name.clone(),
                content: h.manifest.clone(),
                is_hook: true,
                is_crd: false,
            });
        }
    }
    if req.show_only.is_empty() {
        return Ok((out, docs));
    }
    show_only(&out, &req.show_only)
}

/// `--show-only`: the documents of the output whose source path (without the chart name)
/// matches one of the patterns (Go's `filepath.Match`), pattern by pattern.
fn show_only(out: &str, patterns: &[String]) -> Result<(String, Vec<RenderedDocument>), RenderFailure> {
    let split = crate::manifest::split_documents(out);
    let mut result = String::new();
    let mut docs = Vec::new();
    for pattern in patterns {
        let mut missing = true;
        for doc in &split {
            // Helm's `# Source: [^/]+/(.+)`: the first line naming a source.
            let Some(source) = doc
                .lines()
                .find_map(|l| l.find("# Source: ").map(|i| &l[i + "# Source: ".len()..]))
            else {
                continue;
            };
            let Some((_, path)) = source.split_once('/') else { continue };
            if path.is_empty() || !crate::gopath::match_pattern(pattern, path).unwrap_or(false) {
                continue;
            }
            missing = false;
            result.push_str(&format!("---\n{doc}\n"));
            let content = doc.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
            docs.push(RenderedDocument {
                source: source.to_string(),
                kind: String::new(),
                name: String::new(),
                content: content.to_string(),
                is_hook: false,
                is_crd: false,
            });
        }
        if missing {
            return Err(fail(format!("could not find template {pattern} in chart")));
        }
    }
    Ok((result, docs))
}

#[cfg(test)]
mod tests {
    use crate::api::{render, ChartSource, RenderRequest};

    fn request(template: &str, schema: &str) -> RenderRequest {
        let files = [
            ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
            ("values.yaml", "port: 80\n"),
            ("values.schema.json", schema),
            ("templates/x.yaml", template),
        ];
        RenderRequest {
            chart: ChartSource::Files(files.iter().map(|(n, t)| (n.to_string(), t.as_bytes().to_vec())).collect()),
            ..RenderRequest::default()
        }
    }

    const PORT_IS_A_STRING: &str = r#"{"properties": {"port": {"type": "string"}}}"#;

    #[test]
    fn schema_failures_come_before_render_failures() {
        // The schema (checked beside the render) and the template both fail: Helm reports
        // the schema, which it checks first.
        let failure = render(&request("{{ fail \"template\" }}", PORT_IS_A_STRING)).unwrap_err();
        assert!(failure.message.contains("values don't meet the specifications of the schema(s)"), "{}", failure.message);
        assert!(!failure.message.contains("template"), "{}", failure.message);
    }

    #[test]
    fn schemas_see_the_values_before_templates_change_them() {
        let schema = r#"{"properties": {"port": {"type": "integer"}}}"#;
        let template = "{{ $_ := set .Values \"port\" \"eighty\" }}port: {{ .Values.port }}\n";
        let done = render(&request(template, schema)).expect("the values passed before the template ran");
        assert!(done.output.contains("port: eighty"), "{}", done.output);
    }
}
