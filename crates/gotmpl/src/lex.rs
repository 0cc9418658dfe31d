//! The lexer of Go's `text/template` (Go 1.25 `text/template/parse/lex.go`), rewritten as a
//! pull lexer: [`Lexer::next_item`] scans and returns one item at a time.
//!
//! Everything that reaches error messages is reproduced: item positions (byte offsets),
//! the line each item starts on (Go counts lines in the lexer, including the newlines that
//! trim markers swallow), item values, and Go's lexer error texts.
//!
//! Item values borrow from the source; only error items own their (formatted) text.

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

/// One lexical item. Items are small and `Copy`: the parser's look-ahead buffer copies
/// them back and forth for every token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    pub typ: ItemType,
    /// Byte offset of the item's start in the source.
    pub pos: Pos,
    /// The item's text, a slice of the source; `"EOF"` for the end of the input. An error
    /// item's text is empty: its message is [`Lexer::error_message`].
    pub val: &'a str,
    /// 1-based line on which the item starts, as Go's lexer counts it.
    pub line: usize,
}

impl Item<'_> {
    /// Go's zero `item`, which fills the parser's look-ahead slots before anything is read.
    pub(crate) fn zero() -> Item<'static> {
        Item { typ: ItemType::Error, pos: 0, val: "", line: 0 }
    }

    /// The offset just past the item's text.
    pub fn end(&self) -> Pos {
        self.pos + self.val.len()
    }
}

/// Go's `item.String()`, which "unexpected ..." errors print. An error item prints its
/// text, which is empty here: the parser prints [`Lexer::error_message`] instead.
impl fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.len() > 10 => {
                // Go's `%.10q`: the precision truncates the string to 10 runes before quoting.
                let cut = self.val.char_indices().nth(10).map_or(self.val.len(), |(i, _)| i);
                write!(f, "{}...", go_quote(&self.val[..cut]))
            }
            _ => f.write_str(&go_quote(self.val)),
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

/// Go's lexer state.
///
/// Go's lexer steps rune by rune (`next`, `backup`, `peek`); this one looks at bytes
/// wherever the characters that matter are ASCII, and decodes UTF-8 only where a
/// non-ASCII letter may continue an identifier. Where Go consumes a rune and then backs up,
/// this one looks without consuming; the positions and lines reached are the same. (Go's
/// `atEOF` flag, which stops `backup` once `next` has hit the end, only ever matters at the
/// end of the input, where nothing is left to look at.)
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
    /// Nesting of `(` inside the current action.
    paren_depth: i64,
    /// 1 + newlines before `pos`, as Go's lexer counts them.
    line: usize,
    /// The line of `start`.
    start_line: usize,
    inside_action: bool,
    /// After an error Go empties the input, so that only EOF follows.
    failed: bool,
    /// The message of the error item, once there has been one (there is at most one).
    error_message: String,
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
            paren_depth: 0,
            line: 1,
            start_line: 1,
            inside_action: false,
            failed: false,
            error_message: String::new(),
        }
    }

    /// Scans and returns the next item. After EOF or an error, returns EOF forever.
    #[inline(never)]
    pub fn next_item(&mut self) -> Item<'a> {
        // Most spaces in actions are one blank between two operands: that item is cut here,
        // without entering the lexer's states. (Whatever could make the blank part of a
        // right delimiter, or of a longer run, goes the general way.)
        if self.inside_action && !self.failed {
            let bytes = self.input.as_bytes();
            if bytes.get(self.pos) == Some(&b' ') && self.right_delim.as_bytes()[0] != b' ' {
                if let Some(&after) = bytes.get(self.pos + 1) {
                    if after != b'-' && !is_space_byte(after) {
                        self.pos += 1;
                        return self.this_item(ItemType::Space);
                    }
                }
            }
        }
        self.lex_item()
    }

    /// [`Lexer::next_item`] in general.
    #[inline(never)]
    fn lex_item(&mut self) -> Item<'a> {
        if self.failed {
            return Item { typ: ItemType::Eof, pos: 0, val: "EOF", line: self.start_line };
        }
        if self.inside_action {
            self.lex_inside_action()
        } else {
            self.lex_text()
        }
    }

    /// The message of the error item this lexer returned ("" if none).
    pub fn error_message(&self) -> &str {
        &self.error_message
    }

    // ----- low-level helpers -----

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    /// The byte at `pos`, if any.
    fn peek_byte(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    /// The character at `pos`, not consumed (Go's `peek`).
    fn peek_char(&self) -> Option<char> {
        match self.peek_byte() {
            Some(b) if b.is_ascii() => Some(b as char),
            Some(_) => self.rest().chars().next(),
            None => None,
        }
    }

    /// Go's `thisItem`: the pending text as an item of type `typ`.
    fn this_item(&mut self, typ: ItemType) -> Item<'a> {
        let item = Item { typ, pos: self.start, val: &self.input[self.start..self.pos], line: self.start_line };
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

    /// Go's `accept`, for sets of ASCII characters (none of them a newline).
    fn accept(&mut self, valid: &[u8]) -> bool {
        match self.peek_byte() {
            Some(b) if valid.contains(&b) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &[u8]) {
        while self.accept(valid) {}
    }

    #[cold]
    #[inline(never)]
    fn errorf(&mut self, message: String) -> Item<'a> {
        self.error_message = message;
        self.failed = true;
        Item { typ: ItemType::Error, pos: self.start, val: "", line: self.start_line }
    }

    /// Is the input at a right delimiter, possibly preceded by a trim marker?
    /// Returns (at delimiter, with trim marker).
    #[inline]
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = &self.input.as_bytes()[self.pos..];
        let Some(&first) = rest.first() else {
            return (false, false);
        };
        let delim = self.right_delim.as_bytes();
        if is_space_byte(first) && rest.get(1) == Some(&b'-') && starts_with(&rest[TRIM_MARKER_LEN..], delim) {
            return (true, true);
        }
        (first == delim[0] && starts_with(rest, delim), false)
    }

    /// Can an identifier end here? (Splits `.X.Y` into two items and rejects `$x+2`.)
    fn at_terminator(&self) -> bool {
        match self.peek_byte() {
            None => true,
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'.' | b',' | b'|' | b':' | b')' | b'(') => true,
            Some(_) => starts_with(&self.input.as_bytes()[self.pos..], self.right_delim.as_bytes()),
        }
    }

    /// Steps over letters, digits and `_` (Go's `isAlphaNumeric` loop) and returns the
    /// character that ended the run, not consumed (`None` at the end of the input).
    // Inlined: it runs for every identifier, field and variable.
    #[inline(always)]
    fn skip_alphanumerics(&mut self) -> Option<char> {
        let bytes = self.input.as_bytes();
        let mut pos = self.pos;
        while pos < bytes.len() && IS_WORD_BYTE[usize::from(bytes[pos])] {
            pos += 1;
        }
        self.pos = pos;
        match bytes.get(pos) {
            None => None,
            Some(&b) if b.is_ascii() => Some(b as char),
            Some(_) => self.skip_non_ascii_alphanumerics(),
        }
    }

    /// [`Lexer::skip_alphanumerics`] from a non-ASCII character on.
    #[cold]
    #[inline(never)]
    fn skip_non_ascii_alphanumerics(&mut self) -> Option<char> {
        loop {
            let c = self.rest().chars().next()?;
            if !is_alphanumeric(c) {
                return Some(c);
            }
            // Letters and digits are never newlines: `line` stays right.
            self.pos += c.len_utf8();
        }
    }

    // ----- states -----

    /// Text up to the next left delimiter, then the delimiter.
    #[inline(never)]
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
        let mut eof = self.this_item(ItemType::Eof);
        eof.val = "EOF";
        eof
    }

    #[inline(never)]
    fn lex_left_delim(&mut self) -> Item<'a> {
        self.pos += self.left_delim.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { TRIM_MARKER_LEN } else { 0 };
        if starts_with(&self.input.as_bytes()[self.pos + after_marker..], LEFT_COMMENT.as_bytes()) {
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

    #[inline(never)]
    fn lex_comment(&mut self) -> Item<'a> {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = memchr::memmem::find(self.rest().as_bytes(), RIGHT_COMMENT.as_bytes()) else {
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
        let Some(b) = self.peek_byte() else {
            return self.errorf("unclosed action".into());
        };
        // Only these bytes can start a right delimiter, trim-marked or not.
        if b == self.right_delim.as_bytes()[0] || is_space_byte(b) {
            let (delim, _) = self.at_right_delim();
            if delim {
                if self.paren_depth == 0 {
                    return self.lex_right_delim();
                }
                return self.errorf("unclosed left paren".into());
            }
        }
        // Go reads the rune, then backs up for the states that rescan it; here the states
        // that start at the character are entered before consuming it.
        match b {
            // A space may begin a " -}}".
            b' ' | b'\t' | b'\r' | b'\n' => self.lex_space(),
            b'+' | b'-' | b'0'..=b'9' => self.lex_number(),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.lex_identifier(),
            b'.' => {
                // `.` then a digit starts a number (`.5`); otherwise a field or dot.
                match self.input.as_bytes().get(self.pos + 1) {
                    Some(b) if !b.is_ascii_digit() => {
                        self.pos += 1;
                        self.lex_field_or_variable(ItemType::Field)
                    }
                    // Go falls through to the number scanner at the end of the input.
                    _ => self.lex_number(),
                }
            }
            _ if b.is_ascii() => {
                self.pos += 1;
                match b {
                    b'=' => self.this_item(ItemType::Assign),
                    b':' => {
                        if self.peek_byte() != Some(b'=') {
                            return self.errorf("expected :=".into());
                        }
                        self.pos += 1;
                        self.this_item(ItemType::Declare)
                    }
                    b'|' => self.this_item(ItemType::Pipe),
                    b'"' => self.lex_quote(),
                    b'`' => self.lex_raw_quote(),
                    b'$' => self.lex_variable(),
                    b'\'' => self.lex_char(),
                    b'(' => {
                        self.paren_depth += 1;
                        self.this_item(ItemType::LeftParen)
                    }
                    b')' => {
                        self.paren_depth -= 1;
                        if self.paren_depth < 0 {
                            return self.errorf("unexpected right paren".into());
                        }
                        self.this_item(ItemType::RightParen)
                    }
                    _ if !b.is_ascii_control() => self.this_item(ItemType::Char),
                    _ => self.errorf(format!("unrecognized character in action: {}", go_sharp_u(b as char))),
                }
            }
            _ => match self.peek_char() {
                Some(c) if is_alphanumeric(c) => self.lex_identifier(),
                Some(c) => self.errorf(format!("unrecognized character in action: {}", go_sharp_u(c))),
                None => self.errorf("unclosed action".into()),
            },
        }
    }

    /// A run of spaces; the first is known to be present and not yet consumed.
    fn lex_space(&mut self) -> Item<'a> {
        let bytes = self.input.as_bytes();
        let run_start = self.pos;
        while let Some(&b) = bytes.get(self.pos) {
            if !is_space_byte(b) {
                break;
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        let spaces = self.pos - run_start;
        // The last space may belong to a trim-marked right delimiter " -}}".
        if self.peek_byte() == Some(b'-')
            && starts_with(&bytes[self.pos + 1..], self.right_delim.as_bytes())
        {
            self.pos -= 1;
            if bytes[self.pos] == b'\n' {
                self.line -= 1;
            }
            if spaces == 1 {
                return self.lex_right_delim();
            }
        }
        self.this_item(ItemType::Space)
    }

    /// An identifier or keyword; its first character is known to be alphanumeric and not
    /// yet consumed.
    fn lex_identifier(&mut self) -> Item<'a> {
        let after = self.skip_alphanumerics();
        if !self.at_terminator() {
            return self.bad_character(after);
        }
        let word = &self.input[self.start..self.pos];
        let typ = match keyword(word) {
            Some(ItemType::Break) if !self.break_ok => ItemType::Identifier,
            Some(ItemType::Continue) if !self.continue_ok => ItemType::Identifier,
            Some(k) => k,
            None if word == "true" || word == "false" => ItemType::Bool,
            None => ItemType::Identifier,
        };
        self.this_item(typ)
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
        let after = self.skip_alphanumerics();
        if !self.at_terminator() {
            return self.bad_character(after);
        }
        self.this_item(typ)
    }

    #[cold]
    fn bad_character(&mut self, r: Option<char>) -> Item<'a> {
        let shown = match r {
            Some(c) => go_sharp_u(c),
            // Unreachable in practice (EOF is a terminator); Go would print U+FFFFFFFFFFFFFFFF.
            None => "U+FFFFFFFFFFFFFFFF".to_string(),
        };
        self.errorf(format!("bad character {shown}"))
    }

    /// The end of a quoted literal whose opening `quote` has been consumed: consumes up to
    /// and including the closing quote. False if a newline or the end of the input comes
    /// first (the literal is unterminated).
    fn skip_quoted(&mut self, quote: u8) -> bool {
        let bytes = self.input.as_bytes();
        loop {
            match bytes.get(self.pos) {
                None | Some(b'\n') => return false,
                Some(b'\\') => match bytes.get(self.pos + 1) {
                    None | Some(b'\n') => return false,
                    // An escaped multi-byte character: its continuation bytes are skipped
                    // one by one below, being neither quotes, backslashes nor newlines.
                    Some(_) => self.pos += 2,
                },
                Some(&b) => {
                    self.pos += 1;
                    if b == quote {
                        return true;
                    }
                }
            }
        }
    }

    /// A character constant; the opening quote has been consumed. Its syntax is checked by
    /// the parser.
    #[inline(never)]
    fn lex_char(&mut self) -> Item<'a> {
        if !self.skip_quoted(b'\'') {
            return self.errorf("unterminated character constant".into());
        }
        self.this_item(ItemType::CharConstant)
    }

    /// A number. Like Go's, this accepts some invalid forms (`089`, `0x0.2`, `+`); the
    /// parser's conversion rejects them.
    #[inline(never)]
    fn lex_number(&mut self) -> Item<'a> {
        if !self.scan_number() {
            let text = go_quote(&self.input[self.start..self.pos]);
            return self.errorf(format!("bad number syntax: {text}"));
        }
        if let Some(b'+' | b'-') = self.peek_byte() {
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
        const DECIMAL: &[u8] = b"0123456789_";
        self.accept(b"+-");
        let mut base = 10;
        if self.accept(b"0") {
            // A leading 0 alone does not mean octal here (floats may start with 0).
            if self.accept(b"xX") {
                base = 16;
            } else if self.accept(b"oO") {
                base = 8;
            } else if self.accept(b"bB") {
                base = 2;
            }
        }
        let digits: &[u8] = match base {
            16 => b"0123456789abcdefABCDEF_",
            8 => b"01234567_",
            2 => b"01_",
            _ => DECIMAL,
        };
        self.accept_run(digits);
        if self.accept(b".") {
            self.accept_run(digits);
        }
        if base == 10 && self.accept(b"eE") {
            self.accept(b"+-");
            self.accept_run(DECIMAL);
        }
        if base == 16 && self.accept(b"pP") {
            self.accept(b"+-");
            self.accept_run(DECIMAL);
        }
        self.accept(b"i");
        // The next thing must not be alphanumeric.
        if let Some(c) = self.peek_char() {
            if is_alphanumeric(c) {
                self.pos += c.len_utf8();
                return false;
            }
        }
        true
    }

    fn lex_quote(&mut self) -> Item<'a> {
        if !self.skip_quoted(b'"') {
            return self.errorf("unterminated quoted string".into());
        }
        self.this_item(ItemType::String)
    }

    #[inline(never)]
    fn lex_raw_quote(&mut self) -> Item<'a> {
        let Some(x) = memchr::memchr(b'`', self.rest().as_bytes()) else {
            return self.errorf("unterminated raw quoted string".into());
        };
        // Go's rune loop counts the newlines it steps over.
        self.line += count_newlines(&self.rest()[..x]);
        self.pos += x + 1;
        self.this_item(ItemType::RawString)
    }
}

/// The ASCII bytes of identifiers: letters, digits and `_`.
const IS_WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// `haystack.starts_with(needle)` for the short delimiters, without a call to `memcmp`.
fn starts_with(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack.iter().zip(needle).all(|(a, b)| a == b)
}

fn count_newlines(s: &str) -> usize {
    // Most calls are for the few bytes of a delimiter or trim marker, where setting up the
    // vectorised count costs more than looking at each byte.
    if s.len() < 16 {
        return s.bytes().filter(|&b| b == b'\n').count();
    }
    memchr::memchr_iter(b'\n', s.as_bytes()).count()
}

/// `haystack.find(delim)`, but searching for the delimiter's first byte with `memchr`:
/// `str::find` builds a two-way searcher on every call, which costs more than the search
/// itself for the short texts between actions.
fn find_delimiter(haystack: &str, delim: &str) -> Option<usize> {
    /// Most texts between actions are a line break and some indentation: the first bytes
    /// are looked at one by one, which costs less than setting up the vectorised search.
    const LOOK_FIRST: usize = 16;
    let bytes = haystack.as_bytes();
    let Some(&first) = delim.as_bytes().first() else {
        return Some(0);
    };
    let head = bytes.len().min(LOOK_FIRST);
    for at in 0..head {
        if bytes[at] == first && starts_with(&bytes[at..], delim.as_bytes()) {
            return Some(at);
        }
    }
    let mut from = head;
    while let Some(offset) = memchr::memchr(first, &bytes[from..]) {
        let at = from + offset;
        if starts_with(&bytes[at..], delim.as_bytes()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Go's template space characters (all ASCII): the only ones trim markers and argument
/// separators use.
fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space_byte(b[1])
}

/// The length of the run of spaces that ends `s` (the spaces are ASCII: no need to decode).
fn right_trim_length(s: &str) -> usize {
    s.bytes().rev().take_while(|&b| is_space_byte(b)).count()
}

/// The length of the run of spaces that starts `s`.
fn left_trim_length(s: &str) -> usize {
    s.bytes().take_while(|&b| is_space_byte(b)).count()
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
            out.push((item.typ, item.val.to_string()));
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
