//! The playground's teaching view: which template expression produced a line of a rendered
//! document, and which values it read.
//!
//! A render with `RenderRequest::source_map` keeps, per template file, which template span
//! wrote each byte of the file's raw output. A document of the result is a trimmed piece of
//! one file's output (after Helm drops every `<no value>`), so a document line is first
//! placed in that output, then looked up in the map. Output of `include` is a value the
//! calling action printed (often re-indented by `nindent`); the engine records each nested
//! execution beside the map, and the line's text is found again in the included output to
//! reach the innermost expression, naming each `include` it went through.
//!
//! Values paths come from the expression's parse tree, statically: `.Values.a.b`,
//! `$.Values.a`, `index .Values "a" "b"`, variables declared from such paths earlier in the
//! template, and the dot inside `with`/`range` over them.

use std::collections::HashMap;
use std::ops::Range;

use gotmpl::ast::{Arg, ListNode, Node, PipeNode, Tree};
use gotmpl::parse::ParseOptions;
use gotmpl::{SourceMap, Value};

use crate::api::RenderResult;

/// A span of a chart file: 1-based lines, 1-based columns counted in characters, the end
/// exclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpan {
    /// The full chart path (`chart/templates/x.yaml`), as in `# Source:` lines.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl SourceSpan {
    /// `chart/templates/x.yaml:LINE:COLUMN`.
    pub fn label(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

/// What wrote (part of) a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducedBy {
    /// A printing action `{{ ... }}`.
    Action,
    /// The template's literal text.
    Text,
}

/// A values path an expression reads, and what it holds in the computed values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRead {
    /// As written in templates: `.Values.image.tag`; `[]` stands for every element of a
    /// list or map a `range` walks.
    pub path: String,
    /// The value as JSON (each element's, in a list, under a `range`); `None` when the
    /// computed values have nothing there.
    pub value: Option<String>,
}

/// An `include` the line's text came through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSite {
    pub span: SourceSpan,
    /// The calling action, `{{ include "name" . | nindent 4 }}`.
    pub source_text: String,
}

/// One expression (or piece of template text) that wrote part of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression {
    pub produced_by: ProducedBy,
    pub span: SourceSpan,
    /// The action's whole text, or the template text from the span to its line's end.
    pub source_text: String,
    /// The template that executed it: the file, or the `define`d name.
    pub template: String,
    pub reads: Vec<ValueRead>,
    /// The `include` actions the output passed through, outermost first.
    pub via: Vec<CallSite>,
    /// The `if`/`with`/`range` blocks around it in its template, outermost first.
    pub within: Vec<Block>,
}

/// A control block around an expression: its opening action and what that reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub span: SourceSpan,
    /// The opening action, `{{- if .Values.database.enabled }}` (or `{{ else if ... }}`).
    pub source_text: String,
    /// The expression is in the block's `else` part.
    pub in_else: bool,
    pub reads: Vec<ValueRead>,
}

/// Where one line of a rendered document came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineOrigin {
    /// The line as rendered.
    pub line_text: String,
    /// The actions that wrote the line, in output order; when no action did, the one piece
    /// of template text it came from.
    pub expressions: Vec<Expression>,
}

/// Explains 1-based `line` of `result.documents[document]`. The result must come from a
/// render with `source_map: true`.
pub fn explain_line(result: &RenderResult, document: usize, line: usize) -> Result<LineOrigin, String> {
    let doc = result
        .documents
        .get(document)
        .ok_or_else(|| format!("there is no document {document} in the output ({} documents)", result.documents.len()))?;
    let line_text = doc
        .content
        .split('\n')
        .nth(line.checked_sub(1).ok_or("lines are counted from 1")?)
        .ok_or_else(|| format!("document {document} has no line {line}"))?
        .to_string();
    if doc.is_crd {
        // Files under crds/ are copied into the output unrendered.
        let columns = line_text.chars().count();
        let span = SourceSpan { file: doc.source.clone(), line, column: 1, end_line: line, end_column: columns + 1 };
        let expression = Expression {
            produced_by: ProducedBy::Text,
            span,
            source_text: line_text.clone(),
            template: doc.source.clone(),
            reads: Vec::new(),
            via: Vec::new(),
            within: Vec::new(),
        };
        return Ok(LineOrigin { line_text, expressions: vec![expression] });
    }
    let (_, file_text, map) = result
        .files
        .iter()
        .find(|(name, _, _)| *name == doc.source)
        .ok_or_else(|| format!("{} is not among the rendered files", doc.source))?;
    let map = map.as_ref().ok_or("this render kept no source map (render with source_map: true)")?;
    let chart = result.release.chart.as_deref().ok_or("this render kept no chart")?;

    // The same text can appear as several documents of one file; take the same-numbered one.
    let same_before = result.documents[..document]
        .iter()
        .filter(|d| d.source == doc.source && d.content == doc.content)
        .count();
    let doc_start = crate::manifest::split_documents(file_text)
        .into_iter()
        .filter(|piece| *piece == doc.content)
        .nth(same_before)
        .map(|piece| piece.as_ptr() as usize - file_text.as_ptr() as usize)
        .ok_or_else(|| format!("document {document} is not in the output of {}", doc.source))?;
    let line_start = doc_start + doc.content.split('\n').take(line - 1).map(|l| l.len() + 1).sum::<usize>();
    let line_range = line_start..line_start + line_text.len();

    let mut sources = HashMap::new();
    collect_sources(chart, &mut sources);
    let mut teacher = Teacher { sources, parsed: HashMap::new(), values: result.release.values.clone().map(Value::Map) };
    let align = Alignment::new(file_text, map, &teacher.sources);
    let found = teacher.explain_range(map, file_text, &align, line_range, &[]);
    if found.is_empty() {
        return Err(format!("no template span wrote line {line} of document {document}"));
    }
    let expressions = found.into_iter().map(|f| teacher.expression(f)).collect();
    Ok(LineOrigin { line_text, expressions })
}

/// Every template text of the chart tree by full path.
fn collect_sources(chart: &crate::Chart, out: &mut HashMap<String, String>) {
    let full = chart.full_path();
    for template in &chart.templates {
        out.insert(format!("{full}/{}", template.name), template.text());
    }
    for dep in &chart.dependencies {
        collect_sources(dep, out);
    }
}

/// Positions in the file text the user sees against positions in the raw output the map
/// describes: they differ by every `<no value>` Helm deleted.
enum Alignment {
    Identity,
    /// (text position, raw position) where each segment starts, in order.
    Breaks(Vec<(usize, usize)>),
}

const NO_VALUE: &str = "<no value>";

impl Alignment {
    fn new(text: &str, map: &SourceMap, sources: &HashMap<String, String>) -> Alignment {
        let raw_len = map.segments.last().map_or(0, |s| s.output.end);
        if raw_len == text.len() {
            return Alignment::Identity;
        }
        // Template text reaches the output unchanged, so text segments anchor the
        // alignment; an action's output is as long as the map says minus whole
        // `<no value>`s, as many as make the next text segment line up.
        let literal = |index: usize| -> Option<&str> {
            let seg = &map.segments[index];
            let source = sources.get(&map.sources.get(seg.source)?.parse_name)?;
            let piece = source.get(seg.span.clone())?;
            (!piece.starts_with("{{")).then_some(piece)
        };
        let mut breaks = Vec::with_capacity(map.segments.len());
        let mut at = 0usize;
        for (index, seg) in map.segments.iter().enumerate() {
            breaks.push((at, seg.output.start));
            let raw = seg.output.len();
            let length = match literal(index) {
                Some(piece) if text.get(at..at + piece.len()) == Some(piece) => raw,
                _ => {
                    let next = literal(index + 1);
                    (0..=raw / NO_VALUE.len())
                        .map(|removed| raw - removed * NO_VALUE.len())
                        .find(|len| match next {
                            Some(piece) => text.get(at + len..).is_some_and(|rest| rest.starts_with(piece)),
                            None => at + len <= text.len(),
                        })
                        .unwrap_or(raw)
                }
            };
            at = (at + length).min(text.len());
        }
        Alignment::Breaks(breaks)
    }

    fn raw_of(&self, text_pos: usize) -> usize {
        match self {
            Alignment::Identity => text_pos,
            Alignment::Breaks(breaks) => {
                let i = breaks.partition_point(|(t, _)| *t <= text_pos).saturating_sub(1);
                breaks.get(i).map_or(text_pos, |(t, r)| r + (text_pos - t))
            }
        }
    }

    fn text_of(&self, raw_pos: usize) -> usize {
        match self {
            Alignment::Identity => raw_pos,
            Alignment::Breaks(breaks) => {
                let i = breaks.partition_point(|(_, r)| *r <= raw_pos).saturating_sub(1);
                breaks.get(i).map_or(raw_pos, |(t, r)| t + (raw_pos - r))
            }
        }
    }
}

/// A piece of the line traced to its template span.
struct Found {
    /// The executing template and the file it was parsed from.
    template: String,
    parse_name: String,
    produced_by: ProducedBy,
    /// Byte range in the source: the whole action, or where the line's text starts.
    span: Range<usize>,
    via: Vec<(String, Range<usize>)>,
}

struct Teacher {
    sources: HashMap<String, String>,
    parsed: HashMap<String, Option<Vec<Tree>>>,
    values: Option<Value>,
}

impl Teacher {
    /// The spans that wrote `range` of `text` (the output `map` describes, through `align`).
    fn explain_range(
        &mut self,
        map: &SourceMap,
        text: &str,
        align: &Alignment,
        range: Range<usize>,
        via: &[(String, Range<usize>)],
    ) -> Vec<Found> {
        let raw = align.raw_of(range.start)..align.raw_of(range.end);
        // An empty line still sits in some segment: the one holding its position.
        let probe_end = raw.end.max(raw.start + 1);
        let first = map.segments.partition_point(|s| s.output.end <= raw.start);
        let mut actions: Vec<Found> = Vec::new();
        let mut first_text: Option<Found> = None;
        let visible_start = range.start + (text[range.clone()].len() - text[range.clone()].trim_start().len());
        for seg in map.segments[first..].iter().take_while(|s| s.output.start < probe_end) {
            let Some(source) = map.sources.get(seg.source) else { continue };
            let Some(source_text) = self.sources.get(&source.parse_name) else { continue };
            let is_action = source_text.get(seg.span.clone()).is_some_and(|s| s.starts_with("{{"));
            if !is_action {
                if first_text.is_none() {
                    // The first visible character of the line within this text, else its start.
                    let raw_at = align.raw_of(visible_start).clamp(seg.output.start, seg.output.end.saturating_sub(1).max(seg.output.start));
                    let offset = seg.span.start + (raw_at - seg.output.start).min(seg.span.len());
                    first_text = Some(Found {
                        template: source.template.clone(),
                        parse_name: source.parse_name.clone(),
                        produced_by: ProducedBy::Text,
                        span: offset..offset,
                        via: via.to_vec(),
                    });
                }
                continue;
            }
            if actions.iter().any(|a| a.parse_name == source.parse_name && a.span == seg.span) {
                continue;
            }
            // The part of the line this action wrote, to look for in what it included.
            let piece_raw = seg.output.start.max(raw.start)..seg.output.end.min(raw.end);
            let piece = align.text_of(piece_raw.start)..align.text_of(piece_raw.end).max(align.text_of(piece_raw.start));
            let action_start = align.text_of(seg.output.start).min(piece.start);
            let line_index = text.get(action_start..piece.start).map_or(0, |before| before.matches('\n').count());
            let mut inner_via = via.to_vec();
            inner_via.push((source.parse_name.clone(), seg.span.clone()));
            let inner = map
                .nested
                .iter()
                .filter(|run| {
                    run.caller_source == seg.source
                        && seg.span.contains(&run.caller_pos)
                        && run.caller_output_at == seg.output.start
                })
                .filter_map(|run| {
                    let wanted = text.get(piece.clone())?.trim();
                    let at = best_occurrence(&run.output, wanted, line_index)?;
                    Some((run, at..at + wanted.len()))
                })
                .next();
            let drilled = match inner {
                Some((run, within)) => self.explain_range(&run.map, &run.output, &Alignment::Identity, within, &inner_via),
                None => Vec::new(),
            };
            if drilled.is_empty() {
                actions.push(Found {
                    template: source.template.clone(),
                    parse_name: source.parse_name.clone(),
                    produced_by: ProducedBy::Action,
                    span: seg.span.clone(),
                    via: via.to_vec(),
                });
            } else {
                for found in drilled {
                    let known = actions.iter().any(|a| a.parse_name == found.parse_name && a.span == found.span);
                    if !known && (found.produced_by == ProducedBy::Action || actions.is_empty()) {
                        actions.push(found);
                    }
                }
            }
        }
        // Text among actions is the frame they print into (`image: "` ... `"`); only a line
        // no action wrote is explained by its text.
        if actions.iter().any(|a| a.produced_by == ProducedBy::Action) {
            actions.retain(|a| a.produced_by == ProducedBy::Action);
            return actions;
        }
        if actions.is_empty() {
            return first_text.into_iter().collect();
        }
        actions
    }

    fn trees(&mut self, parse_name: &str) -> Option<&Vec<Tree>> {
        if !self.parsed.contains_key(parse_name) {
            let trees = self.sources.get(parse_name).and_then(|text| {
                let accept_any = |_: &str| true;
                let opts = ParseOptions { is_func: &accept_any, skip_func_check: true };
                gotmpl::parse::parse(parse_name, text, &opts).ok()
            });
            self.parsed.insert(parse_name.to_string(), trees);
        }
        self.parsed.get(parse_name)?.as_ref()
    }

    fn expression(&mut self, found: Found) -> Expression {
        let source = self.sources.get(&found.parse_name).cloned().unwrap_or_default();
        let (span, source_text) = match found.produced_by {
            ProducedBy::Action => (found.span.clone(), source.get(found.span.clone()).unwrap_or("").to_string()),
            ProducedBy::Text => {
                let mut start = found.span.start.min(source.len());
                // The alignment around deleted `<no value>`s is an estimate: stay on a character.
                while !source.is_char_boundary(start) {
                    start -= 1;
                }
                let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
                let piece = source[start..line_end].trim_end();
                (start..start + piece.len(), piece.to_string())
            }
        };
        let target = Target { span: found.span.clone(), is_action: found.produced_by == ProducedBy::Action };
        let (paths, raw_blocks) = self.trees(&found.parse_name).map(|trees| analyse(trees, &target)).unwrap_or_default();
        let scope = self.values_scope(&found.parse_name);
        let describe = |paths: Vec<Vec<Step>>| -> Vec<ValueRead> {
            paths
                .into_iter()
                .map(|steps| ValueRead { path: display_path(&steps), value: scope.as_ref().and_then(|v| value_at(v, &steps)) })
                .collect()
        };
        let reads = describe(paths);
        let within = raw_blocks
            .into_iter()
            .map(|block| {
                let open = source[..block.pos.min(source.len())].rfind("{{").unwrap_or(0);
                let close = source[block.pos.min(source.len())..].find("}}").map_or(source.len(), |i| block.pos + i + 2);
                Block {
                    span: source_span(&found.parse_name, &source, open..close),
                    source_text: source.get(open..close).unwrap_or("").to_string(),
                    in_else: block.in_else,
                    reads: describe(block.reads),
                }
            })
            .collect();
        let via = found
            .via
            .iter()
            .map(|(parse_name, span)| {
                let text = self.sources.get(parse_name).map(String::as_str).unwrap_or("");
                CallSite { span: source_span(parse_name, text, span.clone()), source_text: text.get(span.clone()).unwrap_or("").to_string() }
            })
            .collect();
        Expression {
            produced_by: found.produced_by,
            span: source_span(&found.parse_name, &source, span),
            source_text,
            template: found.template,
            reads,
            via,
            within,
        }
    }

    /// The `.Values` a template of this file sees: a subchart's templates see their own table.
    fn values_scope(&self, parse_name: &str) -> Option<Value> {
        let chart_path = parse_name.split_once("/templates/").map_or(parse_name, |(chart, _)| chart);
        let mut scope = self.values.clone()?;
        let mut parts = chart_path.split('/').skip(1);
        while let (Some("charts"), Some(name)) = (parts.next(), parts.next()) {
            scope = scope.as_map()?.get(name)?;
        }
        Some(scope)
    }
}

/// Where `wanted` occurs in `output`, preferring the occurrence on the line the caller's
/// output had it on (or one line earlier, as `nindent` adds a leading newline).
fn best_occurrence(output: &str, wanted: &str, line_index: usize) -> Option<usize> {
    if wanted.is_empty() {
        return None;
    }
    output
        .match_indices(wanted)
        .map(|(at, _)| {
            let line = output[..at].matches('\n').count();
            let distance = line.abs_diff(line_index).min(line.abs_diff(line_index.saturating_sub(1)));
            (distance, at)
        })
        .min()
        .map(|(_, at)| at)
}

fn source_span(file: &str, text: &str, span: Range<usize>) -> SourceSpan {
    let (line, column) = line_column(text, span.start);
    let (end_line, end_column) = line_column(text, span.end);
    SourceSpan { file: file.to_string(), line, column, end_line, end_column }
}

/// 1-based line and character column of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// One step of a values path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(i64),
    /// Every element (a `range`).
    Each,
}

/// What an operand denotes, as far as can be told without running the template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Meaning {
    /// The template's top dot (`.Values` is the values).
    Root,
    /// Somewhere in the values.
    Values(Vec<Step>),
    Unknown,
}

impl Meaning {
    fn then(&self, fields: &[gotmpl::Str]) -> Meaning {
        let keys = || fields.iter().map(|f| Step::Key(f.to_string()));
        match self {
            Meaning::Root => match fields.split_first() {
                Some((first, rest)) if &**first == "Values" => {
                    Meaning::Values(rest.iter().map(|f| Step::Key(f.to_string())).collect())
                }
                Some(_) => Meaning::Unknown,
                None => Meaning::Root,
            },
            Meaning::Values(path) => Meaning::Values(path.iter().cloned().chain(keys()).collect()),
            Meaning::Unknown => Meaning::Unknown,
        }
    }
}

/// The static context at a point of a template: the dot and the variables in scope.
struct Scope {
    dot: Meaning,
    vars: Vec<(String, Meaning)>,
}

impl Scope {
    fn var(&self, name: &str) -> Meaning {
        self.vars.iter().rev().find(|(n, _)| n == name).map_or(Meaning::Unknown, |(_, m)| m.clone())
    }

    fn operand(&self, arg: &Arg) -> Meaning {
        match arg {
            Arg::Dot(_) => self.dot.clone(),
            Arg::Field(f) => self.dot.then(&f.ident),
            Arg::Variable(v) => match v.ident.split_first() {
                Some((name, fields)) => self.var(name).then(fields),
                None => Meaning::Unknown,
            },
            Arg::Pipe(p) => self.pipe(p),
            Arg::Chain(c) => self.operand(&c.node).then(&c.field),
            _ => Meaning::Unknown,
        }
    }

    /// A pipeline denotes a values place only when it is one operand or an `index` into one.
    fn pipe(&self, pipe: &PipeNode) -> Meaning {
        match pipe.cmds.as_slice() {
            [cmd] => match cmd.args.as_slice() {
                [single] => self.operand(single),
                [Arg::Identifier(f), target, keys @ ..] if &*f.name == "index" => self.index(target, keys),
                _ => Meaning::Unknown,
            },
            _ => Meaning::Unknown,
        }
    }

    fn index(&self, target: &Arg, keys: &[Arg]) -> Meaning {
        let Meaning::Values(mut path) = self.operand(target) else { return Meaning::Unknown };
        for key in keys {
            match key {
                Arg::String(s) => path.push(Step::Key(s.text.to_string())),
                Arg::Number(n) if n.is_int => path.push(Step::Index(n.int64)),
                _ => return Meaning::Unknown,
            }
        }
        Meaning::Values(path)
    }

    /// Every values place the pipeline reads, in source order.
    fn reads(&self, pipe: &PipeNode, out: &mut Vec<Vec<Step>>) {
        let add = |meaning: Meaning, out: &mut Vec<Vec<Step>>| {
            if let Meaning::Values(path) = meaning {
                if !path.is_empty() && !out.contains(&path) {
                    out.push(path);
                }
            }
        };
        for cmd in &pipe.cmds {
            if let [Arg::Identifier(f), target, keys @ ..] = cmd.args.as_slice() {
                if &*f.name == "index" {
                    let indexed = self.index(target, keys);
                    if indexed != Meaning::Unknown {
                        add(indexed, out);
                        continue;
                    }
                }
            }
            for arg in &cmd.args {
                match arg {
                    Arg::Pipe(inner) => self.reads(inner, out),
                    Arg::Chain(chain) => {
                        if let Arg::Pipe(inner) = &*chain.node {
                            self.reads(inner, out);
                        }
                        add(self.operand(arg), out);
                    }
                    _ => add(self.operand(arg), out),
                }
            }
        }
    }

    fn declare(&mut self, pipe: &PipeNode, meaning: Meaning) {
        for var in &pipe.decl {
            let Some(name) = var.ident.first() else { continue };
            if pipe.is_assign {
                if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == &**name) {
                    slot.1 = meaning.clone();
                }
            } else {
                self.vars.push((name.to_string(), meaning.clone()));
            }
        }
    }
}

/// An `if`, `with` or `range` around an expression, found while walking to it.
struct RawBlock {
    /// Where the block's pipeline starts (its `{{` is the last one before).
    pos: usize,
    reads: Vec<Vec<Step>>,
    /// In the `else` part rather than the body.
    in_else: bool,
}

/// What the walk looks for: the action spanning `span`, or the text node holding
/// `span.start`.
struct Target {
    span: Range<usize>,
    is_action: bool,
}

/// The values paths the target reads and the blocks around it, outermost first.
fn analyse(trees: &[Tree], target: &Target) -> (Vec<Vec<Step>>, Vec<RawBlock>) {
    for tree in trees {
        let mut scope = Scope { dot: Meaning::Root, vars: vec![("$".to_string(), Meaning::Root)] };
        let mut blocks = Vec::new();
        if let Some(reads) = walk(&tree.root, target, &mut scope, &mut blocks) {
            return (reads, blocks);
        }
    }
    (Vec::new(), Vec::new())
}

/// Walks a list in execution order, tracking the dot, the variables and the enclosing
/// blocks, until the target; returns its reads.
fn walk(list: &ListNode, target: &Target, scope: &mut Scope, blocks: &mut Vec<RawBlock>) -> Option<Vec<Vec<Step>>> {
    let span = &target.span;
    for node in &list.nodes {
        match node {
            Node::Action(a) => {
                if target.is_action && a.end == span.end && a.pos >= span.start {
                    let mut reads = Vec::new();
                    scope.reads(&a.pipe, &mut reads);
                    return Some(reads);
                }
                let meaning = scope.pipe(&a.pipe);
                scope.declare(&a.pipe, meaning);
            }
            Node::Text(t) if !target.is_action && t.pos <= span.start && span.start < t.end.max(t.pos + 1) => {
                return Some(Vec::new());
            }
            Node::If(b) | Node::With(b) | Node::Range(b) => {
                if span.start < b.pos || span.end > b.end {
                    continue;
                }
                let header = PipeNode { decl: Vec::new(), ..b.pipe.clone() };
                let value = scope.pipe(&header);
                let mut header_reads = Vec::new();
                scope.reads(&header, &mut header_reads);
                blocks.push(RawBlock { pos: b.pos, reads: header_reads, in_else: false });
                let outer_dot = scope.dot.clone();
                let depth = scope.vars.len();
                let body_dot = match node {
                    Node::With(_) => {
                        scope.declare(&b.pipe, value.clone());
                        value
                    }
                    Node::Range(_) => {
                        let element = match &value {
                            Meaning::Values(path) => Meaning::Values(path.iter().cloned().chain([Step::Each]).collect()),
                            _ => Meaning::Unknown,
                        };
                        match b.pipe.decl.as_slice() {
                            [only] => scope.vars.push((only.ident[0].to_string(), element.clone())),
                            [key, item] => {
                                // A key or index is read from the collection itself.
                                let collection = match &value {
                                    Meaning::Values(_) => value.clone(),
                                    _ => Meaning::Unknown,
                                };
                                scope.vars.push((key.ident[0].to_string(), collection));
                                scope.vars.push((item.ident[0].to_string(), element.clone()));
                            }
                            _ => {}
                        }
                        element
                    }
                    _ => {
                        scope.declare(&b.pipe, value);
                        outer_dot.clone()
                    }
                };
                scope.dot = body_dot;
                let found = walk(&b.list, target, scope, blocks);
                scope.dot = outer_dot;
                if found.is_some() {
                    return found;
                }
                if let Some(else_list) = &b.else_list {
                    if let Some(block) = blocks.last_mut() {
                        block.in_else = true;
                    }
                    let found = walk(else_list, target, scope, blocks);
                    if found.is_some() {
                        return found;
                    }
                }
                blocks.pop();
                scope.vars.truncate(depth);
            }
            _ => {}
        }
    }
    None
}

fn display_path(steps: &[Step]) -> String {
    let mut out = String::from(".Values");
    for step in steps {
        match step {
            Step::Key(key) if !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                out.push('.');
                out.push_str(key);
            }
            Step::Key(key) => out.push_str(&format!("[{key:?}]")),
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Each => out.push_str("[]"),
        }
    }
    out
}

/// The value at `steps` as JSON; under `[]`, the list of every element's.
fn value_at(values: &Value, steps: &[Step]) -> Option<String> {
    let mut found = Vec::new();
    let fanned_out = collect_values(values, steps, &mut found);
    if found.is_empty() {
        return None;
    }
    let shown = if fanned_out { Value::list(found) } else { found.swap_remove(0) };
    godata::json::to_json(&shown).ok()
}

/// Collects the values at `steps`; true when a `[]` step fanned out.
fn collect_values(value: &Value, steps: &[Step], out: &mut Vec<Value>) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        out.push(value.clone());
        return false;
    };
    match step {
        Step::Key(key) => {
            if let Some(inner) = value.as_map().and_then(|m| m.get(key)) {
                return collect_values(&inner, rest, out);
            }
            false
        }
        Step::Index(i) => {
            if let Some(inner) = value.as_list().and_then(|l| usize::try_from(*i).ok().and_then(|i| l.get(i))) {
                return collect_values(inner, rest, out);
            }
            false
        }
        Step::Each => {
            let elements: Vec<Value> = match (value.as_list(), value.as_map()) {
                (Some(list), _) => list.to_vec(),
                (_, Some(map)) => map.entries().into_iter().map(|(_, v)| v).collect(),
                _ => Vec::new(),
            };
            for element in &elements {
                collect_values(element, rest, out);
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{render, ChartSource, RenderRequest};

    const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "demo.name" . }}
  labels:
    {{- include "demo.labels" . | nindent 4 }}
spec:
  template:
    spec:
      containers:
        - name: main
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          {{- with .Values.labels }}
          env:
            - name: TEAM
              value: {{ .team | quote }}
          {{- end }}
          ports:
          {{- range $i, $p := .Values.ports }}
            - name: {{ $p.name }} # {{ $i }}
              containerPort: {{ $p.port }}
          {{- end }}
          {{- $img := .Values.image }}
          args: [{{ $img.repository | quote }}, {{ index .Values "image" "tag" }}]
          missing: {{ .Values.nothing }}
          after: {{ $.Values.image.tag }}
"#;

    const HELPERS: &str = r#"{{- define "demo.name" -}}
{{ .Chart.Name }}-{{ .Values.nameSuffix | default "app" }}
{{- end }}
{{- define "demo.labels" -}}
app.kubernetes.io/name: {{ include "demo.name" . }}
managed-by: Helm
{{- end }}
"#;

    fn render_files(files: &[(&str, &str)]) -> RenderResult {
        let files = files.iter().map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())).collect();
        render(&RenderRequest { chart: ChartSource::Files(files), source_map: true, ..RenderRequest::default() })
            .unwrap_or_else(|e| panic!("render failed: {e}"))
    }

    fn demo() -> RenderResult {
        render_files(&[
            ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: \"1.2\"\n"),
            (
                "values.yaml",
                "image:\n  repository: nginx\n  tag: \"1.25\"\nlabels:\n  team: web\nports:\n  - name: http\n    port: 80\n  - name: https\n    port: 443\n",
            ),
            ("templates/_helpers.tpl", HELPERS),
            ("templates/deployment.yaml", DEPLOYMENT),
        ])
    }

    /// The document from `source` and the 1-based number of its first line containing `needle`.
    fn find_line(result: &RenderResult, source: &str, needle: &str) -> (usize, usize) {
        result
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.source == source)
            .find_map(|(index, doc)| doc.content.lines().position(|l| l.contains(needle)).map(|line| (index, line + 1)))
            .unwrap_or_else(|| panic!("no {needle:?} in the documents of {source}"))
    }

    fn explain(result: &RenderResult, source: &str, needle: &str) -> LineOrigin {
        let (document, line) = find_line(result, source, needle);
        explain_line(result, document, line).unwrap_or_else(|e| panic!("{needle}: {e}"))
    }

    fn read(path: &str, value: Option<&str>) -> ValueRead {
        ValueRead { path: path.into(), value: value.map(str::to_string) }
    }

    #[test]
    fn an_action_line_names_each_action_and_its_values() {
        let result = demo();
        let origin = explain(&result, "demo/templates/deployment.yaml", "image:");
        assert_eq!(origin.line_text, "          image: \"nginx:1.25\"");
        let [repository, tag] = origin.expressions.as_slice() else { panic!("{origin:#?}") };
        assert_eq!(repository.source_text, "{{ .Values.image.repository }}");
        assert_eq!(repository.produced_by, ProducedBy::Action);
        assert_eq!(repository.span.label(), "demo/templates/deployment.yaml:12:19");
        assert_eq!(repository.reads, [read(".Values.image.repository", Some("\"nginx\""))]);
        assert_eq!(tag.source_text, "{{ .Values.image.tag | default .Chart.AppVersion }}");
        assert_eq!((tag.span.line, tag.span.column, tag.span.end_line, tag.span.end_column), (12, 50, 12, 101));
        assert_eq!(tag.reads, [read(".Values.image.tag", Some("\"1.25\""))]);
        assert!(tag.via.is_empty());
    }

    #[test]
    fn with_range_variables_and_index_resolve_to_values_paths() {
        let result = demo();
        let team = explain(&result, "demo/templates/deployment.yaml", "value: \"web\"");
        assert_eq!(team.expressions[0].reads, [read(".Values.labels.team", Some("\"web\""))]);
        let name = explain(&result, "demo/templates/deployment.yaml", "- name: https");
        assert_eq!(name.expressions[0].reads, [read(".Values.ports[].name", Some("[\"http\",\"https\"]"))]);
        assert_eq!(name.expressions[1].source_text, "{{ $i }}");
        assert_eq!(name.expressions[1].reads[0].path, ".Values.ports");
        let port = explain(&result, "demo/templates/deployment.yaml", "containerPort: 443");
        assert_eq!(port.expressions[0].source_text, "{{ $p.port }}");
        assert_eq!(port.expressions[0].span.line, 21);
        assert_eq!(port.expressions[0].reads, [read(".Values.ports[].port", Some("[80,443]"))]);
        let args = explain(&result, "demo/templates/deployment.yaml", "args:");
        let reads: Vec<_> = args.expressions.iter().flat_map(|e| e.reads.clone()).collect();
        assert_eq!(reads, [read(".Values.image.repository", Some("\"nginx\"")), read(".Values.image.tag", Some("\"1.25\""))]);
    }

    #[test]
    fn lines_after_a_deleted_no_value_still_map() {
        let result = demo();
        let missing = explain(&result, "demo/templates/deployment.yaml", "missing:");
        assert_eq!(missing.expressions[0].source_text, "{{ .Values.nothing }}");
        assert_eq!(missing.expressions[0].reads, [read(".Values.nothing", None)]);
        let after = explain(&result, "demo/templates/deployment.yaml", "after:");
        assert_eq!(after.line_text, "          after: 1.25");
        assert_eq!(after.expressions[0].source_text, "{{ $.Values.image.tag }}");
        assert_eq!(after.expressions[0].span.line, 26);
    }

    #[test]
    fn included_output_points_into_the_define_and_names_the_include() {
        let result = demo();
        let name = explain(&result, "demo/templates/deployment.yaml", "app.kubernetes.io/name:");
        let [inner, suffix] = name.expressions.as_slice() else { panic!("{name:#?}") };
        // Two includes deep: deployment -> demo.labels -> demo.name, whose two actions
        // wrote the line's value.
        assert_eq!(suffix.source_text, "{{ .Values.nameSuffix | default \"app\" }}");
        assert_eq!(suffix.reads, [read(".Values.nameSuffix", None)]);
        assert_eq!(suffix.via, inner.via);
        assert_eq!(inner.template, "demo.name");
        assert_eq!(inner.span.label(), "demo/templates/_helpers.tpl:2:1");
        assert_eq!(inner.source_text, "{{ .Chart.Name }}");
        let via: Vec<_> = inner.via.iter().map(|c| (c.span.label(), c.source_text.as_str())).collect();
        assert_eq!(
            via,
            [
                ("demo/templates/deployment.yaml:6:5".to_string(), "{{- include \"demo.labels\" . | nindent 4 }}"),
                ("demo/templates/_helpers.tpl:5:25".to_string(), "{{ include \"demo.name\" . }}"),
            ]
        );
        let literal = explain(&result, "demo/templates/deployment.yaml", "managed-by: Helm");
        let [text] = literal.expressions.as_slice() else { panic!("{literal:#?}") };
        assert_eq!(text.produced_by, ProducedBy::Text);
        assert_eq!(text.span.label(), "demo/templates/_helpers.tpl:6:1");
        assert_eq!(text.source_text, "managed-by: Helm");
        assert_eq!(text.via.len(), 1);
    }

    #[test]
    fn template_text_maps_to_its_own_position() {
        let result = demo();
        let origin = explain(&result, "demo/templates/deployment.yaml", "kind: Deployment");
        let [text] = origin.expressions.as_slice() else { panic!("{origin:#?}") };
        assert_eq!(text.produced_by, ProducedBy::Text);
        assert_eq!(text.span.label(), "demo/templates/deployment.yaml:2:1");
        assert_eq!(text.source_text, "kind: Deployment");
        let indented = explain(&result, "demo/templates/deployment.yaml", "- name: main");
        assert_eq!(indented.expressions[0].span.label(), "demo/templates/deployment.yaml:11:9");
        // Text inside blocks names them and what they read.
        let env = explain(&result, "demo/templates/deployment.yaml", "env:");
        let blocks: Vec<_> = env.expressions[0].within.iter().map(|b| (b.source_text.as_str(), b.span.label(), b.reads.clone())).collect();
        assert_eq!(
            blocks,
            [("{{- with .Values.labels }}", "demo/templates/deployment.yaml:13:11".to_string(), vec![read(".Values.labels", Some("{\"team\":\"web\"}"))])]
        );
        let port = explain(&result, "demo/templates/deployment.yaml", "containerPort: 80");
        assert_eq!(port.expressions[0].within[0].source_text, "{{- range $i, $p := .Values.ports }}");
        assert_eq!(port.expressions[0].within[0].reads, [read(".Values.ports", Some("[{\"name\":\"http\",\"port\":80},{\"name\":\"https\",\"port\":443}]"))]);
    }

    #[test]
    fn the_example_chart_maps_its_image_line_to_values() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/kubernetes-example");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(example).unwrap().chain(std::fs::read_dir(format!("{example}/templates")).unwrap()) {
            let path = entry.unwrap().path();
            if path.is_file() {
                let relative = path.strip_prefix(example).unwrap().to_string_lossy().into_owned();
                files.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
        let pairs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let result = render_files(&pairs);
        let origin = explain(&result, "kubernetes-example/templates/frontend.yaml", "image:");
        let reads: Vec<_> = origin.expressions.iter().flat_map(|e| e.reads.clone()).collect();
        assert_eq!(
            reads,
            [read(".Values.frontend.image", Some("\"lyzhang1999/frontend\"")), read(".Values.frontend.tag", Some("\"latest\""))]
        );
        assert_eq!(origin.expressions[0].span.label(), "kubernetes-example/templates/frontend.yaml:19:17");
        // The Service, second document of the same file: its lines are the file's text.
        let (service, _) = result
            .documents
            .iter()
            .enumerate()
            .find(|(_, d)| d.source.ends_with("frontend.yaml") && d.kind == "Service")
            .unwrap();
        let origin = explain_line(&result, service, 4).unwrap();
        assert_eq!(origin.line_text, "  name: frontend-service");
        assert_eq!(origin.expressions[0].span.label(), "kubernetes-example/templates/frontend.yaml:33:3");
        assert!(explain_line(&result, service, 400).is_err());
        let postgres = explain(&result, "kubernetes-example/templates/database.yaml", "kind: Deployment");
        let gate = &postgres.expressions[0].within[0];
        assert_eq!((gate.source_text.as_str(), gate.in_else), ("{{- if .Values.database.enabled -}}", false));
        assert_eq!(gate.reads, [read(".Values.database.enabled", Some("true"))]);
    }
}
