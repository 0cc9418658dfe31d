//! The parser of Go's `text/template` (Go 1.25 `text/template/parse`): template text to
//! [`ast::Tree`]s, with Go's positions, Go's parse-time checks (undefined variables and
//! functions, `break` outside `range`, ...) and Go's error messages, byte for byte.
//!
//! The parser mirrors Go's structure closely on purpose: Go reports the line of the most
//! recently *lexed* item (`t.token[0]`), so reproducing its messages needs the same
//! three-item look-ahead buffer, read in the same order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::ast::{
    ActionNode, Arg, BoolNode, BranchNode, ChainNode, CommandNode, CommentNode, ControlNode, FieldNode,
    IdentifierNode, ListNode, Node, NumberNode, PipeNode, Pos, SourceText, StringNode, TemplateNode, TextNode, Tree,
    VariableNode,
};
use crate::error::{Error, ErrorKind, Location};
use crate::lex::{go_quote, Item, ItemType, LexOptions, Lexer};
use crate::value::Str;

/// How to parse.
pub struct ParseOptions<'a> {
    /// Is `name` a defined function? Go's parser rejects unknown functions at parse time
    /// with `function "foo" not defined`. The executor passes builtins + FuncMap names.
    pub is_func: &'a dyn Fn(&str) -> bool,
    /// Go's SkipFuncCheck mode (no function check) when true.
    pub skip_func_check: bool,
}

/// How deeply `if`/`range`/`with`/`block` actions (an `else if` counts as one more level)
/// and parenthesized pipelines may nest, all counted together.
///
/// Go caps only parentheses, at 10000 natively (`maxStackDepth`, "max expression depth
/// exceeded") and 1000 on WebAssembly, and leaves control nesting to its growable stacks.
/// Here the parser, the executor and the trees' destructors recurse once per level on a
/// fixed stack (1 MiB by default on wasm32; test threads have 2 MiB; a debug build uses
/// some 16 KiB per level), so the cap is far lower. Real charts nest a dozen levels at most.
pub const MAX_NESTING_DEPTH: usize = 100;

/// Parses one source text named `name`. Returns the top-level tree (named `name`) first,
/// then every `{{define}}`/`{{block}}` tree found in it, in source order.
///
/// Within one text Go rejects two non-empty definitions of the same name ("multiple
/// definition of template"); that error is raised here. Every tree is returned, empty ones
/// included: applying Go's rule "an empty tree does not replace a non-empty one" while
/// adding them in order (see [`is_empty_tree`]) gives Go's template set.
pub fn parse(name: &str, text: &str, opts: &ParseOptions) -> Result<Vec<Tree>, Error> {
    parse_with_delims(name, text, opts, "{{", "}}")
}

/// [`parse`] of a source the caller already holds shared: the trees' text nodes point into
/// it rather than copying it.
pub fn parse_source(name: &str, source: Arc<str>, opts: &ParseOptions) -> Result<Vec<Tree>, Error> {
    parse_source_with_delims(name, source, opts, "{{", "}}")
}

/// [`parse`] with custom action delimiters (Go's `Template.Delims`); empty means default.
pub fn parse_with_delims(
    name: &str,
    text: &str,
    opts: &ParseOptions,
    left_delim: &str,
    right_delim: &str,
) -> Result<Vec<Tree>, Error> {
    parse_source_with_delims(name, Arc::from(text), opts, left_delim, right_delim)
}

/// [`parse_source`] with custom action delimiters.
pub fn parse_source_with_delims(
    name: &str,
    source: Arc<str>,
    opts: &ParseOptions,
    left_delim: &str,
    right_delim: &str,
) -> Result<Vec<Tree>, Error> {
    let text: &str = &source;
    // Go makes `break`/`continue` ordinary identifiers when functions of those names exist.
    let lex_options = LexOptions {
        break_ok: !(opts.is_func)("break"),
        continue_ok: !(opts.is_func)("continue"),
        left_delim,
        right_delim,
    };
    let right_delim = if right_delim.is_empty() { "}}" } else { right_delim };
    let mut parser = Parser {
        lex: Lexer::new(text, lex_options),
        text,
        source: source.clone(),
        parse_name: name,
        opts,
        right_delim_len: right_delim.len(),
        st: TreeState::new(),
        trees: Vec::new(),
        non_empty: HashMap::new(),
        nesting: 0,
        last_delim_end: 0,
        // A file has about one distinct short string per 200 bytes: sized up front, the
        // table is not rebuilt as it grows.
        interned: Interner::with_capacity((16 + text.len() / 128).min(1024)),
        scratch: Scratch::default(),
    };
    let root = parser.parse_top()?;
    parser.add(name, &root, None)?;
    let top = Tree { name: name.to_string(), parse_name: name.to_string(), source: parser.source.clone(), root };
    let mut trees = Vec::with_capacity(parser.trees.len() + 1);
    trees.push(top);
    trees.append(&mut parser.trees);
    Ok(trees)
}

/// Go's `parse.IsEmptyTree`: true when the list holds only whitespace text and comments.
pub fn is_empty_tree(list: &ListNode) -> bool {
    list.nodes.iter().all(|node| match node {
        Node::Text(t) => t.text.trim().is_empty(),
        Node::Comment(_) => true,
        _ => false,
    })
}

/// Where byte offset `pos` of `text` is, the way Go's `ErrorContext` counts: 1-based line,
/// and the column as the number of bytes since the last newline before `pos`.
pub fn location(source_name: &str, text: &str, pos: Pos) -> Location {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &text.as_bytes()[..pos];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => pos - (nl + 1),
        None => pos,
    };
    Location { source: source_name.to_string(), line, col, offset: pos }
}

/// The per-tree parsing state Go keeps in each `Tree` while parsing it (the top-level text,
/// each `define` and each `block` body get their own).
struct TreeState<'a> {
    /// Go's three-item look-ahead; `token[0]` is always the item most recently lexed.
    token: [Item<'a>; 3],
    peek_count: usize,
    /// Variables in scope.
    vars: Vec<&'a str>,
    /// Line of the `{{` of the action being parsed, 0 when none (for lexer errors).
    action_line: usize,
    range_depth: usize,
    /// Nesting of parenthesized pipelines.
    stack_depth: usize,
}

impl<'a> TreeState<'a> {
    fn new() -> TreeState<'a> {
        TreeState {
            token: [Item::zero(), Item::zero(), Item::zero()],
            peek_count: 0,
            vars: vec!["$"],
            action_line: 0,
            range_depth: 0,
            stack_depth: 0,
        }
    }
}

/// What parsing one text-or-action produced: a node, or the `{{end}}`/`{{else}}` that ends
/// the enclosing list.
enum Parsed {
    Node(Node),
    Ends(ListEnd),
}

/// The action that ends a list (Go's `endNode` and `elseNode`, never put in a tree).
enum ListEnd {
    /// `{{end}}`; `end` is the offset just past its right delimiter.
    End { end: Pos },
    /// `{{else}}` (or the `else` of `{{else if ...}}`).
    Else { pos: Pos },
}

impl fmt::Display for ListEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListEnd::End { .. } => f.write_str("{{end}}"),
            ListEnd::Else { .. } => f.write_str("{{else}}"),
        }
    }
}

/// Which control structure `parse_control` parses (Go passes its name as "context").
#[derive(Clone, Copy, PartialEq, Eq)]
enum Control {
    If,
    Range,
    With,
}

impl Control {
    fn context(self) -> &'static str {
        match self {
            Control::If => "if",
            Control::Range => "range",
            Control::With => "with",
        }
    }
}

struct Parser<'a, 'o> {
    lex: Lexer<'a>,
    text: &'a str,
    source: Arc<str>,
    parse_name: &'a str,
    opts: &'o ParseOptions<'o>,
    right_delim_len: usize,
    st: TreeState<'a>,
    /// `define`/`block` trees, in source order.
    trees: Vec<Tree>,
    /// For each name defined so far: is the tree Go's set holds under it non-empty?
    non_empty: HashMap<String, bool>,
    /// Current nesting of control structures and parentheses (see [`MAX_NESTING_DEPTH`]).
    nesting: usize,
    /// Offset just past the right delimiter that ended the last action pipeline.
    last_delim_end: Pos,
    /// One shared copy of each short string of the file (names, fields, indentation text):
    /// templates repeat them thousands of times, and one allocation each was most of the
    /// parser's allocations.
    interned: Interner,
    /// Reused buffers for building node lists, so each finished list is allocated once at
    /// its exact size (see [`exact`]).
    scratch: Scratch,
}

/// Stacks of spare buffers, one per element type; nested lists (a pipeline inside an
/// argument, an `if` inside a list) each take their own.
#[derive(Default)]
struct Scratch {
    nodes: Vec<Vec<Node>>,
    cmds: Vec<Vec<CommandNode>>,
    args: Vec<Vec<Arg>>,
    names: Vec<Vec<Str>>,
}

/// Moves `buf`'s elements into a new vector of exactly their number and hands the emptied
/// buffer back to `pool`. A vector grown by pushing has up to twice the room it needs, and
/// the parser's output stays alive for the whole render.
fn exact<T>(pool: &mut Vec<Vec<T>>, mut buf: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(buf.len());
    out.append(&mut buf);
    pool.push(buf);
    out
}

/// Strings longer than this are not worth looking up: they rarely repeat.
const MAX_INTERNED_LEN: usize = 48;

/// One shared copy of each short string of a file. A table made for the parser's keys
/// (short, slices of one source, never removed): open addressing with linear probing over
/// a power-of-two number of slots kept at most half full, and a hash and a comparison that
/// read the bytes a word at a time. A general hash map spent as much time on these lookups
/// as the lexer on the whole action.
struct Interner {
    slots: Vec<Option<InternSlot>>,
    len: usize,
}

struct InternSlot {
    hash: u64,
    text: Str,
    /// For function names: is the function defined? (Asked of [`ParseOptions::is_func`]
    /// once per name: templates call a few functions many times.)
    is_func: Option<bool>,
}

impl Interner {
    /// A table with room for about `entries` strings before it grows.
    fn with_capacity(entries: usize) -> Interner {
        let slots = (entries * 2).next_power_of_two().max(16);
        Interner { slots: (0..slots).map(|_| None).collect(), len: 0 }
    }

    /// The slot of `key`, filled on first use.
    fn slot(&mut self, key: &str) -> &mut InternSlot {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = hash_short(key.as_bytes());
        let mask = self.slots.len() - 1;
        let mut i = slot_index(hash, mask);
        loop {
            match &self.slots[i] {
                Some(slot) if slot.hash == hash && same_bytes(slot.text.as_bytes(), key.as_bytes()) => break,
                Some(_) => i = (i + 1) & mask,
                None => break,
            }
        }
        // `i` is the key's slot, or the empty one where it goes.
        let len = &mut self.len;
        self.slots[i].get_or_insert_with(|| {
            *len += 1;
            InternSlot { hash, text: Str::from(key), is_func: None }
        })
    }

    /// Doubles the number of slots.
    #[cold]
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = (0..old.len() * 2).map(|_| None).collect();
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().flatten() {
            let mut i = slot_index(slot.hash, mask);
            while self.slots[i].is_some() {
                i = (i + 1) & mask;
            }
            self.slots[i] = Some(slot);
        }
    }
}

fn slot_index(hash: u64, mask: usize) -> usize {
    // The multiply in the hash mixes every input bit into the high half.
    (hash >> 32) as usize & mask
}

const HASH_SEED: u64 = 0x517c_c1b7_2722_0a95;

/// A hash of a short byte string, a word at a time (the last word overlapping the one
/// before it); not meant to resist chosen collisions, which a per-file table need not.
fn hash_short(bytes: &[u8]) -> u64 {
    let mix = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(HASH_SEED);
    let n = bytes.len();
    let hash = (n as u64).wrapping_mul(HASH_SEED);
    if n >= 8 {
        let mut hash = hash;
        let mut i = 0;
        while i + 8 < n {
            hash = mix(hash, read_u64(bytes, i));
            i += 8;
        }
        mix(hash, read_u64(bytes, n - 8))
    } else if n >= 4 {
        mix(hash, (u64::from(read_u32(bytes, 0)) << 32) | u64::from(read_u32(bytes, n - 4)))
    } else if n > 0 {
        mix(hash, (u64::from(bytes[0]) << 16) | (u64::from(bytes[n / 2]) << 8) | u64::from(bytes[n - 1]))
    } else {
        hash
    }
}

/// `a == b`, a word at a time, for short strings (no call to `memcmp`).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if read_u64(a, i) != read_u64(b, i) {
                return false;
            }
            i += 8;
        }
        read_u64(a, n - 8) == read_u64(b, n - 8)
    } else if n >= 4 {
        read_u32(a, 0) == read_u32(b, 0) && read_u32(a, n - 4) == read_u32(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

type PResult<T> = Result<T, Error>;

impl<'a> Parser<'a, '_> {
    /// `text` as a shared string: one allocation per distinct short string of the file.
    fn intern(&mut self, text: &'a str) -> Str {
        if text.len() > MAX_INTERNED_LEN {
            return Str::from(text);
        }
        self.interned.slot(text).text.clone()
    }

    /// A function name, interned, after Go's check that the function is defined.
    fn function_name(&mut self, name: &'a str) -> PResult<Str> {
        let check = !self.opts.skip_func_check;
        let is_func = self.opts.is_func;
        let (text, defined) = if name.len() > MAX_INTERNED_LEN {
            (Str::from(name), !check || is_func(name))
        } else {
            let entry = self.interned.slot(name);
            let defined = !check || *entry.is_func.get_or_insert_with(|| is_func(name));
            (entry.text.clone(), defined)
        };
        if !defined {
            return Err(self.error(format_args!("function {} not defined", go_quote(name))));
        }
        Ok(text)
    }

    /// A text item as a slice of the shared source.
    fn source_text(&self, item: &Item<'a>) -> SourceText {
        SourceText::new(self.source.clone(), item.pos..item.end())
    }

    // ----- errors -----

    /// Go's `errorf`: `template: NAME:LINE: MESSAGE`, LINE being that of the last item lexed.
    #[cold]
    #[inline(never)]
    fn error(&self, message: impl fmt::Display) -> Error {
        let item = &self.st.token[0];
        self.error_at(item.line, item.pos, message)
    }

    #[cold]
    #[inline(never)]
    fn error_at(&self, line: usize, pos: Pos, message: impl fmt::Display) -> Error {
        Error::new(
            ErrorKind::Parse,
            format!("template: {}:{}: {}", self.parse_name, line, message),
            Some(location(self.parse_name, self.text, pos)),
        )
    }

    /// Go's `unexpected`: lexer errors are reported as themselves, with where their action
    /// started when that was on another line.
    #[cold]
    #[inline(never)]
    fn unexpected(&self, item: &Item<'a>, context: &str) -> Error {
        if item.typ == ItemType::Error {
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != item.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.st.action_line);
                if self.lex.error_message().ends_with(" action") {
                    // Avoid "unclosed action in action started at".
                    extra.replace_range(.." in action".len(), "");
                }
            }
            return self.error(format_args!("{}{extra}", self.lex.error_message()));
        }
        self.error(format_args!("unexpected {item} in {context}"))
    }

    fn enter_nesting(&mut self) -> PResult<()> {
        if self.nesting >= MAX_NESTING_DEPTH {
            return Err(self.error(format_args!(
                "max nesting depth exceeded: more than {MAX_NESTING_DEPTH} nested if/range/with/block actions and parenthesized pipelines"
            )));
        }
        self.nesting += 1;
        Ok(())
    }

    // ----- look-ahead (Go's next/backup/peek) -----

    fn next(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
        } else {
            self.st.token[0] = self.lex.next_item();
        }
        self.st.token[self.st.peek_count]
    }

    fn backup(&mut self) {
        self.st.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.token[2] = t2;
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            return self.st.token[self.st.peek_count - 1];
        }
        self.st.peek_count = 1;
        self.st.token[0] = self.lex.next_item();
        self.st.token[0]
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let item = self.next();
            if item.typ != ItemType::Space {
                return item;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let item = self.next_non_space();
        self.backup();
        item
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item<'a>> {
        let item = self.next_non_space();
        if item.typ != expected {
            return Err(self.unexpected(&item, context));
        }
        Ok(item)
    }

    // ----- trees -----

    /// Go's `Tree.add` within one parse: a second non-empty definition of a name is an
    /// error. `block_state` is the state whose last item dates the error (Go uses the tree
    /// being added); `None` means the current one.
    fn add(&mut self, name: &str, root: &ListNode, block_state: Option<&TreeState<'a>>) -> PResult<()> {
        let non_empty = !is_empty_tree(root);
        match self.non_empty.get(name) {
            Some(true) => {
                if non_empty {
                    let message = format_args!("template: multiple definition of template {}", go_quote(name));
                    return Err(match block_state {
                        Some(st) => self.error_at(st.token[0].line, st.token[0].pos, message),
                        None => self.error(message),
                    });
                }
            }
            _ => {
                self.non_empty.insert(name.to_string(), non_empty);
            }
        }
        Ok(())
    }

    fn new_tree(&self, name: &str, root: ListNode) -> Tree {
        Tree { name: name.to_string(), parse_name: self.parse_name.to_string(), source: self.source.clone(), root }
    }

    /// Go's `parse`: the top-level list, which may also hold `{{define}}`s.
    fn parse_top(&mut self) -> PResult<ListNode> {
        let pos = self.peek().pos;
        let mut nodes = self.scratch.nodes.pop().unwrap_or_default();
        let result = self.parse_top_into(&mut nodes);
        let root = ListNode { pos, nodes: exact(&mut self.scratch.nodes, nodes) };
        result.map(|()| root)
    }

    fn parse_top_into(&mut self, nodes: &mut Vec<Node>) -> PResult<()> {
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let outer = std::mem::replace(&mut self.st, TreeState::new());
                    let result = self.parse_definition();
                    self.st = outer;
                    result?;
                    continue;
                }
                self.backup2(delim);
            }
            let item = self.next_non_space();
            match self.text_or_action(item)? {
                Parsed::Node(n) => nodes.push(n),
                Parsed::Ends(end) => return Err(self.error(format_args!("unexpected {end}"))),
            }
        }
        Ok(())
    }

    /// `{{define "name"}} ... {{end}}`; the `define` keyword has been read.
    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let name_item = self.next_non_space();
        if !matches!(name_item.typ, ItemType::String | ItemType::RawString) {
            return Err(self.unexpected(&name_item, CONTEXT));
        }
        let name = unquote(name_item.val).map_err(|e| self.error(e))?;
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, ListEnd::End { .. }) {
            return Err(self.error(format_args!("unexpected {end} in {CONTEXT}")));
        }
        self.add(&name, &root, None)?;
        let tree = self.new_tree(&name, root);
        self.trees.push(tree);
        Ok(())
    }

    /// Go's `itemList`: text and actions up to an `{{end}}` or `{{else}}`, returned apart.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn item_list(&mut self) -> PResult<(ListNode, ListEnd)> {
        let pos = self.peek_non_space().pos;
        let mut nodes = self.scratch.nodes.pop().unwrap_or_default();
        let result = self.item_list_into(&mut nodes);
        let nodes = exact(&mut self.scratch.nodes, nodes);
        result.map(|end| (ListNode { pos, nodes }, end))
    }

    fn item_list_into(&mut self, nodes: &mut Vec<Node>) -> PResult<ListEnd> {
        loop {
            let item = self.next_non_space();
            if item.typ == ItemType::Eof {
                return Err(self.error("unexpected EOF"));
            }
            match self.text_or_action(item)? {
                Parsed::Node(n) => nodes.push(n),
                Parsed::Ends(end) => return Ok(end),
            }
        }
    }

    /// Go's `textOrAction`; `item` is the next non-space item, already read.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn text_or_action(&mut self, item: Item<'a>) -> PResult<Parsed> {
        match item.typ {
            ItemType::Text => {
                let end = item.end();
                let text = self.source_text(&item);
                Ok(Parsed::Node(Node::Text(TextNode { pos: item.pos, end, text })))
            }
            ItemType::LeftDelim => {
                self.st.action_line = item.line;
                let result = self.action();
                self.st.action_line = 0;
                result
            }
            ItemType::Comment => {
                // The comment's right delimiter (and trim marker) follow its text.
                let end = self.comment_end(item.end());
                Ok(Parsed::Node(Node::Comment(CommentNode { pos: item.pos, end, text: Str::from(item.val) })))
            }
            _ => Err(self.unexpected(&item, "input")),
        }
    }

    /// The offset just past the `}}` of a comment whose `*/` ends at `after_text`.
    fn comment_end(&self, after_text: Pos) -> Pos {
        let rest = &self.text.as_bytes()[after_text.min(self.text.len())..];
        let marker = if rest.len() >= 2 && matches!(rest[0], b' ' | b'\t' | b'\r' | b'\n') && rest[1] == b'-' {
            2
        } else {
            0
        };
        (after_text + marker + self.right_delim_len).min(self.text.len())
    }

    /// Go's `action`: the left delimiter has been read.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn action(&mut self) -> PResult<Parsed> {
        let item = self.next_non_space();
        match item.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => return self.break_or_continue(&item).map(Parsed::Node),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                let delim = self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::Ends(ListEnd::End { end: delim.end() }));
            }
            ItemType::If => return self.parse_control(Control::If).map(Parsed::Node),
            ItemType::Range => return self.parse_control(Control::Range).map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.parse_control(Control::With).map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let first = item;
        // Variables declared here persist until the enclosing {{end}}.
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action(ActionNode {
            pos: first.pos,
            end: self.last_delim_end,
            line: first.line,
            pipe,
        })))
    }

    fn break_or_continue(&mut self, keyword: &Item<'a>) -> PResult<Node> {
        let is_break = keyword.typ == ItemType::Break;
        let what = if is_break { "{{break}}" } else { "{{continue}}" };
        let delim = self.next_non_space();
        if delim.typ != ItemType::RightDelim {
            return Err(self.unexpected(&delim, what));
        }
        if self.st.range_depth == 0 {
            return Err(self.error(format_args!("{what} outside {{{{range}}}}")));
        }
        let node = ControlNode { pos: keyword.pos, end: delim.end(), line: keyword.line };
        Ok(if is_break { Node::Break(node) } else { Node::Continue(node) })
    }

    /// Go's `elseControl`. `{{else if ...}}` and `{{else with ...}}` leave the `if`/`with`
    /// pending, to be read as a nested control by `parse_control`.
    fn else_control(&mut self) -> PResult<Parsed> {
        let peeked = self.peek_non_space();
        if matches!(peeked.typ, ItemType::If | ItemType::With) {
            return Ok(Parsed::Ends(ListEnd::Else { pos: peeked.pos }));
        }
        let delim = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Ends(ListEnd::Else { pos: delim.pos }))
    }

    /// `if`, `range` and `with`: the keyword has been read.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn parse_control(&mut self, control: Control) -> PResult<Node> {
        self.enter_nesting()?;
        let vars_before = self.st.vars.len();
        let result = self.parse_control_body(control);
        self.st.vars.truncate(vars_before);
        self.nesting -= 1;
        let (pipe, list, else_list, end) = result?;
        let branch = Box::new(BranchNode { pos: pipe.pos, end, line: pipe.line, pipe, list, else_list });
        Ok(match control {
            Control::If => Node::If(branch),
            Control::Range => Node::Range(branch),
            Control::With => Node::With(branch),
        })
    }

    #[allow(clippy::type_complexity)]
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn parse_control_body(&mut self, control: Control) -> PResult<(PipeNode, ListNode, Option<ListNode>, Pos)> {
        let context = control.context();
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if control == Control::Range {
            self.st.range_depth += 1;
        }
        let listed = self.item_list();
        if control == Control::Range {
            self.st.range_depth -= 1;
        }
        let (list, next) = listed?;
        let (else_list, end) = match next {
            ListEnd::End { end } => (None, end),
            ListEnd::Else { pos } => {
                // `{{if a}}x{{else if b}}y{{end}}` is `{{if a}}x{{else}}{{if b}}y{{end}}{{end}}`
                // with the second {{end}} implied; same for `with`.
                let chained = match control {
                    Control::If if self.peek().typ == ItemType::If => Some(Control::If),
                    Control::With if self.peek().typ == ItemType::With => Some(Control::With),
                    _ => None,
                };
                if let Some(inner) = chained {
                    self.next();
                    let node = self.parse_control(inner)?;
                    let end = match &node {
                        Node::If(b) | Node::With(b) | Node::Range(b) => b.end,
                        _ => pos,
                    };
                    (Some(ListNode { pos, nodes: vec![node] }), end)
                } else {
                    let (else_list, next) = self.item_list()?;
                    match next {
                        ListEnd::End { end } => (Some(else_list), end),
                        other => return Err(self.error(format_args!("expected end; found {other}"))),
                    }
                }
            }
        };
        Ok((pipe, list, else_list, end))
    }

    /// `{{block "name" pipeline}} ... {{end}}`: a `define` plus a `template` call.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let name_item = self.next_non_space();
        let name = self.parse_template_name(&name_item, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;

        self.enter_nesting()?;
        let outer = std::mem::replace(&mut self.st, TreeState::new());
        let listed = self.item_list();
        let block_state = std::mem::replace(&mut self.st, outer);
        self.nesting -= 1;
        let (root, end) = listed?;
        let end_pos = match end {
            ListEnd::End { end } => end,
            other => return Err(self.error(format_args!("unexpected {other} in {CONTEXT}"))),
        };
        self.add(&name, &root, Some(&block_state))?;
        let tree = self.new_tree(&name, root);
        self.trees.push(tree);
        Ok(Node::Template(Box::new(TemplateNode {
            pos: name_item.pos,
            end: end_pos,
            line: name_item.line,
            name: Str::from(&*name),
            pipe: Some(pipe),
        })))
    }

    /// `{{template "name" [pipeline]}}`.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let name_item = self.next_non_space();
        let name = self.parse_template_name(&name_item, CONTEXT)?;
        let after = self.next_non_space();
        let (pipe, end) = if after.typ != ItemType::RightDelim {
            self.backup();
            let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
            (Some(pipe), self.last_delim_end)
        } else {
            (None, after.end())
        };
        Ok(Node::Template(Box::new(TemplateNode {
            pos: name_item.pos,
            end,
            line: name_item.line,
            name: Str::from(&*name),
            pipe,
        })))
    }

    fn parse_template_name(&self, item: &Item<'a>, context: &str) -> PResult<Cow<'a, str>> {
        match item.typ {
            ItemType::String | ItemType::RawString => unquote(item.val).map_err(|e| self.error(e)),
            _ => Err(self.unexpected(item, context)),
        }
    }

    /// Go's `pipeline`: optional declarations, then commands separated by `|`, up to `end`.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<PipeNode> {
        let first = self.peek_non_space();
        let mut pipe = PipeNode { pos: first.pos, line: first.line, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        let mut cmds = self.scratch.cmds.pop().unwrap_or_default();
        let result = self.pipeline_into(&mut pipe, &mut cmds, context, end, first);
        pipe.cmds = exact(&mut self.scratch.cmds, cmds);
        result?;
        self.check_pipeline(&pipe, context)?;
        Ok(pipe)
    }

    /// The body of [`Parser::pipeline`], collecting commands into `cmds`. `first` is the
    /// pipeline's first item, which the caller has read and put back.
    fn pipeline_into(
        &mut self,
        pipe: &mut PipeNode,
        cmds: &mut Vec<CommandNode>,
        context: &str,
        end: ItemType,
        first: Item<'a>,
    ) -> PResult<()> {
        // Declarations or assignments? `v` is the next non-space item, read and put back.
        let mut v = first;
        while v.typ == ItemType::Variable {
            self.next();
            // "$x foo" needs three items of look-ahead to see that $x is an argument, so
            // keep the item right after the variable to push it back.
            let after_variable = self.peek();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    let node = self.variable_node(v.pos, v.val);
                    pipe.decl.push(node);
                    self.st.vars.push(v.val);
                }
                ItemType::Char if next.val == "," => {
                    self.next_non_space();
                    let node = self.variable_node(v.pos, v.val);
                    pipe.decl.push(node);
                    self.st.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        let second = self.peek_non_space();
                        match second.typ {
                            // The second variable of `range $i, $e :=`.
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                v = second;
                                continue;
                            }
                            _ => return Err(self.error("range can only initialize variables")),
                        }
                    }
                    return Err(self.error(format_args!("too many declarations in {context}")));
                }
                _ if after_variable.typ == ItemType::Space => self.backup3(v, after_variable),
                _ => self.backup2(v),
            }
            break;
        }
        loop {
            let item = self.next_non_space();
            match item.typ {
                t if t == end => {
                    if end == ItemType::RightDelim {
                        self.last_delim_end = item.end();
                    }
                    return Ok(());
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command(item.pos)?;
                    cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&item, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &PipeNode, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.error(format_args!("missing value for {context}")));
        }
        // Only the first command may start with a non-executable operand.
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args.first(),
                Some(Arg::Bool(_) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(_) | Arg::String(_))
            ) {
                return Err(self.error(format_args!("non executable command in pipeline stage {}", i + 1)));
            }
        }
        Ok(())
    }

    /// Go's `command`: space-separated operands up to `|` (consumed) or a right delimiter
    /// or parenthesis (left for the caller). `pos` is that of its first operand, which the
    /// caller has read and put back.
    // Kept out of line so that each level of recursion has a small stack frame.
    #[inline(never)]
    fn command(&mut self, pos: Pos) -> PResult<CommandNode> {
        let mut args = self.scratch.args.pop().unwrap_or_default();
        let result = self.command_into(&mut args);
        let cmd = CommandNode { pos, args: exact(&mut self.scratch.args, args) };
        result?;
        if cmd.args.is_empty() {
            return Err(self.error("empty command"));
        }
        Ok(cmd)
    }

    /// The body of [`Parser::command`], collecting operands into `args`.
    fn command_into(&mut self, args: &mut Vec<Arg>) -> PResult<()> {
        loop {
            // Go peeks past spaces here, which `term` does anyway: the same items are lexed.
            if let Some(operand) = self.operand()? {
                args.push(operand);
            }
            let item = self.next();
            match item.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&item, "operand")),
            }
            break;
        }
        Ok(())
    }

    /// Go's `operand`: a term, possibly followed by `.Field`s. (The fields after a `.Field`
    /// or `$x` term are read by [`Parser::term`], which builds the whole name list at once.)
    // Only `command` calls it.
    #[inline(always)]
    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        // Go positions the whole chain at its first field after the term.
        let chain_pos = self.peek().pos;
        let mut fields: Vec<Str> = Vec::new();
        while self.peek().typ == ItemType::Field {
            let field = self.next();
            fields.push(self.intern_field(field.val));
        }
        Ok(Some(match node {
            // (`term` has already chained the fields of these two; kept for completeness.)
            Arg::Field(mut f) => {
                f.ident.extend(fields);
                Arg::Field(FieldNode { pos: chain_pos, ident: f.ident })
            }
            Arg::Variable(mut v) => {
                v.ident.extend(fields);
                Arg::Variable(VariableNode { pos: chain_pos, ident: v.ident })
            }
            Arg::Bool(_) | Arg::String(_) | Arg::Number(_) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.error(format_args!("unexpected . after term {}", go_quote(&node.to_string()))));
            }
            other => Arg::Chain(ChainNode { pos: chain_pos, node: Box::new(other), field: fields }),
        }))
    }

    /// Go's `term`: a literal, function name, `.`, `.Field`, `$x` or `(pipeline)`; `None`
    /// when the next item is none of these.
    // Only `operand` calls it.
    #[inline(always)]
    fn term(&mut self) -> PResult<Option<Arg>> {
        let item = self.next_non_space();
        let arg = match item.typ {
            ItemType::Identifier => {
                let name = self.function_name(item.val)?;
                Arg::Identifier(IdentifierNode { pos: item.pos, name })
            }
            ItemType::Dot => Arg::Dot(item.pos),
            ItemType::Nil => Arg::Nil(item.pos),
            ItemType::Variable => {
                let name = item.val;
                if !self.st.vars.iter().any(|v| *v == name) {
                    return Err(self.error(format_args!("undefined variable {}", go_quote(name))));
                }
                let mut ident = self.scratch.names.pop().unwrap_or_default();
                ident.extend(item.val.split('.').map(|part| self.intern(part)));
                let pos = self.chain_fields(&mut ident).unwrap_or(item.pos);
                Arg::Variable(VariableNode { pos, ident: exact(&mut self.scratch.names, ident) })
            }
            ItemType::Field => {
                let mut ident = self.scratch.names.pop().unwrap_or_default();
                ident.push(self.intern_field(item.val));
                let pos = self.chain_fields(&mut ident).unwrap_or(item.pos);
                Arg::Field(FieldNode { pos, ident: exact(&mut self.scratch.names, ident) })
            }
            ItemType::Bool => Arg::Bool(BoolNode { pos: item.pos, value: item.val == "true" }),
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                Arg::Number(new_number(item.pos, item.val, item.typ).map_err(|e| self.error(e))?)
            }
            ItemType::LeftParen => {
                // Go's own message, for the parenthesized-pipeline part of our limit.
                if self.st.stack_depth >= MAX_NESTING_DEPTH {
                    return Err(self.error("max expression depth exceeded"));
                }
                self.enter_nesting()?;
                self.st.stack_depth += 1;
                let pipe = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.st.stack_depth -= 1;
                self.nesting -= 1;
                Arg::Pipe(Box::new(pipe?))
            }
            ItemType::String | ItemType::RawString => {
                let text = unquote(item.val).map_err(|e| self.error(e))?;
                let quoted = self.intern(item.val);
                // Without escapes the text is the quoted form's inside: share it too.
                let text = match text {
                    Cow::Borrowed(inside) => self.intern(inside),
                    Cow::Owned(text) => Str::from(text),
                };
                Arg::String(StringNode { pos: item.pos, quoted, text })
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }
}

impl<'a> Parser<'a, '_> {
    fn variable_node(&mut self, pos: Pos, name: &'a str) -> VariableNode {
        let ident = name.split('.').map(|part| self.intern(part)).collect();
        VariableNode { pos, ident }
    }

    /// Go's `operand` for a `.Field` or `$x` term: appends the `.Field`s that follow the
    /// term to its names. Returns the position of the first (Go positions the node there),
    /// `None` when there are none.
    fn chain_fields(&mut self, names: &mut Vec<Str>) -> Option<Pos> {
        let first = self.peek();
        let mut field = first;
        while field.typ == ItemType::Field {
            self.next();
            names.push(self.intern_field(field.val));
            field = self.peek();
        }
        (first.typ == ItemType::Field).then_some(first.pos)
    }

    /// A `.Field` item's name, without the dot.
    fn intern_field(&mut self, field: &'a str) -> Str {
        self.intern(&field[1..])
    }
}

// ----- literals: Go's strconv as text/template uses it -----

/// The error of a failed `strconv` conversion, printed as Go prints it.
#[derive(Debug)]
enum NumError {
    /// `strconv.ErrSyntax`.
    Syntax,
    /// `strconv.ErrRange`.
    Range,
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NumError::Syntax => "invalid syntax",
            NumError::Range => "value out of range",
        })
    }
}

/// Go's `strconv.Unquote` for a string literal with its quotes. Escapes such as `\xff` may
/// produce bytes that are not UTF-8; those become U+FFFD, since strings here are UTF-8.
/// A literal without escapes (most of them) is its own inside.
fn unquote(quoted: &str) -> Result<Cow<'_, str>, NumError> {
    let bytes = quoted.as_bytes();
    if bytes.len() < 2 || bytes[0] != bytes[bytes.len() - 1] {
        return Err(NumError::Syntax);
    }
    let quote = bytes[0];
    let body = &quoted[1..quoted.len() - 1];
    match quote {
        b'`' => {
            if memchr::memchr(b'`', body.as_bytes()).is_some() {
                return Err(NumError::Syntax);
            }
            // Go drops carriage returns from raw strings.
            if memchr::memchr(b'\r', body.as_bytes()).is_some() {
                return Ok(Cow::Owned(body.replace('\r', "")));
            }
            Ok(Cow::Borrowed(body))
        }
        b'"' | b'\'' => {
            if quote == b'"' && memchr::memchr3(b'\\', b'"', b'\n', body.as_bytes()).is_none() {
                return Ok(Cow::Borrowed(body));
            }
            if body.contains('\n') {
                return Err(NumError::Syntax);
            }
            let quote = quote as char;
            let mut out: Vec<u8> = Vec::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (value, tail) = unquote_char(rest, quote)?;
                match value {
                    CharValue::Byte(b) => out.push(b),
                    CharValue::Rune(c) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
                rest = tail;
                if quote == '\'' {
                    // A single-quoted literal holds exactly one character.
                    if !rest.is_empty() {
                        return Err(NumError::Syntax);
                    }
                }
            }
            if quote == '\'' && out.is_empty() {
                return Err(NumError::Syntax);
            }
            Ok(Cow::Owned(match String::from_utf8(out) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }))
        }
        _ => Err(NumError::Syntax),
    }
}

/// One decoded character of a quoted literal: `\x` and octal escapes give raw bytes.
enum CharValue {
    Byte(u8),
    Rune(char),
}

impl CharValue {
    fn code(&self) -> u32 {
        match self {
            CharValue::Byte(b) => u32::from(*b),
            CharValue::Rune(c) => u32::from(*c),
        }
    }
}

/// Go's `strconv.UnquoteChar`: decodes the first character or escape of `s`, inside a
/// literal delimited by `quote`. Returns the value and the rest.
fn unquote_char(s: &str, quote: char) -> Result<(CharValue, &str), NumError> {
    let mut chars = s.chars();
    let Some(c) = chars.next() else {
        return Err(NumError::Syntax);
    };
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(NumError::Syntax);
    }
    if c != '\\' {
        return Ok((CharValue::Rune(c), chars.as_str()));
    }
    let Some(escape) = chars.next() else {
        return Err(NumError::Syntax);
    };
    let rest = chars.as_str();
    let simple = |c: char| Ok((CharValue::Rune(c), rest));
    match escape {
        'a' => simple('\u{7}'),
        'b' => simple('\u{8}'),
        'f' => simple('\u{c}'),
        'n' => simple('\n'),
        'r' => simple('\r'),
        't' => simple('\t'),
        'v' => simple('\u{b}'),
        '\\' => simple('\\'),
        '\'' | '"' => {
            if escape != quote {
                return Err(NumError::Syntax);
            }
            simple(escape)
        }
        'x' | 'u' | 'U' => {
            let width = match escape {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..width).ok_or(NumError::Syntax)?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(NumError::Syntax);
            }
            let value = u32::from_str_radix(digits, 16).map_err(|_| NumError::Syntax)?;
            let rest = &rest[width..];
            if escape == 'x' {
                // Fits: two hex digits.
                return Ok((CharValue::Byte(value as u8), rest));
            }
            let c = char::from_u32(value).ok_or(NumError::Syntax)?;
            Ok((CharValue::Rune(c), rest))
        }
        '0'..='7' => {
            let digits = rest.get(..2).ok_or(NumError::Syntax)?;
            let mut value = escape as u32 - '0' as u32;
            for b in digits.bytes() {
                if !(b'0'..=b'7').contains(&b) {
                    return Err(NumError::Syntax);
                }
                value = value * 8 + u32::from(b - b'0');
            }
            if value > 255 {
                return Err(NumError::Syntax);
            }
            Ok((CharValue::Byte(value as u8), &rest[2..]))
        }
        _ => Err(NumError::Syntax),
    }
}

/// Go's `newNumber`: the number item `text` under every type that can represent it.
fn new_number(pos: Pos, text: &str, typ: ItemType) -> Result<NumberNode, String> {
    let mut n = NumberNode {
        pos,
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
        complex128: (0.0, 0.0),
        text: Str::from(text),
    };
    match typ {
        ItemType::CharConstant => {
            // The lexer guarantees the opening quote.
            let (value, tail) = unquote_char(&text[1..], '\'').map_err(|e| e.to_string())?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            let code = value.code();
            n.is_int = true;
            n.int64 = i64::from(code);
            n.is_uint = true;
            n.uint64 = u64::from(code);
            n.is_float = true;
            n.float64 = f64::from(code);
            return Ok(n);
        }
        ItemType::Complex => {
            n.complex128 = sscan_complex(text)?;
            n.is_complex = true;
            simplify_complex(&mut n);
            return Ok(n);
        }
        _ => {}
    }
    // Imaginary constants can only be complex unless they are zero.
    if let Some(imaginary) = text.strip_suffix('i') {
        if let Ok(f) = parse_float(imaginary) {
            n.is_complex = true;
            n.complex128 = (0.0, f);
            simplify_complex(&mut n);
            return Ok(n);
        }
    }
    // Integers first, so that 0x123 etc. parse as such.
    let unsigned = parse_uint(text);
    if let Some(u) = unsigned {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            // "-0" is unsigned too.
            n.is_uint = true;
            n.uint64 = unsigned.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Ok(f) = parse_float(text) {
        // It parsed as a float but looks like an integer: an integer too big for 64 bits.
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", go_quote(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if let Some(i) = exact_i64(f) {
            n.is_int = true;
            n.int64 = i;
        }
        if let Some(u) = exact_u64(f) {
            n.is_uint = true;
            n.uint64 = u;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", go_quote(text)));
    }
    Ok(n)
}

/// `f` as an int64, when Go's `float64(int64(f)) == f` holds.
fn exact_i64(f: f64) -> Option<i64> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

/// `f` as a uint64, when Go's `float64(uint64(f)) == f` holds.
fn exact_u64(f: f64) -> Option<u64> {
    const LIMIT: f64 = 18_446_744_073_709_551_616.0; // 2^64
    (f.fract() == 0.0 && f > -1.0 && f < LIMIT).then_some(f as u64)
}

/// Go's `simplifyComplex`: the other types a complex number with no imaginary part has.
fn simplify_complex(n: &mut NumberNode) {
    let (re, im) = n.complex128;
    n.is_float = im == 0.0;
    if n.is_float {
        n.float64 = re;
        if let Some(i) = exact_i64(re) {
            n.is_int = true;
            n.int64 = i;
        }
        if let Some(u) = exact_u64(re) {
            n.is_uint = true;
            n.uint64 = u;
        }
    }
}

/// Go's `fmt.Sscan` of a complex128, as `newNumber` uses it on items like `1+2i`.
fn sscan_complex(text: &str) -> Result<(f64, f64), String> {
    const COMPLEX_ERROR: &str = "syntax error scanning complex number";
    let bytes = text.as_bytes();
    let real_len = float_token_len(bytes);
    let real = &text[..real_len];
    let rest = &text[real_len..];
    if !rest.starts_with(['+', '-']) {
        return Err(COMPLEX_ERROR.into());
    }
    let imag_len = 1 + float_token_len(&rest.as_bytes()[1..]);
    let imag = &rest[..imag_len];
    if !rest[imag_len..].starts_with('i') {
        return Err(COMPLEX_ERROR.into());
    }
    let convert = |s: &str| {
        parse_float(s).map_err(|e| format!("strconv.ParseFloat: parsing {}: {}", go_quote(s), e))
    };
    Ok((convert(real)?, convert(imag)?))
}

/// The length of the float token `fmt`'s scanner (`floatToken`) accepts at the start of `s`.
fn float_token_len(s: &[u8]) -> usize {
    let mut i = 0;
    let accept = |i: &mut usize, set: &[u8]| {
        if *i < s.len() && set.contains(&s[*i]) {
            *i += 1;
            true
        } else {
            false
        }
    };
    // Like Go, accept "nan" and "inf" prefixes, consuming what matched even when the rest
    // does not (so `1+i` fails on its missing 'i', as in Go).
    if accept(&mut i, b"nN") && accept(&mut i, b"aA") && accept(&mut i, b"nN") {
        return i;
    }
    accept(&mut i, b"+-");
    if accept(&mut i, b"iI") && accept(&mut i, b"nN") && accept(&mut i, b"fF") {
        return i;
    }
    let mut digits: &[u8] = b"0123456789_";
    let mut exponent: &[u8] = b"eEpP";
    if accept(&mut i, b"0") && accept(&mut i, b"xX") {
        digits = b"0123456789aAbBcCdDeEfF_";
        exponent = b"pP";
    }
    while accept(&mut i, digits) {}
    if accept(&mut i, b".") {
        while accept(&mut i, digits) {}
    }
    if accept(&mut i, exponent) {
        accept(&mut i, b"+-");
        while accept(&mut i, b"0123456789_") {}
    }
    i
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit.
fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    // What came last: b'^' start, b'0' digit or prefix, b'_' underscore, b'!' other.
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1] | 0x20 == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
fn parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (base, digits): (u64, &[u8]) = if b[0] == b'0' {
        match b.get(1).map(|c| c | 0x20) {
            Some(b'b') if b.len() >= 3 => (2, &b[2..]),
            Some(b'o') if b.len() >= 3 => (8, &b[2..]),
            Some(b'x') if b.len() >= 3 => (16, &b[2..]),
            _ => (8, &b[1..]),
        }
    } else {
        (10, b)
    };
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in digits {
        if c == b'_' {
            underscores = true;
            continue;
        }
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        };
        if u64::from(d) >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, base prefix (`0x`, `0o`, `0b`, or a
/// bare `0` for octal), underscores only where Go allows them. Sprig's `int`/`int64`
/// conversions of strings (cast's `ToInt64E`) use it too.
pub fn parse_int(s: &str) -> Option<i64> {
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_uint(unsigned)?;
    const CUTOFF: u64 = 1 << 63;
    if negative {
        if magnitude > CUTOFF {
            return None;
        }
        Some((magnitude as i64).wrapping_neg())
    } else {
        if magnitude >= CUTOFF {
            return None;
        }
        Some(magnitude as i64)
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms the template lexer can produce: decimal
/// and hexadecimal floats with optional sign and underscores. Results out of range are
/// errors, as in Go.
fn parse_float(s: &str) -> Result<f64, NumError> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let b = body.as_bytes();
    let hex = b.len() >= 2 && b[0] == b'0' && (b[1] | 0x20) == b'x';
    let value = if hex { parse_hex_float(&b[2..])? } else { parse_decimal_float(b)? };
    if s.contains('_') && !underscore_ok(s) {
        return Err(NumError::Syntax);
    }
    Ok(if negative { -value } else { value })
}

fn parse_decimal_float(b: &[u8]) -> Result<f64, NumError> {
    // Check Go's grammar: digits [. digits] [e [sign] digits], with at least one mantissa
    // digit and one exponent digit; then let Rust's correctly rounded parser do the rest.
    let mut i = 0;
    let mut mantissa_digits = 0;
    let mut clean = String::with_capacity(b.len());
    let mut seen_dot = false;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => {
                mantissa_digits += 1;
                clean.push(b[i] as char);
            }
            b'_' => {}
            b'.' if !seen_dot => {
                seen_dot = true;
                clean.push('.');
            }
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return Err(NumError::Syntax);
    }
    if i < b.len() && (b[i] | 0x20) == b'e' {
        clean.push('e');
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            clean.push(b[i] as char);
            i += 1;
        }
        let mut exponent_digits = 0;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] != b'_' {
                exponent_digits += 1;
                clean.push(b[i] as char);
            }
            i += 1;
        }
        if exponent_digits == 0 {
            return Err(NumError::Syntax);
        }
    }
    if i != b.len() {
        return Err(NumError::Syntax);
    }
    let value: f64 = clean.parse().map_err(|_| NumError::Syntax)?;
    if value.is_infinite() {
        return Err(NumError::Range);
    }
    Ok(value)
}

/// A hexadecimal float after its `0x`: hex digits with an optional point, and the
/// mandatory binary exponent `p`. Rounds to nearest, ties to even, as Go does.
fn parse_hex_float(b: &[u8]) -> Result<f64, NumError> {
    let mut mantissa: u64 = 0;
    // value = mantissa * 2^exp2 (plus `sticky`, the non-zero digits dropped below it).
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut digits = 0;
    let mut seen_dot = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            b'_' => {
                i += 1;
                continue;
            }
            b'.' if !seen_dot => {
                seen_dot = true;
                i += 1;
                continue;
            }
            _ => break,
        };
        digits += 1;
        if mantissa >> 60 == 0 {
            mantissa = mantissa * 16 + u64::from(d);
            if seen_dot {
                exp2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if !seen_dot {
                exp2 += 4;
            }
        }
        i += 1;
    }
    if digits == 0 || i >= b.len() || (b[i] | 0x20) != b'p' {
        return Err(NumError::Syntax);
    }
    i += 1;
    let mut negative_exponent = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative_exponent = b[i] == b'-';
        i += 1;
    }
    let mut exponent: i64 = 0;
    let mut exponent_digits = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        if b[i] != b'_' {
            exponent_digits += 1;
            // Saturate: anything this large over- or underflows anyway.
            exponent = (exponent * 10 + i64::from(b[i] - b'0')).min(1 << 20);
        }
        i += 1;
    }
    if exponent_digits == 0 || i != b.len() {
        return Err(NumError::Syntax);
    }
    exp2 += if negative_exponent { -exponent } else { exponent };
    compose_f64(mantissa, exp2, sticky)
}

/// The f64 nearest to `mantissa * 2^exp2` (ties to even; `sticky` means a little more).
fn compose_f64(mantissa: u64, exp2: i64, sticky: bool) -> Result<f64, NumError> {
    if mantissa == 0 {
        return Ok(0.0);
    }
    let leading = i64::from(mantissa.leading_zeros());
    let mantissa = mantissa << leading;
    let exp2 = exp2 - leading;
    // Exponent of the leading bit; keep 53 bits, fewer for subnormals.
    let top = exp2 + 63;
    let shift = if top >= -1022 { 11 } else { 11 + (-1022 - top) };
    let q = round_shift(mantissa, shift, sticky);
    let mut e = exp2 + shift;
    let mut q = q;
    if q == 1 << 53 {
        q >>= 1;
        e += 1;
    }
    if q == 0 {
        return Ok(0.0);
    }
    if q >= 1 << 52 {
        let biased = e + 52 + 1023;
        if biased >= 2047 {
            return Err(NumError::Range);
        }
        Ok(f64::from_bits(((biased as u64) << 52) | (q & ((1 << 52) - 1))))
    } else {
        // Subnormal: e is -1074 here.
        Ok(f64::from_bits(q))
    }
}

/// `mantissa >> shift`, rounded to nearest with ties to even.
fn round_shift(mantissa: u64, shift: i64, sticky: bool) -> u64 {
    if shift <= 0 {
        return mantissa;
    }
    if shift > 64 {
        return 0;
    }
    if shift == 64 {
        let half = mantissa >> 63 == 1;
        let more = (mantissa << 1) != 0 || sticky;
        return u64::from(half && more);
    }
    let q = mantissa >> shift;
    let rem = mantissa & ((1u64 << shift) - 1);
    let half = 1u64 << (shift - 1);
    let round_up = rem > half || (rem == half && (sticky || q & 1 == 1));
    q + u64::from(round_up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_floats_like_go() {
        assert_eq!(parse_float("1_000.5").ok(), Some(1000.5));
        assert_eq!(parse_float("0x1p-2").ok(), Some(0.25));
        assert_eq!(parse_float("0x1.8p1").ok(), Some(3.0));
        assert_eq!(parse_float("0x1.fffffffffffff8p1023").ok(), None);
        assert_eq!(parse_float("0x1p-1074").ok(), Some(f64::from_bits(1)));
        assert!(matches!(parse_float("1e400"), Err(NumError::Range)));
        assert!(parse_float("1__0").is_err());
        assert!(parse_float("0x1").is_err());
        assert!(parse_float(".").is_err());
    }

    #[test]
    fn parses_ints_like_go() {
        assert_eq!(parse_uint("0x_1F"), Some(31));
        assert_eq!(parse_uint("0o17"), Some(15));
        assert_eq!(parse_uint("017"), Some(15));
        assert_eq!(parse_uint("0b101"), Some(5));
        assert_eq!(parse_uint("089"), None);
        assert_eq!(parse_uint("0x"), None);
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_uint("+5"), None);
        assert_eq!(parse_int("+5"), Some(5));
    }

    #[test]
    fn interns_each_string_once() {
        let words: Vec<String> = (0..2000).map(|i| format!("w{}", "x".repeat(i % 40) + &i.to_string())).collect();
        let mut interner = Interner::with_capacity(1);
        let first: Vec<Str> = words.iter().map(|w| interner.slot(w).text.clone()).collect();
        for (word, text) in words.iter().zip(&first) {
            assert_eq!(&**text, word.as_str());
            assert!(Arc::ptr_eq(text, &interner.slot(word).text));
        }
        assert_eq!(interner.len, words.len());
        for (a, b) in [("", ""), ("abc", "abd"), ("abcdefgh", "abcdefgi"), ("abcdefghijk", "abcdefghijz")] {
            assert_eq!(same_bytes(a.as_bytes(), b.as_bytes()), a == b);
        }
    }

    #[test]
    fn locates_like_go() {
        let loc = location("x", "ab\ncd{{", 5);
        assert_eq!((loc.line, loc.col, loc.offset), (2, 2, 5));
        assert_eq!(location("x", "abc", 2).col, 2);
    }
}
