//! The fast YAML reader against the saphyr path: whenever the fast reader accepts a text,
//! it must build exactly the documents saphyr's events build (as a whole stream and as the
//! first document only).

use std::path::{Path, PathBuf};

use godata::yaml::{compare_direct_conversion, compare_with_saphyr, FastReading};

/// Texts the fast reader must accept, and read as saphyr does.
const ACCEPTED: &[&str] = &[
    "",
    "a: 1\n",
    "a: 1",
    "# only a comment\n",
    "# only a comment",
    "\n\n  \n",
    // Indentation changes.
    "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
    "a:\n    b: 1\n    c:\n       d: 2\n",
    "  a: 1\n  b: 2\n",
    // Sequences: indented, at the key's indentation, nested on one line, compact maps.
    "a:\n  - 1\n  - 2\nb: 3\n",
    "a:\n- 1\n- 2\nb: 3\n",
    "- - a\n  - b\n- c\n",
    "- - - a\n",
    "- k: v\n  k2: v2\n- k3: v3\n",
    "- k:\n  - x\n  - y\n  k2: z\n",
    "- a:\n    b: 1\n  c: 2\n",
    "- \n- a\n-\n",
    "-\n  a: 1\n-\n  - b\n",
    "key:\n-\n  a\n",
    // Comments and `#` inside scalars.
    "key: \"a # b\"\n",
    "key: a#b\n",
    "key: a #b\n",
    "key: a   # b\n",
    "key: # comment\n  nested: 1\n",
    "- # comment\n  a: 1\n",
    "a: 1 # c\n# c\n  # c\nb: 2\n",
    "a: x\n  # more indented comment\nb: 2\n",
    // Empty values and trailing spaces.
    "key:    \n",
    "key:\nother: 1\n",
    "key: value   \n",
    "a:\n",
    // Quoted keys and values.
    "\"quoted key\": v\n",
    "'quoted key': v\n",
    "\"k\" : v\n",
    "k: 'it''s'\n",
    "k: ''\n",
    "k: \"\"\n",
    "k: \"\\u00e9\\t\"\n",
    "k: \"\\x41\\U0001F600\\0\\a\\b\\n\\v\\f\\r\\e\\ \\\"\\/\\\\\\N\\_\\L\\P\"\n",
    "k: \"a: b\"\n",
    "k: 'a: b'\n",
    "k: \"  spaced  \"\n",
    "k: \"a\" # comment\n",
    "- \"a\"\n- 'b'\n",
    "- \"k\": v\n",
    // Plain scalars that look like other things.
    "key: -x\n",
    "- -1\n- -foo\n- -.5\n",
    "key: -1\n",
    "a: b:c\n",
    "a:b: c\n",
    "url: http://example.com:8080/path\n",
    "a: ---\nb: ...\n",
    ":x: 1\n",
    "k: a \"quoted\" word\n",
    "k: x{}\n",
    "k: caf\u{e9} \u{1F600}\n",
    "\u{e9}t\u{e9}: 1\n",
    // Long plain scalars (their ends are searched for a word, then a vector, at a time).
    "k: a234567:9b234567#9c234567 9d234567:9e234567:9f2345678g2345678h2345678i2345678j2345678 #c\n",
    "a2345678b2345678c2345678d2345678e2345678f2345678g2345678h2345678i2345678j2345678: v\n",
    "k: a2345678b2345678c2345678d2345678e2345678f2345678g2345678h2345678i2345678j:2345678",
    "k: \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}:\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9} #x\n",
    // Keys resolved later: the style must be Plain.
    "on: yes\nyes: no\n1.0: null\nnull: ~\n~: 1\n0x10: 010\n",
    // Empty flow collections.
    "a: {}\nb: []\n",
    "- {}\n- []\n",
    "{}\n",
    "[]\n",
    "a:\n  {}\n",
    "a: {} # c\n",
    // Documents.
    "---\na: 1\n",
    "---\na: 1\n---\nb: 2\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n---\n",
    "---\n",
    "---\n---\n",
    "--- # comment\na: 1\n",
    "---   \na: 1\n",
    "a: 1\n...\n",
    "a: 1\n...\n---\nb: 2\n",
    "a: 1\n...\nb: 2\n",
    "...\n",
    "# c\n---\n# only comments\n---\na: 1\n",
    "---\n# only comments\n",
    "plain\n",
    "plain scalar\n---\nb: 1\n",
    "\"quoted\"\n",
    "a: 1\n--- \n...\n",
    // Block scalars.
    "a: |\n  line 1\n  line 2\nb: 1\n",
    "a: |-\n  line 1\n  line 2\n\n\nb: 1\n",
    "a: |+\n  line 1\n  line 2\n\n\nb: 1\n",
    "a: |\n  line 1\n\n  line 3\n\n",
    "a: >\n  folded\n  text\n\n  para\n    indented\n  back\n",
    "a: >-\n  folded\n  text\n",
    "a: >+\n  folded\n\n",
    "a: |2\n    two more\n  base\n",
    "a: |1-\n  x\n",
    "a: |-2\n   x\n",
    "- |\n  item\n- >\n  item\n",
    "- k: |\n    v\n  k2: x\n",
    "a: |\n  # not a comment\n  x: y\n# a comment\nb: 1\n",
    "a: |\n  x\n # less indented comment\nb: 1\n",
    "a: |\n  x\n      \n  y\n",
    "a: |\n  x\n  ",
    "a: |\n  x",
    "a: |+\n  x",
    "a: |-\n  x",
    "a: |\n",
    "a: |",
    "a: |+\n\n",
    "a: |+\n  ",
    "a: |\n\n\n  x\n",
    "a: |\nb: 1\n",
    "a: |+\nb: 1\n",
    "a: | # comment\n  x\n",
    "a: >\n\n  x\n\n\n  y\n   z\n  w\n",
    "a:\n  b: |\n    x\n  c: 1\n",
    "a:\n- |\n  x\n- y\n",
    // Multi-line plain scalars.
    "a: multi\n  line\n",
    "a: 1\n  - b\n",
    "a: x\n  y\n\n  z\n\n\n   w\nb: 1\n",
    "a: x\n  y # comment\nb: 1\n",
    "a: x\n  [y] {z} &w *v !u \"t\" 's' |r >q -p ?o %n @m\nb: 1\n",
    "- x\n  y\n- z\n",
    "- k: x\n   y\n  k2: z\n",
    "a:\n  x\n  y\n",
    "a: x\n\n  \nb: 1\n",
    "a: x   \n   y   \n",
    "a: x\n  y",
    "plain\n...\n",
    // Multi-line quoted scalars.
    "a: \"multi\n  line\"\n",
    "a: 'multi  \n   line\n\n  it''s\n\n\n  x  '\nb: 1\n",
    "a: \"x \\\n   y\\\n\n  z\\ \n  \\t w\"\n",
    "a: \"\n  x\n  \"\n",
    "- 'x\n  y'\n- \"z\"\n",
    "- k: 'x\n    y'\n  k2: 1\n",
    // Flow sequences of scalars.
    "a: [1, 2]\n",
    "a: [\"x\", 'y', z w]\n",
    "a: [ ]\n",
    "a: { }\n",
    "- [a]\n- [b, c] # comment\n",
    "[a, b]\n",
    "a: [http/x, a#b, caf\u{e9}]\n",
    // Anchors and aliases.
    "a: &x 1\nb: *x\n",
    "a: &x\n  k: v\nb:\n  <<: *x\n  k2: w\n",
    "a: &x\n- 1\nb: *x\n",
    "- &x [a, b]\n- *x\n- &y\n- *y\n",
    "- &x\n  k: v\n- *x # comment\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a: &x\n  b: *x\n",
    "a: &x |\n  text\nb: *x\n",
    "a: &x.y-z_1 'q'\nb: *x.y-z_1\n",
    // (Only the first document is read: the alias to another document's anchor is not.)
    "a: &x 1\n---\nb: *x\n",
    // Duplicate keys are kept, in order.
    "a: 1\na: 2\n",
];

/// Texts the fast reader must leave to saphyr (errors, and YAML outside its subset).
const DECLINED: &[&str] = &[
    "a: !!str 1\n",
    "&x a: 1\n",
    "- &x k: v\n",
    "a: *x\n",
    "a: &x:y 1\n",
    "a: *x:\n",
    "&x\na: 1\n",
    "a: &x &y 1\n",
    "a: 1\nb: &x\n  *a\n",
    "a: &x\n  &y\n    b: 1\n",
    "a: &x 1\nb: &y *x\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: {b: 1}\n",
    "a: [1, [2]]\n",
    "a: [1, 2,]\n",
    "a: [a: 1]\n",
    "a: [1,\n  2]\n",
    "a: [-1]\n",
    "a: x\n  y: z\n",
    "a: x # c\n  y\n",
    "plain\nmore\n",
    "a: 'x\ny'\n",
    "'x\n  y'\n",
    "a: 'x\n  y': 1\n",
    "'x\n y': 1\n",
    "a: 'unterminated\n  line\n",
    "a: \"x\\",
    "a: \"\\u088\u{2c9}9\"\n",
    "? complex\n: key\n",
    "? x: 1\n",
    "a:\n\tb: 1\n",
    "a: 1\r\nb: 2\r\n",
    "\u{feff}a: 1\n",
    "a: \u{1}\n",
    "key: - a\n",
    "key: -\n",
    "a: b: c\n",
    "a: 1\n b: 2\n",
    "- a\nb: 1\n",
    "a\nb\n",
    "--- a: 1\n",
    "a: \"unterminated\n",
    "a: \"bad \\q escape\"\n",
    "a: \"a\"b\n",
    "a: \"a\"#c\n",
    "a: |0\n  x\n",
    "a: |\n    x\n  y\n",
    "a: |\n  x\n   \n y: 1\n",
    "a: @x\n",
    "k: [a]b\n",
    "a: |\n     \n  x\n",
    "a: `x\n",
    "|\n  top level\n",
    "a: 1\n... x\n",
    "a: 1 #c\n  b\n",
];

/// Documents for the conversion of nodes to values, which must give what the decoder gives
/// (or leave the document to it).
const CONVERTED: &[&str] = &[
    "a: 1\nb: 1.5\nc: 0x1F\nd: 0755\ne: 1_000\nf: yes\ng: off\nh: ~\ni:\nj: null\nk: 2001-12-14\n",
    "a: .inf\n",
    "a: -.inf\n",
    "a: .nan\n",
    "a: 99999999999999999999\nb: 18446744073709551615\nc: -9223372036854775808\n",
    "a: '1'\nb: \"true\"\nc: |\n  1\n",
    "1: a\n\"1\": b\n1: c\n",
    "a: 1\nb: 2\na: 3\n",
    "on: a\nyes: b\ntrue: c\n1.5: d\n~: e\n2001-12-14: f\n0x10: g\n",
    "a: &x {k: v}\nb:\n  <<: *x\n",
    "<<: {a: 1}\n",
    "'<<': 1\n",
    "a: !!str 1\nb: !!int '2'\n",
    "[a, 1, true, ~, 1.0e3]\n",
    "? [a]\n: b\n",
    "a: +1\nb: -0\nc: -0.0\nd: .5\ne: +.inf\nf: 1e400\n",
    "key: value\n---\nother: 2\n---\n- 1\n",
];

#[test]
fn nodes_convert_as_the_decoder_converts_them() {
    let mut failures = Vec::new();
    for text in CONVERTED.iter().chain(ACCEPTED) {
        if let Err(e) = compare_direct_conversion(text) {
            failures.push(format!("{text:?}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compare_direct_conversion("a: 1\nb: [x, 'y']\n") == Ok(1));
}

#[test]
fn tricky_cases_read_as_saphyr_reads_them() {
    let mut failures = Vec::new();
    for (texts, want) in [(ACCEPTED, FastReading::Same), (DECLINED, FastReading::Declined)] {
        for text in texts {
            let got = compare_with_saphyr(text);
            if got != want {
                failures.push(format!("{text:?}: {got:?}, want {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var("CHARTROOM_CONFORMANCE_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"),
    };
    dir.join("cases.tsv").is_file().then_some(dir)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out);
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let in_expected = path.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "expected");
        if name.ends_with(".yaml") || name.ends_with(".yml") || (in_expected && name.ends_with(".out")) {
            out.push(path);
        }
    }
}

/// The documents of a rendered stream, cut where Helm cuts them (lines of `---`) and
/// trimmed as Helm's manifest sorter reads them.
fn split_documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            docs.push(text[start..at].trim());
            start = at + line.len();
        }
        at += line.len();
    }
    docs.push(text[start..].trim());
    docs.into_iter().filter(|d| !d.is_empty()).collect()
}

#[test]
fn corpus_files_read_as_saphyr_reads_them() {
    let Some(dir) = corpus_dir() else {
        let msg = "CONFORMANCE CORPUS NOT FOUND: expected ../shared/conformance/cases.tsv \
                   (or set CHARTROOM_CONFORMANCE_DIR). The fast YAML reader was not compared on it.";
        eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        return;
    };
    let mut files = Vec::new();
    collect_files(&dir, &mut files);
    assert!(!files.is_empty(), "no YAML files under {}", dir.display());
    let (mut texts, mut accepted, mut bytes, mut accepted_bytes) = (0, 0, 0, 0);
    let mut differences = Vec::new();
    let mut declined = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let is_stream = path.extension().is_some_and(|e| e == "out");
        let mut pieces = vec![text.as_str()];
        if is_stream {
            pieces.extend(split_documents(&text));
        }
        for piece in pieces {
            texts += 1;
            bytes += piece.len();
            match compare_with_saphyr(piece) {
                FastReading::Same => {
                    accepted += 1;
                    accepted_bytes += piece.len();
                }
                FastReading::Declined => {
                    if piece.len() == text.len() {
                        declined.push(path.strip_prefix(&dir).unwrap_or(path).display().to_string());
                    }
                }
                FastReading::Different(d) => differences.push(format!("{}: {d}", path.display())),
            }
            if let Err(d) = compare_direct_conversion(piece) {
                differences.push(format!("{}: conversion: {d}", path.display()));
            }
        }
    }
    println!(
        "fast YAML reader: accepted {accepted}/{texts} texts ({:.1}%), {accepted_bytes}/{bytes} bytes ({:.1}%), from {} files",
        100.0 * accepted as f64 / texts as f64,
        100.0 * accepted_bytes as f64 / bytes as f64,
        files.len()
    );
    if std::env::var("YAML_FAST_LIST_DECLINED").is_ok() {
        for path in &declined {
            println!("declined: {path}");
        }
    }
    assert!(differences.is_empty(), "{} differences:\n{}", differences.len(), differences.join("\n"));
}

