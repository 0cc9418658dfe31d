//! Lexer and parser tests. Expected error texts are Go 1.25's (checked against Helm v4.1.4,
//! which shows the last ": "-separated part of Go's message and its line).

use gotmpl::ast::{Arg, Node, Tree};
use gotmpl::parse::{is_empty_tree, location, parse, ParseOptions, MAX_NESTING_DEPTH};

const FUNCS: &[&str] = &["print", "printf", "len", "index", "include", "quote", "and", "or", "not", "eq", "list"];

fn is_func(name: &str) -> bool {
    FUNCS.contains(&name)
}

fn try_parse(text: &str) -> Result<Vec<Tree>, gotmpl::Error> {
    let opts = ParseOptions { is_func: &is_func, skip_func_check: false };
    parse("x", text, &opts)
}

fn parse_ok(text: &str) -> Vec<Tree> {
    match try_parse(text) {
        Ok(trees) => trees,
        Err(e) => panic!("{text:?} should parse, got {}", e.message),
    }
}

fn parse_err(text: &str) -> String {
    match try_parse(text) {
        Ok(trees) => panic!("{text:?} should fail, parsed to {}", trees[0].root),
        Err(e) => {
            assert_eq!(e.kind, gotmpl::ErrorKind::Parse);
            e.message
        }
    }
}

/// The top-level tree printed as Go's `String()` does (text unquoted).
fn shown(text: &str) -> String {
    parse_ok(text)[0].root.to_string()
}

#[test]
fn round_trips_like_go_string() {
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("hello", "hello"),
        ("{{/* c */}}", "{{/* c */}}"),
        ("{{.X}}", "{{.X}}"),
        ("{{print}}", "{{print}}"),
        ("{{$}}", "{{$}}"),
        ("{{$.I}}", "{{$.I}}"),
        ("{{with $x := 3}}{{$x 23}}{{end}}", "{{with $x := 3}}{{$x 23}}{{end}}"),
        ("{{$.I.J.K}}", "{{$.I.J.K}}"),
        ("{{printf `%d` 23}}", "{{printf `%d` 23}}"),
        ("{{.X|.Y}}", "{{.X | .Y}}"),
        ("{{$x := .X|.Y}}", "{{$x := .X | .Y}}"),
        ("{{$x := 1}}{{$x = 2}}", "{{$x := 1}}{{$x := 2}}"),
        ("{{.X (.Y .Z) (.A | .B .C) (.E)}}", "{{.X (.Y .Z) (.A | .B .C) (.E)}}"),
        ("{{(.Y .Z).Field}}", "{{(.Y .Z).Field}}"),
        ("{{if .X}}hello{{end}}", "{{if .X}}hello{{end}}"),
        ("{{if .X}}true{{else}}false{{end}}", "{{if .X}}true{{else}}false{{end}}"),
        ("{{if .X}}true{{else if .Y}}false{{end}}", "{{if .X}}true{{else}}{{if .Y}}false{{end}}{{end}}"),
        (
            "+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+",
            "+{{if .X}}X{{else}}{{if .Y}}Y{{else}}{{if .Z}}Z{{end}}{{end}}{{end}}+",
        ),
        ("{{range .SI}}{{.}}{{end}}", "{{range .SI}}{{.}}{{end}}"),
        ("{{range .SI}}{{.}}{{else}}x{{end}}", "{{range .SI}}{{.}}{{else}}x{{end}}"),
        ("{{range $x := .SI}}{{.}}{{end}}", "{{range $x := .SI}}{{.}}{{end}}"),
        ("{{range $x, $y := .SI}}{{.}}{{end}}", "{{range $x, $y := .SI}}{{.}}{{end}}"),
        ("{{range .SI}}{{.}}{{ break }}{{end}}", "{{range .SI}}{{.}}{{break}}{{end}}"),
        ("{{range .SI}}{{.}}{{ continue }}{{end}}", "{{range .SI}}{{.}}{{continue}}{{end}}"),
        (
            "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}",
            "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}",
        ),
        ("{{template `x`}}", "{{template \"x\"}}"),
        ("{{template `x` .Y}}", "{{template \"x\" .Y}}"),
        ("{{with .X}}hello{{end}}", "{{with .X}}hello{{end}}"),
        ("{{with .X}}hello{{else}}goodbye{{end}}", "{{with .X}}hello{{else}}goodbye{{end}}"),
        ("{{with .X}}X{{else with .Y}}Y{{end}}", "{{with .X}}X{{else}}{{with .Y}}Y{{end}}{{end}}"),
        ("x \r\n\t{{- 3}}", "x{{3}}"),
        ("{{3 -}}\n\n\ty", "{{3}}y"),
        ("x \r\n\t{{- 3 -}}\n\n\ty", "x{{3}}y"),
        ("x\n{{-  3   -}}\ny", "x{{3}}y"),
        ("x \r\n\t{{- /* hi */}}", "x{{/* hi */}}"),
        ("{{/* hi */ -}}\n\n\ty", "{{/* hi */}}y"),
        ("{{block \"foo\" .}}hello{{end}}", "{{template \"foo\" .}}"),
        ("{{ $x \n := \n 1 \n }}", "{{$x := 1}}"),
        ("{{\n\"x\"\n|\nprintf\n}}", "{{\"x\" | printf}}"),
        ("{{/*\nhello\n*/}}", "{{/*\nhello\n*/}}"),
        ("{{-\n/*\nhello\n*/\n-}}", "{{/*\nhello\n*/}}"),
        ("{{ print 0x1F 0o17 0b101 1_000 1e3 0x1p-2 .5 '\\n' '\\x41' '\\u00e9' 1+2i }}", "{{print 0x1F 0o17 0b101 1_000 1e3 0x1p-2 .5 '\\n' '\\x41' '\\u00e9' 1+2i}}"),
        ("{{ print \"a\\tb\" `raw\nstring` }}", "{{print \"a\\tb\" `raw\nstring`}}"),
        ("{{ (print 1).a.b }}", "{{(print 1).a.b}}"),
        ("{{ $x := 1 }}{{ $x.a.b }}", "{{$x := 1}}{{$x.a.b}}"),
        ("{{ print .a.b.c (index . 1) $.y }}", "{{print .a.b.c (index . 1) $.y}}"),
        ("{{ include \"x\" . | quote }}", "{{include \"x\" . | quote}}"),
        ("{{ print ((1)) }}", "{{print ((1))}}"),
    ];
    for (input, want) in cases {
        assert_eq!(&shown(input), want, "input {input:?}");
    }
}

#[test]
fn trims_text_around_trim_markers() {
    let trees = parse_ok("a {{- 1 -}} b");
    let nodes = &trees[0].root.nodes;
    assert_eq!(nodes.len(), 3);
    match (&nodes[0], &nodes[1], &nodes[2]) {
        (Node::Text(a), Node::Action(_), Node::Text(b)) => {
            assert_eq!((&*a.text, &*b.text), ("a", "b"));
            assert_eq!((a.pos, a.end), (0, 1));
            assert_eq!((b.pos, b.end), (12, 13));
        }
        _ => panic!("unexpected shape {}", trees[0].root),
    }
    // The marker needs its space: `{{-3}}` is the number -3.
    assert_eq!(shown("a {{-3}} b"), "a {{-3}} b");
    // Trimming eats every kind of Go space, newlines included, but only up to the action.
    assert_eq!(shown("a \n\t\r {{- 1 }}\n x"), "a{{1}}\n x");
    // Text that trims to nothing produces no node.
    assert_eq!(parse_ok("  {{- 1 -}}  ")[0].root.nodes.len(), 1);
}

#[test]
fn records_go_positions() {
    let text = "ab\n{{ .Values.a.b }}{{ $x := 1 }}{{ if $x }}y{{ else }}z{{ end }}{{ template \"t\" . }}";
    let trees = parse_ok(text);
    let nodes = &trees[0].root.nodes;
    let Node::Action(action) = &nodes[1] else { panic!("want action") };
    // Go puts an action at its first token and a field chain at its second field.
    assert_eq!(action.pos, 6);
    assert_eq!(action.line, 2);
    assert_eq!(action.end, 20);
    let Arg::Field(field) = &action.pipe.cmds[0].args[0] else { panic!("want field") };
    assert_eq!(field.pos, 13);
    assert_eq!(field.ident.iter().map(|s| &**s).collect::<Vec<_>>(), ["Values", "a", "b"]);
    let loc = location("x", text, field.pos);
    assert_eq!((loc.line, loc.col, loc.offset), (2, 10, 13));
    let Node::If(branch) = &nodes[3] else { panic!("want if") };
    assert_eq!(&text[branch.pos..branch.pos + 2], "$x");
    assert_eq!(&text[..branch.end], text.split("{{ template").next().unwrap_or(""));
    let Node::Template(template) = &nodes[4] else { panic!("want template") };
    assert_eq!(&text[template.pos..template.pos + 3], "\"t\"");
    assert_eq!(template.end, text.len());
}

#[test]
fn numbers_follow_go_new_number() {
    let number = |src: &str| {
        let trees = parse_ok(&format!("{{{{ print {src} }}}}"));
        let Node::Action(action) = &trees[0].root.nodes[0] else { panic!("want action") };
        let Arg::Number(n) = &action.pipe.cmds[0].args[1] else { panic!("want number") };
        n.clone()
    };
    let n = number("1");
    assert!(n.is_int && n.is_uint && n.is_float && !n.is_complex);
    let n = number("-1");
    assert!(n.is_int && !n.is_uint && n.is_float && n.int64 == -1);
    let n = number("+5");
    assert!(n.is_int && !n.is_uint);
    let n = number("1e3");
    assert!(n.is_int && n.is_uint && n.is_float && n.int64 == 1000);
    let n = number("1.5");
    assert!(!n.is_int && !n.is_uint && n.is_float && n.float64 == 1.5);
    let n = number("0x1p-2");
    assert!(n.is_float && !n.is_int && n.float64 == 0.25);
    let n = number("18446744073709551615");
    assert!(n.is_uint && !n.is_int && n.uint64 == u64::MAX);
    let n = number("1e19");
    assert!(n.is_uint && !n.is_int && n.is_float);
    let n = number("'a'");
    assert!(n.is_int && n.int64 == 97 && n.is_float);
    let n = number("'\\u00e9'");
    assert_eq!(n.int64, 0xe9);
    let n = number("1i");
    assert!(n.is_complex && !n.is_float && n.complex128 == (0.0, 1.0));
    let n = number("0i");
    assert!(n.is_complex && n.is_float && n.is_int);
    let n = number("1+2i");
    assert!(n.is_complex && n.complex128 == (1.0, 2.0) && !n.is_float);
    let n = number("1_000");
    assert!(n.is_int && n.int64 == 1000);
    let n = number("017");
    assert_eq!(n.int64, 15);
}

#[test]
fn strings_unquote_like_go() {
    let string = |src: &str| {
        let trees = parse_ok(&format!("{{{{ print {src} }}}}"));
        let Node::Action(action) = &trees[0].root.nodes[0] else { panic!("want action") };
        let Arg::String(s) = &action.pipe.cmds[0].args[1] else { panic!("want string") };
        (s.quoted.to_string(), s.text.to_string())
    };
    assert_eq!(string(r#""a\tb\n\\\"""#).1, "a\tb\n\\\"");
    assert_eq!(string(r#""\x41\101\u00e9\U0001F600""#).1, "AAé😀");
    assert_eq!(string(r#""\xc3\xa9""#).1, "é");
    assert_eq!(string("`a\\n\r\nb`").1, "a\\n\nb");
    assert_eq!(string(r#""q""#).0, "\"q\"");
}

#[test]
fn returns_define_and_block_trees_in_order() {
    let trees = parse_ok("{{define \"a\"}}A{{end}}top{{block \"b\" .}}B{{end}}{{define `c`}}{{end}}");
    let names: Vec<&str> = trees.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["x", "a", "b", "c"]);
    assert!(trees.iter().all(|t| t.parse_name == "x"));
    assert_eq!(trees[0].root.to_string(), "top{{template \"b\" .}}");
    assert_eq!(trees[2].root.to_string(), "B");
    assert!(is_empty_tree(&trees[3].root));
    assert!(!is_empty_tree(&trees[1].root));
    assert!(is_empty_tree(&parse_ok(" \n{{/* c */}}\t")[0].root));
    assert!(!is_empty_tree(&parse_ok("{{ if 1 }}{{ end }}")[0].root));
    // An empty definition may precede or follow a non-empty one.
    assert_eq!(parse_ok("{{define \"a\"}} {{end}}{{define \"a\"}}x{{end}}{{define \"a\"}}{{end}}").len(), 4);
}

#[test]
fn skip_func_check_and_break_as_function() {
    let anything = |_: &str| false;
    let opts = ParseOptions { is_func: &anything, skip_func_check: true };
    assert!(parse("x", "{{ nosuch 1 }}", &opts).is_ok());
    // When a function is named "break", Go lexes `break` as an identifier.
    let with_break = |name: &str| name == "break";
    let opts = ParseOptions { is_func: &with_break, skip_func_check: false };
    let trees = parse("x", "{{ break }}", &opts).expect("break is a function here");
    assert_eq!(trees[0].root.to_string(), "{{break}}");
    assert!(matches!(trees[0].root.nodes[0], Node::Action(_)));
}

/// Every parse error message, as Go prints it (`template: NAME:LINE: MESSAGE`).
#[test]
fn error_messages_match_go() {
    let cases: &[(&str, &str)] = &[
        // Lexer errors.
        ("v: {{ ) }}", "template: x:1: unexpected right paren"),
        ("v: {{ $x=1 }}", "template: x:1: bad character U+003D '='"),
        ("v: {{ .", "template: x:1: illegal number syntax: \".\""),
        ("v: {{ \"abc }}", "template: x:1: unterminated quoted string"),
        ("v: {{ 'ab }}", "template: x:1: unterminated character constant"),
        ("{{`a}}", "template: x:1: unterminated raw quoted string"),
        ("{{ é }}", "template: x:1: function \"é\" not defined"),
        ("{{ § }}", "template: x:1: unrecognized character in action: U+00A7 '§'"),
        ("{{ \u{85} }}", "template: x:1: unrecognized character in action: U+0085"),
        ("{{ .aé# }}", "template: x:1: bad character U+0023 '#'"),
        ("{{ .a-b }}", "template: x:1: bad character U+002D '-'"),
        ("{{ print # }}", "template: x:1: unexpected \"#\" in operand"),
        ("{{ : }}", "template: x:1: expected :="),
        ("line1\n{{", "template: x:2: unclosed action"),
        ("line1\n{{define `x`}}line2\n{{", "template: x:3: unclosed action"),
        ("line1\n{{\"x\"\n\"y\"\n", "template: x:4: unclosed action started at x:2"),
        ("{{\n\n\n\n\n", "template: x:6: unclosed action started at x:1"),
        ("{{/*}}", "template: x:1: unclosed comment"),
        ("{{/*\nhello\n}}", "template: x:1: unclosed comment"),
        ("{{/* abc */ }}", "template: x:1: comment ends before closing delimiter"),
        ("{{.X (1 2 3}}", "template: x:1: unclosed left paren"),
        ("{{(.X 1 2 3", "template: x:1: unclosed action"),
        ("{{ print (\n1\n}}", "template: x:3: unclosed left paren in action started at x:1"),
        ("{{0xi}}", "template: x:1: illegal number syntax: \"0xi\""),
        ("{{ print 1.2.3 }}", "template: x:1: unexpected \".3\" in operand"),
        ("{{ print 0b102 }}", "template: x:1: bad number syntax: \"0b102\""),
        ("{{ print 1e }}", "template: x:1: illegal number syntax: \"1e\""),
        ("{{ $v := `\n` }} {{", "template: x:2: unclosed action"),
        ("{{ print 1 }", "template: x:1: unexpected \"}\" in operand"),
        // Literal conversion errors.
        ("{{ 089 }}", "template: x:1: integer overflow: \"089\""),
        ("{{ 99999999999999999999 }}", "template: x:1: integer overflow: \"99999999999999999999\""),
        ("{{ 1e400 }}", "template: x:1: illegal number syntax: \"1e400\""),
        ("{{ 0x }}", "template: x:1: illegal number syntax: \"0x\""),
        ("{{ + }}", "template: x:1: illegal number syntax: \"+\""),
        ("{{ 1__0 }}", "template: x:1: illegal number syntax: \"1__0\""),
        ("{{ 'ab' }}", "template: x:1: malformed character constant: 'ab'"),
        ("{{ '' }}", "template: x:1: invalid syntax"),
        ("{{ '\\q' }}", "template: x:1: invalid syntax"),
        ("{{ '\\400' }}", "template: x:1: invalid syntax"),
        ("{{ \"\\q\" }}", "template: x:1: invalid syntax"),
        ("{{ print \"\\'\" }}", "template: x:1: invalid syntax"),
        ("{{ 1+i }}", "template: x:1: syntax error scanning complex number"),
        ("{{ 0x1+2i }}", "template: x:1: strconv.ParseFloat: parsing \"0x1\": invalid syntax"),
        // Parser errors.
        ("{{foo}}", "template: x:1: function \"foo\" not defined"),
        ("line1\n{{\nx\n}}", "template: x:3: function \"x\" not defined"),
        ("{{$x}}", "template: x:1: undefined variable \"$x\""),
        ("{{with $x := 4}}{{end}}{{$x}}", "template: x:1: undefined variable \"$x\""),
        ("{{ $x := 1 }}{{ define \"a\" }}{{ $x }}{{ end }}", "template: x:1: undefined variable \"$x\""),
        ("{{ $x := 1 }}{{ block \"a\" . }}\n{{ $x }}{{ end }}", "template: x:2: undefined variable \"$x\""),
        ("{{ end }}", "template: x:1: unexpected {{end}}"),
        ("{{ else }}", "template: x:1: unexpected {{else}}"),
        ("{{if .X}}hello{{end}}{{else}}", "template: x:1: unexpected {{else}}"),
        ("{{if .X}}1{{else}}2{{else}}3{{end}}", "template: x:1: expected end; found {{else}}"),
        ("hello{{range .x}}", "template: x:1: unexpected EOF"),
        ("{{ if . }}\na\nb", "template: x:3: unexpected EOF"),
        ("{{ define \"a\" }}\nx", "template: x:2: unexpected EOF"),
        ("{{ define \"a\" }}{{ else }}{{ end }}", "template: x:1: unexpected {{else}} in define clause"),
        ("{{ block \"a\" . }}{{ else }}{{ end }}", "template: x:1: unexpected {{else}} in block clause"),
        ("{{define `a`}}a{{end}}{{define `a`}}b{{end}}", "template: x:1: template: multiple definition of template \"a\""),
        ("{{ define \"x\" }}a{{ end }}b", "template: x:1: template: multiple definition of template \"x\""),
        ("{{ \"a\".b }}", "template: x:1: unexpected . after term \"\\\"a\\\"\""),
        ("{{ ..a }}", "template: x:1: unexpected . after term \".\""),
        ("{{true.any}}", "template: x:1: unexpected . after term \"true\""),
        ("{{ print (1 | 2) }}", "template: x:1: non executable command in pipeline stage 2"),
        ("{{12|false}}", "template: x:1: non executable command in pipeline stage 2"),
        ("x\n\n\n{{ 1 | printf \"%d\" | 3 }}", "template: x:4: non executable command in pipeline stage 3"),
        ("{{ ( ) }}", "template: x:1: missing value for parenthesized pipeline"),
        ("{{ if }}{{ end }}", "template: x:1: missing value for if"),
        ("{{range $k,}}{{end}}", "template: x:1: missing value for range"),
        ("{{range $k, $v := }}{{end}}", "template: x:1: missing value for range"),
        ("{{range $k}}{{end}}", "template: x:1: undefined variable \"$k\""),
        ("{{range $k, .}}{{end}}", "template: x:1: range can only initialize variables"),
        ("{{range $k, 123 := .}}{{end}}", "template: x:1: range can only initialize variables"),
        ("{{range $u, $v, $w := 3}}{{end}}", "template: x:1: too many declarations in range"),
        ("{{with $v, $u := 3}}{{end}}", "template: x:1: too many declarations in with"),
        ("{{$a,$b,$c := 23}}", "template: x:1: too many declarations in command"),
        ("{{$a.b := 23}}", "template: x:1: undefined variable \"$a\""),
        ("{{ $x := 1 }}{{ $x.a := 2 }}", "template: x:1: unexpected \":=\" in operand"),
        ("{{printf 3, 4}}", "template: x:1: unexpected \",\" in operand"),
        ("{{printf 3`x`}}", "template: x:1: unexpected \"`x`\" in operand"),
        ("{{printf `x`.}}", "template: x:1: unexpected <.> in operand"),
        ("{{printf (printf .).}}", "template: x:1: unexpected <.> in operand"),
        ("{{ template }}", "template: x:1: unexpected \"}}\" in template clause"),
        ("{{template .X}}", "template: x:1: unexpected \".X\" in template clause"),
        ("{{ template x }}", "template: x:1: unexpected \"x\" in template clause"),
        ("{{ template \"a\" | }}", "template: x:1: unexpected \"|\" in template clause"),
        ("{{ template \"\\z\" }}", "template: x:1: invalid syntax"),
        ("{{ define \"x\" 1 }}{{ end }}", "template: x:1: unexpected \"1\" in define clause"),
        ("{{ define \"a\" }}{{ define \"b\" }}{{ end }}{{ end }}", "template: x:1: unexpected <define> in command"),
        ("{{ end \"x\" }}", "template: x:1: unexpected \"\\\"x\\\"\" in end"),
        ("{{ else \"x\" }}", "template: x:1: unexpected \"\\\"x\\\"\" in else"),
        ("{{ end \"abcdefghijklmnop\" }}", "template: x:1: unexpected \"\\\"abcdefghi\"... in end"),
        ("{{ end \"héllo wörld ünïcode\" }}", "template: x:1: unexpected \"\\\"héllo wör\"... in end"),
        ("{{ end \"\u{200b}x\" }}", "template: x:1: unexpected \"\\\"\\u200bx\\\"\" in end"),
        ("{{ break }}", "template: x:1: {{break}} outside {{range}}"),
        ("{{ range . }}{{ else }}{{ break }}{{ end }}", "template: x:1: {{break}} outside {{range}}"),
        ("{{ range $x := . }}{{ continue }}{{ end }}{{ continue }}", "template: x:1: {{continue}} outside {{range}}"),
        ("{{ range . }}{{ break 1 }}{{ end }}", "template: x:1: unexpected \"1\" in {{break}}"),
        ("{{if .X}}a{{else if .Y}}b{{end}}{{end}}", "template: x:1: unexpected {{end}}"),
        ("{{ with . }}{{ else if . }}{{ end }}{{ end }}", "template: x:1: unexpected <if> in input"),
        ("{{ if 1 }}{{ else if 2 }}{{ else }}{{ else }}{{ end }}", "template: x:1: expected end; found {{else}}"),
        ("{{ print\n1\n+ }}", "template: x:3: illegal number syntax: \"+\""),
        ("{{ print \"a\" \"b\"\n   | printf \"%s\"\n   | nosuch }}", "template: x:3: function \"nosuch\" not defined"),
        ("{{ print 1 2 3\n4 } }}", "template: x:2: unexpected \"}\" in operand"),
    ];
    let mut failures = Vec::new();
    for (input, want) in cases {
        let got = parse_err(input);
        if &got != want {
            failures.push(format!("input {input:?}\n  want {want}\n  got  {got}"));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn error_location_points_at_the_reported_item() {
    let err = try_parse("ok\n  {{ nosuch }}").expect_err("undefined function");
    let loc = err.location.expect("location");
    assert_eq!((loc.source.as_str(), loc.line, loc.col, loc.offset), ("x", 2, 5, 8));
}

#[test]
fn deep_nesting_errors_instead_of_overflowing() {
    let depth = MAX_NESTING_DEPTH;
    let parens = |n: usize| format!("{{{{ print {}1{} }}}}", "(".repeat(n), ")".repeat(n));
    assert!(try_parse(&parens(depth)).is_ok());
    assert_eq!(parse_err(&parens(depth + 1)), "template: x:1: max expression depth exceeded");
    let ifs = |n: usize| format!("{}x{}", "{{ if 1 }}".repeat(n), "{{ end }}".repeat(n));
    assert!(try_parse(&ifs(depth)).is_ok());
    assert!(parse_err(&ifs(depth + 1)).contains("max nesting depth exceeded"));
    // Pathological inputs fail cleanly, however deep.
    for text in [
        "{{ ".to_string() + &"(".repeat(100_000),
        "{{ if 1 }}".repeat(100_000),
        "{{ range . }}".repeat(50_000) + &"{{ with . }}".repeat(50_000),
        "{{ if 1 }}{{ else if 1 }}".to_string() + &"{{ else if 1 }}".repeat(100_000),
        "{{ block \"a\" . }}".repeat(100_000),
        "{{ print ".to_string() + &"(print ".repeat(100_000),
    ] {
        assert!(try_parse(&text).is_err());
    }
}

const REAL_TEMPLATES: &[&str] = &[
    r#"{{- define "c.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}
"#,
    r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "c.fullname" . }}
  labels: {{- include "c.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets: {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          ports:
          {{- range $i, $p := .Values.ports }}{{/* each port */}}
            - containerPort: {{ $p.port | int }}
              name: {{ printf "p%d" $i | quote }}
              {{- if eq $i 0 }}{{ continue }}{{ end }}
          {{- else }}
            []
          {{- end }}
          env: {{ (index .Values "env").list | toJson }} {{ 'a' }} {{ 1.5e3 }} {{ `raw` }}
"#,
];

#[test]
fn real_templates_parse_and_every_prefix_fails_cleanly() {
    let anything = |_: &str| true;
    let opts = ParseOptions { is_func: &anything, skip_func_check: false };
    for text in REAL_TEMPLATES {
        parse("x", text, &opts).expect("real template parses");
        let mut errors = 0;
        for (i, _) in text.char_indices() {
            // Must return, never panic; most prefixes are errors.
            if parse("x", &text[..i], &opts).is_err() {
                errors += 1;
            }
        }
        assert!(errors > text.len() / 2);
    }
}

#[test]
fn random_garbage_never_panics() {
    const ALPHABET: &[&str] = &[
        "{{", "}}", "{{- ", " -}}", "/*", "*/", "(", ")", "|", ":=", "=", ",", "$", "$x", ".", ".a", "'", "\"",
        "`", "\\", "1", "0x", "e", "i", "+", "-", "_", " ", "\n", "if ", "else ", "end", "range ", "with ",
        "define ", "block ", "template ", "break", "continue", "nil", "true", "print", "é", "\t", "\"a\"",
    ];
    let anything = |_: &str| true;
    let opts = ParseOptions { is_func: &anything, skip_func_check: false };
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let len = (next() % 40) as usize;
        let text: String = (0..len).map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize]).collect();
        // Either result is fine; reaching here without a panic is the test.
        let _ = parse("x", &text, &opts);
    }
}
