//! The parse tree, shaped like Go's `text/template/parse` nodes so that behaviour (and the
//! `<NODE>` text in error messages, which is each node's Go `String()`) carries over.
//!
//! Every node has `pos`: the byte offset in the source where Go's node starts (Go's `Pos`,
//! which error messages turn into `LINE:COL`). Nodes that produce output or enclose a body
//! also have `end`: the offset just past their last byte (past `}}` for actions), which the
//! executor's source map and editors use.

use std::sync::Arc;

use crate::value::Str;

/// A byte offset into the template source.
pub type Pos = usize;

/// One parsed template: a file, or a `{{ define }}` block inside one.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The template's name (the file name, or the `define`d name).
    pub name: String,
    /// The name of the top-level template whose source this came from (Go's `ParseName`),
    /// which error locations use.
    pub parse_name: String,
    /// The whole source text the tree was parsed from (shared by every tree of one parse).
    pub source: Arc<str>,
    pub root: ListNode,
}

/// A sequence of nodes.
#[derive(Debug, Clone)]
pub struct ListNode {
    pub pos: Pos,
    pub nodes: Vec<Node>,
}

/// A statement-level node.
#[derive(Debug, Clone)]
// The large, rarer nodes are boxed so that lists of text and actions (most of any
// template) stay compact.
pub enum Node {
    /// Plain text between actions (after `{{-`/`-}}` trimming).
    Text(TextNode),
    /// `{{ pipeline }}`: the value is printed unless the pipeline declares variables.
    Action(ActionNode),
    /// `{{/* ... */}}`: kept so editors can see it; produces nothing.
    Comment(CommentNode),
    /// `{{ if }}...{{ else if }}...{{ else }}...{{ end }}`; `else if` nests an `If` in `else_list`.
    If(Box<BranchNode>),
    /// `{{ range }}`, with optional `{{ else }}`.
    Range(Box<BranchNode>),
    /// `{{ with }}`, with optional `{{ else with }}` / `{{ else }}`.
    With(Box<BranchNode>),
    /// `{{ template "name" pipeline }}` (also the call half of `{{ block }}`).
    Template(Box<TemplateNode>),
    /// `{{ break }}` inside `range`.
    Break(ControlNode),
    /// `{{ continue }}` inside `range`.
    Continue(ControlNode),
}

#[derive(Debug, Clone)]
pub struct TextNode {
    pub pos: Pos,
    pub end: Pos,
    pub text: SourceText,
}

/// A stretch of a template's source, sharing the source's allocation instead of copying
/// it: charts carry megabytes of literal YAML (CRDs) between few actions, and copying it
/// into the tree cost more (fresh pages) than parsing the actions.
#[derive(Clone)]
pub struct SourceText {
    source: Arc<str>,
    start: usize,
    end: usize,
}

impl SourceText {
    /// `source[range]`; the range must lie on character boundaries.
    pub fn new(source: Arc<str>, range: std::ops::Range<usize>) -> SourceText {
        assert!(source.is_char_boundary(range.start) && source.is_char_boundary(range.end) && range.start <= range.end);
        SourceText { source, start: range.start, end: range.end }
    }
}

impl std::ops::Deref for SourceText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.source[self.start..self.end]
    }
}

impl std::fmt::Debug for SourceText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

#[derive(Debug, Clone)]
pub struct CommentNode {
    pub pos: Pos,
    pub end: Pos,
    pub text: Str,
}

#[derive(Debug, Clone)]
pub struct ActionNode {
    pub pos: Pos,
    pub end: Pos,
    /// 1-based line of the action (Go keeps it for error messages).
    pub line: usize,
    pub pipe: PipeNode,
}

/// `if`, `range` and `with` share this shape.
#[derive(Debug, Clone)]
pub struct BranchNode {
    pub pos: Pos,
    /// Offset just past the `{{ end }}` that closes the branch.
    pub end: Pos,
    pub line: usize,
    pub pipe: PipeNode,
    pub list: ListNode,
    pub else_list: Option<ListNode>,
}

#[derive(Debug, Clone)]
pub struct TemplateNode {
    pub pos: Pos,
    pub end: Pos,
    pub line: usize,
    /// The (unquoted) name of the template to invoke.
    pub name: Str,
    pub pipe: Option<PipeNode>,
}

/// `break` or `continue`.
#[derive(Debug, Clone)]
pub struct ControlNode {
    pub pos: Pos,
    pub end: Pos,
    pub line: usize,
}

/// A pipeline: optional variable declaration or assignment, then commands joined by `|`.
#[derive(Debug, Clone)]
pub struct PipeNode {
    pub pos: Pos,
    pub line: usize,
    /// `$x = ...` (assignment to existing variables) rather than `$x := ...`.
    pub is_assign: bool,
    /// The variables declared or assigned (0, 1, or 2 for `range $i, $v :=`).
    pub decl: Vec<VariableNode>,
    pub cmds: Vec<CommandNode>,
}

/// One command of a pipeline: a function call, a method call, or a single operand.
#[derive(Debug, Clone)]
pub struct CommandNode {
    pub pos: Pos,
    pub args: Vec<Arg>,
}

/// An operand.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.`
    Dot(Pos),
    /// `nil`
    Nil(Pos),
    Bool(BoolNode),
    Number(NumberNode),
    String(StringNode),
    /// `.a.b.c`
    Field(FieldNode),
    /// `$`, `$x`, `$x.a.b`
    Variable(VariableNode),
    /// A function name.
    Identifier(IdentifierNode),
    /// `(pipeline)`
    Pipe(Box<PipeNode>),
    /// `(pipeline).a.b` or `$x.a` after a pipe: a field chain on a non-field operand.
    Chain(ChainNode),
}

impl Arg {
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Dot(p) | Arg::Nil(p) => *p,
            Arg::Bool(n) => n.pos,
            Arg::Number(n) => n.pos,
            Arg::String(n) => n.pos,
            Arg::Field(n) => n.pos,
            Arg::Variable(n) => n.pos,
            Arg::Identifier(n) => n.pos,
            Arg::Pipe(n) => n.pos,
            Arg::Chain(n) => n.pos,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BoolNode {
    pub pos: Pos,
    pub value: bool,
}

/// A number constant. As in Go, one literal may be representable several ways (`1` is an
/// int, a uint and a float); the executor picks by context.
#[derive(Debug, Clone)]
pub struct NumberNode {
    pub pos: Pos,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
    /// Complex value as (real, imaginary), when `is_complex`.
    pub complex128: (f64, f64),
    /// The original text of the literal.
    pub text: Str,
}

#[derive(Debug, Clone)]
pub struct StringNode {
    pub pos: Pos,
    /// The original text, with quotes.
    pub quoted: Str,
    /// The string after unquoting.
    pub text: Str,
}

#[derive(Debug, Clone)]
pub struct FieldNode {
    pub pos: Pos,
    /// The field names, without dots: `.a.b` is `["a", "b"]`.
    pub ident: Vec<Str>,
}

#[derive(Debug, Clone)]
pub struct VariableNode {
    pub pos: Pos,
    /// The variable name (with `$`) followed by field names: `$x.a` is `["$x", "a"]`.
    pub ident: Vec<Str>,
}

#[derive(Debug, Clone)]
pub struct IdentifierNode {
    pub pos: Pos,
    pub name: Str,
}

#[derive(Debug, Clone)]
pub struct ChainNode {
    pub pos: Pos,
    pub node: Box<Arg>,
    /// The field names, without dots.
    pub field: Vec<Str>,
}
