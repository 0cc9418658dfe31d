//! The executor: Go's `text/template` `Execute`, walking parse trees over [`Value`]s.
//!
//! The structure follows Go's `exec.go` closely on purpose: which node is "current" when an
//! error happens decides the `at <NODE>` text of the message, and Go updates it at precise
//! points (`s.at(node)`), so this walker updates [`State::node`] at the same points.
//!
//! Go distinguishes three kinds of "nothing" that print and fail differently, so evaluation
//! works on [`Rv`] (a model of `reflect.Value`) rather than on bare values:
//! an invalid value (a missing map key under `missingkey=default`), a nil `interface {}`
//! (a map entry holding nil, or a missing key under `missingkey=zero`), and a concrete value.
//! A value that came out of an `interface {}` slot also reports its type as `interface {}` in
//! errors (`can't evaluate field x in type interface {}`), which [`Rv::Iface`] keeps.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::ast::{
    Arg, ActionNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode,
    Node, NumberNode, PipeNode, Pos, TemplateNode, Tree, VariableNode,
};
use crate::builtins::{self, Builtin};
use crate::error::{Error, ErrorKind, Location};
use crate::func::{CallContext, Func, FuncError, FuncMap, Sig};
use crate::gofmt;
use crate::parse::{self, ParseOptions};
use crate::value::{Object, Str, Type, Value};

/// What a field access on a map does when the key is missing (Go's `Option("missingkey=...")`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` (and `invalid`): the result is "no value", printed `<no value>`.
    #[default]
    Default,
    /// `missingkey=zero`: the zero value of the map's element type (for
    /// `map[string]interface {}` a nil interface, which also prints `<no value>`).
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key "x"`.
    Error,
}

/// Go's `maxExecDepth`: 100000 natively, 1000 on wasm. Natively the walker grows its stack
/// on the heap at every template call (see [`with_stack`]), so Go's limit is safe to use.
/// On wasm the stack cannot grow; the limit is lower than Go's so that a runaway recursion
/// reports an error within a 1 MiB stack.
#[cfg(not(target_arch = "wasm32"))]
const DEFAULT_MAX_DEPTH: usize = 100_000;
#[cfg(target_arch = "wasm32")]
const DEFAULT_MAX_DEPTH: usize = 150;

/// Bound on nested bodies and parenthesised pipelines, counted across template calls (a
/// stack-safety bound where the stack cannot grow; the parser also caps nesting per text).
#[cfg(not(target_arch = "wasm32"))]
const DEFAULT_MAX_NESTING: usize = usize::MAX;
#[cfg(target_arch = "wasm32")]
const DEFAULT_MAX_NESTING: usize = 1500;

/// Runs `f` with enough stack for one more level of template recursion: natively a fresh
/// heap-allocated segment is switched to when less than the red zone is left.
#[cfg(not(target_arch = "wasm32"))]
fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    const RED_ZONE: usize = 256 * 1024;
    const SEGMENT: usize = 4 * 1024 * 1024;
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

#[cfg(target_arch = "wasm32")]
fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Execution options.
#[derive(Clone, Debug)]
pub struct Options {
    pub missing_key: MissingKey,
    /// Maximum depth of `{{ template }}` calls and nested executions (Helm's `include`,
    /// `tpl`); exceeding it fails with Go's `exceeded maximum template depth (N)`.
    pub max_depth: usize,
    /// Record which template span produced each output byte (see [`SourceMap`]).
    pub source_map: bool,
    /// Maximum nesting of bodies, pipelines and template calls (a stack-safety bound).
    pub max_nesting: usize,
    /// Maximum size in bytes of one execution's output (and of each nested execution's).
    pub max_output: usize,
    /// Maximum number of steps (nodes walked plus range iterations) per top-level execution.
    pub max_steps: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            missing_key: MissingKey::Default,
            max_depth: DEFAULT_MAX_DEPTH,
            source_map: false,
            max_nesting: DEFAULT_MAX_NESTING,
            max_output: usize::MAX,
            max_steps: u64::MAX,
        }
    }
}

/// Go's `*template.Template` together with its associated templates: a set of named trees
/// sharing one function map. Cloning is cheap (two reference-count increments).
#[derive(Clone)]
pub struct Templates {
    /// The name of the template the set was created as (Go's `t.Name()`), used in
    /// `no template "x" associated with template "NAME"`.
    name: Str,
    trees: Arc<HashMap<Str, Arc<Tree>>>,
    funcs: Arc<FuncMap>,
}

impl Default for Templates {
    fn default() -> Templates {
        Templates::new()
    }
}

/// A chart's set holds thousands of small tree nodes, and freeing them one by one is a
/// noticeable part of a whole `helm template` run. When the last holder of a large set lets
/// go, the trees are freed on a short-lived thread instead (natively), so that the caller
/// goes on to its next step (printing, exiting) without waiting for it.
impl Drop for Templates {
    fn drop(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            /// Below this many trees freeing costs less than starting a thread.
            const BACKGROUND_DROP_MIN_TREES: usize = 64;
            if self.trees.len() >= BACKGROUND_DROP_MIN_TREES && Arc::strong_count(&self.trees) == 1 {
                let trees = std::mem::take(&mut self.trees);
                // If no thread can be started, the trees are freed here as usual.
                let _ = std::thread::Builder::new().name("free-templates".into()).spawn(move || drop(trees));
            }
        }
    }
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").field("name", &self.name).field("templates", &self.names()).finish()
    }
}

impl Templates {
    /// An empty set with only the built-in functions, named "" (Go's `template.New("")`).
    pub fn new() -> Templates {
        Templates::named("")
    }

    /// An empty set named `name` (Go's `template.New(name)`; Helm uses `"gotpl"`).
    pub fn named(name: &str) -> Templates {
        Templates { name: name.into(), trees: Arc::new(HashMap::new()), funcs: Arc::new(FuncMap::new()) }
    }

    /// The set's own name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds host functions (Go's `Funcs`); same-named functions are replaced. Host functions
    /// take precedence over built-ins of the same name, as in Go.
    pub fn add_funcs(&mut self, funcs: &FuncMap) {
        Arc::make_mut(&mut self.funcs).extend(funcs);
    }

    /// Uses `funcs` as the set's host functions, shared rather than copied (for a host
    /// that builds its function map once and renders many times).
    pub fn share_funcs(&mut self, funcs: Arc<FuncMap>) {
        self.funcs = funcs;
    }

    pub fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    /// Go's `t.New(name).Parse(text)`: adds the tree `name` and its defines; a define with an
    /// empty body does not replace an existing one (Go's AddParseTree/associate rules).
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let trees = self.parse_detached(name, text)?;
        self.add_trees(trees);
        Ok(())
    }

    /// The parse half of [`Templates::parse`]: parses `text` as `name` with this set's
    /// functions without adding it. It needs only `&self`, so many files can be parsed on
    /// several threads and then added in order with [`Templates::add_trees`].
    pub fn parse_detached(&self, name: &str, text: &str) -> Result<Vec<Tree>, Error> {
        parse_with_funcs(&self.funcs, name, Arc::from(text))
    }

    /// [`Templates::parse_detached`] of a source the caller holds shared: the trees point
    /// into it instead of copying its text.
    pub fn parse_detached_source(&self, name: &str, source: Arc<str>) -> Result<Vec<Tree>, Error> {
        parse_with_funcs(&self.funcs, name, source)
    }

    /// The add half of [`Templates::parse`]: adds trees from [`Templates::parse_detached`]
    /// with Go's rule that an empty tree does not replace an existing one.
    pub fn add_trees(&mut self, trees: Vec<Tree>) {
        let map = Arc::make_mut(&mut self.trees);
        for tree in trees {
            if parse::is_empty_tree(&tree.root) && map.contains_key(tree.name.as_str()) {
                continue;
            }
            map.insert(tree.name.as_str().into(), Arc::new(tree));
        }
    }

    pub fn lookup(&self, name: &str) -> Option<&Tree> {
        self.trees.get(name).map(|t| &**t)
    }

    /// The names of every template of the set, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.trees.keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    }

    /// Go's `ExecuteTemplate`: runs the template `name` with `data` as dot.
    pub fn execute(&self, name: &str, data: &Value, opts: &Options) -> Result<String, Error> {
        self.run(name, data, opts, false).map(|(out, _)| out)
    }

    /// The same, also returning the source map (recorded whatever `opts.source_map` says).
    pub fn execute_mapped(&self, name: &str, data: &Value, opts: &Options) -> Result<(String, SourceMap), Error> {
        self.run(name, data, opts, true)
    }

    fn run(&self, name: &str, data: &Value, opts: &Options, force_map: bool) -> Result<(String, SourceMap), Error> {
        let set = SetView { base: self, layers: None };
        let tree = set.lookup(name).ok_or_else(|| no_template_error(name, &self.name))?;
        let mut state = State::new(set, opts, tree, 0, force_map || opts.source_map);
        state.run(Rv::concrete(data.clone())).map_err(|e| *e)?;
        Ok((std::mem::take(&mut state.out), state.map.take().unwrap_or_default()))
    }
}

fn parse_with_funcs(funcs: &FuncMap, name: &str, source: Arc<str>) -> Result<Vec<Tree>, Error> {
    let is_func = |n: &str| funcs.contains(n) || builtins::lookup(n).is_some();
    parse::parse_source(name, source, &ParseOptions { is_func: &is_func, skip_func_check: false })
}

fn no_template_error(name: &str, set_name: &str) -> Error {
    Error::new(
        ErrorKind::Exec,
        format!("template: no template {} associated with template {}", go_quote(name), go_quote(set_name)),
        None,
    )
}

/// Which template source produced a range of output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedSource {
    /// The executing template's name.
    pub template: String,
    /// The name of the source it was parsed from (the file, for Helm).
    pub parse_name: String,
}

/// One output range and the source span that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Byte range in the output.
    pub output: Range<usize>,
    /// Index into [`SourceMap::sources`].
    pub source: usize,
    /// Byte range in that source: a text node, or a whole action `{{ ... }}`.
    pub span: Range<usize>,
}

/// Output ranges (sorted, non-overlapping) mapped to the template spans that produced them.
/// Text maps to its text node; printed values map to their action; output of a
/// `{{ template }}` call maps to the nodes of the called template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    pub sources: Vec<MappedSource>,
    pub segments: Vec<Segment>,
    /// Executions started by host functions (Helm's `include`, `tpl`) while this one ran,
    /// in call order. Their output is a value handed back to the calling pipeline, which
    /// may transform it (`nindent`, `trim`), so it is kept beside the map, not spliced in.
    pub nested: Vec<NestedRun>,
}

/// One nested execution recorded in a [`SourceMap`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NestedRun {
    /// The calling source (index into the caller's [`SourceMap::sources`]) and the byte
    /// offset there of the node being evaluated when the call was made.
    pub caller_source: usize,
    pub caller_pos: Pos,
    /// The caller's output length at the call: the calling action's output starts here.
    pub caller_output_at: usize,
    pub output: String,
    pub map: SourceMap,
}

impl SourceMap {
    /// The segment covering output byte `offset`, if any.
    pub fn segment_at(&self, offset: usize) -> Option<&Segment> {
        let i = self.segments.partition_point(|s| s.output.end <= offset);
        self.segments.get(i).filter(|s| s.output.start <= offset)
    }

    fn source_index(&mut self, tree: &Tree) -> usize {
        // Few distinct templates produce one output: a linear scan from the end is fastest.
        if let Some(i) = self
            .sources
            .iter()
            .rposition(|s| s.template == tree.name && s.parse_name == tree.parse_name)
        {
            return i;
        }
        self.sources.push(MappedSource { template: tree.name.clone(), parse_name: tree.parse_name.clone() });
        self.sources.len() - 1
    }
}

/// A template set as seen by one execution: the base set plus, for Helm's `tpl`, layers of
/// templates parsed during execution (looked up first). Layering avoids copying the set.
#[derive(Clone, Copy)]
struct SetView<'a> {
    base: &'a Templates,
    layers: Option<&'a Layer<'a>>,
}

struct Layer<'a> {
    trees: HashMap<Str, Arc<Tree>>,
    below: Option<&'a Layer<'a>>,
}

impl<'a> SetView<'a> {
    fn lookup(&self, name: &str) -> Option<&'a Tree> {
        let mut layer = self.layers;
        while let Some(l) = layer {
            if let Some(t) = l.trees.get(name) {
                return Some(t);
            }
            layer = l.below;
        }
        self.base.trees.get(name).map(|t| &**t)
    }

    fn funcs(&self) -> &'a FuncMap {
        &self.base.funcs
    }
}

/// A model of Go's `reflect.Value` as the executor meets it.
#[derive(Clone, Debug)]
pub(crate) enum Rv {
    /// The zero `reflect.Value`: no value at all (a missing key, nil data).
    Invalid,
    /// A value held in an `interface {}` slot; `Value::Nil` inside is a nil interface.
    Iface(Value),
    /// A value of its own concrete type; never `Value::Nil`.
    Val(Value),
}

impl Rv {
    /// `reflect.ValueOf(v)`: nil becomes invalid.
    pub(crate) fn concrete(v: Value) -> Rv {
        if v.is_nil() {
            Rv::Invalid
        } else {
            Rv::Val(v)
        }
    }

    /// Go's `indirectInterface`: the concrete value inside an interface.
    pub(crate) fn unwrap_iface(self) -> Rv {
        match self {
            Rv::Iface(v) => Rv::concrete(v),
            other => other,
        }
    }

    /// The plain value (nil for invalid and nil interfaces).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Rv::Invalid => Value::Nil,
            Rv::Iface(v) | Rv::Val(v) => v,
        }
    }

    pub(crate) fn value(&self) -> Option<&Value> {
        match self {
            Rv::Invalid | Rv::Iface(Value::Nil) => None,
            Rv::Iface(v) | Rv::Val(v) => Some(v),
        }
    }

    /// Go's `isTrue` (every value we model has a truth value).
    pub(crate) fn truth(&self) -> bool {
        self.value().is_some_and(Value::truth)
    }

    /// The Go type as reflection reports it (`interface {}` for values in interface slots).
    pub(crate) fn type_name(&self) -> String {
        match self {
            Rv::Invalid => "<nil>".to_string(),
            Rv::Iface(_) => "interface {}".to_string(),
            Rv::Val(v) => v.type_name(),
        }
    }

    /// An element of a slice or map whose element type is `elem`.
    fn element(elem: Type, v: Value) -> Rv {
        if elem == Type::Any {
            Rv::Iface(v)
        } else {
            Rv::concrete(v)
        }
    }
}

/// The zero value of a Go type (`reflect.Zero`).
pub(crate) fn zero_value(t: Type) -> Rv {
    match t {
        Type::Any | Type::Reflect => Rv::Iface(Value::Nil),
        Type::Bool => Rv::Val(Value::Bool(false)),
        Type::Int => Rv::Val(Value::Int(0)),
        Type::Int64 => Rv::Val(Value::Int64(0)),
        Type::Float64 => Rv::Val(Value::Float(0.0)),
        Type::String => Rv::Val(Value::str("")),
        // A nil slice or map: empty, with the right element type.
        Type::AnySlice | Type::StringSlice | Type::IntSlice => {
            Rv::Val(Value::typed_list(t.elem().unwrap_or(Type::Any), Vec::new()))
        }
        Type::AnyMap | Type::StringMap => {
            Rv::Val(Value::typed_map(t.elem().unwrap_or(Type::Any), std::iter::empty::<(Str, Value)>()))
        }
    }
}

/// Go's `canBeNil`.
fn can_be_nil(t: Type) -> bool {
    !matches!(t, Type::Bool | Type::Int | Type::Int64 | Type::Float64 | Type::String)
}

/// Go's `strconv.Quote` (what `%q` prints for a string).
pub(crate) fn go_quote(s: &str) -> String {
    gofmt::quote(s)
}

/// The node an error is reported at (Go's `state.node`).
#[derive(Clone, Copy)]
enum NodeRef<'a> {
    Arg(&'a Arg),
    Pipe(&'a PipeNode),
    Command(&'a CommandNode),
    Action(&'a ActionNode),
    Branch(&'a BranchNode),
    Template(&'a TemplateNode),
}

impl NodeRef<'_> {
    fn pos(&self) -> Pos {
        match self {
            NodeRef::Arg(a) => a.pos(),
            NodeRef::Pipe(p) => p.pos,
            NodeRef::Command(c) => c.pos,
            NodeRef::Action(a) => a.pos,
            NodeRef::Branch(b) => b.pos,
            NodeRef::Template(t) => t.pos,
        }
    }

    /// Go's `node.String()`.
    fn context(&self) -> String {
        match self {
            NodeRef::Arg(a) => a.to_string(),
            NodeRef::Pipe(p) => p.to_string(),
            NodeRef::Command(c) => c.to_string(),
            NodeRef::Action(a) => format!("{{{{{}}}}}", a.pipe),
            NodeRef::Branch(b) => b.pipe.to_string(),
            NodeRef::Template(t) => t.to_string(),
        }
    }
}

/// How a walked statement ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// Who is being called.
enum Callee<'a> {
    Builtin(Builtin),
    Host(&'a Func),
    Method(Arc<dyn Object>),
}

/// Errors are boxed inside the walker to keep its stack frames small.
type Res<T> = Result<T, Box<Error>>;

/// One execution (Go's `state`). `{{ template }}` calls reuse it with a new variable frame;
/// nested executions started by host functions get a fresh one.
struct State<'a> {
    set: SetView<'a>,
    opts: &'a Options,
    /// The template being executed (for error names and locations).
    tree: &'a Tree,
    node: Option<NodeRef<'a>>,
    /// The variable stack; the current template's frame starts at `frame`.
    vars: Vec<(Str, Rv)>,
    frame: usize,
    out: String,
    map: Option<SourceMap>,
    depth: usize,
    nesting: usize,
    steps: u64,
}

impl<'a> State<'a> {
    fn new(set: SetView<'a>, opts: &'a Options, tree: &'a Tree, depth: usize, map: bool) -> State<'a> {
        State {
            set,
            opts,
            tree,
            node: None,
            vars: Vec::new(),
            frame: 0,
            out: String::new(),
            map: map.then(SourceMap::default),
            depth,
            nesting: 0,
            steps: 0,
        }
    }

    fn run(&mut self, data: Rv) -> Res<()> {
        self.vars.push(("$".into(), data.clone()));
        self.walk_list(&data, &self.tree.root)?;
        Ok(())
    }

    // ----- errors -----

    fn at(&mut self, node: NodeRef<'a>) {
        self.node = Some(node);
    }

    /// Go's `state.errorf`: the message prefixed with where execution is.
    #[cold]
    #[inline(never)]
    fn error_of_kind(&self, kind: ErrorKind, msg: String) -> Box<Error> {
        let name = go_quote(&self.tree.name);
        match self.node {
            None => Box::new(Error::new(kind, format!("template: {}: {msg}", self.tree.name), None)),
            Some(node) => {
                let loc = parse::location(&self.tree.parse_name, &self.tree.source, node.pos());
                let message = format!(
                    "template: {}:{}:{}: executing {name} at <{}>: {msg}",
                    loc.source,
                    loc.line,
                    loc.col,
                    node.context()
                );
                Box::new(Error::new(kind, message, Some(loc)))
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn errorf(&self, msg: String) -> Box<Error> {
        self.error_of_kind(ErrorKind::Exec, msg)
    }

    fn step(&mut self) -> Res<()> {
        self.steps += 1;
        if self.steps > self.opts.max_steps {
            return Err(self.error_of_kind(
                ErrorKind::Limit,
                format!("exceeded maximum number of steps ({})", self.opts.max_steps),
            ));
        }
        Ok(())
    }

    fn enter(&mut self) -> Res<()> {
        self.nesting += 1;
        if self.nesting > self.opts.max_nesting {
            return Err(self.error_of_kind(
                ErrorKind::Limit,
                format!("exceeded maximum nesting depth ({})", self.opts.max_nesting),
            ));
        }
        Ok(())
    }

    // ----- output -----

    fn emit(&mut self, s: &str, span: Range<usize>) -> Res<()> {
        if s.is_empty() {
            return Ok(());
        }
        if s.len() > self.opts.max_output.saturating_sub(self.out.len()) {
            return Err(self.error_of_kind(
                ErrorKind::Limit,
                format!("exceeded maximum output size ({} bytes)", self.opts.max_output),
            ));
        }
        let start = self.out.len();
        self.out.push_str(s);
        if let Some(map) = &mut self.map {
            let source = map.source_index(self.tree);
            map.segments.push(Segment { output: start..self.out.len(), source, span });
        }
        Ok(())
    }

    // ----- variables -----

    fn push_var(&mut self, name: &Str, value: Rv) {
        self.vars.push((name.clone(), value));
    }

    fn set_var(&mut self, name: &str, value: Rv) -> Res<()> {
        match self.vars[self.frame..].iter_mut().rev().find(|(n, _)| &**n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    /// Overwrites the `n`th variable from the top (1-based), as range iterations do.
    fn set_top_var(&mut self, n: usize, value: Rv) {
        let len = self.vars.len();
        if n <= len - self.frame {
            self.vars[len - n].1 = value;
        }
    }

    fn var_value(&self, name: &str) -> Res<Rv> {
        match self.vars[self.frame..].iter().rev().find(|(n, _)| &**n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    // ----- walking -----

    fn walk_list(&mut self, dot: &Rv, list: &'a ListNode) -> Res<Flow> {
        self.enter()?;
        for node in &list.nodes {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                self.nesting -= 1;
                return Ok(flow);
            }
        }
        self.nesting -= 1;
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Rv, node: &'a Node) -> Res<Flow> {
        self.step()?;
        match node {
            Node::Text(t) => {
                self.emit(&t.text, t.pos..t.end)?;
            }
            Node::Action(a) => {
                self.at(NodeRef::Action(a));
                // Variables declared here persist until the end of the enclosing block, and a
                // declaring action prints nothing.
                let val = self.eval_pipeline(dot, &a.pipe)?;
                if a.pipe.decl.is_empty() {
                    self.print_value(a, val)?;
                }
            }
            Node::Comment(_) => {}
            Node::If(b) => return self.walk_if_or_with(false, dot, b),
            Node::With(b) => return self.walk_if_or_with(true, dot, b),
            Node::Range(b) => return self.walk_range(dot, b),
            Node::Template(t) => self.walk_template(dot, t)?,
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(&mut self, is_with: bool, dot: &Rv, b: &'a BranchNode) -> Res<Flow> {
        self.at(NodeRef::Branch(b));
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let flow = if val.truth() {
            if is_with {
                self.walk_list(&val, &b.list)?
            } else {
                self.walk_list(dot, &b.list)?
            }
        } else if let Some(else_list) = &b.else_list {
            self.walk_list(dot, else_list)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_range(&mut self, dot: &Rv, r: &'a BranchNode) -> Res<Flow> {
        self.at(NodeRef::Branch(r));
        let outer_mark = self.vars.len();
        let val = self.eval_pipeline(dot, &r.pipe)?;
        // The top of the stack before any variables of the body are pushed.
        let mark = self.vars.len();
        let mut iterated = false;
        // Named types over maps and slices range over their underlying data.
        let underlying = match val.value() {
            Some(Value::Object(o)) => o.underlying(),
            _ => None,
        };
        match underlying.as_ref().or(val.value()) {
            None => {}
            Some(Value::List(list)) => {
                let list = list.clone();
                for (i, item) in list.items.iter().enumerate() {
                    iterated = true;
                    let elem = Rv::element(list.elem, item.clone());
                    if self.range_iteration(r, mark, Rv::Val(Value::Int(i as i64)), elem)? == Flow::Break {
                        break;
                    }
                }
            }
            Some(Value::Map(m)) => {
                // A snapshot: the body may write to the map, and Go sorts the keys up front too.
                let (elem, entries) = {
                    let guard = m.read();
                    (guard.elem, guard.entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>())
                };
                for (k, v) in entries {
                    iterated = true;
                    let key = Rv::Val(Value::String(k));
                    if self.range_iteration(r, mark, key, Rv::element(elem, v))? == Flow::Break {
                        break;
                    }
                }
            }
            Some(n @ (Value::Int(_) | Value::Int64(_))) => {
                let n = n.clone();
                if r.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        gofmt::format_v(&n)
                    )));
                }
                let count = n.as_i64().unwrap_or(0);
                for i in 0..count.max(0) {
                    iterated = true;
                    let elem = Rv::Val(if matches!(n, Value::Int64(_)) { Value::Int64(i) } else { Value::Int(i) });
                    if self.range_iteration(r, mark, Rv::Invalid, elem)? == Flow::Break {
                        break;
                    }
                }
            }
            Some(other) => {
                return Err(self.errorf(format!("range can't iterate over {}", gofmt::format_v(other))));
            }
        }
        if !iterated {
            if let Some(else_list) = &r.else_list {
                let flow = self.walk_list(dot, else_list)?;
                self.vars.truncate(outer_mark);
                return Ok(flow);
            }
        }
        self.vars.truncate(outer_mark);
        Ok(Flow::Normal)
    }

    fn range_iteration(&mut self, r: &'a BranchNode, mark: usize, index: Rv, elem: Rv) -> Res<Flow> {
        self.step()?;
        let decl = &r.pipe.decl;
        if !decl.is_empty() {
            if r.pipe.is_assign {
                // With two variables the index comes first; with one, the element.
                let first = if decl.len() > 1 { index.clone() } else { elem.clone() };
                self.set_var(&decl[0].ident[0], first)?;
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if r.pipe.is_assign {
                self.set_var(&decl[1].ident[0], elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let flow = self.walk_list(&elem, &r.list)?;
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_template(&mut self, dot: &Rv, t: &'a TemplateNode) -> Res<()> {
        self.at(NodeRef::Template(t));
        let Some(tree) = self.set.lookup(&t.name) else {
            return Err(self.errorf(format!("template {} not defined", go_quote(&t.name))));
        };
        if self.depth >= self.opts.max_depth {
            return Err(self.error_of_kind(
                ErrorKind::Limit,
                format!("exceeded maximum template depth ({})", self.opts.max_depth),
            ));
        }
        // Variables declared by the pipeline persist in the caller.
        let new_dot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Rv::Invalid,
        };
        self.enter()?;
        // No dynamic scoping: the called template sees only `$`.
        let saved_tree = std::mem::replace(&mut self.tree, tree);
        let saved_frame = self.frame;
        let saved_node = self.node;
        self.frame = self.vars.len();
        self.vars.push(("$".into(), new_dot.clone()));
        self.depth += 1;
        with_stack(|| self.walk_list(&new_dot, &tree.root))?;
        self.depth -= 1;
        self.vars.truncate(self.frame);
        self.frame = saved_frame;
        self.tree = saved_tree;
        self.node = saved_node;
        self.nesting -= 1;
        Ok(())
    }

    /// The whole `{{ ... }}` of an action: Go's action position is that of its pipeline, so
    /// step back over the blanks, trim marker and left delimiter before it.
    fn action_span(&self, a: &ActionNode) -> Range<usize> {
        let source = self.tree.source.as_bytes();
        let mut start = a.pos.min(source.len());
        while start > 0 && source[start - 1].is_ascii_whitespace() {
            start -= 1;
        }
        if start >= 3 && &source[start - 3..start] == b"{{-" {
            start -= 3;
        } else if start >= 2 && &source[start - 2..start] == b"{{" {
            start -= 2;
        }
        start..a.end
    }

    fn print_value(&mut self, a: &'a ActionNode, v: Rv) -> Res<()> {
        self.at(NodeRef::Action(a));
        // A string is written as is (an Arc clone, no copy); other values through fmt's %v.
        let text: std::borrow::Cow<'_, str> = match v.value() {
            None => "<no value>".into(),
            Some(Value::String(s)) => {
                let s = s.clone();
                let span = if self.map.is_some() { self.action_span(a) } else { a.pos..a.end };
                return self.emit(&s, span);
            }
            Some(v) => gofmt::format_v(v).into(),
        };
        let span = if self.map.is_some() { self.action_span(a) } else { a.pos..a.end };
        self.emit(&text, span)
    }

    // ----- evaluation -----

    fn eval_pipeline(&mut self, dot: &Rv, pipe: &'a PipeNode) -> Res<Rv> {
        self.enter()?;
        self.at(NodeRef::Pipe(pipe));
        let mut value: Option<Rv> = None;
        for cmd in &pipe.cmds {
            // The previous command's value is this one's final argument; a value held in an
            // interface is unwrapped to what is inside.
            value = Some(self.eval_command(dot, cmd, value.take())?.unwrap_iface());
        }
        let value = value.unwrap_or(Rv::Invalid);
        for var in &pipe.decl {
            let Some(name) = var.ident.first() else { continue };
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.push_var(name, value.clone());
            }
        }
        self.nesting -= 1;
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], has_final: bool) -> Res<()> {
        if args.len() > 1 || has_final {
            let first = args.first().map(|a| a.to_string()).unwrap_or_default();
            return Err(self.errorf(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Rv, cmd: &'a CommandNode, fin: Option<Rv>) -> Res<Rv> {
        let Some(first) = cmd.args.first() else {
            return Err(self.errorf("empty command".to_string()));
        };
        match first {
            Arg::Field(f) => return self.eval_field_node(dot, first, f, &cmd.args, fin),
            Arg::Chain(c) => return self.eval_chain_node(dot, first, c, &cmd.args, fin),
            Arg::Identifier(id) => {
                return self.eval_function(dot, first, id, Some(cmd), &cmd.args, fin);
            }
            Arg::Pipe(p) => {
                // A parenthesised pipeline: its arguments are inside; nothing may follow.
                self.not_a_function(&cmd.args, fin.is_some())?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, first, v, &cmd.args, fin),
            _ => {}
        }
        self.at(NodeRef::Arg(first));
        self.not_a_function(&cmd.args, fin.is_some())?;
        match first {
            Arg::Bool(b) => Ok(Rv::Val(Value::Bool(b.value))),
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Err(self.errorf("nil is not a command".to_string())),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String(s) => Ok(Rv::Val(Value::String(s.text.clone()))),
            _ => Err(self.errorf(format!("can't evaluate command {}", go_quote(&first.to_string())))),
        }
    }

    /// A number in a context without a type: its syntax decides, as in Go.
    fn ideal_constant(&mut self, arg: &'a Arg, n: &NumberNode) -> Res<Rv> {
        self.at(NodeRef::Arg(arg));
        let text: &str = &n.text;
        let is_hex_int = text.len() > 2
            && text.starts_with('0')
            && matches!(text.as_bytes()[1], b'x' | b'X')
            && !text.contains(['p', 'P']);
        let is_rune = text.starts_with('\'');
        if n.is_complex {
            let (re, im) = n.complex128;
            return Ok(Rv::Val(Value::object(Complex128 { re, im })));
        }
        if n.is_float && !is_hex_int && !is_rune && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Rv::Val(Value::Float(n.float64)));
        }
        if n.is_int {
            return Ok(Rv::Val(Value::Int(n.int64)));
        }
        if n.is_uint {
            return Err(self.errorf(format!("{text} overflows int")));
        }
        Ok(Rv::Invalid)
    }

    fn eval_field_node(&mut self, dot: &Rv, arg: &'a Arg, f: &'a FieldNode, args: &'a [Arg], fin: Option<Rv>) -> Res<Rv> {
        self.at(NodeRef::Arg(arg));
        self.eval_field_chain(dot, dot.clone(), arg, &f.ident, args, fin)
    }

    fn eval_chain_node(&mut self, dot: &Rv, arg: &'a Arg, c: &'a ChainNode, args: &'a [Arg], fin: Option<Rv>) -> Res<Rv> {
        self.at(NodeRef::Arg(arg));
        if c.field.is_empty() {
            return Err(self.errorf("internal error: no fields in evalChainNode".to_string()));
        }
        if matches!(*c.node, Arg::Nil(_)) {
            return Err(self.errorf(format!("indirection through explicit nil in {arg}")));
        }
        // (pipe).Field1.Field2: evaluate the pipeline, then walk the fields.
        let receiver = self.eval_arg(dot, None, &c.node)?;
        self.eval_field_chain(dot, receiver, arg, &c.field, args, fin)
    }

    fn eval_variable_node(&mut self, dot: &Rv, arg: &'a Arg, v: &'a VariableNode, args: &'a [Arg], fin: Option<Rv>) -> Res<Rv> {
        self.at(NodeRef::Arg(arg));
        let Some(name) = v.ident.first() else {
            return Err(self.errorf("empty variable".to_string()));
        };
        let value = self.var_value(name)?;
        if v.ident.len() == 1 {
            self.not_a_function(args, fin.is_some())?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, arg, &v.ident[1..], args, fin)
    }

    /// `.X.Y.Z`, possibly followed by arguments for a final method. `dot` is where arguments
    /// are evaluated; `receiver` is walked along the chain.
    fn eval_field_chain(
        &mut self,
        dot: &Rv,
        mut receiver: Rv,
        node: &'a Arg,
        idents: &'a [Str],
        args: &'a [Arg],
        fin: Option<Rv>,
    ) -> Res<Rv> {
        let Some((last, init)) = idents.split_last() else {
            return Ok(receiver);
        };
        for name in init {
            receiver = self.eval_field(dot, name, node, &[], None, receiver)?;
        }
        self.eval_field(dot, last, node, args, fin, receiver)
    }

    /// `.Field` or `.Method args...` on `receiver`.
    fn eval_field(&mut self, dot: &Rv, name: &str, node: &'a Arg, args: &'a [Arg], fin: Option<Rv>, receiver: Rv) -> Res<Rv> {
        let value = match &receiver {
            Rv::Invalid => {
                if self.opts.missing_key == MissingKey::Error {
                    return Err(self.errorf(format!("nil data; no entry for key {}", go_quote(name))));
                }
                return Ok(Rv::Invalid);
            }
            Rv::Iface(Value::Nil) => {
                return Err(self.errorf(format!("nil pointer evaluating interface {{}}.{name}")));
            }
            Rv::Iface(v) | Rv::Val(v) => v,
        };
        if let Value::Object(o) = value {
            if let Some(sig) = o.method(name) {
                let o = o.clone();
                return self.eval_call(dot, Callee::Method(o), &sig, NodeRef::Arg(node), name, args, fin);
            }
        }
        let has_args = args.len() > 1 || fin.is_some();
        match value {
            Value::Object(o) => {
                if let Some(field) = o.field(name) {
                    if has_args {
                        return Err(self.errorf(format!("{name} has arguments but cannot be invoked as function")));
                    }
                    return Ok(if field.is_nil() { Rv::Iface(Value::Nil) } else { Rv::Val(field) });
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                let (elem, found) = {
                    let guard = m.read();
                    (guard.elem, guard.entries.get(name).cloned())
                };
                return match found {
                    Some(v) => Ok(Rv::element(elem, v)),
                    None => match self.opts.missing_key {
                        MissingKey::Default => Ok(Rv::Invalid),
                        MissingKey::Zero => Ok(zero_value(elem)),
                        MissingKey::Error => {
                            Err(self.errorf(format!("map has no entry for key {}", go_quote(name))))
                        }
                    },
                };
            }
            _ => {}
        }
        Err(self.errorf(format!("can't evaluate field {name} in type {}", receiver.type_name())))
    }

    fn eval_function(
        &mut self,
        dot: &Rv,
        arg: &'a Arg,
        id: &'a IdentifierNode,
        cmd: Option<&'a CommandNode>,
        args: &'a [Arg],
        fin: Option<Rv>,
    ) -> Res<Rv> {
        self.at(NodeRef::Arg(arg));
        let name: &str = &id.name;
        let funcs = self.set.funcs();
        let node = cmd.map_or(NodeRef::Arg(arg), NodeRef::Command);
        if let Some(f) = funcs.get(name) {
            return self.eval_call(dot, Callee::Host(f), &f.sig, node, name, args, fin);
        }
        if let Some(b) = builtins::lookup(name) {
            let sig = b.sig();
            return self.eval_call(dot, Callee::Builtin(b), &sig, node, name, args, fin);
        }
        Err(self.errorf(format!("{} is not a defined function", go_quote(name))))
    }

    /// Calls a function or method. `args`, when not empty, starts with the function's own
    /// node (as in Go, where the command's words include the name).
    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Rv,
        callee: Callee<'a>,
        sig: &Sig,
        node: NodeRef<'a>,
        name: &str,
        args: &'a [Arg],
        fin: Option<Rv>,
    ) -> Res<Rv> {
        let args = args.get(1..).unwrap_or(&[]);
        let num_in = args.len() + usize::from(fin.is_some());
        let num_fixed = if sig.variadic.is_some() {
            if num_in < sig.params.len() {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.params.len(),
                    args.len()
                )));
            }
            sig.params.len()
        } else {
            if num_in != sig.params.len() {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want {} got {num_in}",
                    sig.params.len()
                )));
            }
            args.len()
        };

        // `and` and `or` evaluate their arguments only until the outcome is known, and
        // return the deciding operand itself.
        if let Callee::Builtin(b @ (Builtin::And | Builtin::Or)) = callee {
            let want = b == Builtin::Or;
            let mut v = Rv::Invalid;
            for arg in args {
                v = self.eval_arg(dot, Some(Type::Reflect), arg)?;
                if v.truth() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = self.validate_type(f, Some(Type::Reflect))?;
            }
            return Ok(v);
        }

        let mut argv: Vec<Rv> = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            let typ = if i < num_fixed { sig.params.get(i).copied() } else { sig.variadic };
            argv.push(self.eval_arg(dot, Some(typ.unwrap_or(Type::Any)), arg)?);
        }
        if let Some(f) = fin {
            let typ = match sig.variadic {
                Some(rest) if num_in > num_fixed => rest,
                _ => sig.params.get(num_in - 1).copied().unwrap_or(Type::Any),
            };
            argv.push(self.validate_type(f, Some(typ))?);
        }

        let result = match callee {
            Callee::Builtin(Builtin::Call) => {
                // Go names the callee by its node's text (or the pipeline value's type).
                let callee_name = match args.first() {
                    Some(a) => a.to_string(),
                    None => argv.first().map_or(String::new(), |v| format!("<{} Value>", v.type_name())),
                };
                builtins::call(&callee_name, &argv).map_err(FuncError::Msg)
            }
            Callee::Builtin(b) => builtins::apply(b, argv).map_err(FuncError::Msg),
            Callee::Host(f) => {
                let values: Vec<Value> = argv.into_iter().map(Rv::into_value).collect();
                (f.body)(self, &values).map(host_result)
            }
            Callee::Method(o) => {
                let values: Vec<Value> = argv.into_iter().map(Rv::into_value).collect();
                o.call_method(name, &values).map(host_result).map_err(FuncError::Msg)
            }
        };
        match result {
            Ok(v) => Ok(v),
            Err(err) => {
                self.at(node);
                Err(self.call_error(name, err))
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn call_error(&self, name: &str, err: FuncError) -> Box<Error> {
        match err {
            FuncError::Msg(m) => self.errorf(format!("error calling {name}: {m}")),
            FuncError::Template(inner) => {
                let mut e = self.errorf(format!("error calling {name}: {}", inner.message));
                // Keep the innermost location: that is where the problem is.
                if inner.location.is_some() {
                    e.location = inner.location;
                }
                if inner.kind == ErrorKind::Limit {
                    e.kind = ErrorKind::Limit;
                }
                e
            }
        }
    }

    /// Go's `validateType`: the value must exist and be assignable to the parameter type.
    fn validate_type(&self, v: Rv, typ: Option<Type>) -> Res<Rv> {
        let Some(t) = typ else { return Ok(v) };
        match &v {
            Rv::Invalid => {
                if matches!(t, Type::Any | Type::Reflect) {
                    Ok(Rv::Invalid)
                } else if can_be_nil(t) {
                    Ok(zero_value(t))
                } else {
                    Err(self.errorf(format!("invalid value; expected {}", t.go_name())))
                }
            }
            Rv::Iface(Value::Nil) => {
                if matches!(t, Type::Any | Type::Reflect) {
                    Ok(v)
                } else {
                    Err(self.errorf(format!("wrong type for value; expected {}; got interface {{}}", t.go_name())))
                }
            }
            Rv::Iface(x) | Rv::Val(x) => {
                if matches!(t, Type::Any | Type::Reflect) || x.static_type() == Some(t) {
                    Ok(v)
                } else {
                    Err(self.errorf(format!("wrong type for value; expected {}; got {}", t.go_name(), x.type_name())))
                }
            }
        }
    }

    /// Go's `evalArg`: evaluates an argument for a parameter of type `typ` (`None`: any,
    /// unchecked), converting constants to the parameter's type.
    fn eval_arg(&mut self, dot: &Rv, typ: Option<Type>, arg: &'a Arg) -> Res<Rv> {
        self.at(NodeRef::Arg(arg));
        match arg {
            Arg::Dot(_) => return self.validate_type(dot.clone(), typ),
            Arg::Nil(_) => {
                let t = typ.unwrap_or(Type::Any);
                if can_be_nil(t) {
                    return Ok(if matches!(t, Type::Any | Type::Reflect) { Rv::Invalid } else { zero_value(t) });
                }
                return Err(self.errorf(format!("cannot assign nil to {}", t.go_name())));
            }
            Arg::Field(f) => {
                let v = self.eval_field_node(dot, arg, f, std::slice::from_ref(arg), None)?;
                return self.validate_type(v, typ);
            }
            Arg::Variable(v) => {
                let v = self.eval_variable_node(dot, arg, v, &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier(id) => {
                let v = self.eval_function(dot, arg, id, None, &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain(c) => {
                let v = self.eval_chain_node(dot, arg, c, &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Bool(_) | Arg::Number(_) | Arg::String(_) => {}
        }
        match typ.unwrap_or(Type::Any) {
            Type::Bool => match arg {
                Arg::Bool(b) => Ok(Rv::Val(Value::Bool(b.value))),
                _ => Err(self.errorf(format!("expected bool; found {arg}"))),
            },
            Type::Float64 => match arg {
                Arg::Number(n) if n.is_float => Ok(Rv::Val(Value::Float(n.float64))),
                _ => Err(self.errorf(format!("expected float; found {arg}"))),
            },
            t @ (Type::Int | Type::Int64) => match arg {
                Arg::Number(n) if n.is_int => {
                    Ok(Rv::Val(if t == Type::Int { Value::Int(n.int64) } else { Value::Int64(n.int64) }))
                }
                _ => Err(self.errorf(format!("expected integer; found {arg}"))),
            },
            Type::String => match arg {
                Arg::String(s) => Ok(Rv::Val(Value::String(s.text.clone()))),
                _ => Err(self.errorf(format!("expected string; found {arg}"))),
            },
            Type::Any | Type::Reflect => match arg {
                Arg::Bool(b) => Ok(Rv::Val(Value::Bool(b.value))),
                Arg::Number(n) => self.ideal_constant(arg, n),
                Arg::String(s) => Ok(Rv::Val(Value::String(s.text.clone()))),
                _ => Err(self.errorf(format!("can't handle assignment of {arg} to empty interface argument"))),
            },
            t => Err(self.errorf(format!("can't handle {arg} for arg of type {}", t.go_name()))),
        }
    }

    /// Runs `tree` of `set` as a new execution (Go's `Execute` called from a function), with
    /// its own output, and returns that output.
    fn run_nested<'b>(&mut self, set: SetView<'b>, tree: &'b Tree, data: Value) -> Result<String, Error>
    where
        'a: 'b,
    {
        if self.depth >= self.opts.max_depth {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "template: {}: exceeded maximum template depth ({})",
                    tree.name, self.opts.max_depth
                ),
                None,
            ));
        }
        if self.nesting + 1 > self.opts.max_nesting {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "template: {}: exceeded maximum nesting depth ({})",
                    tree.name, self.opts.max_nesting
                ),
                None,
            ));
        }
        let mut inner = State::new(set, self.opts, tree, self.depth + 1, self.map.is_some());
        inner.nesting = self.nesting + 1;
        inner.steps = self.steps;
        let result = with_stack(|| inner.run(Rv::concrete(data)));
        self.steps = inner.steps;
        result.map_err(|e| *e)?;
        if let Some(map) = &mut self.map {
            let caller_source = map.source_index(self.tree);
            let caller_pos = self.node.map_or(0, |node| node.pos());
            let nested_map = inner.map.take().unwrap_or_default();
            map.nested.push(NestedRun {
                caller_source,
                caller_pos,
                caller_output_at: self.out.len(),
                output: inner.out.clone(),
                map: nested_map,
            });
        }
        Ok(inner.out)
    }
}

/// Go's `complex128`, which only a complex constant (`{{ 1+2i }}`) produces in templates;
/// the value model has no complex kind, so it is an object that prints as Go does.
struct Complex128 {
    re: f64,
    im: f64,
}

impl Object for Complex128 {
    fn type_name(&self) -> &str {
        "complex128"
    }

    fn format_v(&self) -> String {
        gofmt::sprintf("(%g%+gi)", &[Value::Float(self.re), Value::Float(self.im)])
    }

    fn truth(&self) -> bool {
        self.re != 0.0 || self.im != 0.0
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What a host function or method returned: a nil is a nil `interface {}` (the usual
/// declared result type of functions that can return nothing).
fn host_result(v: Value) -> Rv {
    if v.is_nil() {
        Rv::Iface(Value::Nil)
    } else {
        Rv::Val(v)
    }
}

impl CallContext for State<'_> {
    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error> {
        let set = self.set;
        let tree = set.lookup(name).ok_or_else(|| no_template_error(name, &set.base.name))?;
        self.run_nested(set, tree, data)
    }

    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error> {
        let set = self.set;
        let trees = parse_with_funcs(set.funcs(), name, Arc::from(text))?;
        let mut layer = Layer { trees: HashMap::new(), below: set.layers };
        // Go runs the new template's own tree even when, being empty, it does not replace
        // the set's template of that name (AddParseTree keeps `nt.Tree` when it was nil).
        let mut top: Option<Arc<Tree>> = None;
        for tree in trees {
            let tree = Arc::new(tree);
            if top.is_none() && tree.name == name {
                top = Some(tree.clone());
            }
            let key: Str = tree.name.as_str().into();
            if parse::is_empty_tree(&tree.root)
                && (layer.trees.contains_key(&key) || set.lookup(&key).is_some())
            {
                continue;
            }
            layer.trees.insert(key, tree);
        }
        let view = SetView { base: set.base, layers: Some(&layer) };
        let tree = match &top {
            Some(tree) => &**tree,
            None => view.lookup(name).ok_or_else(|| no_template_error(name, &set.base.name))?,
        };
        self.run_nested(view, tree, data)
    }

    fn template_name(&self) -> &str {
        &self.tree.name
    }
}

/// A location for callers that build their own errors.
pub fn location_of(tree: &Tree, pos: Pos) -> Location {
    parse::location(&tree.parse_name, &tree.source, pos)
}
