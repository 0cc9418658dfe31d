//! Tests of Go's `fmt` over Values (crates/gotmpl/src/gofmt.rs).
//!
//! `oracle_cases` holds cases whose expected output was produced by real Helm v4.1.4
//! (Go 1.25.9): each case was rendered as `kN: {{ printf FORMAT ARGS | toJson }}` (or
//! `print`, `println`, or `{{ ARGS }}` through `include` for the `Value` rows) in a one-file
//! chart, and helm's answer was pasted in unchanged. Constants in those templates are Go
//! `int` (`i`) or `float64` (`fl`); `int64 N` gives `Value::Int64`; `list`/`dict` give
//! `[]interface {}`/`map[string]interface {}`, `splitList` a `[]string`; NaN and Inf came from
//! `float64 "NaN"`/`float64 "Inf"`. The other tests are hand-written (behaviour that
//! templates cannot reach, or that is not Go's: objects, depth limit, helpers).

use std::sync::Arc;

use gotmpl::gofmt::{format_float, format_v, is_print, quote, quote_to_ascii, sprint, sprintf, sprintln, write_v};
use gotmpl::{Kind, Object, Type, Value};

enum Call {
    Printf(&'static str),
    Print,
    Println,
    /// `{{ value }}`: format_v of the single operand.
    Value,
}
use Call::*;

fn i(n: i64) -> Value {
    Value::Int(n)
}
fn fl(x: f64) -> Value {
    Value::Float(x)
}
fn s(x: &str) -> Value {
    Value::str(x)
}
fn b(x: bool) -> Value {
    Value::Bool(x)
}
fn l(items: Vec<Value>) -> Value {
    Value::list(items)
}
fn m(entries: Vec<(&str, Value)>) -> Value {
    Value::map(entries)
}
fn sl(items: &[&str]) -> Value {
    Value::string_list(items.iter().copied())
}

/// Collects every mismatch so that one run reports them all.
#[derive(Default)]
struct Checker {
    count: usize,
    failures: Vec<String>,
}

impl Checker {
    fn check(&mut self, call: Call, args: &[Value], want: &str) {
        self.count += 1;
        let (label, got) = match call {
            Printf(format) => (format!("printf {format:?}"), sprintf(format, args)),
            Print => ("print".to_string(), sprint(args)),
            Println => ("println".to_string(), sprintln(args)),
            Value => ("value".to_string(), format_v(&args[0])),
        };
        if got != want {
            self.failures.push(format!("{label} {args:?}\n   got: {got:?}\n  want: {want:?}"));
        }
    }

    fn finish(self) {
        assert!(self.failures.is_empty(), "{} of {} cases failed:\n{}", self.failures.len(), self.count, self.failures.join("\n"));
    }
}

/// Every expected value here is helm v4.1.4's output.
#[test]
fn oracle_cases() {
    let mut c = Checker::default();
    c.check(Printf("%v|%v|%v|%v"), &[i(1), i(-7), fl(3.5), s("s")], "1|-7|3.5|s");
    c.check(Printf("%v|%v"), &[b(true), b(false)], "true|false");
    c.check(Printf("%v|%v|%v|%v|%v"), &[fl(1000000.0), fl(123456789.0), fl(0.0001), fl(100000.0), fl(1e-05)], "1e+06|1.23456789e+08|0.0001|100000|1e-05");
    c.check(Printf("%v|%v|%v|%v"), &[fl(1e+20), fl(1e+21), fl(1e-07), fl(123456.0)], "1e+20|1e+21|1e-07|123456");
    c.check(Printf("%v|%v|%v"), &[fl(0.1), fl(0.30000000000000004), fl(2.5e-10)], "0.1|0.30000000000000004|2.5e-10");
    c.check(Printf("%v|%v|%v"), &[fl(0.0), fl(-0.0), fl(1.7976931348623157e+308)], "0|-0|1.7976931348623157e+308");
    c.check(Printf("%v|%v|%v"), &[fl(5e-324), fl(100.0), fl(-12.75)], "5e-324|100|-12.75");
    c.check(Printf("%v|%v|%v"), &[fl(f64::NAN), fl(f64::INFINITY), fl(f64::NEG_INFINITY)], "NaN|+Inf|-Inf");
    c.check(Printf("%v|%v"), &[Value::Int64(9), Value::Int64(-9223372036854775808)], "9|-9223372036854775808");
    c.check(Printf("%v"), &[Value::Nil], "<nil>");
    c.check(Printf("%s"), &[Value::Nil], "%!s(<nil>)");
    c.check(Printf("%d"), &[Value::Nil], "%!d(<nil>)");
    c.check(Printf("%T"), &[Value::Nil], "<nil>");
    c.check(Printf("%#v"), &[Value::Nil], "<nil>");
    c.check(Printf("%5v|%-6v|"), &[Value::Nil, Value::Nil], "<nil>|<nil> |");
    c.check(Printf("%T|%T|%T|%T|%T"), &[i(1), Value::Int64(2), fl(1.5), s("a"), b(true)], "int|int64|float64|string|bool");
    c.check(Printf("%T|%T|%T"), &[l(vec![i(1)]), m(vec![("a", i(1))]), sl(&["a"])], "[]interface {}|map[string]interface {}|[]string");
    c.check(Printf("%10T|%-8T|%.2T"), &[i(1), s("a"), fl(1.5)], "       int|string  |fl");
    c.check(Printf("%v"), &[l(vec![i(1), s("a"), fl(2.5), b(true), Value::Nil])], "[1 a 2.5 true <nil>]");
    c.check(Printf("%v"), &[sl(&["a", "b", "c"])], "[a b c]");
    c.check(Printf("%q"), &[sl(&["a", "b"])], "[\"a\" \"b\"]");
    c.check(Printf("%d"), &[l(vec![i(1), i(2), i(3)])], "[1 2 3]");
    c.check(Printf("%x"), &[l(vec![i(10), i(255), s("hi")])], "[a ff 6869]");
    c.check(Printf("%s"), &[l(vec![i(1), s("a")])], "[%!s(int=1) a]");
    c.check(Printf("%v"), &[l(vec![])], "[]");
    c.check(Printf("%v"), &[l(vec![l(vec![i(1), i(2)]), l(vec![])])], "[[1 2] []]");
    c.check(Printf("%v"), &[m(vec![("b", i(2)), ("a", i(1)), ("c", l(vec![i(1), s("x")]))])], "map[a:1 b:2 c:[1 x]]");
    c.check(Printf("%v"), &[m(vec![])], "map[]");
    c.check(Printf("%d"), &[m(vec![("a", i(1)), ("b", s("x"))])], "map[%!d(string=a):1 %!d(string=b):%!d(string=x)]");
    c.check(Printf("%s"), &[m(vec![("a", Value::Nil)])], "map[a:<nil>]");
    c.check(Printf("%q"), &[m(vec![("k", s("v"))])], "map[\"k\":\"v\"]");
    c.check(Printf("%5d"), &[l(vec![i(1), i(22)])], "[    1    22]");
    c.check(Printf("%05.1f"), &[l(vec![fl(1.25), fl(2.0)])], "[001.2 002.0]");
    c.check(Printf("%#v"), &[l(vec![i(1), s("a"), Value::Nil, fl(2.5)])], "[]interface {}{1, \"a\", interface {}(nil), 2.5}");
    c.check(Printf("%#v"), &[sl(&["a", "b"])], "[]string{\"a\", \"b\"}");
    c.check(Printf("%#v"), &[m(vec![("a", i(1)), ("b", s("x")), ("c", Value::Nil)])], "map[string]interface {}{\"a\":1, \"b\":\"x\", \"c\":interface {}(nil)}");
    c.check(Printf("%#v"), &[l(vec![m(vec![("a", l(vec![]))])])], "[]interface {}{map[string]interface {}{\"a\":[]interface {}{}}}");
    c.check(Printf("%+v"), &[l(vec![i(1), m(vec![("a", i(1))])])], "[1 map[a:1]]");
    c.check(Printf("%v"), &[m(vec![("k", m(vec![("z", i(1)), ("a", l(vec![Value::Nil]))]))])], "map[k:map[a:[<nil>] z:1]]");
    c.check(Printf("%T"), &[l(vec![Value::Nil])], "[]interface {}");
    c.check(Printf("%t"), &[l(vec![b(true), b(false), i(1)])], "[true false %!t(int=1)]");
    c.check(Printf("%e"), &[l(vec![fl(1.0)])], "[1.000000e+00]");
    c.check(Printf("%#v|%#v|%#v|%#v|%#v"), &[i(1), fl(1.0), fl(1000000.0), s("a\"b"), b(true)], "1|1|1e+06|\"a\\\"b\"|true");
    c.check(Printf("%#v|%#v|%#v"), &[fl(0.5), Value::Int64(3), fl(f64::INFINITY)], "0.5|3|+Inf");
    c.check(Printf("%s|%10s|%-10s|%.2s|%5.1s|"), &[s("hello"), s("hi"), s("hi"), s("hello"), s("xyz")], "hello|        hi|hi        |he|    x|");
    c.check(Printf("%q|%+q|%#q|%#q|%#+q"), &[s("héllo\n"), s("héllo"), s("back"), s("has`tick"), s("tab\there")], "\"héllo\\n\"|\"h\\u00e9llo\"|`back`|\"has`tick\"|`tab\there`");
    c.check(Printf("%q"), &[s("\u{0}\u{7}\u{8}\u{c}\r\t\u{b}\u{7f}\\\"'")], "\"\\x00\\a\\b\\f\\r\\t\\v\\x7f\\\\\\\"'\"");
    c.check(Printf("%q|%+q"), &[s("­​﻿😀"), s("😀")], "\"\\u00ad\\u200b\\ufeff😀\"|\"\\U0001f600\"");
    c.check(Printf("%q|%q"), &[s("\u{85} "), s("日本語")], "\"\\u0085\\u00a0\"|\"日本語\"");
    c.check(Printf("%x|%X|% x|%#x|%# X"), &[s("hi!"), s("hi!"), s("abc"), s("abc"), s("abc")], "686921|686921|61 62 63|0x616263|0X61 0X62 0X63");
    c.check(Printf("%x|%8x|%-8x|%.1x|% #x"), &[s(""), s("ab"), s("ab"), s("abc"), s("")], "|    6162|6162    |61|");
    c.check(Printf("%05s|%-05s|%05q"), &[s("ab"), s("ab"), s("a")], "000ab|ab   |00\"a\"");
    c.check(Printf("%.3q|%10q"), &[s("abcdef"), s("é")], "\"abc\"|       \"é\"");
    c.check(Printf("%v|%#v|%+v"), &[s("a"), s("a\n"), s("a")], "a|\"a\\n\"|a");
    c.check(Printf("%d|%f|%c|%t"), &[s("s"), s("s"), s("s"), s("s")], "%!d(string=s)|%!f(string=s)|%!c(string=s)|%!t(string=s)");
    c.check(Printf("%6s|%-6s|"), &[s("日本"), s("日本")], "    日本|日本    |");
    c.check(Printf("%.1s|%.0s|"), &[s("日本"), s("x")], "日||");
    c.check(Printf("%d|%+d|% d|%5d|%-5d|%05d|"), &[i(42), i(42), i(42), i(42), i(42), i(42)], "42|+42| 42|   42|42   |00042|");
    c.check(Printf("%d|%+d|% d|%5d|%-5d|%05d|"), &[i(-42), i(-42), i(-42), i(-42), i(-42), i(-42)], "-42|-42|-42|  -42|-42  |-0042|");
    c.check(Printf("%b|%o|%O|%x|%X|%#b|%#o|%#x|%#X|%#O"), &[i(10), i(10), i(10), i(255), i(255), i(10), i(10), i(255), i(255), i(10)], "1010|12|0o12|ff|FF|0b1010|012|0xff|0XFF|0o012");
    c.check(Printf("%.3d|%.0d|%.0d|%5.0d|%+.0d|"), &[i(7), i(0), i(1), i(0), i(0)], "007||1|     ||");
    c.check(Printf("%08.3d|%+08d|% 08d|%-+8d|"), &[i(7), i(7), i(7), i(7)], "     007|+0000007| 0000007|+7      |");
    c.check(Printf("%#08x|%#-8x|%#8o|%#o"), &[i(255), i(255), i(8), i(0)], "0x000000ff|0xff    |     010|0");
    c.check(Printf("%x|%X|%#x|%o|%b"), &[i(-255), i(-255), i(-255), i(-8), i(-5)], "-ff|-FF|-0xff|-10|-101");
    c.check(Printf("%d|%x"), &[Value::Int64(9223372036854775807), Value::Int64(-9223372036854775808)], "9223372036854775807|-8000000000000000");
    c.check(Printf("%c|%c|%c|%c|%c"), &[i(65), i(128512), i(-1), i(1114112), i(55296)], "A|😀|�|�|�");
    c.check(Printf("%q|%q|%q|%q|%+q|%q|%q"), &[i(65), i(10), i(39), i(128512), i(128512), i(-1), i(0)], "'A'|'\\n'|'\\''|'😀'|'\\U0001f600'|'�'|'\\x00'");
    c.check(Printf("%q|%q|%q"), &[i(127), i(173), i(8232)], "'\\x7f'|'\\u00ad'|'\\u2028'");
    c.check(Printf("%U|%#U|%#U|%U|%.6U|%#10U|%-10U|"), &[i(65), i(65), i(10), i(-1), i(65), i(128512), i(65)], "U+0041|U+0041 'A'|U+000A|U+FFFFFFFFFFFFFFFF|U+000041|U+1F600 '😀'|U+0041    |");
    c.check(Printf("%08U|%#U"), &[i(65), i(1114112)], "  U+0041|U+110000");
    c.check(Printf("%3c|%-3c|"), &[i(65), i(65)], "  A|A  |");
    c.check(Printf("%e|%f|%g|%s|%t"), &[i(5), i(5), i(5), i(5), i(5)], "%!e(int=5)|%!f(int=5)|%!g(int=5)|%!s(int=5)|%!t(int=5)");
    c.check(Printf("%v|%d"), &[Value::Int64(5), Value::Int64(-5)], "5|-5");
    c.check(Printf("%e|%E|%f|%F|%g|%G"), &[fl(1234.5678), fl(1234.5678), fl(1234.5678), fl(1234.5678), fl(1234.5678), fl(1234.5678)], "1.234568e+03|1.234568E+03|1234.567800|1234.567800|1234.5678|1234.5678");
    c.check(Printf("%.2f|%6.2f|%-8.3e|%+.1g|%#g"), &[fl(3.14159), fl(3.14159), fl(3.14159), fl(3.14159), fl(3.14159)], "3.14|  3.14|3.142e+00|+3|3.14159");
    c.check(Printf("%.0f|%.0f|%.0f|%.0f|%.1f|%.2f"), &[fl(0.5), fl(1.5), fl(2.5), fl(-0.5), fl(0.25), fl(1.005)], "0|2|2|-0|0.2|1.00");
    c.check(Printf("%g|%g|%g|%g|%g"), &[fl(1000000.0), fl(1e-05), fl(123456789.0), fl(0.0001), fl(1e+21)], "1e+06|1e-05|1.23456789e+08|0.0001|1e+21");
    c.check(Printf("%G|%E"), &[fl(1e-10), fl(1e+100)], "1E-10|1.000000E+100");
    c.check(Printf("%.3g|%.3g|%.3g|%.3g|%.0g|%.1g"), &[fl(1.0), fl(1234.0), fl(100.0), fl(0.0001234), fl(123.0), fl(0.95)], "1|1.23e+03|100|0.000123|1e+02|0.9");
    c.check(Printf("%.10g|%.20g"), &[fl(0.1), fl(0.1)], "0.1|0.10000000000000000555");
    c.check(Printf("%e|%e|%.0e|%#.0e|%.3e"), &[fl(0.0), fl(1e-300), fl(15.0), fl(15.0), fl(9.9996)], "0.000000e+00|1.000000e-300|2e+01|2.e+01|1.000e+01");
    c.check(Printf("%#g|%#g|%#g|%#.3g|%#.3g|%#g"), &[fl(1.0), fl(0.0), fl(123456.0), fl(1.0), fl(100.0), fl(10000000.0)], "1.00000|0.00000|123456.|1.00|100.|1.00000e+07");
    c.check(Printf("%#f|%#.0f|%#e|%#.0e|%#v"), &[fl(1.0), fl(2.0), fl(1.0), fl(3.0), fl(1.5)], "1.000000|2.|1.000000e+00|3.e+00|1.5");
    c.check(Printf("%+f|% f|%+e|% .2e|%+g|% g"), &[fl(1.5), fl(1.5), fl(1.5), fl(1.5), fl(1.5), fl(1.5)], "+1.500000| 1.500000|+1.500000e+00| 1.50e+00|+1.5| 1.5");
    c.check(Printf("%+f|% f|%+g|% g"), &[fl(-1.5), fl(-1.5), fl(-1.5), fl(-1.5)], "-1.500000|-1.500000|-1.5|-1.5");
    c.check(Printf("%08.2f|%-08.2f|%+08.2f|% 08.2f|%08.2f"), &[fl(3.14159), fl(3.14159), fl(3.14159), fl(3.14159), fl(-3.14159)], "00003.14|3.14    |+0003.14| 0003.14|-0003.14");
    c.check(Printf("%010e|%010g|%10.3g|%-10.3g|"), &[fl(1.5), fl(1.5), fl(1.5), fl(1.5)], "1.500000e+00|00000001.5|       1.5|1.5       |");
    c.check(Printf("%f|%5f|%05f|%+f|% f|%-6f|"), &[fl(f64::INFINITY), fl(f64::INFINITY), fl(f64::INFINITY), fl(f64::INFINITY), fl(f64::INFINITY), fl(f64::INFINITY)], "+Inf| +Inf| +Inf|+Inf| Inf|+Inf  |");
    c.check(Printf("%f|%5f|%05f|%+f|% f|%e"), &[fl(f64::NAN), fl(f64::NAN), fl(f64::NAN), fl(f64::NAN), fl(f64::NAN), fl(f64::NEG_INFINITY)], "NaN|  NaN|  NaN|+NaN| NaN|-Inf");
    c.check(Printf("%b|%b|%b|%b"), &[fl(1.0), fl(0.0), fl(-2.5), fl(5e-324)], "4503599627370496p-52|0p-1074|-5629499534213120p-51|1p-1074");
    c.check(Printf("%x|%X|%x|%x|%.3x|%.0x"), &[fl(1.0), fl(3.0), fl(0.1), fl(0.0), fl(1.0), fl(1.5)], "0x1p+00|0X1.8P+01|0x1.999999999999ap-04|0x0p+00|0x1.000p+00|0x1p+01");
    c.check(Printf("%x|%x|%#x|%.1x"), &[fl(-2.5), fl(5e-324), fl(1.0), fl(1.96875)], "-0x1.4p+01|0x1p-1074|0x1.0000p+00|0x1.0p+01");
    c.check(Printf("%f|%.3f"), &[fl(1e+20), fl(1e-07)], "100000000000000000000.000000|0.000");
    c.check(Printf("%f"), &[fl(1.7976931348623157e+308)], "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.000000");
    c.check(Printf("%.30f"), &[fl(0.1)], "0.100000000000000005551115123126");
    c.check(Printf("%g|%g"), &[fl(0.0001), fl(9.999999e-05)], "0.0001|9.999999e-05");
    c.check(Printf("%d|%s|%q|%c|%U|%t"), &[fl(1.5), fl(1.5), fl(1.5), fl(1.5), fl(1.5), fl(1.5)], "%!d(float64=1.5)|%!s(float64=1.5)|%!q(float64=1.5)|%!c(float64=1.5)|%!U(float64=1.5)|%!t(float64=1.5)");
    c.check(Printf("%5d|%-5x|%05d"), &[fl(1.5), s("a"), b(true)], "%!d(float64=  1.5)|61   |%!d(bool=0true)");
    c.check(Printf("%.3v|%10.4v|%-10v|"), &[fl(3.14159), fl(3.14159), fl(2.5)], "3.14|     3.142|2.5       |");
    c.check(Printf("%v|%v|%v"), &[fl(0.0001), fl(1.5e-05), fl(12345678.9)], "0.0001|1.5e-05|1.23456789e+07");
    c.check(Printf("%t|%v|%5t|%-6t|%05t|"), &[b(true), b(false), b(true), b(false), b(true)], "true|false| true|false |0true|");
    c.check(Printf("%d|%s"), &[b(true), b(false)], "%!d(bool=true)|%!s(bool=false)");
    c.check(Printf("100%%|%5%|%-5%|%%d"), &[i(1)], "100%|%|%|%d%!(EXTRA int=1)");
    c.check(Printf("%*d|%-*d|%*d"), &[i(5), i(1), i(5), i(2), i(-5), i(3)], "    1|2    |3    ");
    c.check(Printf("%.*f|%*.*f|"), &[i(2), fl(3.14159), i(8), i(3), fl(3.14159)], "3.14|   3.142|");
    c.check(Printf("%*d"), &[s("x"), i(1)], "%!(BADWIDTH)1");
    c.check(Printf("%.*d"), &[s("x"), i(1)], "%!(BADPREC)1");
    c.check(Printf("%.*d"), &[i(-1), i(5)], "%!(BADPREC)5");
    c.check(Printf("%*d"), &[fl(1.5), i(2)], "%!(BADWIDTH)2");
    c.check(Printf("%*d"), &[Value::Int64(4), i(7)], "   7");
    c.check(Printf("%[2]d %[1]d"), &[i(1), i(2)], "2 1");
    c.check(Printf("%[3]*.[2]*[1]f"), &[fl(12.0), i(2), i(6)], " 12.00");
    c.check(Printf("%[1]d %[1]x %[1]o %d"), &[i(10), i(11)], "10 a 12 11");
    c.check(Printf("%[5]d"), &[i(1), i(2), i(3)], "%!d(BADINDEX)");
    c.check(Printf("%[0]d|%[x]d|%[2d"), &[i(1), i(2)], "%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)");
    c.check(Printf("%[1]*d"), &[i(3), i(4)], "  4");
    c.check(Printf("%[2]*[1]d"), &[i(12), i(5)], "   12");
    c.check(Printf("%d %d %#[1]x %#x"), &[i(16), i(17)], "16 17 0x10 0x11");
    c.check(Printf("%[3]d %d"), &[i(1), i(2), i(3), i(4)], "3 4");
    c.check(Printf("%.[2]d"), &[i(5), i(3)], "3");
    c.check(Printf("%[1]2d"), &[i(5)], "%!d(BADINDEX)");
    c.check(Printf("%-"), &[i(1)], "%!(NOVERB)%!(EXTRA int=1)");
    c.check(Printf("%"), &[i(1)], "%!(NOVERB)%!(EXTRA int=1)");
    c.check(Printf("%5."), &[i(1)], "%!.(int=    1)");
    c.check(Printf("%!"), &[i(1)], "%!!(int=1)");
    c.check(Printf("%z|%ä"), &[i(1), i(2)], "%!z(int=1)|%!ä(int=2)");
    c.check(Printf("%d %d"), &[i(1)], "1 %!d(MISSING)");
    c.check(Printf("%d"), &[i(1), i(2), s("a"), Value::Nil, l(vec![i(1)])], "1%!(EXTRA int=2, string=a, <nil>, []interface {}=[1])");
    c.check(Printf("no verbs"), &[fl(1.5)], "no verbs%!(EXTRA float64=1.5)");
    c.check(Printf("%s"), &[], "%!s(MISSING)");
    c.check(Printf("%d%%%d"), &[i(1)], "1%%!d(MISSING)");
    c.check(Printf("%w"), &[i(1)], "%!w(int=1)");
    c.check(Printf("%w|%w"), &[Value::Nil, s("a")], "%!w(<nil>)|%!w(string=a)");
    c.check(Printf("%p"), &[Value::Nil], "%!p(<nil>)");
    c.check(Printf("%p|%p|%p"), &[i(1), s("a"), b(true)], "%!p(int=1)|%!p(string=a)|%!p(bool=true)");
    c.check(Printf("%x|%#x"), &[b(true), fl(1.5)], "%!x(bool=true)|0x1.8000p+00");
    c.check(Printf("%123456789d|"), &[i(1)], "%!(NOVERB)%!(EXTRA int=1)");
    c.check(Printf("%.12345678d|%.1000d"), &[i(1), i(2)], "%!(NOVERB)%!(EXTRA int=1, int=2)");
    c.check(Printf("%*d"), &[i(1000001), i(1)], "%!(BADWIDTH)1");
    c.check(Printf("%#+v|%+#v"), &[i(1), s("x")], "1|\"x\"");
    c.check(Printf("%-+# 0d|%0-5d|"), &[i(5), i(5)], "+5|5    |");
    c.check(Printf("héllo %s wörld %d"), &[s("ü"), i(3)], "héllo ü wörld 3");
    c.check(Printf("%v %v %v"), &[i(1), i(2)], "1 2 %!v(MISSING)");
    c.check(Printf("%3.1v|%06v|%-06v|"), &[s("abc"), fl(-1.5), fl(1.5)], "  a|-001.5|1.5   |");
    c.check(Print, &[i(1), i(2), i(3)], "1 2 3");
    c.check(Print, &[s("a"), s("b"), i(1), i(2), s("c")], "ab1 2c");
    c.check(Print, &[i(1), s("a"), i(2)], "1a2");
    c.check(Print, &[Value::Nil, Value::Nil, s("x"), Value::Nil], "<nil> <nil>x<nil>");
    c.check(Print, &[fl(1.5), fl(2.5), b(true), l(vec![i(1), i(2)]), m(vec![("a", i(1))])], "1.5 2.5 true [1 2] map[a:1]");
    c.check(Print, &[], "");
    c.check(Print, &[s(""), s("")], "");
    c.check(Print, &[sl(&["a", "b"]), s("c"), l(vec![s("d")])], "[a b]c[d]");
    c.check(Println, &[], "\n");
    c.check(Println, &[s("a"), s("b"), i(1)], "a b 1\n");
    c.check(Println, &[Value::Nil, fl(1.5), l(vec![])], "<nil> 1.5 []\n");
    c.check(Value, &[fl(1.5)], "1.5");
    c.check(Value, &[i(3)], "3");
    c.check(Value, &[s("s")], "s");
    c.check(Value, &[l(vec![i(1), l(vec![i(2), i(3)]), m(vec![("k", s("v"))])])], "[1 [2 3] map[k:v]]");
    c.check(Value, &[m(vec![("b", l(vec![])), ("a", m(vec![]))])], "map[a:map[] b:[]]");
    c.check(Value, &[fl(1e+21)], "1e+21");
    c.check(Value, &[fl(1.2e-05)], "1.2e-05");
    c.check(Value, &[fl(-0.0)], "-0");
    c.check(Value, &[Value::Int64(12)], "12");
    c.check(Value, &[fl(f64::NEG_INFINITY)], "-Inf");
    c.check(Printf("%q|%+q"), &[s("Ᲊ"), s("Ᲊ")], "\"\\u1c89\"|\"\\u1c89\"");
    c.check(Printf("%q"), &[s("𖄀")], "\"\\U00016100\"");
    c.finish();
}
