#!/usr/bin/env python3
"""Differential harness: asks real Helm (v4.1.4) what each gotmpl case renders to, and records
Helm's answer in the case files, so that `cargo test -p gotmpl --test cases` needs no Helm.

    scripts/difftest/difftest.py                 # fill in every case Helm has not verified yet
    scripts/difftest/difftest.py --refresh       # ask Helm again about every case, rewrite all
    scripts/difftest/difftest.py --check         # ask Helm about every case, report differences
    scripts/difftest/difftest.py FILE[:CASE]...  # only these files / cases (any mode)

FILE is a path or a bare name like `range` (meaning crates/gotmpl/tests/cases/range.txt).
HELM=/path/to/helm overrides the binary (default: .tools/bin/helm in the repository).
See README.md for how a case is wrapped in a chart and how Helm's errors are mapped back to
Go's own messages.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import casefile  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CASES_DIR = os.path.join(REPO, "crates", "gotmpl", "tests", "cases")
CASE_TEMPLATE = "c/templates/_case.tpl"
CHART_YAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"
HELM_TIMEOUT_SECONDS = 60
# Many successful cases go into one chart; a batch this big still renders in well under a second.
BATCH_SIZE = 80


class HelmAnswer:
    """What Helm said about one case: an output, or an error in Go's words."""

    def __init__(self, output=None, error=None, status="verified"):
        self.output = output
        self.error = error
        self.status = status

    def blocks(self):
        return {"output": self.output} if self.error is None else {"error": self.error}


class HelmRunner:
    def __init__(self, helm):
        self.helm = helm
        self.home = tempfile.mkdtemp(prefix="difftest-home.")
        self.runs = 0
        # Isolate helm from the user's config, repositories, plugins and cluster.
        self.env = dict(os.environ)
        for var in ("HELM_NAMESPACE", "HELM_KUBECONTEXT", "HELM_DEBUG", "HELM_DRIVER", "HELM_KUBEVERSION"):
            self.env.pop(var, None)
        self.env.update(
            HELM_CONFIG_HOME=os.path.join(self.home, "config"),
            HELM_CACHE_HOME=os.path.join(self.home, "cache"),
            HELM_DATA_HOME=os.path.join(self.home, "data"),
            KUBECONFIG=os.path.join(self.home, "kubeconfig"),
            LC_ALL="C",
            TZ="UTC",
        )

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def template(self, chart_dir):
        """Runs `helm template c CHART`; returns (rc, stdout, stderr)."""
        self.runs += 1
        try:
            proc = subprocess.run(
                [self.helm, "template", "c", chart_dir],
                capture_output=True,
                env=self.env,
                timeout=HELM_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return None, "", f"helm timed out after {HELM_TIMEOUT_SECONDS}s"
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def write_chart(root, entries):
    """Writes a chart into `root`. entries: [(suffix, template_text, values_obj)]; all entries of
    one chart share the values, so callers only batch cases with equal values."""
    tdir = os.path.join(root, "c", "templates")
    os.makedirs(tdir)
    with open(os.path.join(root, "c", "Chart.yaml"), "w") as f:
        f.write(CHART_YAML)
    values = entries[0][2]
    with open(os.path.join(root, "c", "values.yaml"), "w") as f:
        # JSON is YAML; Helm reads it as it reads any values.yaml.
        f.write(json.dumps(values) + "\n")
    for suffix, template, _ in entries:
        with open(os.path.join(tdir, f"_case{suffix}.tpl"), "w", newline="") as f:
            f.write(template)
        # `include` returns the template's raw output (Helm only strips "<no value>" from whole
        # files), and toJson keeps every byte of it on one YAML line.
        with open(os.path.join(tdir, f"x{suffix}.yaml"), "w") as f:
            f.write(f'v: {{{{ include "c/templates/_case{suffix}.tpl" . | toJson }}}}\n')
    return os.path.join(root, "c")


SOURCE_RE = re.compile(r"^# Source: c/templates/x(\d*)\.yaml$")


def parse_outputs(stdout):
    """Maps the suffix of each x<suffix>.yaml document to the decoded output of its case."""
    outputs = {}
    current = None
    for line in stdout.split("\n"):
        m = SOURCE_RE.match(line)
        if m:
            current = m.group(1)
            continue
        if current is not None and line.startswith("v: "):
            outputs[current] = json.loads(line[3:])
            current = None
    return outputs


HELM_TRAILER = "\n\nUse --debug flag to render out invalid YAML"
PARSE_RE = re.compile(r"^parse error at \(([^)]*)\): (.*)$", re.S)
INCLUDE_SEP = "error calling include: "
# Helm v4 prints some execution errors as an indented chain, one template per block:
#   LOCATION\n  executing "NAME" at <NODE>:\n    MESSAGE
CHAIN_BLOCK_RE = re.compile(r"^([^\n]*)\n  executing (\"[^\n]*\") at <(.*?)>:\n    (.*)$", re.S)


def go_error_from_helm(stderr):
    """Turns Helm's error text about the single-case chart back into Go's own error message.
    Returns (message, status) or raises ValueError when the text has an unknown shape."""
    text = stderr
    if text.startswith("Error: "):
        text = text[len("Error: "):]
    text = text.rstrip("\n")
    if text.endswith(HELM_TRAILER):
        text = text[: -len(HELM_TRAILER)]
    m = PARSE_RE.match(text)
    if m:
        # Helm keeps Go's "NAME:LINE" and only the part of the message after its last ": ".
        return f"template: {m.group(1)}: {m.group(2)}", "verified-tail"
    if text.startswith("template: "):
        if INCLUDE_SEP not in text:
            raise ValueError("execution error not inside include")
        return text.rsplit(INCLUDE_SEP, 1)[1], "verified"
    chain_sep = "\n    error calling include:\n"
    if chain_sep in text:
        inner = text.rsplit(chain_sep, 1)[1]
        m = CHAIN_BLOCK_RE.match(inner)
        if m:
            location, name, node, message = m.groups()
            message = message.replace("\n    ", "\n")
            return f"template: {location}: executing {name} at <{node}>: {message}", "verified"
    raise ValueError("unrecognised helm error")


def runs_alone(case):
    """Cases that define or call named templates would see each other's definitions in a
    shared chart, so they get a chart of their own."""
    t = case.blocks["template"]
    return any(word in t for word in ("define", "block", "template", "_case"))


def ask_single(runner, case):
    with tempfile.TemporaryDirectory(prefix="difftest.") as root:
        chart = write_chart(root, [("", case.blocks["template"], load_values(case))])
        rc, stdout, stderr = runner.template(chart)
    if rc == 0:
        outputs = parse_outputs(stdout)
        if "" not in outputs:
            raise ValueError(f"no output document in helm's answer:\n{stdout}")
        return HelmAnswer(output=outputs[""])
    if rc is None:
        raise ValueError(stderr)
    try:
        message, status = go_error_from_helm(stderr)
    except ValueError as e:
        raise ValueError(f"{e}:\n{stderr}")
    return HelmAnswer(error=message, status=status)


CASE_IN_ERROR_RE = re.compile(r"c/templates/(?:_case|x)(\d+)\.(?:tpl|yaml)")


def ask_batch(runner, cases):
    """Asks about many cases in one helm run. A failing case is asked about on its own (so
    its message names c/templates/_case.tpl) and left out of the next run."""
    answers = {}
    pending = list(enumerate(cases))
    while pending:
        with tempfile.TemporaryDirectory(prefix="difftest.") as root:
            chart = write_chart(root, [(str(i), c.blocks["template"], load_values(c)) for i, c in pending])
            rc, stdout, stderr = runner.template(chart)
        if rc == 0:
            outputs = parse_outputs(stdout)
            for i, c in pending:
                if str(i) not in outputs:
                    raise ValueError(f"no output for case {c.name!r} in helm's answer")
                answers[c.name] = HelmAnswer(output=outputs[str(i)])
            break
        m = CASE_IN_ERROR_RE.search(stderr)
        culprit = None
        if m:
            culprit = next(((i, c) for i, c in pending if str(i) == m.group(1)), None)
        if culprit is None:
            # Cannot tell which case failed: fall back to one run per case.
            for _, c in pending:
                answers[c.name] = ask_single(runner, c)
            break
        answers[culprit[1].name] = ask_single(runner, culprit[1])
        pending.remove(culprit)
    return answers


def load_values(case):
    text = case.blocks.get("values", "").strip()
    if not text:
        return {}
    values = json.loads(text)
    if not isinstance(values, dict):
        raise ValueError("values must be a JSON object")
    return values


def resolve_targets(args):
    """Returns {path: set of case names or None for all}."""
    targets = {}
    if not args:
        for name in sorted(os.listdir(CASES_DIR)):
            if name.endswith(".txt"):
                targets[os.path.join(CASES_DIR, name)] = None
        return targets
    for arg in args:
        path, _, case_name = arg.partition(":")
        if not os.path.exists(path):
            path = os.path.join(CASES_DIR, path if path.endswith(".txt") else path + ".txt")
        if not os.path.exists(path):
            sys.exit(f"difftest: no case file {arg!r}")
        if case_name:
            existing = targets.get(path, set())
            if existing is not None:
                existing.add(case_name)
                targets[path] = existing
        else:
            targets[path] = None
    return targets


def describe(blocks):
    kind = "output" if "output" in blocks else "error" if "error" in blocks else None
    return f"{kind}: {json.dumps(blocks[kind])}" if kind else "(nothing)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--refresh", action="store_true", help="ask Helm about every selected case, even verified ones")
    ap.add_argument("--check", action="store_true", help="compare recorded answers with Helm's; write nothing")
    ap.add_argument("targets", nargs="*", help="FILE or FILE:CASE")
    opts = ap.parse_args()

    helm = os.environ.get("HELM") or os.path.join(REPO, ".tools", "bin", "helm")
    if not os.access(helm, os.X_OK):
        sys.exit(f"difftest: no helm at {helm}; install it with /work/shared/conformance/get-helm.sh or set HELM")
    targets = resolve_targets(opts.targets)
    runner = HelmRunner(helm)
    total_asked = changed = mismatched = 0
    try:
        for path, only in targets.items():
            with open(path, encoding="utf-8") as f:
                header, cases = casefile.parse(f.read(), path)
            chosen = [
                c for c in cases
                if (only is None or c.name in only)
                and (opts.refresh or opts.check or c.helm is None or (only is not None and c.name in only))
            ]
            if only:
                missing = only - {c.name for c in cases}
                if missing:
                    sys.exit(f"difftest: {path}: no case named {', '.join(sorted(missing))}")
            if not chosen:
                continue
            answers = {}
            alone = [c for c in chosen if runs_alone(c)]
            together = [c for c in chosen if not runs_alone(c)]
            for c in alone:
                answers[c.name] = ask_single(runner, c)
            # A chart has one values.yaml, so only cases with the same values share a chart.
            by_values = {}
            for c in together:
                by_values.setdefault(json.dumps(load_values(c), sort_keys=True), []).append(c)
            for group in by_values.values():
                for start in range(0, len(group), BATCH_SIZE):
                    answers.update(ask_batch(runner, group[start:start + BATCH_SIZE]))
            total_asked += len(chosen)
            rel = os.path.relpath(path, REPO)
            for c in chosen:
                ans = answers[c.name]
                new_blocks = ans.blocks()
                old = {k: v for k, v in c.blocks.items() if k in ("output", "error")}
                if old != new_blocks or c.helm != ans.status:
                    if opts.check:
                        mismatched += 1
                        print(f"DIFF {rel}: {c.name}\n  recorded {describe(old)} ({c.helm or 'unverified'})\n"
                              f"  helm     {describe(new_blocks)} ({ans.status})")
                        continue
                    if old and old != new_blocks:
                        print(f"changed {rel}: {c.name}\n  was {describe(old)}\n  now {describe(new_blocks)}")
                    changed += 1
                    c.blocks.pop("output", None)
                    c.blocks.pop("error", None)
                    c.blocks.update(new_blocks)
                    c.helm = ans.status
            if not opts.check:
                with open(path, "w", encoding="utf-8", newline="") as f:
                    f.write(casefile.format_cases(header, cases))
    finally:
        runner.close()
    if opts.check:
        print(f"{total_asked - mismatched}/{total_asked} cases agree with helm ({runner.runs} helm runs)")
        sys.exit(1 if mismatched else 0)
    print(f"asked helm about {total_asked} cases in {runner.runs} runs; {changed} updated")


if __name__ == "__main__":
    main()
