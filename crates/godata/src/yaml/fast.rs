//! A fast reader for the everyday YAML that values files and rendered manifests are made
//! of: block mappings and sequences, single-line plain and quoted scalars, literal and
//! folded block scalars, comments, document markers and the empty flow collections `{}`
//! and `[]`.
//!
//! It builds exactly the [`Document`]s the saphyr path builds from its events, working on
//! bytes a line at a time (comments and long scalars are skipped with `memchr`). Anything
//! outside that subset, and anything that is not valid YAML, makes it decline; the saphyr
//! path then reads the text as before, errors and their messages included. Declining is
//! always safe, accepting is only allowed when saphyr would produce the same documents, so
//! every rule below errs on the side of declining.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memchr3};
use saphyr_parser::ScalarStyle;

use super::load::{Document, Node, MAX_DEPTH};

/// The fast reader does not handle this text; the saphyr path must read it.
#[derive(Debug)]
struct Declined;

type Fast<T> = Result<T, Declined>;

/// Collections nested deeper than this are left to the saphyr path, which reports the
/// depth error at [`MAX_DEPTH`].
const DEPTH_LIMIT: usize = MAX_DEPTH - 5;

/// Longest simple key accepted: saphyr (like libyaml) stops looking for a key's `:` 1024
/// characters after the key starts; byte counts are at least character counts.
const KEY_LIMIT: usize = 1000;

/// The documents of `text` as `read_documents` builds them (at most `limit`), or `None`
/// when the text is outside the subset this reader handles.
pub(super) fn read_documents(text: &str, limit: Option<usize>) -> Option<Vec<Document<'_>>> {
    if !only_plain_characters(text.as_bytes()) {
        return None;
    }
    let mut reader =
        Reader { text, bytes: text.as_bytes(), pos: 0, line_start: 0, nodes: Vec::new(), depth: 0, anchors: Vec::new() };
    reader.documents(limit).ok()
}

/// True when the text holds no character that needs the saphyr path: control characters
/// (which libyaml's reader refuses, with subtle rules about where the error appears), tabs
/// and carriage returns (whose rules as separators this reader does not implement), C1
/// controls including NEL, byte order marks, U+FFFE and U+FFFF.
fn only_plain_characters(bytes: &[u8]) -> bool {
    const CHUNK: usize = 32;
    for (chunk_index, chunk) in bytes.chunks(CHUNK).enumerate() {
        // A branch-free test per chunk (vectorised by the compiler): printable ASCII and
        // line feeds need no closer look.
        let ordinary = chunk.iter().fold(true, |ok, &b| ok & (((0x20..0x7F).contains(&b)) | (b == b'\n')));
        if ordinary {
            continue;
        }
        let base = chunk_index * CHUNK;
        for (offset, &b) in chunk.iter().enumerate() {
            let at = base + offset;
            let next = |n: usize| bytes.get(at + n).copied().unwrap_or(0);
            let refused = match b {
                b'\n' | 0x20..=0x7E => false,
                0x00..=0x1F | 0x7F => true,
                // U+0080..U+009F: C1 controls and NEL.
                0xC2 => (0x80..=0x9F).contains(&next(1)),
                // U+FEFF (byte order mark), U+FFFE, U+FFFF.
                0xEF => (next(1) == 0xBB && next(2) == 0xBF) || (next(1) == 0xBF && next(2) >= 0xBE),
                _ => false,
            };
            if refused {
                return false;
            }
        }
    }
    true
}

/// Where a node starts: the position decides which kinds of node are allowed there.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// First content of a line: any collection or a single-line scalar.
    LineStart,
    /// After `- ` on the same line: a compact sequence or mapping, or any scalar.
    AfterDash,
    /// After `key: ` on the same line: scalars only.
    AfterColon,
}

/// What ended a single-line scalar.
#[derive(PartialEq)]
enum Stop {
    /// A `:` followed by a space or line end: the scalar is a mapping key.
    Colon,
    /// The end of the line (or of a comment on it), or of the text.
    LineEnd,
}

struct Scalar<'t> {
    value: Cow<'t, str>,
    style: ScalarStyle,
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    /// Start of the line `pos` is on; columns are counted from it. Only indentation and
    /// `- ` prefixes (ASCII) precede the columns that matter, so bytes count as characters.
    line_start: usize,
    /// The current document's nodes, in the order saphyr's events create them.
    nodes: Vec<Node<'t>>,
    /// Collections open around `pos`.
    depth: usize,
    /// The current document's anchors so far, by name, latest last.
    anchors: Vec<(&'t str, usize)>,
}

impl<'t> Reader<'t> {
    fn byte(&self, at: usize) -> u8 {
        self.bytes.get(at).copied().unwrap_or(0)
    }

    fn peek(&self) -> u8 {
        self.byte(self.pos)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn column(&self) -> usize {
        self.pos - self.line_start
    }

    /// Whether the byte at `at` ends a token: a space, a line feed or the end of the text.
    fn is_blank_or_end(&self, at: usize) -> bool {
        matches!(self.byte(at), b' ' | b'\n' | 0)
    }

    fn line_end(&self) -> usize {
        memchr(b'\n', &self.bytes[self.pos..]).map_or(self.bytes.len(), |i| self.pos + i)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == b' ' {
            self.pos += 1;
        }
    }

    /// Moves to the first content of the next line that has any (skipping blank and
    /// comment-only lines), starting at a line start. Returns false at the end of the text.
    fn next_content_line(&mut self) -> bool {
        loop {
            self.line_start = self.pos;
            self.skip_spaces();
            match self.peek() {
                b'\n' => self.pos += 1,
                b'#' => self.pos = (self.line_end() + 1).min(self.bytes.len()),
                _ if self.at_end() => {
                    self.pos = self.bytes.len();
                    self.line_start = self.pos;
                    return false;
                }
                _ => return true,
            }
        }
    }

    /// After a token: spaces, an optional comment (separated by a space), the line feed.
    /// Anything else there is not for this reader.
    fn finish_line(&mut self) -> Fast<()> {
        let token_end = self.pos;
        self.skip_spaces();
        if self.peek() == b'#' && self.pos > token_end {
            self.pos = self.line_end();
        }
        if self.at_end() {
            self.line_start = self.bytes.len();
            return Ok(());
        }
        if self.peek() != b'\n' {
            return Err(Declined);
        }
        self.pos += 1;
        self.line_start = self.pos;
        Ok(())
    }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    fn at_document_marker(&self) -> Option<u8> {
        let b = self.peek();
        (self.column() == 0
            && (b == b'-' || b == b'.')
            && self.byte(self.pos + 1) == b
            && self.byte(self.pos + 2) == b
            && self.is_blank_or_end(self.pos + 3))
        .then_some(b)
    }

    /// A `- ` (or `-` at the end of a line): a block sequence entry.
    fn at_sequence_entry(&self) -> bool {
        self.peek() == b'-' && self.is_blank_or_end(self.pos + 1)
    }

    fn push(&mut self, node: Node<'t>) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn push_scalar(&mut self, scalar: Scalar<'t>) -> usize {
        self.push(Node::Scalar { value: scalar.value, style: scalar.style, tag: None })
    }

    fn push_empty(&mut self) -> usize {
        self.push_scalar(Scalar { value: Cow::Borrowed(""), style: ScalarStyle::Plain })
    }

    fn enter_collection(&mut self) -> Fast<()> {
        self.depth += 1;
        if self.depth > DEPTH_LIMIT {
            return Err(Declined);
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // Documents

    fn documents(&mut self, limit: Option<usize>) -> Fast<Vec<Document<'t>>> {
        let mut docs = Vec::new();
        // The document being read, and whether its root node has been read.
        let mut open = false;
        let mut has_root = false;
        let limit_reached = |docs: &Vec<Document<'t>>| limit.is_some_and(|l| docs.len() >= l);
        while self.next_content_line() {
            match self.at_document_marker() {
                Some(b'-') => {
                    if open {
                        docs.push(self.take_document());
                        if limit_reached(&docs) {
                            return Ok(docs);
                        }
                    }
                    self.pos += 3;
                    self.finish_line()?;
                    open = true;
                    has_root = false;
                    // An explicit document with nothing in it holds one empty scalar.
                    if !self.next_content_line() || self.at_document_marker().is_some() {
                        self.push_empty();
                        has_root = true;
                    }
                    // The loop looks at the line found again.
                    self.pos = self.line_start;
                }
                Some(_) => {
                    self.pos += 3;
                    self.finish_line()?;
                    if open {
                        docs.push(self.take_document());
                        open = false;
                        has_root = false;
                        if limit_reached(&docs) {
                            return Ok(docs);
                        }
                    }
                }
                None => {
                    // Content after the root node (or a directive) is an error.
                    if has_root || self.peek() == b'%' {
                        return Err(Declined);
                    }
                    open = true;
                    has_root = true;
                    self.block_node(-1, Place::LineStart)?;
                    // Every node ends at the start of the next content (or the end).
                    self.pos = self.line_start;
                }
            }
        }
        if open {
            docs.push(self.take_document());
        }
        Ok(docs)
    }

    fn take_document(&mut self) -> Document<'t> {
        let nodes = std::mem::take(&mut self.nodes);
        self.anchors.clear();
        let root = (!nodes.is_empty()).then_some(0);
        Document { nodes, root }
    }

    // -----------------------------------------------------------------------------------
    // Nodes

    /// Reads the node starting at `pos`. `parent` is the column of the enclosing block
    /// collection (-1 at the root). Returns with `pos` at the first content of the next
    /// content line, or at the end of the text.
    fn block_node(&mut self, parent: isize, place: Place) -> Fast<usize> {
        let column = self.column();
        match self.peek() {
            b'-' if self.is_blank_or_end(self.pos + 1) => {
                if place == Place::AfterColon {
                    return Err(Declined);
                }
                self.block_sequence(column)
            }
            b'|' | b'>' => {
                let Ok(parent) = usize::try_from(parent) else { return Err(Declined) };
                if place == Place::LineStart {
                    return Err(Declined);
                }
                let idx = self.block_scalar(parent)?;
                self.next_content_line();
                Ok(idx)
            }
            b'&' if place != Place::LineStart => {
                let name = self.anchor_name()?;
                // The anchor names the node before its contents are read (an alias inside
                // it refers to it).
                let idx = self.nodes.len();
                self.anchors.push((name, idx));
                let node = self.anchored_node(parent, place)?;
                if node != idx {
                    return Err(Declined);
                }
                Ok(node)
            }
            b'*' => {
                let name = self.anchor_name()?;
                let Some(&(_, target)) = self.anchors.iter().rev().find(|(n, _)| *n == name) else {
                    return Err(Declined);
                };
                let idx = self.push(Node::Alias { name: name.to_string(), target });
                self.finish_line()?;
                self.next_content_line();
                Ok(idx)
            }
            b'{' | b'[' => {
                let idx = if self.peek() == b'{' { self.empty_flow_mapping()? } else { self.flow_sequence()? };
                self.finish_line()?;
                self.next_content_line();
                Ok(idx)
            }
            _ => {
                let (scalar, stop) = self.scalar(parent)?;
                if stop == Stop::Colon {
                    if place == Place::AfterColon {
                        return Err(Declined);
                    }
                    return self.block_mapping(column, scalar);
                }
                let scalar = if scalar.style == ScalarStyle::Plain {
                    self.plain_continuation(scalar, parent)?
                } else {
                    scalar
                };
                let idx = self.push_scalar(scalar);
                self.finish_line()?;
                self.next_content_line();
                Ok(idx)
            }
        }
    }

    /// A block mapping whose first key (already read, `pos` after its `:`) is at `column`.
    fn block_mapping(&mut self, column: usize, first_key: Scalar<'t>) -> Fast<usize> {
        self.enter_collection()?;
        let map = self.push(Node::Map(Vec::new()));
        let mut entries = Vec::new();
        let mut key = first_key;
        loop {
            let key_idx = self.push_scalar(key);
            let value_idx = self.node_after_indicator(column, Place::AfterColon)?;
            entries.push((key_idx, value_idx));
            if self.at_end() || self.column() < column || self.at_document_marker().is_some() {
                break;
            }
            if self.column() > column {
                return Err(Declined);
            }
            let (next_key, stop) = self.scalar(-1)?;
            if stop != Stop::Colon {
                return Err(Declined);
            }
            key = next_key;
        }
        self.nodes[map] = Node::Map(entries);
        self.depth -= 1;
        Ok(map)
    }

    /// The node after an indicator (`pos` just after it) of a collection at `column`: a
    /// key's `:` (`place` is `AfterColon`) or a sequence's `-` (`AfterDash`). It starts on
    /// the same line, or else on the lines after it.
    fn node_after_indicator(&mut self, column: usize, place: Place) -> Fast<usize> {
        let after_indicator = self.pos;
        self.skip_spaces();
        if !matches!(self.peek(), b'\n' | b'#' | 0) {
            return self.block_node(column as isize, place);
        }
        self.pos = after_indicator;
        self.finish_line()?;
        self.node_on_next_lines(column, matches!(place, Place::AfterColon))
    }

    /// A node that starts on the lines after the current one, inside a collection at
    /// column `parent`: more indented content, a sequence at a key's indentation (when
    /// `in_mapping`), or else an empty scalar.
    fn node_on_next_lines(&mut self, parent: usize, in_mapping: bool) -> Fast<usize> {
        if !self.next_content_line() {
            return Ok(self.push_empty());
        }
        if self.column() > parent {
            return self.block_node(parent as isize, Place::LineStart);
        }
        if in_mapping && self.column() == parent && self.at_sequence_entry() {
            return self.block_sequence(parent);
        }
        Ok(self.push_empty())
    }

    /// The node after an anchor (`pos` just after its name), which stood after a key's `:`
    /// or a `-`: a scalar or flow collection on the same line, or a node on the next lines.
    fn anchored_node(&mut self, parent: isize, place: Place) -> Fast<usize> {
        let Ok(parent_column) = usize::try_from(parent) else { return Err(Declined) };
        let after_name = self.pos;
        self.skip_spaces();
        if !matches!(self.peek(), b'\n' | b'#' | 0) {
            // An anchor before a key, before `- `, or before another anchor or an alias (an
            // error), is left to saphyr.
            if matches!(self.peek(), b'&' | b'*') {
                return Err(Declined);
            }
            return self.block_node(parent, Place::AfterColon);
        }
        self.pos = after_name;
        self.finish_line()?;
        let next_line = self.pos;
        if self.next_content_line() && matches!(self.peek(), b'&' | b'*') {
            return Err(Declined);
        }
        self.pos = next_line;
        self.node_on_next_lines(parent_column, place == Place::AfterColon)
    }

    /// The name of the anchor or alias whose `&` or `*` is at `pos`, moving past it. Only
    /// names of letters, digits, `_`, `-` and `.` followed by a space or a line end are
    /// accepted.
    fn anchor_name(&mut self) -> Fast<&'t str> {
        let text = self.text;
        let start = self.pos + 1;
        let mut end = start;
        while matches!(self.byte(end), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.') {
            end += 1;
        }
        if end == start || !self.is_blank_or_end(end) {
            return Err(Declined);
        }
        self.pos = end;
        Ok(&text[start..end])
    }

    /// A block sequence whose first `-` is at `pos`, in `column`.
    fn block_sequence(&mut self, column: usize) -> Fast<usize> {
        self.enter_collection()?;
        let seq = self.push(Node::Seq(Vec::new()));
        let mut items = Vec::new();
        loop {
            self.pos += 1;
            items.push(self.node_after_indicator(column, Place::AfterDash)?);
            if self.at_end() || self.column() < column {
                break;
            }
            if self.column() > column {
                return Err(Declined);
            }
            if !self.at_sequence_entry() {
                break;
            }
        }
        self.nodes[seq] = Node::Seq(items);
        self.depth -= 1;
        Ok(seq)
    }


    // -----------------------------------------------------------------------------------
    // Scalars

    /// A plain or quoted scalar, and whether a `:` makes it a mapping key (then `pos` is
    /// after the `:`; otherwise at what follows the scalar on its last line). Plain scalars
    /// are read up to the end of their first line, quoted ones to their end (see
    /// [`Self::quoted`] for `parent`).
    fn scalar(&mut self, parent: isize) -> Fast<(Scalar<'t>, Stop)> {
        let start = self.pos;
        let (scalar, multi_line) = match self.peek() {
            b'\'' | b'"' => self.quoted(parent)?,
            first => {
                let second = self.byte(self.pos + 1);
                let indicator = matches!(
                    first,
                    b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b',' | b'[' | b']' | b'{' | b'}'
                        | b'\'' | b'"'
                ) || (matches!(first, b'-' | b'?' | b':') && matches!(second, b' ' | b'\n' | 0));
                if indicator || self.at_end() {
                    return Err(Declined);
                }
                return self.plain(start);
            }
        };
        // After a quoted scalar: a key's `:`, or the end of its line.
        let quote_end = self.pos;
        self.skip_spaces();
        if self.peek() == b':' && self.is_blank_or_end(self.pos + 1) {
            if self.pos - start > KEY_LIMIT || multi_line {
                return Err(Declined);
            }
            self.pos += 1;
            return Ok((scalar, Stop::Colon));
        }
        self.pos = quote_end;
        Ok((scalar, Stop::LineEnd))
    }

    /// A plain scalar starting at `start`: it ends at `: ` (a key), at ` #` (a comment) or
    /// at the end of the line; trailing spaces are not part of it.
    fn plain(&mut self, start: usize) -> Fast<(Scalar<'t>, Stop)> {
        let (end, stop) = self.plain_line_end(start);
        let text = self.text;
        let value = text[start..end].trim_end_matches(' ');
        if stop == Stop::Colon {
            if end - start > KEY_LIMIT {
                return Err(Declined);
            }
            self.pos = end + 1;
        } else {
            self.pos = start + value.len();
        }
        Ok((Scalar { value: Cow::Borrowed(value), style: ScalarStyle::Plain }, stop))
    }

    /// The lines that continue a plain scalar (`pos` after its first line's content):
    /// those indented more than the enclosing collection, up to the first that is not.
    /// Line breaks fold into a space, empty lines into line feeds.
    fn plain_continuation(&mut self, first_line: Scalar<'t>, parent: isize) -> Fast<Scalar<'t>> {
        let mut at = self.pos;
        while self.byte(at) == b' ' {
            at += 1;
        }
        // A comment ends the scalar; so does the end of the text.
        if self.byte(at) != b'\n' {
            return Ok(first_line);
        }
        let mut value = first_line.value;
        let plain = |value| Ok(Scalar { value, style: ScalarStyle::Plain });
        let mut breaks = 0;
        loop {
            // `at` is on a line feed: look at the next line.
            at += 1;
            let line_start = at;
            while self.byte(at) == b' ' {
                at += 1;
            }
            match self.byte(at) {
                b'\n' => {
                    breaks += 1;
                    continue;
                }
                b'#' | 0 => return plain(value),
                _ => {}
            }
            if (at - line_start) as isize <= parent {
                return plain(value);
            }
            // At the root, a document marker ends the scalar; lines at column 0 go on with
            // it, a case left to saphyr.
            if parent < 0 {
                let marker = &self.bytes[at..];
                let is_marker = (marker.starts_with(b"---") || marker.starts_with(b"..."))
                    && at == line_start
                    && self.is_blank_or_end(at + 3);
                return if is_marker { plain(value) } else { Err(Declined) };
            }
            let (end, stop) = self.plain_line_end(at);
            if stop == Stop::Colon {
                return Err(Declined);
            }
            let content = self.text[at..end].trim_end_matches(' ');
            let joined = value.to_mut();
            if breaks == 0 {
                joined.push(' ');
            }
            push_newlines(joined, breaks);
            joined.push_str(content);
            self.pos = at + content.len();
            self.line_start = line_start;
            breaks = 0;
            at = end;
            if self.byte(at) != b'\n' {
                return plain(value);
            }
        }
    }

    /// Where the plain scalar text starting at `start` stops on its line: at `: `, at ` #`
    /// or at the line end (trailing spaces included).
    fn plain_line_end(&self, start: usize) -> (usize, Stop) {
        let mut at = start;
        loop {
            let rest = &self.bytes[at..];
            // Most scalars are short: looking at their first bytes a word at a time finds
            // their end before `memchr3` would have set up its vectors.
            let head = &rest[..rest.len().min(64)];
            let offset = match first_line_end_or_indicator(head) {
                Some(offset) => offset,
                None if head.len() == rest.len() => return (self.bytes.len(), Stop::LineEnd),
                None => match memchr3(b'\n', b':', b'#', &rest[head.len()..]) {
                    Some(offset) => head.len() + offset,
                    None => return (self.bytes.len(), Stop::LineEnd),
                },
            };
            let found = at + offset;
            match self.bytes[found] {
                b':' if self.is_blank_or_end(found + 1) => return (found, Stop::Colon),
                b'#' if found > start && self.bytes[found - 1] == b' ' => return (found, Stop::LineEnd),
                b'\n' => return (found, Stop::LineEnd),
                _ => at = found + 1,
            }
        }
    }

    /// `[a, "b", 'c']` on one line, of scalars only.
    fn flow_sequence(&mut self) -> Fast<usize> {
        if self.depth >= DEPTH_LIMIT {
            return Err(Declined);
        }
        let seq = self.push(Node::Seq(Vec::new()));
        let mut items = Vec::new();
        self.pos += 1;
        self.skip_spaces();
        if self.peek() == b']' {
            self.pos += 1;
            return Ok(seq);
        }
        loop {
            let item = match self.peek() {
                b'\'' | b'"' => self.quoted(-1)?.0,
                _ => self.flow_plain()?,
            };
            items.push(self.push_scalar(item));
            self.skip_spaces();
            match self.peek() {
                b',' => {
                    self.pos += 1;
                    self.skip_spaces();
                    // A trailing comma adds no entry; left to saphyr.
                    if self.peek() == b']' {
                        return Err(Declined);
                    }
                }
                b']' => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(Declined),
            }
        }
        self.nodes[seq] = Node::Seq(items);
        Ok(seq)
    }

    /// A plain scalar inside a flow sequence: it ends at `,` or `]`. Anything that could
    /// make it a key, a nested collection or a comment is declined.
    fn flow_plain(&mut self) -> Fast<Scalar<'t>> {
        let start = self.pos;
        let first = self.peek();
        if !(first.is_ascii_alphanumeric() || first == b'_' || first == b'/' || first == b'.' || first >= 0x80) {
            return Err(Declined);
        }
        let mut at = start;
        loop {
            match self.byte(at) {
                b',' | b']' => break,
                b'\n' | 0 | b'[' | b'{' | b'}' | b':' => return Err(Declined),
                b'#' if self.bytes[at - 1] == b' ' => return Err(Declined),
                _ => at += 1,
            }
        }
        let text = self.text;
        let value = text[start..at].trim_end_matches(' ');
        self.pos = start + value.len();
        Ok(Scalar { value: Cow::Borrowed(value), style: ScalarStyle::Plain })
    }

    /// `{}`, or `{ }`.
    fn empty_flow_mapping(&mut self) -> Fast<usize> {
        if self.depth >= DEPTH_LIMIT {
            return Err(Declined);
        }
        self.pos += 1;
        self.skip_spaces();
        if self.peek() != b'}' {
            return Err(Declined);
        }
        self.pos += 1;
        Ok(self.push(Node::Map(Vec::new())))
    }

    /// A single- or double-quoted scalar (`''` standing for a quote in the first, YAML's
    /// escapes in the second). It may go on over lines indented more than `parent` (the
    /// enclosing collection's column; a negative one allows a single line only): a line
    /// break folds into a space, empty lines into line feeds, an escaped line break into
    /// nothing, and spaces around line breaks are dropped.
    fn quoted(&mut self, parent: isize) -> Fast<(Scalar<'t>, bool)> {
        let double = self.peek() == b'"';
        let quote = self.peek();
        let mut value = String::new();
        let mut at = self.pos + 1;
        let mut multi_line = false;
        loop {
            let line_end = memchr(b'\n', &self.bytes[at..]).map_or(self.bytes.len(), |i| at + i);
            let mut escaped_break = false;
            loop {
                let found = if double {
                    memchr2(b'"', b'\\', &self.bytes[at..line_end])
                } else {
                    memchr(b'\'', &self.bytes[at..line_end])
                };
                let Some(offset) = found else {
                    value.push_str(self.text[at..line_end].trim_end_matches(' '));
                    break;
                };
                let found = at + offset;
                value.push_str(&self.text[at..found]);
                if self.bytes[found] == quote {
                    if !double && self.byte(found + 1) == b'\'' {
                        value.push('\'');
                        at = found + 2;
                        continue;
                    }
                    let style = if double { ScalarStyle::DoubleQuoted } else { ScalarStyle::SingleQuoted };
                    // Text without escapes or line breaks is borrowed.
                    let value = if at == self.pos + 1 {
                        let text = self.text;
                        Cow::Borrowed(&text[at..found])
                    } else {
                        Cow::Owned(value)
                    };
                    self.pos = found + 1;
                    return Ok((Scalar { value, style }, multi_line));
                }
                if found + 1 == line_end {
                    escaped_break = true;
                    break;
                }
                let (c, length) = self.escape(found, line_end)?;
                value.push(c);
                at = found + length;
            }
            // The line ended inside the quotes: find the next line with content.
            if line_end >= self.bytes.len() || parent < 0 {
                return Err(Declined);
            }
            multi_line = true;
            at = line_end;
            let mut empty_lines = 0;
            loop {
                at += 1;
                self.line_start = at;
                while self.byte(at) == b' ' {
                    at += 1;
                }
                match self.byte(at) {
                    b'\n' => empty_lines += 1,
                    0 => return Err(Declined),
                    _ => break,
                }
            }
            if (at - self.line_start) as isize <= parent {
                return Err(Declined);
            }
            if !escaped_break && empty_lines == 0 {
                value.push(' ');
            }
            push_newlines(&mut value, empty_lines);
        }
    }

    /// The escape sequence at `at` (a backslash, not at the end of its line) and its
    /// length.
    fn escape(&self, at: usize, line_end: usize) -> Fast<(char, usize)> {
        let simple = match self.byte(at + 1) {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0b',
            b'f' => '\x0c',
            b'r' => '\r',
            b'e' => '\x1b',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' | b'u' | b'U' => {
                let digits = match self.byte(at + 1) {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex_start = at + 2;
                if hex_start + digits > line_end {
                    return Err(Declined);
                }
                let mut code = 0u32;
                for &b in &self.bytes[hex_start..hex_start + digits] {
                    let digit = char::from(b).to_digit(16).ok_or(Declined)?;
                    code = (code << 4) | digit;
                }
                let c = char::from_u32(code).ok_or(Declined)?;
                return Ok((c, 2 + digits));
            }
            _ => return Err(Declined),
        };
        Ok((simple, 2))
    }

    /// A literal (`|`) or folded (`>`) block scalar whose indicator is at `pos`, inside a
    /// block collection at column `parent`. Follows saphyr's scanner step by step (its
    /// chomping and folding, and its reading of a last line without a line feed). Returns
    /// with `pos` somewhere on the first line after the scalar.
    fn block_scalar(&mut self, parent: usize) -> Fast<usize> {
        #[derive(PartialEq)]
        enum Chomping {
            Strip,
            Clip,
            Keep,
        }
        let literal = self.peek() == b'|';
        self.pos += 1;
        let chomping_of = |b: u8| match b {
            b'+' => Some(Chomping::Keep),
            b'-' => Some(Chomping::Strip),
            _ => None,
        };
        let digit_of = |b: u8| (b'1'..=b'9').contains(&b).then(|| usize::from(b - b'0'));
        let mut chomping = Chomping::Clip;
        let mut increment = 0;
        if let Some(c) = chomping_of(self.peek()) {
            chomping = c;
            self.pos += 1;
            if let Some(d) = digit_of(self.peek()) {
                increment = d;
                self.pos += 1;
            }
        } else if let Some(d) = digit_of(self.peek()) {
            increment = d;
            self.pos += 1;
            if let Some(c) = chomping_of(self.peek()) {
                chomping = c;
                self.pos += 1;
            }
        }
        if self.peek() == b'0' {
            return Err(Declined);
        }
        let header_line = self.line_start;
        self.finish_line()?;

        // Line feeds of empty lines not yet added to the value.
        let mut trailing_breaks = 0;
        let indent = if increment > 0 {
            let indent = parent + increment;
            self.skip_block_indent(indent, &mut trailing_breaks);
            indent
        } else {
            // Without an indicator, the first line with content sets the indentation (but
            // never less than one more than the parent's); empty lines before it count.
            let mut widest = 0;
            loop {
                self.skip_spaces();
                widest = widest.max(self.column());
                if self.peek() != b'\n' {
                    break;
                }
                trailing_breaks += 1;
                self.pos += 1;
                self.line_start = self.pos;
            }
            widest.max(parent + 1)
        };

        let style = if literal { ScalarStyle::Literal } else { ScalarStyle::Folded };
        if self.at_end() {
            let value = match chomping {
                Chomping::Strip | Chomping::Clip => String::new(),
                Chomping::Keep if trailing_breaks == 0 && self.line_start > header_line && self.column() > 0 => {
                    "\n".to_string()
                }
                Chomping::Keep => "\n".repeat(trailing_breaks),
            };
            return Ok(self.push_scalar(Scalar { value: Cow::Owned(value), style }));
        }
        if self.column() < indent && self.column() > parent {
            return Err(Declined);
        }

        let mut value = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        while self.column() == indent && !matches!(self.peek(), b'\n' | 0) {
            let trailing_blank = self.peek() == b' ';
            if !literal && leading_break && !leading_blank && !trailing_blank {
                // Folding: a single line break becomes a space.
                if trailing_breaks == 0 {
                    value.push(' ');
                }
            } else if leading_break {
                value.push('\n');
            }
            push_newlines(&mut value, trailing_breaks);
            leading_break = false;
            trailing_breaks = 0;
            leading_blank = self.peek() == b' ';
            let line_end = self.line_end();
            value.push_str(&self.text[self.pos..line_end]);
            self.pos = line_end;
            if self.at_end() {
                break;
            }
            leading_break = true;
            self.pos += 1;
            self.line_start = self.pos;
            self.skip_block_indent(indent, &mut trailing_breaks);
        }
        if chomping != Chomping::Strip {
            if leading_break {
                value.push('\n');
            }
            // A last line without a line feed still ends with one.
            if self.at_end() && self.column() >= indent.max(1) {
                value.push('\n');
            }
        }
        if chomping == Chomping::Keep {
            push_newlines(&mut value, trailing_breaks);
        }
        let idx = self.push_scalar(Scalar { value: Cow::Owned(value), style });
        // Unless the text ended, the scalar ended on a line it did not take (after part of
        // its indentation): the caller reads that line from its start.
        if !self.at_end() {
            self.pos = self.line_start;
        }
        Ok(idx)
    }

    /// Skips the indentation of block scalar lines (up to `indent` spaces), counting the
    /// empty lines passed; stops at the first line with content (or more spaces).
    fn skip_block_indent(&mut self, indent: usize, breaks: &mut usize) {
        loop {
            while self.column() < indent && self.peek() == b' ' {
                self.pos += 1;
            }
            if self.peek() != b'\n' {
                return;
            }
            *breaks += 1;
            self.pos += 1;
            self.line_start = self.pos;
        }
    }
}

/// The first `\n`, `:` or `#` in `bytes`, eight bytes at a time (a byte equal to the one
/// sought makes a zero byte after `^`, which the borrow trick below finds; the lowest flag
/// is always exact).
fn first_line_end_or_indicator(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let found = zero_bytes(x ^ (ONES * u64::from(b'\n')))
            | zero_bytes(x ^ (ONES * u64::from(b':')))
            | zero_bytes(x ^ (ONES * u64::from(b'#')));
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks.remainder().iter().position(|&b| matches!(b, b'\n' | b':' | b'#')).map(|i| base + i)
}

fn push_newlines(value: &mut String, count: usize) {
    for _ in 0..count {
        value.push('\n');
    }
}

/// What the fast reader made of a text, next to the saphyr path (tests and fuzzing).
#[derive(Debug, PartialEq, Eq)]
pub enum FastReading {
    /// The fast reader left the text to saphyr.
    Declined,
    /// The fast reader read the text, into the same documents as saphyr.
    Same,
    /// The fast reader read the text differently: where, and both readings there.
    Different(String),
}

/// Reads `text` with both readers, as the whole stream and as its first document only.
pub fn compare_with_saphyr(text: &str) -> FastReading {
    let mut accepted = false;
    for limit in [None, Some(1)] {
        let Some(fast) = read_documents(text, limit) else { continue };
        accepted = true;
        let slow = match super::load::read_documents_with_saphyr(text, limit) {
            Ok(docs) => docs,
            Err(e) => return FastReading::Different(format!("limit {limit:?}: saphyr fails: {e}")),
        };
        if let Some(difference) = first_difference(&fast, &slow) {
            return FastReading::Different(format!("limit {limit:?}: {difference}"));
        }
    }
    if accepted {
        FastReading::Same
    } else {
        FastReading::Declined
    }
}

fn first_difference(fast: &[Document], slow: &[Document]) -> Option<String> {
    if fast.len() != slow.len() {
        return Some(format!("{} documents, saphyr {}", fast.len(), slow.len()));
    }
    for (d, (f, s)) in fast.iter().zip(slow).enumerate() {
        if f.root != s.root {
            return Some(format!("document {d}: root {:?}, saphyr {:?}", f.root, s.root));
        }
        let nodes = f.nodes.len().max(s.nodes.len());
        for n in 0..nodes {
            let (a, b) = (f.nodes.get(n), s.nodes.get(n));
            if a != b {
                return Some(format!("document {d}, node {n}: {a:?}, saphyr {b:?}"));
            }
        }
    }
    None
}
