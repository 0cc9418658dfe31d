//! The teaching view: click a line of the preview and the editor highlights the template
//! expression that wrote it, while a panel names the values it read (from the engine's
//! source map, `chart::teach`). Renders for the preview keep no source map; the worker
//! renders once more with one when a line is clicked, and keeps that render for further
//! clicks until the chart or the environment changes.

use std::ops::Range;

use chart::api::RenderedDocument;
use chart::teach::{LineOrigin, ProducedBy, SourceSpan};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

/// A [`SourceSpan`] as it crosses from the worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Span {
    fn from_engine(span: SourceSpan) -> Span {
        Span { file: span.file, line: span.line, column: span.column, end_line: span.end_line, end_column: span.end_column }
    }

    /// `chart/templates/x.yaml:LINE:COLUMN`.
    pub fn label(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Read {
    pub path: String,
    /// JSON; `None` when the values have nothing there.
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub span: Span,
    pub source_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expression {
    /// An action `{{ ... }}`, or else template text.
    pub is_action: bool,
    pub span: Span,
    pub source_text: String,
    pub template: String,
    pub reads: Vec<Read>,
    /// The `include`s passed through, outermost first.
    pub via: Vec<Call>,
    /// The `if`/`with`/`range` blocks around it, outermost first.
    pub within: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub span: Span,
    pub source_text: String,
    pub in_else: bool,
    pub reads: Vec<Read>,
}

/// Where a line came from, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub line_text: String,
    pub expressions: Vec<Expression>,
}

impl Origin {
    pub fn from_engine(origin: LineOrigin) -> Origin {
        Origin {
            line_text: origin.line_text,
            expressions: origin
                .expressions
                .into_iter()
                .map(|e| Expression {
                    is_action: e.produced_by == ProducedBy::Action,
                    span: Span::from_engine(e.span),
                    source_text: e.source_text,
                    template: e.template,
                    reads: reads_from_engine(e.reads),
                    via: e.via.into_iter().map(|c| Call { span: Span::from_engine(c.span), source_text: c.source_text }).collect(),
                    within: e
                        .within
                        .into_iter()
                        .map(|b| Block {
                            span: Span::from_engine(b.span),
                            source_text: b.source_text,
                            in_else: b.in_else,
                            reads: reads_from_engine(b.reads),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn reads_from_engine(reads: Vec<chart::teach::ValueRead>) -> Vec<Read> {
    reads.into_iter().map(|r| Read { path: r.path, value: r.value }).collect()
}

/// What a click on a line asks the worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub job: crate::engine::Job,
    pub document: usize,
    pub line: usize,
}

/// One source group of the Manifests tab as laid out in its `<pre>`: each document as
/// `helm template` prints it (`---`, `# Source:`, the document).
pub struct GroupLayout {
    pub text: String,
    /// Per document: its index in the result and where its content lies in `text`.
    pub documents: Vec<(usize, Range<usize>)>,
}

impl GroupLayout {
    pub fn new(all: &[RenderedDocument], group: &[&RenderedDocument]) -> GroupLayout {
        let mut text = String::with_capacity(group.iter().map(|d| d.source.len() + d.content.len() + 16).sum());
        let mut documents = Vec::with_capacity(group.len());
        for doc in group {
            let index = all.iter().position(|candidate| std::ptr::eq(candidate, *doc)).unwrap_or(usize::MAX);
            text.push_str("---\n# Source: ");
            text.push_str(&doc.source);
            text.push('\n');
            let start = text.len();
            text.push_str(doc.content.trim_end_matches('\n'));
            documents.push((index, start..text.len()));
            text.push('\n');
        }
        GroupLayout { text, documents }
    }

    /// The document and 1-based line at a position counted in UTF-16 units (as the DOM
    /// counts); `None` on the `---` and `# Source:` lines.
    pub fn line_at(&self, utf16_offset: usize) -> Option<(usize, usize)> {
        let mut units = 0;
        let mut byte = self.text.len();
        for (i, c) in self.text.char_indices() {
            if units >= utf16_offset {
                byte = i;
                break;
            }
            units += c.len_utf16();
        }
        let (index, range) = self.documents.iter().find(|(_, range)| range.start <= byte && byte <= range.end)?;
        Some((*index, self.text[range.start..byte].matches('\n').count() + 1))
    }

    /// Bytes of `text` holding line `line` of document `document`.
    pub fn line_range(&self, document: usize, line: usize) -> Option<Range<usize>> {
        let (_, range) = self.documents.iter().find(|(index, _)| *index == document)?;
        let content = &self.text[range.clone()];
        let start = range.start + content.split('\n').take(line.checked_sub(1)?).map(|l| l.len() + 1).sum::<usize>();
        if start > range.end {
            return None;
        }
        let end = self.text[start..range.end].find('\n').map_or(range.end, |i| start + i);
        Some(start..end)
    }

    /// How many lines document `document` has.
    pub fn line_count(&self, document: usize) -> usize {
        self.documents
            .iter()
            .find(|(index, _)| *index == document)
            .map_or(0, |(_, range)| self.text[range.clone()].split('\n').count())
    }
}

/// The caret's position inside `element`, in UTF-16 units from its start, after a click
/// (a collapsed selection); `None` when the user selected text instead.
pub fn caret_offset_in(element: &web_sys::Element) -> Option<usize> {
    let window = web_sys::window()?;
    let selection = window.get_selection().ok()??;
    if !selection.is_collapsed() {
        return None;
    }
    let node = selection.anchor_node()?;
    if !element.contains(Some(&node)) {
        return None;
    }
    let range = window.document()?.create_range().ok()?;
    range.set_start(element, 0).ok()?;
    range.set_end(&node, selection.anchor_offset()).ok()?;
    Some(range.to_string().length() as usize)
}

/// The panel under the preview tabs: which expression wrote the line and what it read.
/// `open` opens a span in the editor (working-copy path resolution is the caller's).
pub fn view_panel(answer: Option<&Result<Origin, String>>, open: &Callback<Span>, close: Callback<MouseEvent>) -> Html {
    let body = match answer {
        None => html! { <p class="teach-waiting">{ "Tracing the line to its template…" }</p> },
        Some(Err(message)) => html! { <p class="teach-error">{ format!("Cannot trace this line: {message}") }</p> },
        Some(Ok(origin)) => html! {
            <ul class="teach-expressions">
                { for origin.expressions.iter().map(|e| view_expression(e, open)) }
            </ul>
        },
    };
    html! {
        <aside id="teach-panel" aria-live="polite" aria-label="Where this line comes from">
            <button class="teach-close" title="Close (Escape)" aria-label="Close" onclick={close}>{ "✕" }</button>
            { body }
        </aside>
    }
}

fn span_button(span: &Span, open: &Callback<Span>, class: &'static str) -> Html {
    let target = span.clone();
    let onclick = open.reform(move |_: MouseEvent| target.clone());
    html! { <button class={class} title="Show in the editor" {onclick}>{ span.label() }</button> }
}

/// ` — reads .Values.a = 1, .Values.b = (not set)`.
fn view_reads(reads: &[Read]) -> Html {
    if reads.is_empty() {
        return html! {};
    }
    html! {
        <span class="teach-reads">{ " — reads " }
            { for reads.iter().enumerate().map(|(i, read)| html! {
                <>
                    if i > 0 { { ", " } }
                    <code class="teach-path">{ &read.path }</code>
                    { " = " }
                    <code class="teach-value">{ read.value.clone().unwrap_or_else(|| "(not set)".into()) }</code>
                </>
            }) }
        </span>
    }
}

fn view_expression(expression: &Expression, open: &Callback<Span>) -> Html {
    let what = if expression.is_action { "produced by " } else { "template text " };
    let reads = view_reads(&expression.reads);
    html! {
        <li class="teach-expression" data-file={expression.span.file.clone()}>
            { what }<code class="teach-source">{ &expression.source_text }</code>{ " at " }
            { span_button(&expression.span, open, "teach-at") }
            if expression.template != expression.span.file {
                <span class="teach-template">{ format!(" (in define \"{}\")", expression.template) }</span>
            }
            { reads }
            { for expression.within.iter().map(|block| html! {
                <div class="teach-within">{ if block.in_else { "in the else of " } else { "inside " } }
                    <code>{ &block.source_text }</code>{ " at " }{ span_button(&block.span, open, "teach-call") }
                    { view_reads(&block.reads) }</div>
            }) }
            { for expression.via.iter().map(|call| html! {
                <div class="teach-via">{ "through " }<code>{ &call.source_text }</code>{ " at " }
                    { span_button(&call.span, open, "teach-call") }</div>
            }) }
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(source: &str, content: &str) -> RenderedDocument {
        RenderedDocument {
            source: source.into(),
            kind: String::new(),
            name: String::new(),
            content: content.into(),
            is_hook: false,
            is_crd: false,
        }
    }

    #[test]
    fn clicks_map_to_document_lines_and_back() {
        let all = [doc("c/templates/a.yaml", "kind: A\nname: ä"), doc("c/templates/b.yaml", "x"), doc("c/templates/a.yaml", "kind: B")];
        let group = [&all[0], &all[2]];
        let layout = GroupLayout::new(&all, &group);
        assert_eq!(layout.text, "---\n# Source: c/templates/a.yaml\nkind: A\nname: ä\n---\n# Source: c/templates/a.yaml\nkind: B\n");
        let header = "---\n# Source: c/templates/a.yaml\n".len();
        assert_eq!(layout.line_at(0), None);
        assert_eq!(layout.line_at(header), Some((0, 1)));
        assert_eq!(layout.line_at(header + "kind: A\nna".len()), Some((0, 2)));
        // "ä" is one UTF-16 unit and two bytes: the next document starts where UTF-16 says.
        let second = layout.text.find("kind: B").unwrap();
        let second_utf16 = layout.text[..second].encode_utf16().count();
        assert_eq!(layout.line_at(second_utf16 + 2), Some((2, 1)));
        assert_eq!(&layout.text[layout.line_range(0, 2).unwrap()], "name: ä");
        assert_eq!(&layout.text[layout.line_range(2, 1).unwrap()], "kind: B");
        assert_eq!(layout.line_range(2, 3), None);
        assert_eq!(layout.line_count(0), 2);
    }

    #[test]
    fn a_cached_mapped_render_answers_until_a_file_changes() {
        let workspace = crate::example::example_workspace();
        let env = workspace.environment().unwrap();
        let job = crate::engine::job_for(&workspace, env).unwrap();
        let mut cache = crate::engine::ChartCache::default();
        cache.replace_all(workspace.files.iter().map(|(p, c)| (p.clone(), c.as_bytes().to_vec())).collect());
        let result = cache.render(&job, crate::engine::BROWSER_LIMITS).unwrap();
        let (document, line) = result
            .documents
            .iter()
            .enumerate()
            .find_map(|(i, d)| {
                let line = d.content.lines().position(|l| l.contains("image: \"lyzhang1999/frontend"))?;
                Some((i, line + 1))
            })
            .unwrap();
        let question = serde_json::to_string(&Question { job: job.clone(), document, line }).unwrap();
        let origin = crate::render_worker::explain(&mut cache, &question).unwrap();
        let reads: Vec<&str> = origin.expressions.iter().flat_map(|e| e.reads.iter().map(|r| r.path.as_str())).collect();
        assert_eq!(reads, [".Values.frontend.image", ".Values.frontend.tag"]);
        assert_eq!(origin.expressions[0].span.label(), "kubernetes-example/templates/frontend.yaml:19:17");
        // An edit drops the mapped render: the next answer reads the new template.
        let template = String::from_utf8(workspace.files["templates/frontend.yaml"].as_bytes().to_vec()).unwrap();
        let edited = template.replace("{{ .Values.frontend.image }}", "{{ .Values.frontend.image | lower }}");
        cache.upsert("templates/frontend.yaml".into(), edited.into_bytes());
        let origin = crate::render_worker::explain(&mut cache, &question).unwrap();
        assert_eq!(origin.expressions[0].source_text, "{{ .Values.frontend.image | lower }}");
    }

    #[test]
    fn origins_cross_as_json() {
        let origin = Origin {
            line_text: "  image: x".into(),
            expressions: vec![Expression {
                is_action: true,
                span: Span { file: "c/templates/a.yaml".into(), line: 3, column: 10, end_line: 3, end_column: 30 },
                source_text: "{{ .Values.image }}".into(),
                template: "c/templates/a.yaml".into(),
                reads: vec![Read { path: ".Values.image".into(), value: Some("\"x\"".into()) }],
                via: Vec::new(),
                within: vec![Block {
                    span: Span { file: "c/templates/a.yaml".into(), line: 1, column: 1, end_line: 1, end_column: 25 },
                    source_text: "{{- if .Values.enabled }}".into(),
                    in_else: false,
                    reads: vec![Read { path: ".Values.enabled".into(), value: Some("true".into()) }],
                }],
            }],
        };
        let json = serde_json::to_string(&origin).unwrap();
        assert_eq!(serde_json::from_str::<Origin>(&json).unwrap(), origin);
    }
}
