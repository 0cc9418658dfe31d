"""Random but valid charts for differential fuzzing (`chartroom template` against Helm).

`generate(seed)` returns a `Case`: a chart (Chart.yaml, values.yaml as a tree, templates as
lines, plain files, sometimes a subchart), `-f` override files, `--set*` lines, a release name
and a namespace. Everything is drawn from `random.Random(seed)`, so a seed is a case.

Templates are built from typed expressions: the generator knows which values-tree nodes are
maps, lists, strings, numbers or bools, and calls functions with arguments of the types they
want, so most cases render; a share of cases deliberately fails (bad calls, `fail`,
`required`, parse errors, invalid YAML) so that errors are compared too. Functions whose
output depends on time, randomness or the machine (now, rand*, uuidv4, genCA, htpasswd,
encryptAES, date in the local zone, ...) are never generated; map iteration order is only
observed through Go's sorted printing or `sortAlpha`.
"""

import json
import random
import re

# --- values trees --------------------------------------------------------------------------
#
# A node is ("map", [(key, node)], flow) | ("list", [node], flow) | ("scalar", raw_yaml, kind)
# | ("block", indicator, text). `kind` is what the template side may assume: "S" string,
# "F" number (Helm reads every YAML number as float64), "B" bool, "N" null.

PLAIN_STRINGS = [
    "hello", "Hello World", "nginx", "a-b_c", "CamelCaseWord", "snake_case_word", "kebab-case-word",
    "héllo wörld", "日本語テキスト", "emoji 🚀 rocket", "Ünïcödé", "x", "some.dotted.name",
    "v1.2.3", "1.2.3", "10.0.0.1", "http://example.com/a/b?q=1", "path/to/file.txt",
    "UPPER", "MiXeD cAsE", "trailing", "with space", "e", "-dash", "a,b,c", "The quick brown fox",
]
QUOTED_STRINGS = [
    '"1.0"', '"true"', '"0x1F"', '"2024-01-02"', '"007"', '"1e3"', '"null"', '""', '" spaced "',
    '"tab\\there"', '"line1\\nline2"', '"with: colon"', '"quote \\" inside"', '"back\\\\slash"',
    "'single ''quoted'''", "'it''s'", '"{{ .Release.Name }}-tpl"', '"{{ .Values.name | upper }}"',
    '"%s and %d"', '"café"', '"\\u00e9t\\u00e9"', '"a,b\\\\,c"', '"12345678901234567890"',
    '"-5"', '"3.14"', '"yes"', '"~"', "'#not a comment'", '"key=value"', '"[x]"',
]
STRINGLIKE_PLAIN = ["yes", "no", "on", "off", "y", "n", "Yes", "OFF"]  # go-yaml v2: bools
NUMBERS = [
    "0", "1", "-1", "42", "3.0", "0.1", "-2.5", "1e3", "1.5e-7", "0x1F", "0o17", "017", "+12",
    "-0", "1_000", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "18446744073709551616", "12345678901234567890123", "100", "65535",
    "2.5", "1e21", "123456789", "0.000001",
]
# Helm cannot convert these to JSON: every chart holding one fails to load, so they are rare.
NOT_JSON_NUMBERS = [".inf", "-.Inf", ".nan"]
# go-yaml (YAML 1.1) ends a plain scalar at a '?' inside a flow collection; chartroom's YAML
# reader does not (a known difference, tests/difffuzz/known-mismatches.txt), so plain scalars
# with '?' are never written in flow style.
FLOW_UNSAFE = set(",[]{}#&*!|>'\"%@`?")
DATES = ["2001-12-14", "2001-12-14t21:59:43.10-05:00", "2002-12-14 21:59:43.10 -5", "12:30:00"]
BOOLS = ["true", "false", "True", "FALSE"]
NULLS = ["null", "~", "Null", ""]

IDENT_KEYS = [
    "name", "image", "tag", "replicas", "enabled", "port", "labels", "annotations", "items",
    "config", "env", "mode", "level", "size", "data", "extra", "nested", "list", "host", "path",
    "count", "ratio", "flag", "title", "text", "version", "zone", "alpha", "beta", "gamma",
]
ODD_KEYS = ["my-key", "key.with.dots", '"123"', "UpperKey", "with_underscore", '"spaced key"', "ключ", "a/b"]


class Values:
    """Builds a random values tree and remembers typed paths into it for the templates."""

    def __init__(self, rng, depth=3):
        self.rng = rng
        self.depth = depth

    def scalar(self):
        r = self.rng.random()
        if r < 0.30:
            return ("scalar", self.rng.choice(PLAIN_STRINGS), "S")
        if r < 0.45:
            return ("scalar", self.rng.choice(QUOTED_STRINGS), "S")
        if r < 0.70:
            if self.rng.random() < 0.005:
                return ("scalar", self.rng.choice(NOT_JSON_NUMBERS), "F")
            return ("scalar", self.rng.choice(NUMBERS), "F")
        if r < 0.80:
            return ("scalar", self.rng.choice(BOOLS), "B")
        if r < 0.84:
            return ("scalar", self.rng.choice(STRINGLIKE_PLAIN), "B")
        if r < 0.88:
            return ("scalar", self.rng.choice(DATES), "S")
        if r < 0.93:
            return ("scalar", self.rng.choice(NULLS), "N")
        text = self.rng.choice(["line one\nline two\n", "a\n  indented\nb", "single", "trail\n\n", "x: y\n- z\n"])
        return ("block", self.rng.choice(["|", "|-", ">", ">-", "|+"]), text)

    def node(self, depth):
        r = self.rng.random()
        if depth <= 0 or r < 0.45:
            return self.scalar()
        if r < 0.75:
            return self.map(depth - 1)
        return self.list(depth - 1)

    def map(self, depth, min_keys=0, max_keys=5):
        keys = []
        for _ in range(self.rng.randint(min_keys, max_keys)):
            k = self.rng.choice(IDENT_KEYS) if self.rng.random() < 0.85 else self.rng.choice(ODD_KEYS)
            if k not in keys:
                keys.append(k)
        return ("map", [(k, self.node(depth)) for k in keys], self.rng.random() < 0.1)

    def list(self, depth):
        n = self.rng.randint(0, 4)
        if self.rng.random() < 0.5:  # homogeneous scalar lists are what templates mostly range over
            items = [("scalar", self.rng.choice(PLAIN_STRINGS), "S") for _ in range(n)]
        else:
            items = [self.node(depth) for _ in range(n)]
        return ("list", items, self.rng.random() < 0.15)


def key_text(k):
    return k


def flow_safe(node):
    """Whether a collection of scalars can be written in flow style as it is."""
    children = node[1] if node[0] == "list" else [v for _, v in node[1]]
    return all(c[0] == "scalar" and (c[1][:1] in "\"'" and c[1][:1] != "" or
                                     not (FLOW_UNSAFE & set(c[1]) or ": " in c[1])) for c in children)


def emit_yaml(node, indent=0):
    """YAML text of a values tree (block style unless the node asks for flow)."""
    pad = " " * indent
    kind = node[0]
    if kind == "map":
        items, flow = node[1], node[2]
        if not items:
            return pad + "{}\n"
        if flow and flow_safe(node):
            return pad + "{" + ", ".join(f"{k}: {c[1] if c[1] else 'null'}" for k, c in items) + "}\n"
        out = []
        for k, child in items:
            out.append(pad + key_text(k) + ":" + emit_value(child, indent))
        return "".join(out)
    if kind == "list":
        items, flow = node[1], node[2]
        if not items:
            return pad + "[]\n"
        if flow and flow_safe(node):
            return pad + "[" + ", ".join(c[1] if c[1] else "null" for c in items) + "]\n"
        out = []
        for child in items:
            if child[0] in ("map", "list") and child[1] and not child[2]:
                inner = emit_yaml(child, indent + 2)
                out.append(pad + "- " + inner[indent + 2:])
            else:
                out.append(pad + "-" + emit_value(child, indent))
        return "".join(out)
    return pad + emit_value(node, indent).lstrip()


def emit_value(child, indent):
    """The part after `key:` or `-`: inline for scalars and empty/flow collections."""
    if child[0] == "scalar":
        return (" " + child[1] if child[1] != "" else "") + "\n"
    if child[0] == "block":
        body = "".join(" " * (indent + 2) + line + "\n" if line else "\n" for line in child[2].split("\n"))
        if child[2].endswith("\n"):
            body = body[:-1] if body.endswith("\n\n") else body
        return " " + child[1] + "\n" + body
    if not child[1] or (child[2] and flow_safe(child)):
        return " " + emit_yaml(child, 0).strip() + "\n"
    return "\n" + emit_yaml(child, indent + 2)


def walk(node, path=()):
    """Every (path, node) of a tree; a path step is a map key or a list index."""
    yield path, node
    if node[0] == "map":
        for k, child in node[1]:
            yield from walk(child, path + (k,))
    elif node[0] == "list":
        for i, child in enumerate(node[1]):
            yield from walk(child, path + (i,))


def node_type(node):
    if node[0] == "map":
        return "D"
    if node[0] == "list":
        return "L"
    if node[0] == "block":
        return "S"
    return node[2]


def go_key(k):
    """A YAML key as the Go string Helm sees (quotes removed)."""
    if k.startswith('"') and k.endswith('"'):
        return json.loads(k)
    return k


def access(base, path):
    """Template text reaching `path` under `base` (`.Values`, `.`, `$.Values`, `$v`)."""
    if not path:
        return base
    if all(isinstance(p, str) and go_key(p).isidentifier() and go_key(p).isascii() for p in path) and base != ".":
        return base + "".join("." + go_key(p) for p in path)
    if all(isinstance(p, str) and go_key(p).isidentifier() and go_key(p).isascii() for p in path):
        return "".join("." + go_key(p) for p in path)
    args = " ".join(json.dumps(go_key(p)) if isinstance(p, str) else str(p) for p in path)
    return f"(index {base} {args})"


# --- expressions ---------------------------------------------------------------------------

S_LITS = ['"abc"', '"Hello World"', '"a,b,c"', '"  pad  "', '"ünïcödé"', '"日本"', '"x-y_z"', '"CamelCase"',
          '"snake_case"', '"1.5"', '"42"', '"true"', '""', '"a\\nb"', '"tab\\tx"', '`raw\\n`', '"q\\"d"',
          '"🚀"', '"$x"', '"%d%%"', '"a.b.c"', '"  "', '"-"', '"foo bar baz"', '"0"', '"null"']
I_LITS = ["0", "1", "-1", "2", "3", "7", "42", "255", "1000", "9223372036854775807", "-9223372036854775808",
          "0x1F", "0o17", "017", "1_000", "'a'", "-3"]
F_LITS = ["1.5", "0.1", "-2.75", "1e3", "3.0", "1e100", "0.0", "-0.5", "2.5e-3", "0.3", "1e-7", "123456789.125"]
REGEXES = ['"[a-z]+"', '"^a"', '"\\\\d+"', '"(\\\\w)(\\\\w)"', '"o"', '"[aeiou]"', '"^$"', '"b*"', '"(?i)HELLO"', '"\\\\s+"']
SEMVERS = ['"1.2.3"', '"v1.2.3"', '"1.2.3-alpha.1+build.5"', '"0.0.1"', '"2.0.0"', '"1.10.0"', '"1.2"']
CONSTRAINTS = ['">=1.0.0"', '"~1.2"', '"^1.2.0"', '"<2.0.0, >1.0"', '"1.2.x"', '">= 1.2.3-0"', '"!=1.2.3"', '"*"']
PRINTF_VERBS = ["%v", "%s", "%d", "%q", "%x", "%X", "%5.2f", "%t", "%T", "%+v", "%#v", "%-6s|", "%6s|", "%e",
                "%g", "%o", "%b", "%c", "%U", "%05d", "%.3s", "%8.3f", "%+d", "% d", "%x", "%#x", "%%"]
KIND_NAMES = ["string", "int", "int64", "float64", "bool", "map", "slice", "invalid"]
TYPE_NAMES = ["string", "int", "int64", "float64", "bool", "map[string]interface {}", "[]interface {}"]

# name: (argument types, result type). The piped argument is the last one, as in Sprig.
FUNCS = {
    # strings
    "upper": (["S"], "S"), "lower": (["S"], "S"), "title": (["S"], "S"), "untitle": (["S"], "S"),
    "trim": (["S"], "S"), "nospace": (["S"], "S"), "snakecase": (["S"], "S"), "camelcase": (["S"], "S"),
    "kebabcase": (["S"], "S"), "swapcase": (["S"], "S"), "initials": (["S"], "S"),
    "trimAll": (["S", "S"], "S"), "trimPrefix": (["S", "S"], "S"), "trimSuffix": (["S", "S"], "S"),
    "trunc": (["I", "S"], "S"), "abbrev": (["I", "S"], "S"), "abbrevboth": (["I", "I", "S"], "S"),
    "substr": (["I", "I", "S"], "S"), "repeat": (["SMALL", "S"], "S"), "wrap": (["I", "S"], "S"),
    "wrapWith": (["I", "S", "S"], "S"), "indent": (["SMALL", "S"], "S"), "nindent": (["SMALL", "S"], "S"),
    "replace": (["S", "S", "S"], "S"), "contains": (["S", "S"], "B"), "hasPrefix": (["S", "S"], "B"),
    "hasSuffix": (["S", "S"], "B"), "quote": (["A"], "S"), "squote": (["A"], "S"), "cat": (["A", "A"], "S"),
    "plural": (["S", "S", "I"], "S"), "toString": (["A"], "S"), "print": (["A", "A"], "S"),
    "println": (["A"], "S"), "len": (["S"], "I"), "ternary": (["A", "A", "B"], "A"),
    # encodings and hashes
    "b64enc": (["S"], "S"), "b64dec": (["B64"], "S"), "b32enc": (["S"], "S"), "b32dec": (["B32"], "S"),
    "sha1sum": (["S"], "S"), "sha256sum": (["S"], "S"), "sha512sum": (["S"], "S"), "adler32sum": (["S"], "S"),
    "derivePassword": (["SMALL", "PWTYPE", "S", "S", "S"], "S"),
    "html": (["S"], "S"), "js": (["S"], "S"), "urlquery": (["S"], "S"),
    # regex
    "regexMatch": (["RE", "S"], "B"), "regexFind": (["RE", "S"], "S"), "regexFindAll": (["RE", "S", "I"], "L"),
    "regexReplaceAll": (["RE", "S", "S"], "S"), "regexReplaceAllLiteral": (["RE", "S", "S"], "S"),
    "regexSplit": (["RE", "S", "I"], "L"), "regexQuoteMeta": (["S"], "S"),
    # lists
    "list": (["A", "A", "A"], "L"), "splitList": (["S", "S"], "L"), "split": (["S", "S"], "A"),
    "splitn": (["S", "SMALL", "S"], "A"), "join": (["S", "L"], "S"), "sortAlpha": (["L"], "L"),
    "uniq": (["L"], "L"), "reverse": (["L"], "L"), "compact": (["L"], "L"), "rest": (["L"], "L"),
    "initial": (["L"], "L"), "first": (["L"], "A"), "last": (["L"], "A"), "append": (["L", "A"], "L"),
    "prepend": (["L", "A"], "L"), "concat": (["L", "L"], "L"), "has": (["A", "L"], "B"),
    "without": (["L", "A"], "L"), "slice": (["L", "SMALL"], "L"), "chunk": (["SMALL1", "L"], "L"),
    "toStrings": (["L"], "L"), "until": (["SMALL"], "L"), "untilStep": (["SMALL", "SMALL", "SMALL1"], "L"),
    "seq": (["SMALL", "SMALL"], "S"), "mustFirst": (["L"], "A"), "mustAppend": (["L", "A"], "L"),
    # dicts
    "dict": (["S", "A", "S", "A"], "D"), "get": (["D", "S"], "A"), "hasKey": (["D", "S"], "B"),
    "pluck": (["S", "D", "D"], "L"), "dig": (["S", "S", "A", "D"], "A"), "pick": (["D", "S"], "D"),
    "omit": (["D", "S"], "D"), "merge": (["DFRESH", "D"], "D"), "mergeOverwrite": (["DFRESH", "D"], "D"),
    "deepCopy": (["A"], "A"), "set": (["DFRESH", "S", "A"], "D"), "unset": (["DFRESH", "S"], "D"),
    "keys": (["D"], "LKEYS"),
    # defaults and reflection
    "default": (["A", "A"], "A"), "empty": (["A"], "B"), "coalesce": (["A", "A", "A"], "A"),
    "all": (["A", "A"], "B"), "any": (["A", "A"], "B"), "kindOf": (["A"], "S"), "typeOf": (["A"], "S"),
    "kindIs": (["KIND", "A"], "B"), "typeIs": (["TYPE", "A"], "B"), "deepEqual": (["A", "A"], "B"),
    "toJson": (["A"], "S"), "toPrettyJson": (["A"], "S"), "toRawJson": (["A"], "S"), "toYaml": (["A"], "S"),
    "fromJson": (["JSON"], "D"), "fromYaml": (["YAMLDOC"], "D"), "fromJsonArray": (["JSONARR"], "L"),
    "fromYamlArray": (["YAMLARR"], "L"), "toToml": (["D"], "S"), "mustToJson": (["A"], "S"),
    # math
    "add": (["N", "N"], "I"), "add1": (["N"], "I"), "sub": (["N", "N"], "I"), "mul": (["N", "N"], "I"),
    "div": (["N", "NZ"], "I"), "mod": (["N", "NZ"], "I"), "max": (["N", "N", "N"], "I"), "min": (["N", "N"], "I"),
    "addf": (["N", "N"], "F"), "subf": (["N", "N"], "F"), "mulf": (["N", "N"], "F"), "divf": (["N", "NZ"], "F"),
    "maxf": (["N", "N"], "F"), "minf": (["N", "N"], "F"), "floor": (["N"], "F"), "ceil": (["N"], "F"),
    "round": (["N", "SMALL"], "F"), "int": (["A"], "I"), "int64": (["A"], "I"), "float64": (["A"], "F"),
    "atoi": (["S"], "I"), "toDecimal": (["S"], "I"),
    # semver, paths, urls, dates (fixed instants and zones only)
    "semverCompare": (["CONSTRAINT", "SEMVER"], "B"), "base": (["S"], "S"), "dir": (["S"], "S"),
    "ext": (["S"], "S"), "clean": (["S"], "S"), "isAbs": (["S"], "B"), "urlJoin": (["URLDICT"], "S"),
    "dateInZone": (["DATEFMT", "EPOCH", "ZONE"], "S"), "duration": (["EPOCH"], "S"),
    "durationRound": (["DURATION"], "S"),
    # comparisons and logic
    "eq": (["A", "A"], "B"), "ne": (["A", "A"], "B"), "lt": (["N", "N"], "B"), "le": (["N", "N"], "B"),
    "gt": (["N", "N"], "B"), "ge": (["N", "N"], "B"), "not": (["A"], "B"), "and": (["A", "A"], "A"),
    "or": (["A", "A"], "A"),
}
BY_RESULT = {}
for _name, (_args, _res) in FUNCS.items():
    BY_RESULT.setdefault(_res, []).append(_name)
BY_RESULT["A"] = list(FUNCS)


class Scope:
    """What an expression may refer to: the dot (a values node, or the top-level object when
    None) and the variables in scope, each with its type and values node when known."""

    def __init__(self, dot=None, dot_base=".Values", variables=None):
        self.dot = dot
        self.dot_base = dot_base
        self.variables = dict(variables or {})

    def child(self, dot=None, dot_base=None):
        s = Scope(self.dot, self.dot_base, self.variables)
        if dot_base is not None:
            s.dot, s.dot_base = dot, dot_base
        return s


def at_top(text, scope):
    """Template text written for the top-level dot, made to work where the dot is elsewhere:
    `.Values`/`.Release`/... become `$.Values`/..., and a lone `.` argument becomes `$`."""
    if scope.dot_base != ".":
        return text
    text = re.sub(r"(?<![\w$)\]])\.(?=[A-Z])", "$.", text)
    return re.sub(r"(?<=[ (])\.(?=[ )]|$)", "$", text)


class Exprs:
    def __init__(self, rng, values, defines):
        self.rng = rng
        self.values = values  # root values node
        self.typed = {}  # type -> [(path, node)]
        for path, node in walk(values):
            if path:
                self.typed.setdefault(node_type(node), []).append((path, node))
        self.defines = defines

    def pick(self, seq):
        return self.rng.choice(seq)

    def value_ref(self, t, scope):
        """A reference to a values node of type t (through `.`, `$.Values` or a variable)."""
        if scope.variables and self.rng.random() < 0.3:
            vs = [(n, v) for n, v in scope.variables.items() if v[0] == t or t == "A"]
            if vs:
                name, (vt, vnode) = self.pick(vs)
                if vnode is not None and vnode[0] == "map" and vnode[1] and self.rng.random() < 0.3:
                    k, child = self.pick(vnode[1])
                    if node_type(child) == t or t == "A":
                        return access(name, (k,))
                return name
        pool = self.typed.get(t, []) if t != "A" else [p for ps in self.typed.values() for p in ps]
        if not pool:
            return None
        path, _ = self.pick(pool)
        base = "$.Values" if scope.dot_base == "." else self.pick([".Values", "$.Values"])
        return access(base, path)

    def literal(self, t):
        rng = self.rng
        if t == "S":
            return self.pick(S_LITS)
        if t in ("I", "N", "NZ"):
            if t == "N" and rng.random() < 0.3:
                return self.pick(F_LITS)
            lit = self.pick(I_LITS)
            return "3" if t == "NZ" and lit in ("0",) else lit
        if t == "F":
            return self.pick(F_LITS)
        if t == "B":
            return self.pick(["true", "false"])
        if t == "SMALL":
            return str(rng.randint(0, 6))
        if t == "SMALL1":
            return str(rng.randint(1, 4))
        if t == "RE":
            return self.pick(REGEXES)
        if t == "SEMVER":
            return self.pick(SEMVERS)
        if t == "CONSTRAINT":
            return self.pick(CONSTRAINTS)
        if t == "KIND":
            return json.dumps(self.pick(KIND_NAMES))
        if t == "TYPE":
            return json.dumps(self.pick(TYPE_NAMES))
        if t == "B64":
            return self.pick(['"aGVsbG8="', '"w7xiZXI="', '"not base64!"', '"YQ"', '""'])
        if t == "B32":
            return self.pick(['"NBSWY3DP"', '"MFRGG==="', '"bad"'])
        if t == "PWTYPE":
            return self.pick(['"long"', '"maximum"', '"medium"', '"short"', '"basic"', '"pin"'])
        if t == "JSON":
            return self.pick(['`{"a": 1, "b": [true, null, "x"]}`', '`{"n": 1e3, "big": 12345678901234567890}`',
                              '"{}"', '"[1,2]"', '"not json"', '`{"a": {"b": "c"}}`', '""'])
        if t == "JSONARR":
            return self.pick(['`[1, "a", {"b": null}]`', '"[]"', '"{}"', '`[1.5, 2e3]`', '"x"'])
        if t == "YAMLDOC":
            return self.pick(['"a: 1\\nb: [x, y]\\n"', '"k: yes\\nn: ~\\nf: 1.50\\n"', '"- x\\n"', '"a: b: c"',
                              '""', '"date: 2001-12-14\\nhex: 0x10\\n"'])
        if t == "YAMLARR":
            return self.pick(['"- 1\\n- a\\n- {b: c}\\n"', '"[]"', '"a: 1"', '"- yes\\n- 0o17\\n"'])
        if t == "URLDICT":
            return self.pick(['(dict "scheme" "https" "host" "example.com" "path" "/a b" "query" "x=1")',
                              '(urlParse "http://user:pw@h.example:8080/p/q?a=1&b=2#frag")',
                              '(dict "host" "h" "opaque" "o")'])
        if t == "DATEFMT":
            return self.pick(['"2006-01-02"', '"2006-01-02T15:04:05Z07:00"', '"Mon Jan 2 15:04:05 MST 2006"',
                              '"15:04:05.000"', '"Jan _2 06 3PM"'])
        if t == "EPOCH":
            return self.pick(["0", "1600000000", "86399", "3700", "-1", "1234567890"])
        if t == "ZONE":
            return self.pick(['"UTC"', '"America/New_York"', '"Asia/Kolkata"', '"Europe/Berlin"', '"Not/AZone"'])
        if t == "DURATION":
            return self.pick(['"3700s"', '"2h5m"', '"1.5h"', '"90m"', '"400000h"', '"0s"', '"-3s"'])
        if t == "L":
            return self.pick(['(list 1 "a" 2.5)', '(list "b" "a" "c" "a")', "(list)", '(splitList "," "x,y,,z")',
                              "(until 4)", '(list (dict "k" 1) (list 2))', '(list nil "x" "" 0 false)'])
        if t == "LKEYS":
            return '(list "k")'
        if t in ("D", "DFRESH"):
            return self.pick(['(dict "a" 1 "b" "two")', "(dict)", '(dict "n" (dict "x" true) "l" (list 1 2))',
                              '(dict "z" nil "y" 0 "x" "")'])
        return self.pick(["nil", "1", '"s"', "true", "2.5", "(list 1)", '(dict "a" 1)'])

    def expr(self, t, scope, depth):
        """An operand of type t: literal, values reference, variable, or parenthesised call."""
        rng = self.rng
        base_t = {"NZ": "N", "SMALL": "I", "SMALL1": "I", "DFRESH": "D", "LKEYS": "L"}.get(t, t)
        r = rng.random()
        if t in ("SMALL", "SMALL1", "RE", "SEMVER", "CONSTRAINT", "KIND", "TYPE", "B64", "B32", "PWTYPE", "JSON",
                 "JSONARR", "YAMLDOC", "YAMLARR", "URLDICT", "DATEFMT", "EPOCH", "ZONE", "DURATION", "NZ"):
            if t == "SEMVER" and r < 0.2:
                return '(printf "%d.%d.%d" 1 (add 1 1) 0)'
            if t == "JSON" and r < 0.3 and depth > 0:
                return f"(toJson {self.expr('D', scope, depth - 1)})"
            if t == "YAMLDOC" and r < 0.3 and depth > 0:
                return f"(toYaml {self.expr('D', scope, depth - 1)})"
            return self.literal(t)
        if t == "DFRESH":  # merge/set mutate their first argument: never a values map
            return self.literal(t)
        if r < 0.25 or depth <= 0:
            return self.literal(base_t)
        if r < 0.55:
            want = "F" if base_t in ("I", "N") else base_t
            ref = self.value_ref(want, scope)
            if ref is not None:
                if base_t == "I" and want == "F":
                    return f"(int {ref})"
                if t == "LKEYS":
                    return f"(keys {ref} | sortAlpha)" if want == "D" else ref
                return ref
            return self.literal(base_t)
        if r < 0.62 and base_t in ("S", "A"):
            return self.top(scope, ['.Release.Name', '.Release.Namespace', '.Chart.Name', '.Chart.Version',
                              '.Chart.AppVersion', '.Template.Name', '.Template.BasePath',
                              '.Capabilities.KubeVersion.Version', '.Capabilities.KubeVersion.Major',
                              '(.Files.Get "files/a.txt")', '.Release.Service', '(semver "1.2.3-rc.1").Prerelease',
                              '(include "c.helper" .)', '$.Chart.Description'])
        if r < 0.66 and base_t == "B":
            return self.top(scope, ['.Release.IsInstall', '.Release.IsUpgrade', '(.Capabilities.APIVersions.Has "apps/v1")',
                              '(.Capabilities.APIVersions.Has "nope/v9")'])
        call = self.call(base_t, scope, depth - 1)
        if t in ("I", "SMALL", "SMALL1") and not call.startswith("len "):
            return f"(int ({call}))"  # Sprig's math returns int64; its string functions want int
        return "(" + call + ")"

    def top(self, scope, choices):
        """One of choices (written for the top-level dot), through `$` when the dot is elsewhere."""
        return at_top(self.pick(choices), scope)

    def command(self, t, scope, depth):
        """An expression that may stand alone as a pipeline (bare nil may not)."""
        e = self.expr(t, scope, depth)
        return "(list)" if e == "nil" else e

    def call(self, t, scope, depth):
        """A function call (`fn a b`, or `a | fn b`) whose result has type t."""
        rng = self.rng
        names = BY_RESULT.get(t) or (BY_RESULT["I"] + BY_RESULT["F"] if t == "N" else BY_RESULT["A"])
        if t == "L":
            names = names + BY_RESULT["LKEYS"]
        name = self.pick(names)
        if name == "printf" or (t == "S" and rng.random() < 0.08):
            return self.printf(scope, depth)
        arg_types, res = FUNCS[name]
        if name in ("list", "cat", "print", "coalesce", "max", "all", "any", "dict"):
            n = rng.randint(name == "max", len(arg_types)) if name != "dict" else 2 * rng.randint(0, 2)
            arg_types = (arg_types * 3)[:n]
        if name in ("eq", "ne"):  # Go's eq wants comparable basic kinds of one family
            same = rng.choice(["S", "S", "B", "F"])
            arg_types = [same, same]
        if name in ("lt", "le", "gt", "ge"):  # ints with ints, floats with floats
            same = rng.choice(["I", "F"])
            arg_types = [same, same]
        args = [self.expr(a, scope, depth) for a in arg_types]
        if name == "keys":
            return f"keys {' '.join(args)} | sortAlpha"
        if args and rng.random() < 0.3 and not args[-1].startswith("-") and args[-1] != "nil":
            return f"{args[-1]} | {name}{''.join(' ' + a for a in args[:-1])}"
        return name + "".join(" " + a for a in args)

    def printf(self, scope, depth):
        verbs = [self.pick(PRINTF_VERBS) for _ in range(self.rng.randint(1, 3))]
        fmt = " ".join(verbs)
        nargs = sum(v != "%%" for v in verbs)
        if self.rng.random() < 0.1:
            nargs += self.pick([-1, 1])  # Go's %!v(MISSING) and %!(EXTRA ...)
        args = [self.expr(self.pick(["S", "I", "F", "B", "L", "D", "A"]), scope, depth) for _ in range(max(0, nargs))]
        return "printf " + json.dumps(fmt) + "".join(" " + a for a in args)

    def action_value(self, scope, depth=2):
        """A pipeline printed into YAML: made safe with quote/toJson, or raw."""
        t = self.pick(["S", "S", "I", "F", "B", "L", "D", "A"])
        inner = self.call(t, scope, depth) if self.rng.random() < 0.8 else self.expr(t, scope, depth)
        if inner == "nil":  # nil is no command
            inner = "list nil"
        safe = self.rng.random()
        if safe < 0.45:
            return f"{inner} | toJson"
        if safe < 0.8:
            return f"{inner} | toString | quote" if self.rng.random() < 0.5 else f"{inner} | quote"
        if safe < 0.9:
            return f"{inner} | toYaml | quote"
        return inner


# --- templates -----------------------------------------------------------------------------

class Templates:
    def __init__(self, rng, exprs, values):
        self.rng = rng
        self.x = exprs
        self.values = values
        self.counter = 0
        self.var_counter = 0

    def key(self):
        self.counter += 1
        return f"k{self.counter}"

    def lo(self):
        return "{{- " if self.rng.random() < 0.85 else "{{ "

    def statement(self, scope, indent, depth):
        """Lines of YAML mapping entries at `indent`, produced by one random construct."""
        rng, x, pad = self.rng, self.x, " " * indent
        r = rng.random()
        if depth <= 0 or r < 0.35:
            return [f"{pad}{self.key()}: {{{{ {x.action_value(scope)} }}}}"]
        if r < 0.42:
            k = self.key()
            body = x.call("S", scope, 2)
            return [f"{pad}{k}: |2-", f"{pad}  {{{{- {body} | nindent {indent + 2} }}}}"]
        if r < 0.52:
            lines = [f"{pad}{self.lo()}if {x.call('B', scope, 2) if rng.random() < 0.7 else x.command('A', scope, 2)} }}}}"]
            lines += self.statement(scope, indent, depth - 1)
            if rng.random() < 0.3:
                lines.append(f"{pad}{{{{- else if {x.command('A', scope, 1)} }}}}")
                lines += self.statement(scope, indent, depth - 1)
            if rng.random() < 0.6:
                lines.append(f"{pad}{{{{- else }}}}")
                lines += self.statement(scope, indent, depth - 1)
            lines.append(f"{pad}{{{{- end }}}}")
            return lines
        if r < 0.60:
            maps = x.typed.get("D", []) + x.typed.get("S", [])
            if not maps:
                return self.statement(scope, indent, 0)
            path, node = rng.choice(maps)
            inner = scope.child(dot=node, dot_base=".")
            lines = [f"{pad}{{{{- with {access('$.Values' if scope.dot_base == '.' else '.Values', path)} }}}}"]
            lines += [f"{pad}{self.key()}: {{{{ . | toJson }}}}"]
            lines += self.statement(inner, indent, depth - 1)
            if rng.random() < 0.4:
                lines += [f"{pad}{{{{- else }}}}", f"{pad}{self.key()}: {{{{ . | kindOf | quote }}}}"]
            lines.append(f"{pad}{{{{- end }}}}")
            return lines
        if r < 0.72:
            return self.range_stmt(scope, indent, depth)
        if r < 0.78:
            self.var_counter += 1
            v = f"$v{self.var_counter}"
            t = rng.choice(["S", "I", "L", "D", "A"])
            nscope = scope.child()
            nscope.variables[v] = (t, None)
            lines = [f"{pad}{{{{- {v} := {x.command(t, scope, 2)} }}}}"]
            if rng.random() < 0.3:
                lines.append(f"{pad}{{{{- {v} = {x.command(t, scope, 2)} }}}}")
            lines.append(f"{pad}{self.key()}: {{{{ {v} | toJson }}}}")
            lines += self.statement(nscope, indent, depth - 1)
            return lines
        if r < 0.84:
            k = self.key()
            name = rng.choice(list(self.x.defines))
            arg = rng.choice(DEFINE_ARGS[self.x.defines[name]])
            if arg == "." and scope.dot_base == ".":
                arg = "$"
            how = rng.random()
            if how < 0.5:
                return [f"{pad}{k}: {{{{ include \"c.{name}\" {arg} | toJson }}}}"]
            if how < 0.8:
                return [f"{pad}{k}: |2-", f"{pad}  {{{{- include \"c.{name}\" {arg} | nindent {indent + 2} }}}}"]
            return [f"{pad}{k}: {{{{ quote (include \"c.{name}\" {arg}) }}}}"]
        if r < 0.90:
            k = self.key()
            src = rng.choice(["`{{ .Release.Name }}-{{ .Values.name | default \"none\" }}`",
                              "`{{ range $i, $e := until 3 }}{{ $i }}{{ end }}`",
                              "`{{ toYaml .Values | sha256sum | trunc 8 }}`",
                              "`{{ .Template.Name }}`", "`{{ define \"inner\" }}x{{ end }}{{ template \"inner\" }}`",
                              "(toYaml .Values)", "`{{ $x := 1 }}{{ $x }}`", "`plain text`",
                              "`{{ include \"c.helper\" . }}`"])
            strs = x.typed.get("S", [])
            if strs and rng.random() < 0.4:
                src = access(".Values", rng.choice(strs)[0])
            ctx = rng.choice([".", "$", '(dict "Values" (dict "name" "n") "Release" .Release "Template" .Template)'])
            return [f"{pad}{k}: {{{{ {at_top(f'tpl {src} {ctx}', scope)} | toJson }}}}"]
        if r < 0.93:
            return [f"{pad}{{{{/* a comment {rng.randint(0, 99)} */}}}}", f"{pad}{self.key()}: {{{{/* trimmed */ -}}}} {{{{ 1 }}}}"]
        if r < 0.97:
            k = self.key()
            return [f"{pad}{k}:", f"{pad}  {{{{- toYaml {x.expr(rng.choice(['D', 'L', 'A']), scope, 2)} | nindent {indent + 2} }}}}"]
        k = self.key()
        return [f"{pad}{k}: {{{{ {x.printf(scope, 2)} | quote }}}}"]

    def range_stmt(self, scope, indent, depth):
        rng, x, pad = self.rng, self.x, " " * indent
        k = self.key()
        self.var_counter += 1
        n = self.var_counter
        choice = rng.random()
        if choice < 0.45:
            pool = x.typed.get("L", [])
            if pool and rng.random() < 0.8:
                path, node = rng.choice(pool)
                src = access("$.Values", path)
                elem = node[1][0] if node[1] else None
            else:
                src, elem = x.literal("L"), None
            it = scope.child(dot=elem, dot_base=".")
            it.variables[f"$i{n}"] = ("I", None)
            it.variables[f"$e{n}"] = (node_type(elem) if elem else "A", elem)
            lines = [f"{pad}{k}:", f"{pad}{{{{- range $i{n}, $e{n} := {src} }}}}"]
            if rng.random() < 0.2:
                lines.append(f"{pad}  {{{{- if eq $i{n} 2 }}}}{{{{ {rng.choice(['break', 'continue'])} }}}}{{{{ end }}}}")
            lines.append(f"{pad}  - idx: {{{{ $i{n} }}}}")
            lines.append(f"{pad}    val: {{{{ $e{n} | toJson }}}}")
            lines += self.statement(it, indent + 4, depth - 1)
        elif choice < 0.85:
            pool = x.typed.get("D", [])
            if pool and rng.random() < 0.8:
                path, node = rng.choice(pool)
                src = access("$.Values", path)
            else:
                src = x.literal("D")
            it = scope.child(dot=None, dot_base=".")
            it.variables[f"$k{n}"] = ("S", None)
            it.variables[f"$e{n}"] = ("A", None)
            lines = [f"{pad}{k}:", f"{pad}{{{{- range $k{n}, $e{n} := {src} }}}}",
                     f"{pad}  {{{{ $k{n} | quote }}}}:", f"{pad}    self: {{{{ $e{n} | toJson }}}}"]
            if rng.random() < 0.5:
                lines.append(f"{pad}    dot: {{{{ . | toString | quote }}}}")
            lines += self.statement(it, indent + 4, depth - 1)
        else:
            src = at_top(rng.choice(["3", "0", "(len .Values)", "(int 2.0)"]), scope)
            lines = [f"{pad}{k}:", f"{pad}{{{{- range {src} }}}}", f"{pad}  - {{{{ . }}}}"]
        if rng.random() < 0.3:
            lines += [f"{pad}{{{{- else }}}}", f"{pad}  - empty"]
        lines.append(f"{pad}{{{{- end }}}}")
        return lines

    def document(self, scope, n_statements):
        rng = self.rng
        lines = []
        if rng.random() < 0.7:
            lines += [f"apiVersion: v1", f"kind: {rng.choice(['ConfigMap', 'Secret', 'Service', 'Deployment', 'Namespace', 'Job', 'CustomThing', 'ServiceAccount'])}",
                      "metadata:", f"  name: {{{{ .Release.Name }}}}-{rng.randint(0, 99)}"]
        lines.append("data:")
        for _ in range(n_statements):
            lines += self.statement(scope, 2, 3)
        return lines


# (body, what its dot must be: "root" the top-level object, "coll" a map or list, "any")
DEFINE_BODIES = [
    ("{{ . | toJson }}", "any"),
    ("{{ .Release.Name | default \"norel\" }}-{{ .Chart.Name | default \"nochart\" }}", "root"),
    ("{{- range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}", "coll"),
    ("{{ printf \"%T\" . }}", "any"),
    ("name: {{ .Values.name | default \"x\" | quote }}\nlist:\n{{- range (.Values.list | default (list)) }}\n"
     "- {{ . | quote }}\n{{- end }}", "root"),
    ("{{ if kindIs \"map\" . }}map{{ else }}{{ kindOf . }}{{ end }}", "any"),
    ("{{ include \"c.helper\" . | upper }}", "any"),
    ("{{ template \"c.helper\" . }}", "any"),
    ("{{ toYaml . }}", "any"),
]
DEFINE_ARGS = {
    "root": ["$"],
    "coll": ["$", '(dict "a" 1 "b" (list "x"))', "(list 1 2)", "$.Values"],
    # never the top-level object: printing it shows Helm's build (Go version) and pointers
    "any": ['(dict "a" 1 "b" (list "x"))', "(list 1 2)", '"str"', "$.Values", "nil", "3", "$.Release.Name"],
}


def gen_defines(rng):
    """The helpers file: `define`s (and maybe a `block`), and what each wants as its dot."""
    defines = {"helper": "any"}
    lines = []
    for i in range(rng.randint(1, 4)):
        body, wants = rng.choice(DEFINE_BODIES)
        defines[f"d{i}"] = wants
    for name, wants in defines.items():
        trim_open = rng.choice(["{{- ", "{{ "])
        trim_close = rng.choice([" -}}", " }}"])
        body = "helper-text" if name == "helper" else next(b for b, w in DEFINE_BODIES if w == wants)
        lines += [f"{trim_open}define \"c.{name}\"{trim_close}"] + body.split("\n") + ["{{- end }}"]
    if rng.random() < 0.3:
        lines += ["{{- block \"c.blockdef\" . }}block default{{ end }}"]
    return defines, lines


# --- failures ------------------------------------------------------------------------------

FAILURES = [
    'boom: {{ fail "deliberate failure" }}',
    'req: {{ required "value .Values.nope is required" .Values.nope }}',
    "idx: {{ index .Values.nolist 3 }}",
    "idx2: {{ index (list 1 2) 5 }}",
    "field: {{ .Values.name.sub.deeper }}",
    "div: {{ div 1 0 }}",
    "mod: {{ mod 1 0 }}",
    'bad: {{ mustRegexMatch "[" "x" }}',
    'sv: {{ semver "not-a-version" }}',
    "nofn: {{ nosuchfunction 1 }}",
    "novar: {{ $undefined }}",
    'inc: {{ include "c.missing" . }}',
    'tmpl: {{ template "c.missing" . }}',
    "unclosed: {{ if true }}",
    "badnum: {{ 1x }}",
    "args: {{ upper 1 2 }}",
    "type: {{ trunc \"x\" \"y\" }}",
    "first: {{ mustFirst (list) }}",
    "call: {{ call .Values.name }}",
    "lt: {{ lt 1 \"a\" }}",
    "bad: [unclosed",
    "bad: {{ \"key: [\" }}",
    "tab:\n\t- x",
    "dup: 1\ndup: 2",
    'tplerr: {{ tpl "{{ fail \\"inner\\" }}" . }}',
    "eq: {{ eq (list 1) (list 1) }}",
    "neg: {{ repeat -1 \"x\" }}",
    "sl: {{ slice (list 1 2) 3 }}",
    "badrange: {{ range 1.5 }}x{{ end }}",
]


# --- flags ---------------------------------------------------------------------------------

SET_SCALARS = ["1", "-5", "007", "1.5", "true", "false", "null", "hello", "a\\,b", "x=y", "", "1e3", "0x10",
               "9223372036854775807", "9223372036854775808", "~", "{a,b,c}", "{}", "[1]", "héllo", "\"quoted\"",
               "with space", "2024-01-02"]
SET_JSON = ['{"x":[1,2,{"y":null}]}', '[1,"x",null,true]', '1e3', '"s"', 'null', '{}', '12345678901234567890',
            '{"a":{"b":1.50}}', '[]', 'true', '"é"']


def override_tree(rng, vb, node, depth=0):
    """An -f file for a values map: some of its keys again with new values of the same shape
    (maps recurse), a new key, and rarely a null (which deletes the default) or a new shape."""
    entries = []
    for k, child in node[1]:
        if rng.random() < 0.5:
            continue
        r = rng.random()
        if r < 0.05:
            entries.append((k, ("scalar", "null", "N")))
        elif r < 0.1:
            entries.append((k, vb.node(1)))
        elif child[0] == "map" and depth < 3:
            entries.append((k, override_tree(rng, vb, child, depth + 1)))
        elif child[0] == "list":
            entries.append((k, vb.list(1)))
        elif child[0] == "scalar" and child[2] in ("S", "F", "B"):
            while True:
                new = vb.scalar()
                if new[0] == "block" or new[2] == child[2]:
                    break
            entries.append((k, new))
    if rng.random() < 0.5:
        entries.append((rng.choice(["added", "fromFile", "override"]), vb.node(1)))
    return ("map", entries, False)


def set_path(rng, values):
    paths = [p for p, n in walk(values) if p and all(isinstance(s, str) and go_key(s).isidentifier() for s in p)
             and (n[0] in ("scalar", "block") or rng.random() < 0.15)]
    r = rng.random()
    if paths and r < 0.5:
        path = list(rng.choice(paths))
        if r < 0.06:  # `name[i]` on a list of the defaults
            lists = [p for p, n in walk(values) if n[0] == "list" and p and
                     all(isinstance(s, str) and go_key(s).isidentifier() for s in p)]
            if lists:
                return ".".join(go_key(p) for p in rng.choice(lists)) + f"[{rng.randint(0, 3)}]"
    else:
        path = [rng.choice(["new", "extra", "s1", "s2", "nested2"])]
        if rng.random() < 0.4:
            path.append(rng.choice(["a", "b", "deep"]))
    text = ".".join(go_key(p) for p in path)
    r = rng.random()
    if r < 0.03:  # a list where there was none (Helm refuses some of these)
        text += f"[{rng.randint(0, 3)}]"
    elif r < 0.07:
        text += "\\.escaped"
    return text


def gen_flags(rng, values):
    flags = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
        r = rng.random()
        if r < 0.5:
            assigns = [f"{set_path(rng, values)}={rng.choice(SET_SCALARS)}" for _ in range(rng.choice([1, 1, 2]))]
            flags.append(("--set", ",".join(assigns)))
        elif r < 0.7:
            flags.append(("--set-string", f"{set_path(rng, values)}={rng.choice(SET_SCALARS)}"))
        elif r < 0.88:
            flags.append(("--set-json", f"{set_path(rng, values)}={rng.choice(SET_JSON)}"))
        elif r < 0.94:
            flags.append(("--set-literal", f"{set_path(rng, values)}={rng.choice(['a,b=c', '{x}', 'lit'])}"))
        else:
            flags.append(("--set-file", f"{set_path(rng, values)}=setfile.txt"))
    return flags


# --- cases ---------------------------------------------------------------------------------

class Case:
    """A chart plus the command line around it; `files` maps chart-relative paths to text
    (templates as lists of lines), `extra` maps case-dir paths (override files) to text."""

    def __init__(self):
        self.chart_yaml = ""
        self.values = None  # tree
        self.templates = {}  # "templates/x.yaml" -> [lines]
        self.files = {}  # other chart files -> text
        self.subchart = None  # (chart_yaml, values tree, {template: [lines]}) or None
        self.overrides = []  # [values tree], passed as -f o1.yaml, o2.yaml, ...
        self.flags = []  # [(flag, value)]
        self.release = "rel"
        self.namespace = None
        self.setfile = "file text\nsecond line\n"

    def argv_tail(self):
        """The arguments after `template`, relative to the case directory."""
        args = [self.release, "chart"]
        for i in range(len(self.overrides)):
            args += ["-f", f"o{i + 1}.yaml"]
        for flag, value in self.flags:
            args += [flag, value]
        if self.namespace:
            args += ["--namespace", self.namespace]
        return args

    def write(self, root):
        import os
        import shutil
        if os.path.exists(root):
            shutil.rmtree(root)
        chart = os.path.join(root, "chart")
        os.makedirs(os.path.join(chart, "templates"))

        def put(path, text):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

        put(os.path.join(chart, "Chart.yaml"), self.chart_yaml)
        put(os.path.join(chart, "values.yaml"), emit_yaml(self.values))
        for name, lines in self.templates.items():
            put(os.path.join(chart, name), "\n".join(lines) + "\n")
        for name, text in self.files.items():
            put(os.path.join(chart, name), text)
        if self.subchart:
            sub_yaml, sub_values, sub_templates = self.subchart
            sub = os.path.join(chart, "charts", "sub")
            put(os.path.join(sub, "Chart.yaml"), sub_yaml)
            put(os.path.join(sub, "values.yaml"), emit_yaml(sub_values))
            for name, lines in sub_templates.items():
                put(os.path.join(sub, name), "\n".join(lines) + "\n")
        for i, tree in enumerate(self.overrides):
            put(os.path.join(root, f"o{i + 1}.yaml"), emit_yaml(tree))
        put(os.path.join(root, "setfile.txt"), self.setfile)


def chart_yaml(rng, name="c"):
    lines = ["apiVersion: v2", f"name: {name}",
             f"version: {rng.choice(['0.1.0', '1.2.3', '2.0.0-rc.1', '0.0.1+build.7', '10.20.30'])}"]
    if rng.random() < 0.8:
        lines.append("appVersion: " + rng.choice(["1.16.0", '"1.0"', "1.10", "v2", "latest", "3"]))
    if rng.random() < 0.5:
        lines.append("description: " + rng.choice(["A chart", "Ünïcödé chart", '"quoted: desc"']))
    if rng.random() < 0.03:
        lines.append("kubeVersion: " + rng.choice(['">=1.20.0-0"', '"<1.0.0"']))
    if rng.random() < 0.2:
        lines.append("type: application")
    return "\n".join(lines) + "\n"


def generate(seed):
    rng = random.Random(seed)
    case = Case()
    vb = Values(rng)
    case.values = vb.map(3, min_keys=3, max_keys=9)
    if rng.random() < 0.3 and "name" not in [k for k, _ in case.values[1]]:  # for tpl and the defines
        case.values[1].append(("name", ("scalar", rng.choice(['"{{ .Release.Name }}-x"', "plainname", '"Ünï"']), "S")))
    define_names, define_lines = gen_defines(rng)
    x = Exprs(rng, case.values, define_names)
    t = Templates(rng, x, case.values)
    case.chart_yaml = chart_yaml(rng)
    case.templates["templates/_helpers.tpl"] = define_lines
    for i in range(rng.randint(1, 3)):
        lines = []
        for d in range(rng.choice([1, 1, 1, 2])):
            if d:
                lines.append("---")
            lines += t.document(Scope(), rng.randint(2, 6))
        case.templates[f"templates/t{i}.yaml"] = lines
    if rng.random() < 0.3:
        case.templates["templates/dump.yaml"] = ["values: {{ toJson .Values }}"] if rng.random() < 0.5 else \
            ["values:", "  {{- toYaml .Values | nindent 2 }}"]
    if rng.random() < 0.1:
        case.templates["templates/NOTES.txt"] = ["notes {{ .Release.Name }}"]
    case.files["files/a.txt"] = rng.choice(["alpha\nbeta\n", "one line", "", "ünï\r\nwin\r\n"])
    if rng.random() < 0.15:
        case.templates["templates/files.yaml"] = [
            "files:", "  {{- (.Files.Glob \"files/*\").AsConfig | nindent 2 }}",
            "lines: {{ .Files.Lines \"files/a.txt\" | toJson }}",
            "secret:", "  {{- (.Files.Glob \"files/*\").AsSecrets | nindent 2 }}"]
    if rng.random() < 0.15:
        sub_values = vb.map(2, min_keys=1, max_keys=4)
        case.subchart = (chart_yaml(rng, "sub"), sub_values,
                         {"templates/s.yaml": ["sub: {{ toJson .Values }}", "chart: {{ .Chart.Name }}"]})
        top = [k for k, _ in case.values[1]]
        if rng.random() < 0.5 and "sub" not in top:
            case.values[1].append(("sub", vb.map(2, min_keys=1, max_keys=3)))
        if rng.random() < 0.5 and "global" not in top:
            case.values[1].append(("global", vb.map(1, min_keys=1, max_keys=3)))
    if rng.random() < 0.12:
        name = rng.choice(list(case.templates))
        if name.endswith(".yaml"):
            case.templates[name] = case.templates[name] + [rng.choice(FAILURES)]
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        case.overrides.append(override_tree(rng, vb, case.values))
    case.flags = gen_flags(rng, case.values)
    case.release = rng.choice(["rel", "my-release", "r", "release-with-a-long-name"])
    case.namespace = rng.choice([None, "default", "team-a", "kube-system"])
    return case
