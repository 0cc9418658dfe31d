//! The shared case table: every `tests/cases/*.txt` case, run through the engine and compared
//! byte for byte with the answer that real Helm (v4.1.4, built with Go 1.25) gave for it.
//!
//! The format is described in `scripts/difftest/README.md`; `scripts/difftest/difftest.py`
//! writes Helm's answers into the files, so this test needs no Helm.
//!
//! Each case runs as Helm runs a chart template: parsed under the name
//! `c/templates/_case.tpl`, executed with `missingkey=zero` and with the data
//! `{"Values": <the case's values>}`, numbers being `float64` as in a parsed values.yaml.
//!
//! `CASES_FILTER=substring cargo test -p gotmpl --test cases -- --nocapture` runs only the
//! cases whose `file: name` contains the substring.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use gotmpl::exec::{MissingKey, Options, Templates};
use gotmpl::parse::{parse, ParseOptions};
use gotmpl::Value;

const CASE_TEMPLATE: &str = "c/templates/_case.tpl";

/// How Helm vouched for a case's expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HelmStatus {
    /// Not asked yet: the expectation (if any) is a human's.
    Unverified,
    /// The output or error is exactly Helm's.
    Verified,
    /// A parse error: Helm shows Go's `NAME:LINE` but only the text after the last `": "` of
    /// Go's message, so only that much is checked.
    VerifiedTail,
}

// Outputs are only compared by the executor test, which is behind a feature for now.
#[derive(Debug)]
enum Expected {
    Output(String),
    Error(String),
    /// Neither an output nor an error recorded yet: run `difftest.py`.
    Nothing,
}

#[derive(Debug)]
struct Case {
    name: String,
    template: String,
    values: Option<String>,
    expected: Expected,
    helm: HelmStatus,
}

/// Parses one case file. A block's content is the lines up to the next header line, without
/// the line break ending its last line; `--- KIND json` blocks hold one JSON string literal.
fn parse_case_file(text: &str, path: &str) -> Result<Vec<Case>, String> {
    struct Draft {
        name: String,
        blocks: Vec<(String, String)>,
        helm: HelmStatus,
    }
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let mut drafts: Vec<Draft> = Vec::new();
    // The open block: kind, whether it is in JSON form, its lines.
    let mut open: Option<(String, bool, Vec<&str>)> = None;

    fn close(
        open: &mut Option<(String, bool, Vec<&str>)>,
        draft: Option<&mut Draft>,
        at: String,
    ) -> Result<(), String> {
        let Some((kind, json, body)) = open.take() else { return Ok(()) };
        let Some(draft) = draft else { return Ok(()) };
        let content = if json {
            let joined = body.join("\n");
            serde_json::from_str::<String>(joined.trim())
                .map_err(|e| format!("{at}: bad JSON string in '{kind} json' block: {e}"))?
        } else {
            body.join("\n")
        };
        if draft.blocks.iter().any(|(k, _)| *k == kind) {
            return Err(format!("{at}: case {:?} has two '{kind}' blocks", draft.name));
        }
        draft.blocks.push((kind, content));
        Ok(())
    }

    for (index, line) in lines.iter().enumerate() {
        let at = format!("{path}:{}", index + 1);
        if let Some(name) = line.strip_prefix("=== ") {
            close(&mut open, drafts.last_mut(), at.clone())?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("{at}: a case needs a name"));
            }
            drafts.push(Draft { name: name.to_string(), blocks: Vec::new(), helm: HelmStatus::Unverified });
        } else if let Some(words) = line.strip_prefix("--- ") {
            if drafts.is_empty() {
                return Err(format!("{at}: block header before the first '=== name' line"));
            }
            close(&mut open, drafts.last_mut(), at.clone())?;
            let words = words.trim();
            if let Some(status) = words.strip_prefix("helm:") {
                let status = match status.trim() {
                    "verified" => HelmStatus::Verified,
                    "verified-tail" => HelmStatus::VerifiedTail,
                    other => return Err(format!("{at}: unknown helm status {other:?}")),
                };
                if let Some(draft) = drafts.last_mut() {
                    draft.helm = status;
                }
                continue;
            }
            let parts: Vec<&str> = words.split_whitespace().collect();
            let known = ["template", "values", "output", "error"];
            match parts.as_slice() {
                [kind] if known.contains(kind) => open = Some((kind.to_string(), false, Vec::new())),
                [kind, "json"] if known.contains(kind) => open = Some((kind.to_string(), true, Vec::new())),
                _ => return Err(format!("{at}: unknown block header {line:?}")),
            }
        } else if let Some((_, _, body)) = open.as_mut() {
            body.push(line);
        } else if !drafts.is_empty() && !line.trim().is_empty() {
            return Err(format!("{at}: text outside a block: {line:?}"));
        }
    }
    close(&mut open, drafts.last_mut(), format!("{path}:end"))?;

    let mut cases = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for draft in drafts {
        if !seen.insert(draft.name.clone()) {
            return Err(format!("{path}: duplicate case name {:?}", draft.name));
        }
        let take = |kind: &str| draft.blocks.iter().find(|(k, _)| k == kind).map(|(_, v)| v.clone());
        let template = take("template").ok_or_else(|| format!("{path}: case {:?} has no template", draft.name))?;
        let expected = match (take("output"), take("error")) {
            (Some(_), Some(_)) => return Err(format!("{path}: case {:?} has both output and error", draft.name)),
            (Some(out), None) => Expected::Output(out),
            (None, Some(err)) => Expected::Error(err),
            (None, None) => Expected::Nothing,
        };
        cases.push(Case { name: draft.name, template, values: take("values"), expected, helm: draft.helm });
    }
    Ok(cases)
}

/// Values as Helm hands them to templates after reading a values.yaml: every number is a
/// `float64`, objects are `map[string]interface {}`, arrays `[]interface {}`.
fn json_to_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(items) => Value::list(items.iter().map(json_to_value).collect()),
        serde_json::Value::Object(entries) => {
            Value::map(entries.iter().map(|(k, v)| (k.as_str(), json_to_value(v))))
        }
    }
}

fn case_data(case: &Case) -> Result<Value, String> {
    let values = match case.values.as_deref().map(str::trim) {
        None | Some("") => Value::empty_map(),
        Some(text) => {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("values are not JSON: {e}"))?;
            if !json.is_object() {
                return Err("values must be a JSON object".to_string());
            }
            json_to_value(&json)
        }
    };
    Ok(Value::map([("Values", values)]))
}

/// What the engine did with a case.
#[derive(Debug, PartialEq)]
enum Outcome {
    Output(String),
    Error(String),
    Panic(String),
}

fn run_case(case: &Case) -> Result<Outcome, String> {
    let data = case_data(case)?;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut templates = Templates::new();
        if let Err(e) = templates.parse(CASE_TEMPLATE, &case.template) {
            return Outcome::Error(e.message);
        }
        let options = Options { missing_key: MissingKey::Zero, ..Options::default() };
        match templates.execute(CASE_TEMPLATE, &data, &options) {
            Ok(out) => Outcome::Output(out),
            Err(e) => Outcome::Error(e.message),
        }
    }));
    Ok(result.unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".to_string());
        Outcome::Panic(text)
    }))
}

/// Whether `got` is an error Helm would have shown as `expected` when Helm only showed the
/// tail of it: same `template: NAME:LINE: ` prefix, and the rest is the tail or ends in
/// `": " + tail`.
fn tail_matches(expected: &str, got: &str) -> bool {
    let Some(after_template) = expected.strip_prefix("template: ") else { return expected == got };
    let Some(split) = after_template.find(": ") else { return expected == got };
    let prefix_len = "template: ".len() + split + 2;
    let (prefix, tail) = expected.split_at(prefix_len);
    match got.strip_prefix(prefix) {
        Some(rest) => rest == tail || rest.ends_with(&format!(": {tail}")),
        None => false,
    }
}

fn verdict(case: &Case, outcome: &Outcome) -> bool {
    match (&case.expected, outcome) {
        (Expected::Output(want), Outcome::Output(got)) => want == got,
        (Expected::Error(want), Outcome::Error(got)) if case.helm == HelmStatus::VerifiedTail => {
            tail_matches(want, got)
        }
        (Expected::Error(want), Outcome::Error(got)) => want == got,
        _ => false,
    }
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    files
}

fn load_all() -> Vec<(String, Vec<Case>)> {
    case_files()
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let short = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let cases = parse_case_file(&text, &short).unwrap_or_else(|e| panic!("{e}"));
            (short, cases)
        })
        .collect()
}

/// The case files themselves are well formed and every case has Helm's answer recorded.
#[test]
fn case_files_are_well_formed_and_verified() {
    let files = load_all();
    let total: usize = files.iter().map(|(_, cases)| cases.len()).sum();
    let mut unverified = Vec::new();
    for (file, cases) in &files {
        for case in cases {
            if case.helm == HelmStatus::Unverified || matches!(case.expected, Expected::Nothing) {
                unverified.push(format!("{file}: {}", case.name));
            }
            if let Err(e) = case_data(case) {
                panic!("{file}: {}: {e}", case.name);
            }
        }
    }
    println!("{} case files, {total} cases, {} not verified by helm", files.len(), unverified.len());
    assert!(
        unverified.is_empty(),
        "cases without Helm's answer (run scripts/difftest/difftest.py):\n  {}",
        unverified.join("\n  ")
    );
}

/// Cases where we knowingly differ from Helm, with the cause. The runner reports them but
/// does not fail on them; the list should only shrink.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[(
    "literals_strings_chars.txt: invalid utf8 escape length",
    "Value strings are UTF-8; Go's strings are byte strings, so \\xff is 1 byte in Go and U+FFFD (3 bytes) here",
)];

/// The whole table through the executor.
#[test]
fn case_table_matches_helm() {
    let filter = std::env::var("CASES_FILTER").unwrap_or_default();
    let mut report = String::new();
    let mut failures = String::new();
    let (mut total_passed, mut total_run) = (0usize, 0usize);
    for (file, cases) in load_all() {
        let (mut passed, mut run) = (0usize, 0usize);
        for case in &cases {
            let label = format!("{file}: {}", case.name);
            if !label.contains(&filter) || matches!(case.expected, Expected::Nothing) {
                continue;
            }
            run += 1;
            let outcome = match run_case(case) {
                Ok(outcome) => outcome,
                Err(e) => panic!("{label}: {e}"),
            };
            if verdict(case, &outcome) {
                passed += 1;
                continue;
            }
            if let Some((_, cause)) = KNOWN_DIVERGENCES.iter().find(|(l, _)| *l == label) {
                println!("known divergence: {label}: {cause}");
                continue;
            }
            let want = match &case.expected {
                Expected::Output(o) => format!("output {o:?}"),
                Expected::Error(e) if case.helm == HelmStatus::VerifiedTail => format!("error {e:?} (tail)"),
                Expected::Error(e) => format!("error {e:?}"),
                Expected::Nothing => "nothing".to_string(),
            };
            let got = match &outcome {
                Outcome::Output(o) => format!("output {o:?}"),
                Outcome::Error(e) => format!("error {e:?}"),
                Outcome::Panic(p) => format!("PANIC {p:?}"),
            };
            let _ = write!(
                failures,
                "\n--- {label}\n  template: {:?}\n  values:   {}\n  expected: {want}\n  got:      {got}\n",
                case.template,
                case.values.as_deref().unwrap_or("{}").trim(),
            );
        }
        if run > 0 {
            let _ = writeln!(report, "{passed:>4}/{run:<4} {file}");
        }
        total_passed += passed;
        total_run += run;
    }
    let _ = writeln!(report, "{total_passed:>4}/{total_run:<4} cases passed in total");
    println!("{report}");
    assert!(failures.is_empty(), "{failures}\n{report}");
}

/// Go's built-in function names: the only functions the cases may call.
const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
    "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Whether Go would report `message` while parsing (`template: NAME:LINE: ...`) rather than
/// while executing (`template: NAME:LINE:COL: executing ...`).
fn is_parse_error(message: &str) -> bool {
    // Execution errors always name the node: `template: NAME:LINE:COL: executing "NAME" at <...>`.
    let Some(rest) = message.strip_prefix("template: ") else { return false };
    match rest.find(": ") {
        Some(split) => !rest[split + 2..].starts_with("executing \""),
        None => false,
    }
}

/// The parse stage alone, through `gotmpl::parse`: every case Helm could parse must parse,
/// and every parse error must be Go's (as far as Helm shows it).
#[test]
fn parser_agrees_with_helm() {
    let filter = std::env::var("CASES_FILTER").unwrap_or_default();
    let is_builtin = |name: &str| BUILTINS.contains(&name);
    let options = ParseOptions { is_func: &is_builtin, skip_func_check: false };
    let mut failures = String::new();
    let (mut passed, mut run) = (0usize, 0usize);
    for (file, cases) in load_all() {
        for case in &cases {
            let label = format!("{file}: {}", case.name);
            if !label.contains(&filter) {
                continue;
            }
            let expected_parse_error = match &case.expected {
                Expected::Error(e) if is_parse_error(e) => Some(e.as_str()),
                Expected::Nothing => continue,
                _ => None,
            };
            run += 1;
            let got = catch_unwind(AssertUnwindSafe(|| parse(CASE_TEMPLATE, &case.template, &options)))
                .map(|result| result.map(|_| ()).map_err(|e| e.message))
                .map_err(|_| "PANIC".to_string());
            let ok = match (expected_parse_error, &got) {
                (None, Ok(Ok(()))) => true,
                (Some(want), Ok(Err(got))) if case.helm == HelmStatus::VerifiedTail => tail_matches(want, got),
                (Some(want), Ok(Err(got))) => want == got,
                _ => false,
            };
            if ok {
                passed += 1;
            } else {
                let _ = write!(
                    failures,
                    "\n--- {label}\n  template: {:?}\n  expected: {}\n  got:      {:?}\n",
                    case.template,
                    expected_parse_error.map_or("parses".to_string(), |e| format!("parse error {e:?}")),
                    got,
                );
            }
        }
    }
    println!("{passed}/{run} cases parse as in helm");
    assert!(failures.is_empty(), "{failures}\n{passed}/{run} cases parse as in helm");
}

#[test]
fn parse_error_shapes() {
    assert!(is_parse_error("template: c/templates/_case.tpl:3: unexpected EOF"));
    assert!(is_parse_error("template: c/templates/_case.tpl:1: template: multiple definition of template \"d\""));
    assert!(!is_parse_error(
        "template: c/templates/_case.tpl:1:3: executing \"c/templates/_case.tpl\" at <len 3>: error calling len: len of type int"
    ));
}

#[test]
fn tail_match_rules() {
    let want = "template: c/templates/_case.tpl:2: \"1x\"";
    assert!(tail_matches(want, "template: c/templates/_case.tpl:2: bad number syntax: \"1x\""));
    assert!(tail_matches(want, want));
    assert!(!tail_matches(want, "template: c/templates/_case.tpl:3: bad number syntax: \"1x\""));
    assert!(!tail_matches(want, "template: c/templates/_case.tpl:2: bad number syntax: \"1y\""));
}
