"""Reading and writing the gotmpl case files (crates/gotmpl/tests/cases/*.txt).

The format is described in README.md next to this file. In short:

    # comment lines before the first case are the file's header
    === case name
    --- template
    {{ .Values.x }}
    --- values
    {"x": 1}
    --- output
    1
    --- helm: verified

A block's content is every line between its header and the next header line (a line starting
with "=== " or "--- "), and the line break that ends the last content line is NOT part of the
content. So an output of "1" is written as the single line `1`, and an output of "1\\n" needs
an empty line after it. Content that cannot be written that way (it has a line that would look
like a header, a carriage return, a trailing space or tab, or other control characters) uses
the JSON form: `--- output json` followed by one line holding a JSON string literal.

The Rust runner (crates/gotmpl/tests/cases.rs) reads the same format; keep them in step.
"""

import json
import re

BLOCK_KINDS = ("template", "values", "output", "error")
# Helm's verdict on a case. "verified": output/error is exactly Helm's. "verified-tail": a parse
# error, where Helm only shows Go's location and the text after the last ": " (see README.md).
HELM_STATUSES = ("verified", "verified-tail")


class CaseFileError(Exception):
    pass


class Case:
    def __init__(self, name):
        self.name = name
        self.blocks = {}  # kind -> str
        self.helm = None  # one of HELM_STATUSES, or None

    def __repr__(self):
        return f"Case({self.name!r}, {self.blocks!r}, helm={self.helm!r})"


def _is_header(line):
    return line.startswith("=== ") or line.startswith("--- ")


def parse(text, path="<cases>"):
    """Returns (file_header, [Case])."""
    lines = text.split("\n")
    # A file ends with a line break; that final empty piece is not a line.
    if lines and lines[-1] == "":
        lines.pop()
    header_lines = []
    cases = []
    case = None
    block_kind = None
    block_json = False
    block_lines = []

    def finish_block(lineno):
        nonlocal block_kind, block_lines
        if block_kind is None:
            return
        if block_json:
            body = "\n".join(block_lines).strip()
            try:
                content = json.loads(body)
            except ValueError as e:
                raise CaseFileError(f"{path}:{lineno}: bad JSON string in '{block_kind} json' block: {e}")
            if not isinstance(content, str):
                raise CaseFileError(f"{path}:{lineno}: a 'json' block must hold one JSON string")
        else:
            content = "\n".join(block_lines)
        if block_kind in case.blocks:
            raise CaseFileError(f"{path}:{lineno}: case {case.name!r} has two '{block_kind}' blocks")
        case.blocks[block_kind] = content
        block_kind = None
        block_lines = []

    for lineno, line in enumerate(lines, 1):
        if line.startswith("=== "):
            if case is not None:
                finish_block(lineno)
                cases.append(case)
            case = Case(line[4:].strip())
            if not case.name:
                raise CaseFileError(f"{path}:{lineno}: a case needs a name")
        elif line.startswith("--- "):
            if case is None:
                raise CaseFileError(f"{path}:{lineno}: block header before the first '=== name' line")
            finish_block(lineno)
            words = line[4:].strip()
            if words.startswith("helm:"):
                status = words[len("helm:"):].strip()
                if status not in HELM_STATUSES:
                    raise CaseFileError(f"{path}:{lineno}: unknown helm status {status!r}")
                case.helm = status
                continue
            parts = words.split()
            if not parts or parts[0] not in BLOCK_KINDS or len(parts) > 2 or (len(parts) == 2 and parts[1] != "json"):
                raise CaseFileError(f"{path}:{lineno}: unknown block header {line!r}")
            block_kind = parts[0]
            block_json = len(parts) == 2
        elif case is None:
            header_lines.append(line)
        elif block_kind is None:
            if line.strip():
                raise CaseFileError(f"{path}:{lineno}: text outside a block: {line!r}")
        else:
            block_lines.append(line)
    if case is not None:
        finish_block(len(lines) + 1)
        cases.append(case)
    seen = set()
    for c in cases:
        if c.name in seen:
            raise CaseFileError(f"{path}: duplicate case name {c.name!r}")
        seen.add(c.name)
        if "template" not in c.blocks:
            raise CaseFileError(f"{path}: case {c.name!r} has no template")
        if "output" in c.blocks and "error" in c.blocks:
            raise CaseFileError(f"{path}: case {c.name!r} has both output and error")
    header = "\n".join(header_lines)
    return header, cases


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def needs_json(content):
    if _CONTROL.search(content):
        return True
    for line in content.split("\n"):
        if _is_header(line) or line.endswith(" ") or line.endswith("\t"):
            return True
    return False


def format_block(kind, content):
    if needs_json(content):
        return f"--- {kind} json\n{json.dumps(content, ensure_ascii=False)}\n"
    return f"--- {kind}\n{content}\n"


def format_cases(header, cases):
    out = []
    if header:
        out.append(header + "\n")
    for c in cases:
        out.append(f"=== {c.name}\n")
        for kind in BLOCK_KINDS:
            if kind in c.blocks:
                out.append(format_block(kind, c.blocks[kind]))
        if c.helm:
            # A blank line after the marker is outside every block, so it is free spacing.
            out.append(f"--- helm: {c.helm}\n\n")
    return "".join(out)
