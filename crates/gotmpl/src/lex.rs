//! The lexer of Go's `text/template` (Go 1.25 `text/template/parse/lex.go`), rewritten as a
//! pull lexer: [`Lexer::next_item`] scans and returns one item at a time.
//!
//! Everything that reaches error messages is reproduced: item positions (byte offsets),
//! the line each item starts on (Go counts lines in the lexer, including the newlines that
//! trim markers swallow), item values, and Go's lexer error texts.
//!
//! Item values borrow from the source; only error items own their (formatted) text.

use std::borrow::Cow;
use std::fmt;

// Go 1.25's unicode tables are Unicode 15.0; this is that version of the category data.
use unicode_general_category_15::{get_general_category, GeneralCategory};

use crate::ast::Pos;

/// The kinds of lexical items, in Go's order. Every kind after `Block` is a keyword, which
/// Go prints as `<word>` in "unexpected" errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemType {
    /// A lexing error; the value is the message.
    Error,
    /// `true` or `false`.
    Bool,
    /// A printable ASCII character with no other meaning (`,`, `=` before Go 1.11...).
    Char,
    /// A character constant such as `'a'`.
    CharConstant,
    /// `{{/* ... */}}`; the value is the comment with its `/*` `*/` markers.
    Comment,
    /// A complex constant such as `1+2i`.
    Complex,
    /// `=`, introducing an assignment.
    Assign,
    /// `:=`, introducing a declaration.
    Declare,
    Eof,
    /// An identifier starting with `.`, such as `.Values`.
    Field,
    /// An identifier not starting with `.`: a function name.
    Identifier,
    /// The left action delimiter (`{{`), without its trim marker.
    LeftDelim,
    LeftParen,
    /// A number, including imaginary ones such as `1i`.
    Number,
    /// `|`.
    Pipe,
    /// A raw string, quotes included.
    RawString,
    /// The right action delimiter (`}}`), without its trim marker.
    RightDelim,
    RightParen,
    /// A run of spaces, tabs and newlines inside an action.
    Space,
    /// An interpreted string, quotes included.
    String,
    /// Plain text outside actions, after trimming.
    Text,
    /// `$`, or `$name`.
    Variable,
    // Keywords.
    Block,
    Break,
    Continue,
    /// `.` alone.
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    /// Go prints keyword items as `<word>`.
    pub fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

/// The keyword spelled `word`, if it is one (Go's `key` table).
fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

/// One lexical item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    pub typ: ItemType,
    /// Byte offset of the item's start in the source.
    pub pos: Pos,
    /// The item's text (for errors: the message).
    pub val: Cow<'a, str>,
    /// 1-based line on which the item starts, as Go's lexer counts it.
    pub line: usize,
}

impl Item<'_> {
    /// Go's zero `item`, which fills the parser's look-ahead slots before anything is read.
    pub(crate) fn zero() -> Item<'static> {
        Item { typ: ItemType::Error, pos: 0, val: Cow::Borrowed(""), line: 0 }
    }
}

/// Go's `item.String()`, which "unexpected ..." errors print.
impl fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(&self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.len() > 10 => {
                // Go's `%.10q`: the precision truncates the string to 10 runes before quoting.
                let cut = self.val.char_indices().nth(10).map_or(self.val.len(), |(i, _)| i);
                write!(f, "{}...", go_quote(&self.val[..cut]))
            }
            _ => f.write_str(&go_quote(&self.val)),
        }
    }
}

/// Lexer settings that Go derives from the parse mode and the function map.
#[derive(Clone, Copy, Debug)]
pub struct LexOptions<'d> {
    /// `break` is a keyword (Go: unless a function named `break` is defined).
    pub break_ok: bool,
    /// `continue` is a keyword (Go: unless a function named `continue` is defined).
    pub continue_ok: bool,
    /// The left action delimiter; Go's default is `{{`.
    pub left_delim: &'d str,
    /// The right action delimiter; Go's default is `}}`.
    pub right_delim: &'d str,
}

impl Default for LexOptions<'static> {
    fn default() -> Self {
        LexOptions { break_ok: true, continue_ok: true, left_delim: "{{", right_delim: "}}" }
    }
}

const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
/// A trim marker is the `-` plus the space that must separate it from the action's body.
const TRIM_MARKER_LEN: usize = 2;

/// What `next` returns past the end of the input (Go's `eof` rune).
const EOF: Option<char> = None;

/// Go's lexer state.
pub struct Lexer<'a> {
    input: &'a str,
    left_delim: &'a str,
    right_delim: &'a str,
    break_ok: bool,
    continue_ok: bool,
    /// Current position.
    pos: usize,
    /// Start of the item being scanned.
    start: usize,
    /// `next` ran off the end: `backup` must then not step back (Go's `atEOF`).
    at_eof: bool,
    /// Nesting of `(` inside the current action.
    paren_depth: i64,
    /// 1 + newlines before `pos`, as Go's lexer counts them.
    line: usize,
    /// The line of `start`.
    start_line: usize,
    inside_action: bool,
    /// After an error Go empties the input, so that only EOF follows.
    failed: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str, options: LexOptions<'a>) -> Lexer<'a> {
        let left_delim = if options.left_delim.is_empty() { "{{" } else { options.left_delim };
        let right_delim = if options.right_delim.is_empty() { "}}" } else { options.right_delim };
        Lexer {
            input,
            left_delim,
            right_delim,
            break_ok: options.break_ok,
            continue_ok: options.continue_ok,
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            inside_action: false,
            failed: false,
        }
    }

    /// Scans and returns the next item. After EOF or an error, returns EOF forever.
    pub fn next_item(&mut self) -> Item<'a> {
        if self.failed {
            return Item { typ: ItemType::Eof, pos: 0, val: Cow::Borrowed("EOF"), line: self.start_line };
        }
        if self.inside_action {
            self.lex_inside_action()
        } else {
            self.lex_text()
        }
    }

    // ----- Go's low-level helpers -----

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> Option<char> {
        // Almost all template text is ASCII: step over one byte without decoding UTF-8.
        match self.input.as_bytes().get(self.pos) {
            None => {
                self.at_eof = true;
                return EOF;
            }
            Some(&b) if b.is_ascii() => {
                self.pos += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                return Some(b as char);
            }
            Some(_) => {}
        }
        match self.input[self.pos..].chars().next() {
            None => {
                self.at_eof = true;
                EOF
            }
            Some(c) => {
                self.pos += c.len_utf8();
                if c == '\n' {
                    self.line += 1;
                }
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        let c = self.next();
        self.backup();
        c
    }

    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            let previous = self.input.as_bytes()[self.pos - 1];
            if previous.is_ascii() {
                self.pos -= 1;
                if previous == b'\n' {
                    self.line -= 1;
                }
                return;
            }
            if let Some(c) = self.input[..self.pos].chars().next_back() {
                self.pos -= c.len_utf8();
                if c == '\n' {
                    self.line -= 1;
                }
            }
        }
    }

    /// Go's `thisItem`: the pending text as an item of type `typ`.
    fn this_item(&mut self, typ: ItemType) -> Item<'a> {
        let item = Item {
            typ,
            pos: self.start,
            val: Cow::Borrowed(&self.input[self.start..self.pos]),
            line: self.start_line,
        };
        self.start = self.pos;
        self.start_line = self.line;
        item
    }

    /// Skips the pending text, counting its newlines.
    fn ignore(&mut self) {
        self.line += count_newlines(&self.input[self.start..self.pos]);
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while let Some(c) = self.next() {
            if !valid.contains(c) {
                break;
            }
        }
        self.backup();
    }

    fn errorf(&mut self, message: String) -> Item<'a> {
        let item = Item { typ: ItemType::Error, pos: self.start, val: Cow::Owned(message), line: self.start_line };
        self.failed = true;
        item
    }

    /// Is the input at a right delimiter, possibly preceded by a trim marker?
    /// Returns (at delimiter, with trim marker).
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest) && rest[TRIM_MARKER_LEN..].starts_with(self.right_delim) {
            return (true, true);
        }
        (rest.starts_with(self.right_delim), false)
    }

    /// Can an identifier end here? (Splits `.X.Y` into two items and rejects `$x+2`.)
    fn at_terminator(&mut self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => self.rest().starts_with(self.right_delim),
        }
    }

    // ----- states -----

    /// Text up to the next left delimiter, then the delimiter.
    fn lex_text(&mut self) -> Item<'a> {
        if let Some(x) = find_delimiter(self.rest(), self.left_delim) {
            if x > 0 {
                self.pos += x;
                // `{{- ` trims the spaces before the action.
                let delim_end = self.pos + self.left_delim.len();
                let trim_length = if has_left_trim_marker(&self.input[delim_end..]) {
                    right_trim_length(&self.input[self.start..self.pos])
                } else {
                    0
                };
                self.pos -= trim_length;
                self.line += count_newlines(&self.input[self.start..self.pos]);
                let item = self.this_item(ItemType::Text);
                self.pos += trim_length;
                self.ignore();
                if !item.val.is_empty() {
                    return item;
                }
            }
            return self.lex_left_delim();
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += count_newlines(&self.input[self.start..self.pos]);
            return self.this_item(ItemType::Text);
        }
        self.this_item(ItemType::Eof).with_val("EOF")
    }

    fn lex_left_delim(&mut self) -> Item<'a> {
        self.pos += self.left_delim.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { TRIM_MARKER_LEN } else { 0 };
        if self.input[self.pos + after_marker..].starts_with(LEFT_COMMENT) {
            self.pos += after_marker;
            self.ignore();
            return self.lex_comment();
        }
        let item = self.this_item(ItemType::LeftDelim);
        self.inside_action = true;
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        item
    }

    fn lex_comment(&mut self) -> Item<'a> {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        self.line += count_newlines(&self.input[self.start..self.pos]);
        let item = self.this_item(ItemType::Comment);
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += self.right_delim.len();
        if trim {
            self.pos += left_trim_length(self.rest());
        }
        self.ignore();
        item
    }

    fn lex_right_delim(&mut self) -> Item<'a> {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += self.right_delim.len();
        let item = self.this_item(ItemType::RightDelim);
        if trim {
            self.pos += left_trim_length(self.rest());
            self.ignore();
        }
        self.inside_action = false;
        item
    }

    fn lex_inside_action(&mut self) -> Item<'a> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return self.lex_right_delim();
            }
            return self.errorf("unclosed left paren".into());
        }
        let Some(r) = self.next() else {
            return self.errorf("unclosed action".into());
        };
        match r {
            c if is_space(c) => {
                // Put the space back: it may begin a " -}}".
                self.backup();
                self.lex_space()
            }
            '=' => self.this_item(ItemType::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.this_item(ItemType::Declare)
            }
            '|' => self.this_item(ItemType::Pipe),
            '"' => self.lex_quote(),
            '`' => self.lex_raw_quote(),
            '$' => self.lex_variable(),
            '\'' => self.lex_char(),
            '.' => {
                // `.` then a digit starts a number (`.5`); otherwise a field or dot.
                match self.input.as_bytes().get(self.pos) {
                    Some(b) if b.is_ascii_digit() => {
                        self.backup();
                        self.lex_number()
                    }
                    Some(_) => self.lex_field_or_variable(ItemType::Field),
                    // Go falls through to the number scanner at the end of the input.
                    None => {
                        self.backup();
                        self.lex_number()
                    }
                }
            }
            '+' | '-' | '0'..='9' => {
                self.backup();
                self.lex_number()
            }
            c if is_alphanumeric(c) => {
                self.backup();
                self.lex_identifier()
            }
            '(' => {
                self.paren_depth += 1;
                self.this_item(ItemType::LeftParen)
            }
            ')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                self.this_item(ItemType::RightParen)
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.this_item(ItemType::Char),
            c => self.errorf(format!("unrecognized character in action: {}", go_sharp_u(c))),
        }
    }

    /// A run of spaces; the first is known to be present and not yet consumed.
    fn lex_space(&mut self) -> Item<'a> {
        let mut spaces = 0usize;
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.next();
            spaces += 1;
        }
        // The last space may belong to a trim-marked right delimiter " -}}".
        let from_last_space = &self.input[self.pos - 1..];
        if has_right_trim_marker(from_last_space)
            && from_last_space[TRIM_MARKER_LEN..].starts_with(self.right_delim)
        {
            self.backup();
            if spaces == 1 {
                return self.lex_right_delim();
            }
        }
        self.this_item(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> Item<'a> {
        // ASCII word characters hold no newline, so skipping them leaves `line` right.
        self.pos += ascii_word_length(self.rest());
        loop {
            match self.next() {
                Some(c) if is_alphanumeric(c) => {}
                r => {
                    self.backup();
                    if !self.at_terminator() {
                        return self.bad_character(r);
                    }
                    let word = &self.input[self.start..self.pos];
                    let typ = match keyword(word) {
                        Some(ItemType::Break) if !self.break_ok => ItemType::Identifier,
                        Some(ItemType::Continue) if !self.continue_ok => ItemType::Identifier,
                        Some(k) => k,
                        None if word == "true" || word == "false" => ItemType::Bool,
                        None => ItemType::Identifier,
                    };
                    return self.this_item(typ);
                }
            }
        }
    }

    fn lex_variable(&mut self) -> Item<'a> {
        if self.at_terminator() {
            return self.this_item(ItemType::Variable);
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    /// `.name` or `$name`; the `.` or `$` has been consumed.
    fn lex_field_or_variable(&mut self, typ: ItemType) -> Item<'a> {
        if self.at_terminator() {
            let typ = if typ == ItemType::Variable { ItemType::Variable } else { ItemType::Dot };
            return self.this_item(typ);
        }
        self.pos += ascii_word_length(self.rest());
        let mut r;
        loop {
            r = self.next();
            match r {
                Some(c) if is_alphanumeric(c) => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        if !self.at_terminator() {
            return self.bad_character(r);
        }
        self.this_item(typ)
    }

    fn bad_character(&mut self, r: Option<char>) -> Item<'a> {
        let shown = match r {
            Some(c) => go_sharp_u(c),
            // Unreachable in practice (EOF is a terminator); Go would print U+FFFFFFFFFFFFFFFF.
            None => "U+FFFFFFFFFFFFFFFF".to_string(),
        };
        self.errorf(format!("bad character {shown}"))
    }

    /// A character constant; the opening quote has been consumed. Its syntax is checked by
    /// the parser.
    fn lex_char(&mut self) -> Item<'a> {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => return self.errorf("unterminated character constant".into()),
                    Some(_) => {}
                },
                None | Some('\n') => return self.errorf("unterminated character constant".into()),
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.this_item(ItemType::CharConstant)
    }

    /// A number. Like Go's, this accepts some invalid forms (`089`, `0x0.2`, `+`); the
    /// parser's conversion rejects them.
    fn lex_number(&mut self) -> Item<'a> {
        if !self.scan_number() {
            let text = go_quote(&self.input[self.start..self.pos]);
            return self.errorf(format!("bad number syntax: {text}"));
        }
        if let Some('+' | '-') = self.peek() {
            // Complex: 1+2i. No spaces, must end in 'i'.
            if !self.scan_number() || self.input.as_bytes()[self.pos - 1] != b'i' {
                let text = go_quote(&self.input[self.start..self.pos]);
                return self.errorf(format!("bad number syntax: {text}"));
            }
            return self.this_item(ItemType::Complex);
        }
        self.this_item(ItemType::Number)
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            // A leading 0 alone does not mean octal here (floats may start with 0).
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 10 + 1 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 16 + 6 + 1 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        // The next thing must not be alphanumeric.
        if let Some(c) = self.peek() {
            if is_alphanumeric(c) {
                self.next();
                return false;
            }
        }
        true
    }

    fn lex_quote(&mut self) -> Item<'a> {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => return self.errorf("unterminated quoted string".into()),
                    Some(_) => {}
                },
                None | Some('\n') => return self.errorf("unterminated quoted string".into()),
                Some('"') => break,
                Some(_) => {}
            }
        }
        self.this_item(ItemType::String)
    }

    fn lex_raw_quote(&mut self) -> Item<'a> {
        loop {
            match self.next() {
                None => return self.errorf("unterminated raw quoted string".into()),
                Some('`') => break,
                Some(_) => {}
            }
        }
        self.this_item(ItemType::RawString)
    }
}

impl<'a> Item<'a> {
    fn with_val(mut self, val: &'static str) -> Item<'a> {
        self.val = Cow::Borrowed(val);
        self
    }
}

fn count_newlines(s: &str) -> usize {
    memchr::memchr_iter(b'\n', s.as_bytes()).count()
}

/// `haystack.find(delim)`, but searching for the delimiter's first byte with `memchr`:
/// `str::find` builds a two-way searcher on every call, which costs more than the search
/// itself for the short texts between actions.
fn find_delimiter(haystack: &str, delim: &str) -> Option<usize> {
    let bytes = haystack.as_bytes();
    let Some(&first) = delim.as_bytes().first() else {
        return Some(0);
    };
    let mut from = 0;
    while let Some(offset) = memchr::memchr(first, &bytes[from..]) {
        let at = from + offset;
        if bytes[at..].starts_with(delim.as_bytes()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Length of the run of ASCII letters, digits and `_` at the start of `s`: the common case
/// of Go's `isAlphaNumeric` loop, which the callers finish rune by rune.
fn ascii_word_length(s: &str) -> usize {
    s.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count()
}

/// Go's template space characters: the only ones trim markers and argument separators use.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space_byte(b[1])
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space_byte(b[0]) && b[1] == b'-'
}

fn right_trim_length(s: &str) -> usize {
    s.len() - s.trim_end_matches(is_space).len()
}

fn left_trim_length(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_space).len()
}

/// Go's `unicode.IsLetter`: general category L.
pub(crate) fn is_letter(c: char) -> bool {
    use GeneralCategory::*;
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        UppercaseLetter | LowercaseLetter | TitlecaseLetter | ModifierLetter | OtherLetter
    )
}

/// Go's `unicode.IsDigit`: general category Nd.
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    get_general_category(c) == GeneralCategory::DecimalNumber
}

/// Go's template `isAlphaNumeric`: `_`, letters and digits.
pub(crate) fn is_alphanumeric(c: char) -> bool {
    c == '_' || is_letter(c) || is_digit(c)
}

/// Go's `strconv.IsPrint` (= `unicode.IsPrint`): letters, marks, numbers, punctuation,
/// symbols, and the ASCII space.
pub fn go_is_print(c: char) -> bool {
    use GeneralCategory::*;
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    matches!(
        get_general_category(c),
        UppercaseLetter
            | LowercaseLetter
            | TitlecaseLetter
            | ModifierLetter
            | OtherLetter
            | NonspacingMark
            | SpacingMark
            | EnclosingMark
            | DecimalNumber
            | LetterNumber
            | OtherNumber
            | ConnectorPunctuation
            | DashPunctuation
            | OpenPunctuation
            | ClosePunctuation
            | InitialPunctuation
            | FinalPunctuation
            | OtherPunctuation
            | MathSymbol
            | CurrencySymbol
            | ModifierSymbol
            | OtherSymbol
    )
}

/// Go's `strconv.Quote` (also `%q` of a string).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_quoted_char(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Appends `c` as it appears inside a Go quoted literal delimited by `quote`.
fn push_quoted_char(out: &mut String, c: char, quote: char) {
    use std::fmt::Write;
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if go_is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Go's `%#U` of a rune: `U+0041 'A'` (the character only when printable).
pub fn go_sharp_u(c: char) -> String {
    if go_is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(ItemType, String)> {
        let mut lexer = Lexer::new(src, LexOptions::default());
        let mut out = Vec::new();
        loop {
            let item = lexer.next_item();
            let done = matches!(item.typ, ItemType::Eof | ItemType::Error);
            out.push((item.typ, item.val.into_owned()));
            if done {
                return out;
            }
        }
    }

    #[test]
    fn lexes_trim_markers() {
        use ItemType::*;
        let got = kinds("a \n{{- 3 -}}\n b");
        let want = vec![
            (Text, "a".to_string()),
            (LeftDelim, "{{".to_string()),
            (Number, "3".to_string()),
            (RightDelim, "}}".to_string()),
            (Text, "b".to_string()),
            (Eof, "EOF".to_string()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\\n\u{7f}é\u{200b}"), "\"a\\\"b\\\\\\n\\x7fé\\u200b\"");
        assert_eq!(go_sharp_u('é'), "U+00E9 'é'");
        assert_eq!(go_sharp_u('\u{85}'), "U+0085");
    }
}
