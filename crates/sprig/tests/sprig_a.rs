//! Direct calls of the string, list, dict, math, defaults and reflection functions.
//!
//! Expected values are JSON (Go's `toJson` of the result). Unless marked otherwise, each
//! case was verified against Helm v4.1.4 (`helm template` of `k: {{ EXPR | toJson }}`);
//! error cases carry the text after `error calling NAME: ` in Helm's message.

use gotmpl::{CallContext, Error, ErrorKind, FuncMap, Value};

struct NoEngine;

impl CallContext for NoEngine {
    fn execute_template(&mut self, _: &str, _: Value) -> Result<String, Error> {
        Err(Error::new(ErrorKind::Exec, "no engine in these tests", None))
    }
    fn execute_text(&mut self, _: &str, _: &str, _: Value) -> Result<String, Error> {
        Err(Error::new(ErrorKind::Exec, "no engine in these tests", None))
    }
    fn template_name(&self) -> &str {
        "test"
    }
}

fn funcs() -> FuncMap {
    let mut m = FuncMap::new();
    sprig::strings::register(&mut m);
    sprig::lists::register(&mut m);
    sprig::dicts::register(&mut m);
    sprig::math::register(&mut m);
    sprig::defaults::register(&mut m);
    sprig::reflection::register(&mut m);
    m
}

fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    let m = funcs();
    let f = m.get(name).unwrap_or_else(|| panic!("{name} is not registered"));
    assert!(f.sig.accepts(args.len()), "{name} does not take {} arguments", args.len());
    for (i, a) in args.iter().enumerate() {
        let want = f.sig.param(i).unwrap();
        if want != gotmpl::Type::Any {
            assert_eq!(a.static_type(), Some(want), "{name}: argument {i} has the wrong type");
        }
    }
    (f.body)(&mut NoEngine, &args).map_err(|e| e.to_string())
}

fn json(v: &Value) -> String {
    godata::json::to_json(v).expect("encodable")
}

/// The JSON of a successful call.
fn ok(name: &str, args: Vec<Value>) -> String {
    match call(name, args) {
        Ok(v) => json(&v),
        Err(e) => panic!("{name} failed: {e}"),
    }
}

/// The error message of a failing call.
fn err(name: &str, args: Vec<Value>) -> String {
    match call(name, args) {
        Ok(v) => panic!("{name} succeeded with {}", json(&v)),
        Err(e) => e,
    }
}

fn s(x: &str) -> Value {
    Value::str(x)
}
fn i(x: i64) -> Value {
    Value::Int(x)
}
fn f(x: f64) -> Value {
    Value::Float(x)
}
fn b(x: bool) -> Value {
    Value::Bool(x)
}
fn nil() -> Value {
    Value::Nil
}
fn l(items: Vec<Value>) -> Value {
    Value::list(items)
}
fn d(entries: Vec<(&str, Value)>) -> Value {
    Value::map(entries)
}

// ---- strings ------------------------------------------------------------------------------

#[test]
fn abbrev() {
    assert_eq!(ok("abbrev", vec![i(5), s("hello world")]), r#""he...""#);
    assert_eq!(ok("abbrev", vec![i(3), s("hello world")]), r#""hello world""#);
    assert_eq!(ok("abbrev", vec![i(20), s("hello world")]), r#""hello world""#);
    assert_eq!(ok("abbrev", vec![i(4), s("")]), r#""""#);
    assert_eq!(ok("abbrevboth", vec![i(5), i(10), s("1234 5678 9123")]), r#""...5678...""#);
    assert_eq!(ok("abbrevboth", vec![i(0), i(4), s("hello world")]), r#""h...""#);
    assert_eq!(ok("abbrevboth", vec![i(1), i(6), s("hello world")]), r#""hello world""#);
    assert_eq!(ok("abbrevboth", vec![i(20), i(10), s("abcdefghijklmnopqrstuvwxyz")]), r#""...tuvwxyz""#);
    assert_eq!(ok("abbrevboth", vec![i(10), i(10), s("abcdefghijklmnopqrstuvwxyz")]), r#""...klmn...""#);
}

#[test]
fn trunc() {
    assert_eq!(ok("trunc", vec![i(5), s("hello world")]), r#""hello""#);
    assert_eq!(ok("trunc", vec![i(-5), s("hello world")]), r#""world""#);
    assert_eq!(ok("trunc", vec![i(0), s("hello")]), r#""""#);
    assert_eq!(ok("trunc", vec![i(50), s("hello")]), r#""hello""#);
    assert_eq!(ok("trunc", vec![i(-50), s("hello")]), r#""hello""#);
    assert_eq!(ok("trunc", vec![i(-5), s("abc")]), r#""abc""#);
}

#[test]
fn substr() {
    assert_eq!(ok("substr", vec![i(1), i(3), s("hello")]), r#""el""#);
    assert_eq!(ok("substr", vec![i(3), i(-1), s("hello")]), r#""lo""#);
    assert_eq!(ok("substr", vec![i(-1), i(2), s("hello")]), r#""he""#);
    assert_eq!(ok("substr", vec![i(2), i(10), s("abc")]), r#""c""#);
    assert_eq!(ok("substr", vec![i(-3), i(2), s("abc")]), r#""ab""#);
    let bounds = "runtime error: slice bounds out of range";
    assert_eq!(err("substr", vec![i(-1), i(5), s("abc")]), format!("{bounds} [:5] with length 3"));
    assert_eq!(err("substr", vec![i(2), i(1), s("abc")]), format!("{bounds} [2:1]"));
    assert_eq!(err("substr", vec![i(5), i(-1), s("abc")]), format!("{bounds} [5:3]"));
    assert_eq!(err("substr", vec![i(-1), i(-2), s("abc")]), format!("{bounds} [:-2]"));
    assert_eq!(err("substr", vec![i(4), i(5), s("abc")]), format!("{bounds} [4:3]"));
}

#[test]
fn wrap() {
    assert_eq!(ok("wrap", vec![i(5), s("Hello World of Go")]), r#""Hello\nWorld\nof Go""#);
    assert_eq!(ok("wrapWith", vec![i(5), s("\t"), s("Hello World")]), r#""Hello\tWorld""#);
    assert_eq!(ok("wrap", vec![i(3), s("abcdefgh ij k")]), r#""abcdefgh\nij\nk""#);
    assert_eq!(ok("wrapWith", vec![i(3), s("|"), s("abcdefgh ij k")]), r#""abc|def|gh|ij|k""#);
    assert_eq!(ok("wrap", vec![i(0), s("a b c")]), r#""a\nb\nc""#);
    assert_eq!(
        ok("wrap", vec![i(10), s("  leading spaces and more words here")]),
        r#""leading\nspaces and\nmore words\nhere""#
    );
}

#[test]
fn indent() {
    assert_eq!(ok("indent", vec![i(2), s("a\nb\n")]), r#""  a\n  b\n  ""#);
    assert_eq!(ok("nindent", vec![i(4), s("a\nb")]), r#""\n    a\n    b""#);
    assert_eq!(ok("indent", vec![i(0), s("a")]), r#""a""#);
    // Not checked against Helm: strings.Repeat's panic message for a negative count.
    assert_eq!(err("indent", vec![i(-1), s("a")]), "strings: negative Repeat count");
}

#[test]
fn repeat_replace_plural() {
    assert_eq!(ok("repeat", vec![i(3), s("ab")]), r#""ababab""#);
    assert_eq!(err("repeat", vec![i(-1), s("ab")]), "strings: negative Repeat count");
    assert_eq!(ok("replace", vec![s(" "), s("-"), s("a b c")]), r#""a-b-c""#);
    assert_eq!(ok("replace", vec![s(""), s("-"), s("abc")]), r#""-a-b-c-""#);
    assert_eq!(ok("plural", vec![s("one"), s("many"), i(1)]), r#""one""#);
    assert_eq!(ok("plural", vec![s("one"), s("many"), i(2)]), r#""many""#);
}

#[test]
fn split_family() {
    assert_eq!(ok("split", vec![s(","), s("a,b,,c")]), r#"{"_0":"a","_1":"b","_2":"","_3":"c"}"#);
    assert_eq!(ok("splitn", vec![s(","), i(2), s("a,b,c")]), r#"{"_0":"a","_1":"b,c"}"#);
    assert_eq!(ok("splitList", vec![s(""), s("abc")]), r#"["a","b","c"]"#);
    assert_eq!(ok("splitList", vec![s(","), s("")]), r#"[""]"#);
    assert_eq!(ok("splitn", vec![s(""), i(2), s("abc")]), r#"{"_0":"a","_1":"bc"}"#);
    assert_eq!(ok("splitn", vec![s(","), i(0), s("a,b")]), "{}");
    assert_eq!(ok("splitList", vec![s(""), s("")]), "[]");
    assert_eq!(call("split", vec![s(","), s("a")]).unwrap().type_name(), "map[string]string");
    assert_eq!(call("splitList", vec![s(","), s("a")]).unwrap().type_name(), "[]string");
}

#[test]
fn join_sort_to_strings() {
    assert_eq!(ok("join", vec![s("-"), l(vec![s("a"), i(1), nil(), b(true)])]), r#""a-1-true""#);
    assert_eq!(ok("join", vec![s(","), s("abc")]), r#""abc""#);
    assert_eq!(ok("join", vec![s(","), nil()]), r#""""#);
    let until3 = call("until", vec![i(3)]).unwrap();
    assert_eq!(ok("join", vec![s(","), until3]), r#""0,1,2""#);
    assert_eq!(ok("sortAlpha", vec![l(vec![s("b"), s("a"), s("C"), i(10), i(2)])]), r#"["10","2","C","a","b"]"#);
    assert_eq!(ok("sortAlpha", vec![i(3)]), r#"["3"]"#);
    assert_eq!(ok("toStrings", vec![l(vec![i(1), nil(), s("a")])]), r#"["1","a"]"#);
    assert_eq!(ok("toStrings", vec![s("x")]), r#"["x"]"#);
    assert_eq!(ok("toString", vec![s("x")]), r#""x""#);
    // A nil []string (regexFindAll without a match) comes back nil, as Helm prints it
    // (found by scripts/difffuzz); a nil []interface {} becomes an empty list.
    let no_match = Value::nil_list(gotmpl::Type::String);
    assert_eq!(ok("sortAlpha", vec![no_match.clone()]), "null");
    assert_eq!(ok("toStrings", vec![no_match]), "null");
    assert_eq!(ok("toStrings", vec![Value::nil_list(gotmpl::Type::Any)]), "[]");
}

/// These go through Go's `fmt` (`%v`, `%q`), so they hold once `gotmpl::gofmt` does.
#[test]
fn formatted_strings() {
    assert_eq!(ok("toString", vec![f(1.5)]), r#""1.5""#);
    assert_eq!(ok("toString", vec![nil()]), r#""\u003cnil\u003e""#);
    assert_eq!(ok("sortAlpha", vec![nil()]), r#"["\u003cnil\u003e"]"#);
    assert_eq!(ok("join", vec![s("-"), l(vec![s("a"), f(2.5)])]), r#""a-2.5""#);
    assert_eq!(ok("quote", vec![s("a\"b"), i(1), nil(), f(2.5)]), r#""\"a\\\"b\" \"1\" \"2.5\"""#);
    assert_eq!(ok("squote", vec![s("a"), i(1), nil()]), r#""'a' '1'""#);
    assert_eq!(ok("cat", vec![s("a"), i(1), nil(), l(vec![i(1), i(2)])]), r#""a 1 [1 2]""#);
}

#[test]
fn trims_and_predicates() {
    assert_eq!(ok("trim", vec![s("  a b \n")]), r#""a b""#);
    assert_eq!(ok("trimAll", vec![s("$-"), s("$-a$b-$")]), r#""a$b""#);
    assert_eq!(ok("trimall", vec![s("$-"), s("$-a$b-$")]), r#""a$b""#);
    assert_eq!(ok("trimPrefix", vec![s("ab"), s("abab")]), r#""ab""#);
    assert_eq!(ok("trimSuffix", vec![s("ab"), s("abab")]), r#""ab""#);
    assert_eq!(ok("contains", vec![s("ell"), s("hello")]), "true");
    assert_eq!(ok("hasPrefix", vec![s("he"), s("hello")]), "true");
    assert_eq!(ok("hasSuffix", vec![s("he"), s("hello")]), "false");
}

#[test]
fn case_conversions() {
    assert_eq!(ok("upper", vec![s("aßçİı")]), r#""AßÇİI""#);
    assert_eq!(ok("lower", vec![s("ÀÉİΣ")]), r#""àéiσ""#);
    assert_eq!(ok("swapcase", vec![s("Hello wORLD  x")]), r#""hELLO World  X""#);
    assert_eq!(ok("title", vec![s("hello wORLD-foo_bar x.y")]), r#""Hello WORLD-Foo_bar X.Y""#);
    assert_eq!(ok("untitle", vec![s("Hello World")]), r#""hello world""#);
    assert_eq!(ok("nospace", vec![s(" a\tb\nc é ")]), r#""abcÃ©""#);
    assert_eq!(ok("nospace", vec![s("ÉtéBon")]), r#""ÉtéBon""#);
    assert_eq!(ok("initials", vec![s("hello world  foo")]), r#""hwf""#);
    assert_eq!(ok("initials", vec![s("ÉtéBon")]), r#""Ã""#);
}

/// (input, camelcase, snakecase, kebabcase, swapcase, title, untitle, initials, nospace)
const WORD_CASES: &[[&str; 9]] = &[
    ["http_server", "HttpServer", "http_server", "http-server", "HTTP_SERVER", "Http_server", "http_server", "h", "http_server"],
    ["some words", "SomeWords", "some_words", "some-words", "SOME WORDS", "Some Words", "some words", "sw", "somewords"],
    ["GOLANG_IS_GREAT", "GolangIsGreat", "golang_is_great", "golang-is-great", "golang_is_great", "GOLANG_IS_GREAT", "gOLANG_IS_GREAT", "G", "GOLANG_IS_GREAT"],
    ["_complex__case_", "_Complex_Case_", "_complex__case_", "-complex--case-", "_COMPLEX__CASE_", "_complex__case_", "_complex__case_", "_", "_complex__case_"],
    ["FirstName", "FirstName", "first_name", "first-name", "fIRSTnAME", "FirstName", "firstName", "F", "FirstName"],
    ["HTTPServer", "Httpserver", "http_server", "http-server", "httpsERVER", "HTTPServer", "hTTPServer", "H", "HTTPServer"],
    ["HTTP20xOK", "Http20xOK", "http_20x_ok", "http-20x-ok", "http20Xok", "HTTP20xOK", "hTTP20xOK", "H", "HTTP20xOK"],
    ["Bld4Floor3rd", "Bld4Floor3rd", "bld4_floor_3rd", "bld4-floor-3rd", "bLD4fLOOR3RD", "Bld4Floor3rd", "bld4Floor3rd", "B", "Bld4Floor3rd"],
    ["a", "A", "a", "a", "A", "A", "a", "a", "a"],
    ["_", "__", "_", "-", "_", "_", "_", "_", "_"],
    ["Duration2m3s", "Duration2m3s", "duration_2m3s", "duration-2m3s", "dURATION2M3S", "Duration2m3s", "duration2m3s", "D", "Duration2m3s"],
    ["foo.bar-Baz", "Foo.barBaz", "foo.bar_baz", "foo.bar-baz", "FOO.BAR-bAZ", "Foo.Bar-Baz", "foo.bar-Baz", "f", "foo.bar-Baz"],
    ["ÉtéBon", "ÉtéBon", "été_bon", "été-bon", "éTÉbON", "ÉtéBon", "étéBon", "Ã", "ÉtéBon"],
    ["x__y", "X_Y", "x__y", "x--y", "X__Y", "X__y", "x__y", "x", "x__y"],
    ["A", "A", "a", "a", "a", "A", "a", "A", "A"],
    ["AB", "Ab", "ab", "ab", "ab", "AB", "aB", "A", "AB"],
    ["aB c", "ABC", "a_b_c", "a-b-c", "Ab C", "AB C", "aB c", "ac", "aBc"],
    ["hello   World", "Hello  World", "hello___world", "hello---world", "HELLO   wORLD", "Hello   World", "hello   world", "hW", "helloWorld"],
];

#[test]
fn word_conversions_match_helm() {
    let names = ["camelcase", "snakecase", "kebabcase", "swapcase", "title", "untitle", "initials", "nospace"];
    for case in WORD_CASES {
        for (n, name) in names.iter().enumerate() {
            let got = call(name, vec![s(case[0])]).unwrap();
            assert_eq!(got.as_str(), Some(case[n + 1]), "{name} {:?}", case[0]);
        }
    }
}

#[test]
fn shuffle_keeps_the_runes() {
    let out = call("shuffle", vec![s("abcdeé")]).unwrap();
    let mut got: Vec<char> = out.as_str().unwrap().chars().collect();
    got.sort();
    assert_eq!(got, vec!['a', 'b', 'c', 'd', 'e', 'é']);
}

// ---- lists --------------------------------------------------------------------------------

#[test]
fn list_basics() {
    assert_eq!(ok("list", vec![i(1), s("a")]), r#"[1,"a"]"#);
    assert_eq!(ok("tuple", vec![]), "[]");
    assert_eq!(ok("first", vec![l(vec![i(1), i(2)])]), "1");
    assert_eq!(ok("first", vec![l(vec![])]), "null");
    assert_eq!(ok("last", vec![l(vec![i(1), i(2)])]), "2");
    assert_eq!(ok("rest", vec![l(vec![i(1), i(2), i(3)])]), "[2,3]");
    assert_eq!(ok("rest", vec![l(vec![])]), "null");
    assert_eq!(ok("initial", vec![l(vec![i(1), i(2), i(3)])]), "[1,2]");
    assert_eq!(ok("append", vec![l(vec![i(1)]), i(2)]), "[1,2]");
    assert_eq!(ok("push", vec![Value::string_list(["a"]), i(2)]), r#"["a",2]"#);
    assert_eq!(ok("prepend", vec![l(vec![i(1)]), i(0)]), "[0,1]");
    assert_eq!(ok("reverse", vec![l(vec![i(1), i(2), i(3)])]), "[3,2,1]");
    assert_eq!(ok("concat", vec![l(vec![i(1)]), Value::string_list(["a"]), l(vec![])]), r#"[1,"a"]"#);
    assert_eq!(ok("concat", vec![]), "null");
    assert_eq!(call("append", vec![Value::string_list(["a"]), s("b")]).unwrap().type_name(), "[]interface {}");
}

#[test]
fn list_set_operations() {
    assert_eq!(ok("uniq", vec![l(vec![i(1), i(1), Value::Int64(1), s("1"), i(1)])]), r#"[1,1,"1"]"#);
    assert_eq!(ok("without", vec![l(vec![i(1), i(2), i(3), i(2)]), i(2), i(3)]), "[1]");
    assert_eq!(ok("has", vec![i(2), l(vec![i(1), i(2)])]), "true");
    assert_eq!(ok("has", vec![Value::Int64(2), l(vec![i(1), i(2)])]), "false");
    assert_eq!(ok("has", vec![i(1), nil()]), "false");
    assert_eq!(ok("compact", vec![l(vec![i(0), s(""), nil(), b(false), l(vec![]), s("a"), i(1)])]), r#"["a",1]"#);
}

#[test]
fn list_slicing_and_chunks() {
    let abc = l(vec![i(1), i(2), i(3)]);
    assert_eq!(ok("slice", vec![abc.clone(), i(1)]), "[2,3]");
    assert_eq!(ok("slice", vec![abc.clone(), i(0), i(2)]), "[1,2]");
    assert_eq!(ok("slice", vec![abc.clone(), s("1")]), "[2,3]");
    assert_eq!(ok("slice", vec![l(vec![]), i(0), i(1)]), "null");
    let oob = "reflect.Value.Slice: slice index out of bounds";
    assert_eq!(err("slice", vec![abc.clone(), i(2), i(1)]), oob);
    assert_eq!(err("slice", vec![abc.clone(), i(1), i(5)]), oob);
    assert_eq!(err("slice", vec![abc.clone(), i(-1)]), oob);
    assert_eq!(err("slice", vec![s("abc"), i(1), i(2)]), "list should be type of slice or array but string");
    let typed = call("slice", vec![Value::string_list(["a", "b"]), i(1)]).unwrap();
    assert_eq!(typed.type_name(), "[]string");

    assert_eq!(ok("chunk", vec![i(2), l(vec![i(1), i(2), i(3)])]), "[[1,2],[3]]");
    assert_eq!(ok("chunk", vec![i(2), l(vec![])]), "[]");
    assert_eq!(ok("chunk", vec![i(-1), l(vec![i(1), i(2)])]), "[]");
    let makeslice = "runtime error: makeslice: len out of range";
    assert_eq!(err("chunk", vec![i(0), l(vec![i(1), i(2)])]), makeslice);
    assert_eq!(err("mustChunk", vec![i(0), l(vec![i(1)])]), makeslice);
}

#[test]
fn list_errors() {
    assert_eq!(err("first", vec![i(1)]), "Cannot find first on type int");
    assert_eq!(err("mustFirst", vec![i(1)]), "Cannot find first on type int");
    assert_eq!(err("first", vec![nil()]), "runtime error: invalid memory address or nil pointer dereference");
    assert_eq!(err("push", vec![s("abc"), i(1)]), "Cannot push on type string");
    assert_eq!(err("mustPush", vec![i(3), i(1)]), "Cannot push on type int");
    assert_eq!(err("prepend", vec![i(3), i(1)]), "Cannot prepend on type int");
    assert_eq!(err("concat", vec![l(vec![i(1)]), i(2)]), "Cannot concat type int as list");
    assert_eq!(err("concat", vec![nil()]), "runtime error: invalid memory address or nil pointer dereference");
    assert_eq!(err("has", vec![i(1), s("abc")]), "Cannot find has on type string");
    assert_eq!(err("without", vec![i(1), i(1)]), "Cannot find without on type int");
    assert_eq!(err("uniq", vec![s("abc")]), "Cannot find uniq on type string");
    assert_eq!(err("reverse", vec![s("abc")]), "Cannot find reverse on type string");
    assert_eq!(err("compact", vec![i(3)]), "Cannot compact on type int");
    assert_eq!(err("rest", vec![i(3)]), "Cannot find rest on type int");
    assert_eq!(err("initial", vec![i(3)]), "Cannot find initial on type int");
    assert_eq!(err("last", vec![i(3)]), "Cannot find last on type int");
    assert_eq!(err("first", vec![d(vec![])]), "Cannot find first on type map");
}

// ---- dicts --------------------------------------------------------------------------------

#[test]
fn dict_basics() {
    assert_eq!(ok("dict", vec![i(1), i(2), s("b")]), r#"{"1":2,"b":""}"#);
    assert_eq!(ok("get", vec![d(vec![("a", i(1))]), s("b")]), r#""""#);
    assert_eq!(ok("get", vec![d(vec![("a", i(1))]), s("a")]), "1");
    assert_eq!(ok("pluck", vec![s("a"), d(vec![("a", i(1))]), d(vec![("b", i(2))]), d(vec![("a", i(3))])]), "[1,3]");
    assert_eq!(ok("keys", vec![d(vec![("b", i(1)), ("a", i(2))]), d(vec![("c", i(3)), ("a", i(4))])]), r#"["a","b","a","c"]"#);
    assert_eq!(ok("pick", vec![d(vec![("a", i(1)), ("b", i(2))]), s("a"), s("c")]), r#"{"a":1}"#);
    assert_eq!(ok("omit", vec![d(vec![("a", i(1)), ("b", i(2))]), s("a")]), r#"{"b":2}"#);
    assert_eq!(ok("values", vec![d(vec![("a", i(1))])]), "[1]");
    assert_eq!(ok("hasKey", vec![d(vec![("a", nil())]), s("a")]), "true");
    assert_eq!(ok("hasKey", vec![d(vec![]), s("a")]), "false");
}

/// `dict nil 1` goes through `%v` for the key.
#[test]
fn dict_nil_key() {
    assert_eq!(ok("dict", vec![nil(), i(1)]), r#"{"\u003cnil\u003e":1}"#);
}

#[test]
fn set_and_unset_mutate_the_shared_map() {
    let m = d(vec![("a", i(1))]);
    let alias = m.clone();
    assert_eq!(ok("set", vec![m.clone(), s("b"), i(2)]), r#"{"a":1,"b":2}"#);
    assert_eq!(json(&alias), r#"{"a":1,"b":2}"#);
    assert_eq!(ok("unset", vec![m, s("a")]), r#"{"b":2}"#);
    assert_eq!(json(&alias), r#"{"b":2}"#);
}

/// (dst, src, merge result, mergeOverwrite result), all verified against Helm.
fn merge_cases() -> Vec<(Value, Value, &'static str, &'static str)> {
    vec![
        (d(vec![("a", s("x"))]), d(vec![("a", s(""))]), r#"{"a":"x"}"#, r#"{"a":""}"#),
        (d(vec![("a", s(""))]), d(vec![("a", s("y"))]), r#"{"a":"y"}"#, r#"{"a":"y"}"#),
        (d(vec![("a", s("x"))]), d(vec![("a", s("y"))]), r#"{"a":"x"}"#, r#"{"a":"y"}"#),
        (d(vec![("a", i(0))]), d(vec![("a", i(5))]), r#"{"a":5}"#, r#"{"a":5}"#),
        (d(vec![("a", i(1))]), d(vec![("a", i(0))]), r#"{"a":1}"#, r#"{"a":0}"#),
        (d(vec![("a", s("x"))]), d(vec![("a", nil())]), r#"{"a":"x"}"#, r#"{"a":null}"#),
        (d(vec![("a", nil())]), d(vec![("a", s("y"))]), r#"{"a":"y"}"#, r#"{"a":"y"}"#),
        (
            d(vec![("a", d(vec![("b", i(1)), ("c", i(2))]))]),
            d(vec![("a", d(vec![("b", i(3)), ("d", i(4))]))]),
            r#"{"a":{"b":1,"c":2,"d":4}}"#,
            r#"{"a":{"b":3,"c":2,"d":4}}"#,
        ),
        (d(vec![("a", d(vec![]))]), d(vec![("a", d(vec![("b", i(3))]))]), r#"{"a":{"b":3}}"#, r#"{"a":{"b":3}}"#),
        (d(vec![("a", s("str"))]), d(vec![("a", d(vec![("b", i(3))]))]), r#"{"a":"str"}"#, r#"{"a":{"b":3}}"#),
        (d(vec![("a", d(vec![("b", i(1))]))]), d(vec![("a", s("str"))]), r#"{"a":{"b":1}}"#, r#"{"a":"str"}"#),
        (d(vec![("a", l(vec![i(1), i(2)]))]), d(vec![("a", l(vec![i(3)]))]), r#"{"a":[1,2]}"#, r#"{"a":[3]}"#),
        (d(vec![("a", l(vec![]))]), d(vec![("a", l(vec![i(3)]))]), r#"{"a":[3]}"#, r#"{"a":[3]}"#),
        (d(vec![("a", s("s"))]), d(vec![("a", l(vec![i(3)]))]), r#"{"a":"s"}"#, r#"{"a":[3]}"#),
        (d(vec![("a", l(vec![i(1)]))]), d(vec![("a", l(vec![]))]), r#"{"a":[1]}"#, r#"{"a":[]}"#),
        (d(vec![("a", l(vec![i(1)]))]), d(vec![("a", s("s"))]), r#"{"a":[1]}"#, r#"{"a":"s"}"#),
        (d(vec![]), d(vec![("a", l(vec![i(3)]))]), r#"{"a":[3]}"#, r#"{"a":[3]}"#),
        (d(vec![("a", b(false))]), d(vec![("a", b(true))]), r#"{"a":true}"#, r#"{"a":true}"#),
        (d(vec![("a", b(true))]), d(vec![("a", b(false))]), r#"{"a":true}"#, r#"{"a":false}"#),
        (
            d(vec![("a", d(vec![("b", d(vec![("c", i(1))]))]))]),
            d(vec![("a", d(vec![("b", d(vec![("d", i(2))]))]))]),
            r#"{"a":{"b":{"c":1,"d":2}}}"#,
            r#"{"a":{"b":{"c":1,"d":2}}}"#,
        ),
        (d(vec![("a", d(vec![("b", i(1))]))]), d(vec![("a", d(vec![]))]), r#"{"a":{"b":1}}"#, r#"{"a":{"b":1}}"#),
        (d(vec![("a", d(vec![("b", i(1))]))]), d(vec![("a", nil())]), r#"{"a":{"b":1}}"#, r#"{"a":null}"#),
        (d(vec![("a", i(1))]), d(vec![("a", f(2.5))]), r#"{"a":1}"#, r#"{"a":2.5}"#),
    ]
}

#[test]
fn merge_follows_mergo() {
    for (dst, src, want_merge, want_overwrite) in merge_cases() {
        let case = format!("{} <- {}", json(&dst), json(&src));
        assert_eq!(ok("merge", vec![dst.deep_copy(), src.clone()]), want_merge, "merge {case}");
        assert_eq!(ok("mustMerge", vec![dst.deep_copy(), src.clone()]), want_merge, "mustMerge {case}");
        assert_eq!(ok("mergeOverwrite", vec![dst.deep_copy(), src.clone()]), want_overwrite, "mergeOverwrite {case}");
        assert_eq!(ok("mustMergeOverwrite", vec![dst.deep_copy(), src]), want_overwrite, "mustMergeOverwrite {case}");
    }
}

#[test]
fn merge_mutates_dst_and_takes_many_sources() {
    let dst = d(vec![("a", i(1))]);
    let out = call("merge", vec![dst.clone(), d(vec![("a", i(2))]), d(vec![("b", i(3))])]).unwrap();
    assert_eq!(json(&out), r#"{"a":1,"b":3}"#);
    assert_eq!(json(&dst), r#"{"a":1,"b":3}"#);
    // Merging a map into itself must not deadlock. (Not checked against Helm.)
    assert_eq!(ok("merge", vec![dst.clone(), dst]), r#"{"a":1,"b":3}"#);
}

#[test]
fn deep_copy_and_dig() {
    let inner = d(vec![("b", i(1))]);
    let outer = d(vec![("a", inner.clone())]);
    let copy = call("deepCopy", vec![outer]).unwrap();
    inner.as_map().unwrap().insert("c", i(2));
    assert_eq!(json(&copy), r#"{"a":{"b":1}}"#);
    assert_eq!(ok("deepCopy", vec![i(3)]), "3");
    // Helm v4.1.4 (found by scripts/difffuzz): reflect's panic text, without "deepCopy error: ".
    assert_eq!(err("deepCopy", vec![nil()]), "reflect: call of reflect.Value.Type on zero Value");
    assert_eq!(err("mustDeepCopy", vec![nil()]), "reflect: call of reflect.Value.Type on zero Value");

    let tree = d(vec![("a", d(vec![("b", nil()), ("c", i(1))]))]);
    assert_eq!(ok("dig", vec![s("a"), s("b"), s("def"), tree.clone()]), "null");
    assert_eq!(ok("dig", vec![s("a"), s("x"), s("def"), tree.clone()]), r#""def""#);
    assert_eq!(ok("dig", vec![s("a"), s("c"), s("def"), tree.clone()]), "1");
    assert_eq!(
        err("dig", vec![s("a"), i(1), i(3)]),
        "interface conversion: interface {} is int, not map[string]interface {}"
    );
    assert_eq!(
        err("dig", vec![s("a"), s("b"), i(1), d(vec![("a", i(3))])]),
        "interface conversion: interface {} is int, not map[string]interface {}"
    );
    assert_eq!(err("dig", vec![i(1), i(1), d(vec![])]), "interface conversion: interface {} is int, not string");
    assert_eq!(err("dig", vec![s("a"), i(1)]), "dig needs at least three arguments");
}

// ---- math ---------------------------------------------------------------------------------

#[test]
fn integer_math() {
    assert_eq!(ok("add", vec![i(1), s("2"), f(3.7), b(true), nil()]), "7");
    assert_eq!(call("add", vec![i(1), i(2)]).unwrap().type_name(), "int64");
    assert_eq!(ok("add", vec![]), "0");
    assert_eq!(ok("add1", vec![s("41")]), "42");
    assert_eq!(ok("sub", vec![i(5), i(7)]), "-2");
    assert_eq!(ok("mul", vec![i(2)]), "2");
    assert_eq!(ok("mul", vec![i(2), s("3"), f(4.9)]), "24");
    assert_eq!(ok("div", vec![i(7), i(2)]), "3");
    assert_eq!(ok("div", vec![i(-7), i(2)]), "-3");
    assert_eq!(ok("mod", vec![i(-7), i(2)]), "-1");
    assert_eq!(err("div", vec![i(1), i(0)]), "runtime error: integer divide by zero");
    assert_eq!(err("mod", vec![i(1), i(0)]), "runtime error: integer divide by zero");
    assert_eq!(ok("max", vec![i(1), s("5"), f(3.9)]), "5");
    assert_eq!(ok("biggest", vec![i(1), i(2)]), "2");
    assert_eq!(ok("min", vec![i(1), s("-5"), f(3.9)]), "-5");
}

#[test]
fn conversions() {
    assert_eq!(ok("int", vec![s("010")]), "8");
    assert_eq!(ok("int", vec![s("0x1F")]), "31");
    assert_eq!(ok("int", vec![s("12.00")]), "12");
    assert_eq!(ok("int", vec![s("12.5")]), "0");
    assert_eq!(ok("int", vec![f(3.9)]), "3");
    assert_eq!(ok("int", vec![f(-3.9)]), "-3");
    assert_eq!(ok("int", vec![f(1e19)]), "-9223372036854775808");
    assert_eq!(call("int", vec![i(1)]).unwrap().type_name(), "int");
    assert_eq!(ok("int64", vec![s("1_000")]), "1000");
    assert_eq!(call("int64", vec![i(1)]).unwrap().type_name(), "int64");
    assert_eq!(ok("float64", vec![s("1e3")]), "1000");
    assert_eq!(ok("float64", vec![s("0x10")]), "0");
    assert_eq!(ok("float64", vec![b(true)]), "1");
    assert_eq!(ok("atoi", vec![s("12a")]), "0");
    assert_eq!(ok("atoi", vec![s(" 12")]), "0");
    assert_eq!(ok("atoi", vec![s("+12")]), "12");
    // Out of range: clamped, as strconv.Atoi returns it with its range error (Helm 4.1.4,
    // found by scripts/difffuzz).
    assert_eq!(ok("atoi", vec![s("99999999999999999999")]), "9223372036854775807");
    assert_eq!(ok("atoi", vec![s("-99999999999999999999")]), "-9223372036854775808");
    assert_eq!(ok("atoi", vec![s("1_000")]), "0");
    assert_eq!(ok("toDecimal", vec![s("0777")]), "511");
    assert_eq!(ok("toDecimal", vec![s("8")]), "0");
}

/// `toDecimal` of a number reads its `%v` text, so it needs `gotmpl::gofmt`.
#[test]
fn to_decimal_of_a_number() {
    assert_eq!(ok("toDecimal", vec![i(777)]), "511");
}

#[test]
fn float_math() {
    assert_eq!(ok("addf", vec![f(0.1), f(0.2)]), "0.3");
    assert_eq!(ok("addf", vec![]), "0");
    assert_eq!(ok("add1f", vec![f(1.5)]), "2.5");
    assert_eq!(ok("mulf", vec![f(1.1), f(1.1)]), "1.21");
    assert_eq!(ok("subf", vec![i(1), f(0.9)]), "0.1");
    assert_eq!(ok("divf", vec![i(1), i(3)]), "0.3333333333333333");
    assert_eq!(ok("divf", vec![f(1e-20), i(3)]), "0");
    assert_eq!(ok("divf", vec![i(-2), i(3)]), "-0.6666666666666667");
    assert_eq!(err("divf", vec![i(1), i(0)]), "decimal division by 0");
    assert_eq!(err("addf", vec![s("NaN"), i(1)]), "Cannot create a Decimal from NaN");
    assert_eq!(ok("maxf", vec![i(1), s("x"), i(3)]), "3");
    assert_eq!(ok("minf", vec![i(1), s("x"), i(3)]), "0");
    assert_eq!(ok("floor", vec![s("2.5")]), "2");
    assert_eq!(ok("ceil", vec![f(-2.5)]), "-2");
}

#[test]
fn round() {
    assert_eq!(ok("round", vec![f(2.555), i(2)]), "2.56");
    assert_eq!(ok("round", vec![f(-2.5), i(0)]), "-3");
    assert_eq!(ok("round", vec![f(1.2345), i(2), f(0.3)]), "1.24");
    assert_eq!(ok("round", vec![s("3.14159"), i(3)]), "3.142");
}

#[test]
fn sequences() {
    assert_eq!(ok("seq", vec![i(5)]), r#""1 2 3 4 5""#);
    assert_eq!(ok("seq", vec![i(0)]), r#""1 0""#);
    assert_eq!(ok("seq", vec![i(1), i(2), i(10)]), r#""1 3 5 7 9""#);
    assert_eq!(ok("seq", vec![i(10), i(-3), i(1)]), r#""10 7 4 1""#);
    assert_eq!(ok("seq", vec![i(1), i(-1), i(10)]), r#""""#);
    assert_eq!(ok("until", vec![i(-3)]), "[0,-1,-2]");
    assert_eq!(ok("untilStep", vec![i(0), i(10), i(3)]), "[0,3,6,9]");
    assert_eq!(ok("untilStep", vec![i(10), i(0), i(-4)]), "[10,6,2]");
    assert_eq!(call("until", vec![i(2)]).unwrap().type_name(), "[]int");
}

// ---- defaults -----------------------------------------------------------------------------

#[test]
fn default_and_empty() {
    assert_eq!(ok("default", vec![i(1)]), "1");
    assert_eq!(ok("default", vec![i(1), i(0)]), "1");
    assert_eq!(ok("default", vec![i(1), s("x"), s("y")]), r#""x""#);
    for empty in [nil(), b(false), i(0), Value::Int64(0), f(0.0), s(""), l(vec![]), d(vec![])] {
        assert_eq!(ok("default", vec![s("d"), empty.clone()]), r#""d""#, "{empty:?}");
        assert_eq!(ok("empty", vec![empty]), "true");
    }
    for full in [b(true), i(-1), f(0.1), s(" "), l(vec![nil()]), d(vec![("a", nil())])] {
        assert_eq!(ok("empty", vec![full]), "false");
    }
    assert_eq!(ok("coalesce", vec![i(0), s(""), nil()]), "null");
    assert_eq!(ok("coalesce", vec![i(0), s("a"), s("b")]), r#""a""#);
    assert_eq!(ok("all", vec![]), "true");
    assert_eq!(ok("all", vec![i(1), s("")]), "false");
    assert_eq!(ok("any", vec![]), "false");
    assert_eq!(ok("any", vec![i(0), s("x")]), "true");
    assert_eq!(ok("ternary", vec![i(1), i(2), b(true)]), "1");
    assert_eq!(ok("ternary", vec![i(1), i(2), b(false)]), "2");
}

#[test]
fn json_functions() {
    assert_eq!(
        call("toPrettyJson", vec![d(vec![("a", l(vec![i(1), i(2)]))])]).unwrap().as_str(),
        Some("{\n  \"a\": [\n    1,\n    2\n  ]\n}")
    );
    assert_eq!(call("toRawJson", vec![s("<a>")]).unwrap().as_str(), Some("\"<a>\""));
    assert_eq!(call("toJson", vec![s("<a>")]).unwrap().as_str(), Some("\"\\u003ca\\u003e\""));
    let nan = f(f64::NAN);
    assert_eq!(ok("toPrettyJson", vec![nan.clone()]), r#""""#);
    assert_eq!(err("toRawJson", vec![nan.clone()]), "json: unsupported value: NaN");
    assert_eq!(err("mustToRawJson", vec![nan.clone()]), "json: unsupported value: NaN");
    assert_eq!(err("mustToPrettyJson", vec![nan.clone()]), "json: unsupported value: NaN");
    assert_eq!(err("mustToJson", vec![nan]), "json: unsupported value: NaN");
    assert_eq!(
        err("mustFromJson", vec![s("{bad")]),
        "invalid character 'b' looking for beginning of object key string"
    );
    assert_eq!(ok("mustFromJson", vec![s("[1,2]")]), "[1,2]");
    assert_eq!(ok("fromJson", vec![s("{bad")]), "null");
    assert_eq!(err("fail", vec![s("boom")]), "boom");
}

// ---- reflection ---------------------------------------------------------------------------

#[test]
fn reflection() {
    assert_eq!(ok("typeOf", vec![f(1.5)]), r#""float64""#);
    assert_eq!(ok("typeOf", vec![nil()]), r#""\u003cnil\u003e""#);
    assert_eq!(ok("typeOf", vec![l(vec![])]), r#""[]interface {}""#);
    assert_eq!(ok("kindOf", vec![nil()]), r#""invalid""#);
    assert_eq!(ok("kindOf", vec![Value::string_list(["a"])]), r#""slice""#);
    assert_eq!(ok("typeIs", vec![s("int"), i(1)]), "true");
    assert_eq!(ok("typeIs", vec![s("int"), Value::Int64(1)]), "false");
    assert_eq!(ok("typeIsLike", vec![s("int"), i(1)]), "true");
    assert_eq!(ok("kindIs", vec![s("map"), d(vec![])]), "true");
    assert_eq!(ok("deepEqual", vec![i(1), i(1)]), "true");
    assert_eq!(ok("deepEqual", vec![l(vec![i(1)]), l(vec![i(1)])]), "true");
    assert_eq!(ok("deepEqual", vec![i(1), Value::Int64(1)]), "false");
}
