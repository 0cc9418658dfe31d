#!/usr/bin/env python3
"""Differential fuzzing: random charts rendered by `chartroom template` and by Helm v4.1.4.

    scripts/difffuzz/fuzz.py run [--seed S] [--count N] [--seconds T] [--jobs 2]
        Generate cases S-0, S-1, ... (each reproducible by its seed), render each with both
        binaries, compare exit status, stdout and stderr exactly. A mismatch is minimised
        (delta debugging over flags, override files, template files, lines and actions,
        values keys and subtrees) and, unless a kept case already shows the same cause, kept
        under tests/difffuzz/cases/NNN/ with Helm's output. Prints and appends a summary to
        target/difffuzz/runs.log.
    scripts/difffuzz/fuzz.py show SEED DIR     write generated case SEED (e.g. 7-123) to DIR
    scripts/difffuzz/fuzz.py try SEED          render case SEED with both, print the difference
    scripts/difffuzz/fuzz.py check             replay every kept case with both binaries:
                                               is Helm's recorded answer still Helm's, and
                                               which ones chartroom now matches

Helm is `.tools/bin/helm` (or $HELM), chartroom `target/release/chartroom` (or $CHARTROOM;
build it with `cargo build --release -p chartroom`). Helm runs with temporary HELM_*_HOME,
TZ=UTC, LC_ALL=C. The only normalisation: chartroom's extra hint under a YAML parse error
("  line N of the rendered document, ..., comes from FILE:L:C") is dropped before comparing.
"""

import argparse
import concurrent.futures
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HELM = os.environ.get("HELM", os.path.join(REPO, ".tools", "bin", "helm"))
CHARTROOM = os.environ.get("CHARTROOM", os.path.join(REPO, "target", "release", "chartroom"))
KEPT = os.path.join(REPO, "tests", "difffuzz", "cases")
SUMMARY = os.path.join(REPO, "tests", "difffuzz", "summary.txt")
TIMEOUT = 30
MAX_MINIMISE_RUNS = 600
HINT = re.compile(r"\n  line \d+ of the rendered document, .*, comes from \S+:\d+:\d+")


def isolated_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_") and k != "KUBECONFIG"}
    env.update(HELM_CONFIG_HOME=os.path.join(home, "config"), HELM_CACHE_HOME=os.path.join(home, "cache"),
               HELM_DATA_HOME=os.path.join(home, "data"), KUBECONFIG=os.path.join(home, "kubeconfig"),
               LC_ALL="C", TZ="UTC")
    return env


def normalise_stderr(err):
    return HINT.sub("", err.decode("utf-8", "replace"))


def render(binary, case_dir, argv_tail, env):
    try:
        p = subprocess.run([binary, "template"] + argv_tail, cwd=case_dir, capture_output=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        return p.returncode, p.stdout, normalise_stderr(p.stderr)
    except subprocess.TimeoutExpired:
        return -1, b"", "timeout"


# Output that shows Helm's process rather than the template: Go pointers (`%v` of the
# top-level object's Capabilities) and Helm's build (its Go version). Such a case is skipped.
HELM_INTERNALS = re.compile(rb"0xc[0-9a-f]{9}|go1\.\d+\.\d+")


def shape(line):
    """An error line with its particulars (quoted text, actions, numbers, paths) blanked, so
    that one cause keeps one shape while minimisation changes names and positions."""
    line = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "Q", line)
    line = re.sub(r"<.*?>", "A", line)
    line = re.sub(r"\S*[\d./]\S*", "N", line)
    return line[:120]


# Helm logs values-coalescing warnings through slog (`level=INFO msg="warning: ..."`, also
# before a failure); chartroom prints them bare and only on success. A known difference (kept
# as its own cases): runs compare stderr with these lines removed on both sides, so that it
# does not hide other differences, and count the cases where it was the only one.
HELM_WARNING = re.compile(r'^level=INFO msg="warning: .*"$')
OUR_WARNING = re.compile(r"^warning: (skipped value|destination for|cannot overwrite table|skipping globals)")


def without_warnings(stderr, pattern):
    return "\n".join(l for l in stderr.split("\n") if not pattern.match(l))


class Outcome:
    """Both answers for one case and how they differ."""

    def __init__(self, helm, ours):
        self.helm, self.ours = helm, ours
        self.helm_cmp = (helm[0], helm[1], without_warnings(helm[2], HELM_WARNING))
        self.ours_cmp = (ours[0], ours[1], without_warnings(ours[2], OUR_WARNING))

    @property
    def nondeterministic(self):
        return bool(HELM_INTERNALS.search(self.helm[1]))

    @property
    def differs(self):
        """A difference other than the coalescing warnings' format."""
        return self.helm_cmp != self.ours_cmp and not self.nondeterministic

    @property
    def only_warnings_differ(self):
        return self.helm != self.ours and not self.differs and not self.nondeterministic

    def first_stderr_difference(self):
        h, o = self.helm_cmp[2].split("\n"), self.ours_cmp[2].split("\n")
        for a, b in zip(h, o):
            if a != b:
                return a, b
        return (h[len(o)] if len(h) > len(o) else ""), (o[len(h)] if len(o) > len(h) else "")

    def signature(self):
        """What minimisation must keep: the same exit statuses, the same streams differing,
        and (when stderr differs) the same shape of the first differing stderr lines."""
        (hrc, hout, herr), (orc, oout, oerr) = self.helm_cmp, self.ours_cmp
        lines = tuple(shape(l) for l in self.first_stderr_difference()) if herr != oerr else ()
        return (hrc, orc, hout != oout, herr != oerr, lines)

    def describe(self):
        (hrc, hout, herr), (orc, oout, oerr) = self.helm_cmp, self.ours_cmp
        if hrc != orc:
            return f"exit {orc} (helm {hrc}): helm {first_line(herr)!r} / ours {first_line(oerr)!r}"
        if hout != oout:
            return "stdout " + first_difference(hout.decode("utf-8", "replace"), oout.decode("utf-8", "replace"))
        if herr != oerr:
            return "stderr " + first_difference(herr, oerr)
        return "stderr (warnings only) " + first_difference(self.helm[2], self.ours[2])


def first_line(s):
    return s.strip().split("\n")[0] if s.strip() else ""


def first_difference(want, got):
    w, g = want.split("\n"), got.split("\n")
    for i, (a, b) in enumerate(zip(w, g)):
        if a != b:
            return f"line {i + 1}: helm {a!r} / ours {b!r}"
    return f"lengths differ: helm {len(w)} lines / ours {len(g)} lines"


class Renderer:
    """Writes a case into a scratch directory and renders it with both binaries."""

    def __init__(self, home):
        self.env = isolated_env(home)
        self.scratch = tempfile.mkdtemp(prefix="difffuzz-")
        self.runs = 0

    def both(self, case):
        d = os.path.join(self.scratch, "case")
        case.write(d)
        argv = case.argv_tail()
        self.runs += 1
        return Outcome(render(HELM, d, argv, self.env), render(CHARTROOM, d, argv, self.env))

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)


# --- minimisation --------------------------------------------------------------------------

def ddmin(items, still_fails):
    """Zeller's delta debugging: a small sublist of items for which still_fails holds."""
    n = 2
    while len(items) >= 2:
        chunk = max(1, len(items) // n)
        subsets = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for i in range(len(subsets)):
            complement = [x for j, s in enumerate(subsets) if j != i for x in s]
            if still_fails(complement):
                items, n, reduced = complement, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    if len(items) == 1 and still_fails([]):
        return []
    return items


ACTION = re.compile(r"\{\{.*?\}\}")


class Minimiser:
    """Shrinks a case while its difference stays: the same signature, or (warnings_only) a
    difference in the coalescing warnings alone."""

    def __init__(self, renderer, case, outcome, warnings_only=False):
        self.r, self.case = renderer, case
        self.want = outcome.signature()
        self.outcome = outcome
        self.warnings_only = warnings_only
        self.budget = MAX_MINIMISE_RUNS

    def holds(self, candidate):
        if self.budget <= 0:
            return False
        self.budget -= 1
        o = self.r.both(candidate)
        if self.warnings_only:
            ok = o.only_warnings_differ
        else:
            ok = o.differs and o.signature() == self.want
        if ok:
            self.outcome = o
            return True
        return False

    def variant(self, **changes):
        c = gen.Case()
        c.__dict__.update({k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                           for k, v in self.case.__dict__.items()})
        c.__dict__.update(changes)
        return c

    def run(self):
        # Whole parts first (cheap, large wins), then finer ones, until nothing shrinks.
        for _ in range(3):
            before = self.size()
            self.flags()
            self.parts()
            self.template_lines()
            self.actions()
            self.values()
            if self.size() == before or self.budget <= 0:
                break
        return self.case, self.outcome

    def size(self):
        return (len(self.case.flags), len(self.case.overrides), sum(len(l) for l in self.case.templates.values()),
                sum(len(str(l)) for l in self.case.templates.values()), len(gen.emit_yaml(self.case.values)),
                sum(len(gen.emit_yaml(o)) for o in self.case.overrides), self.case.subchart is not None,
                len(self.case.files))

    def accept(self, candidate):
        if self.holds(candidate):
            self.case = candidate
            return True
        return False

    def flags(self):
        kept = ddmin(self.case.flags, lambda fl: self.holds(self.variant(flags=fl)))
        self.case = self.variant(flags=kept)
        for i, (flag, value) in enumerate(self.case.flags):  # one assignment of a comma list
            parts = value.split(",")
            if len(parts) > 1:
                for p in parts:
                    fl = list(self.case.flags)
                    fl[i] = (flag, p)
                    if self.accept(self.variant(flags=fl)):
                        break

    def parts(self):
        kept = ddmin(list(range(len(self.case.overrides))),
                     lambda ix: self.holds(self.variant(overrides=[self.case.overrides[i] for i in ix])))
        self.case = self.variant(overrides=[self.case.overrides[i] for i in kept])
        if self.case.subchart is not None:
            self.accept(self.variant(subchart=None))
        for name in list(self.case.templates):
            if name in self.case.templates:
                t = dict(self.case.templates)
                del t[name]
                self.accept(self.variant(templates=t))
        for name in list(self.case.files):
            f = dict(self.case.files)
            del f[name]
            self.accept(self.variant(files=f))
        if self.case.namespace:
            self.accept(self.variant(namespace=None))
        if self.case.release != "r":
            self.accept(self.variant(release="r"))

    def template_lines(self):
        lines = [(name, i) for name, ls in self.case.templates.items() for i in range(len(ls))]

        def build(keep):
            keep = set(keep)
            return self.variant(templates={name: [l for i, l in enumerate(ls) if (name, i) in keep]
                                           for name, ls in self.case.templates.items()})
        kept = ddmin(lines, lambda k: self.holds(build(k)))
        self.case = build(kept)

    def actions(self):
        """Each `{{ ... }}` alone: dropped, or replaced by a shorter part of its pipeline."""
        for name in list(self.case.templates):
            i = 0
            while i < len(self.case.templates[name]):
                line = self.case.templates[name][i]
                for m in reversed(list(ACTION.finditer(line))):
                    candidates = [line[:m.start()] + line[m.end():]]
                    body = m.group(0)
                    if " | " in body:  # drop the last stage of the pipeline
                        head = body[:body.rfind(" | ")]
                        candidates.append(line[:m.start()] + head + (" -}}" if body.endswith("-}}") else " }}") + line[m.end():])
                    for cand in candidates:
                        t = dict(self.case.templates)
                        t[name] = list(t[name])
                        t[name][i] = cand
                        if self.accept(self.variant(templates=t)):
                            break
                i += 1

    def values(self):
        self.case = self.variant(values=self.shrink_tree(self.case.values, lambda v: self.variant(values=v)))
        for k in range(len(self.case.overrides)):
            def make(v, k=k):
                o = list(self.case.overrides)
                o[k] = v
                return self.variant(overrides=o)
            o = list(self.case.overrides)
            o[k] = self.shrink_tree(self.case.overrides[k], make)
            self.case = self.variant(overrides=o)

    def shrink_tree(self, tree, make):
        """Drop map entries and list items, top-down, while the mismatch stays."""
        changed = True
        while changed and self.budget > 0:
            changed = False
            for path, node in list(gen.walk(tree)):
                if node[0] not in ("map", "list") or not node[1]:
                    continue
                entries = node[1]
                kept = ddmin(list(range(len(entries))),
                             lambda ix: self.holds(make(replace(tree, path, subset(node, ix)))))
                if len(kept) < len(entries):
                    tree = replace(tree, path, subset(node, kept))
                    changed = True
                    break
        return tree


def subset(node, indices):
    return (node[0], [node[1][i] for i in indices], node[2])


def replace(tree, path, new):
    if not path:
        return new
    kind, items, flow = tree
    step = path[0]
    if kind == "map":
        items = [(k, replace(v, path[1:], new) if k == step else v) for k, v in items]
    else:
        items = [replace(v, path[1:], new) if i == step else v for i, v in enumerate(items)]
    return (kind, items, flow)


# --- kept cases ----------------------------------------------------------------------------

FUNC_WORDS = set(gen.FUNCS) | {"printf", "include", "tpl", "template", "define", "range", "with", "if", "else",
                               "block", "index", "required", "fail", "toYaml", "fromYaml", "semver", "urlParse",
                               "break", "continue", "lookup", "Files", "Capabilities", "Release", "Chart"}


WARNINGS_KEY = "coalescing warnings: slog format"


def cause_key(case, outcome):
    """A coarse fingerprint of a minimised mismatch, to keep one case per apparent cause: for
    a differing stderr, the shapes of the first differing lines; for a differing stdout, the
    function and keyword names left in its templates and its flag kinds."""
    sig = outcome.signature()
    if sig[3] and not sig[2]:
        return f"{sig[0]}/{sig[1]}/err " + " | ".join(sig[4])
    words = set()
    for name, lines in case.templates.items():
        for line in lines:
            for action in ACTION.findall(line):
                words |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", action)) & FUNC_WORDS
    flags = sorted({f for f, _ in case.flags})
    return f"{sig[0]}/{sig[1]}/{'out' if sig[2] else ''}{'err' if sig[3] else ''} " + ",".join(sorted(words)) + \
        (" " + ",".join(flags) if flags else "") + (" +overrides" if case.overrides else "")


def kept_dirs():
    if not os.path.isdir(KEPT):
        return []
    return sorted(d for d in os.listdir(KEPT) if d.isdigit())


def read_kept_key(d):
    try:
        with open(os.path.join(KEPT, d, "origin")) as f:
            for line in f:
                if line.startswith("key: "):
                    return line[5:].rstrip("\n")
    except OSError:
        pass
    return None


def keep(case, outcome, seed, key):
    """Writes tests/difffuzz/cases/NNN: the case (chart/, o*.yaml, setfile.txt), `cmd` (the
    arguments after `template`), Helm's helm.out/helm.err/helm.rc, and `origin`."""
    os.makedirs(KEPT, exist_ok=True)
    n = int(kept_dirs()[-1]) + 1 if kept_dirs() else 1
    d = os.path.join(KEPT, f"{n:03d}")
    case.write(d)
    (hrc, hout, herr) = outcome.helm
    with open(os.path.join(d, "cmd"), "w") as f:
        f.write(shlex.join(case.argv_tail()) + "\n")
    with open(os.path.join(d, "helm.out"), "wb") as f:
        f.write(hout)
    with open(os.path.join(d, "helm.err"), "w") as f:
        f.write(herr)
    with open(os.path.join(d, "helm.rc"), "w") as f:
        f.write(f"{hrc}\n")
    with open(os.path.join(d, "origin"), "w") as f:
        f.write(f"seed: {seed}\nkey: {key}\ndifference: {outcome.describe()}\n")
    if not case.overrides and not any(f == "--set-file" for f, _ in case.flags):
        pass
    return f"{n:03d}"


def write_summary():
    lines = ["# Kept differential-fuzzing cases (scripts/difffuzz/fuzz.py): id, seed, difference when kept.\n"]
    for d in kept_dirs():
        with open(os.path.join(KEPT, d, "origin")) as f:
            fields = dict(l.rstrip("\n").split(": ", 1) for l in f if ": " in l)
        lines.append(f"{d}  seed {fields.get('seed', '?')}  {fields.get('difference', '')}\n")
    with open(SUMMARY, "w") as f:
        f.writelines(lines)


# --- commands ------------------------------------------------------------------------------

def cmd_run(args):
    for binary in (HELM, CHARTROOM):
        if not os.access(binary, os.X_OK):
            sys.exit(f"Error: {binary} not found (see scripts/difffuzz/README.md)")
    home = tempfile.mkdtemp(prefix="difffuzz-home-")
    known_keys = {read_kept_key(d) for d in kept_dirs()}
    lock = threading.Lock()
    stats = {"cases": 0, "mismatched": 0, "helm_failed": 0, "skipped": 0, "warnings_only": 0, "kept": [], "causes": {}}
    deadline = time.time() + args.seconds if args.seconds else None
    counter = iter(range(args.start, args.start + args.count if args.count else 1 << 62))
    local = threading.local()

    def worker():
        r = Renderer(home)
        try:
            while True:
                with lock:
                    if deadline and time.time() > deadline:
                        return
                    i = next(counter, None)
                if i is None:
                    return
                seed = f"{args.seed}-{i}"
                case = gen.generate(seed)
                outcome = r.both(case)
                with lock:
                    stats["cases"] += 1
                    stats["helm_failed"] += outcome.helm[0] != 0
                    stats["skipped"] += outcome.nondeterministic
                    stats["warnings_only"] += outcome.only_warnings_differ
                    if outcome.differs or outcome.only_warnings_differ:
                        stats["mismatched"] += 1
                if outcome.only_warnings_differ:
                    with lock:
                        first = WARNINGS_KEY not in known_keys and not args.no_keep
                        if first:
                            known_keys.add(WARNINGS_KEY)
                    if first:
                        small, small_outcome = Minimiser(r, case, outcome, warnings_only=True).run()
                        with lock:
                            stats["kept"].append(keep(small, small_outcome, seed, WARNINGS_KEY))
                            print(f"{seed}: MISMATCH kept {stats['kept'][-1]}: {small_outcome.describe()[:300]}",
                                  flush=True)
                    continue
                if not outcome.differs:
                    continue
                small, small_outcome = Minimiser(r, case, outcome).run()
                key = cause_key(small, small_outcome)
                with lock:
                    stats["causes"].setdefault(key, []).append(seed)
                    new = key not in known_keys and not args.no_keep
                    if new:
                        known_keys.add(key)
                        stats["kept"].append(keep(small, small_outcome, seed, key))
                    print(f"{seed}: MISMATCH {'kept ' + stats['kept'][-1] if new else 'same cause as a kept case'}: "
                          f"{small_outcome.describe()[:300]}", flush=True)
        finally:
            r.close()

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for f in [pool.submit(worker) for _ in range(args.jobs)]:
            f.result()
    shutil.rmtree(home, ignore_errors=True)
    if stats["kept"]:
        write_summary()
    took = time.time() - started
    report = [f"difffuzz seed {args.seed} cases {args.start}..{args.start + stats['cases'] - 1}: "
              f"{stats['cases']} cases in {took:.0f}s, {stats['mismatched']} mismatched "
              f"({len(stats['causes'])} distinct causes), Helm failed on {stats['helm_failed']}, "
              f"{stats['skipped']} skipped (Helm printed its internals); of the mismatches "
              f"{stats['warnings_only']} differ only in the coalescing warnings' format, "
              f"kept {len(stats['kept'])} new: {' '.join(stats['kept'])}"]
    for key, seeds in sorted(stats["causes"].items(), key=lambda kv: -len(kv[1])):
        report.append(f"  {len(seeds):5d}  {key}   e.g. {seeds[0]}")
    print("\n".join(report))
    os.makedirs(os.path.join(REPO, "target", "difffuzz"), exist_ok=True)
    with open(os.path.join(REPO, "target", "difffuzz", "runs.log"), "a") as f:
        f.write(time.strftime("%Y-%m-%d %H:%M:%S ") + "\n".join(report) + "\n")


def cmd_show(args):
    case = gen.generate(args.seed)
    case.write(args.dir)
    with open(os.path.join(args.dir, "cmd"), "w") as f:
        f.write(shlex.join(case.argv_tail()) + "\n")
    print(f"wrote {args.dir}; run: (cd {args.dir} && helm template {shlex.join(case.argv_tail())})")


def cmd_try(args):
    home = tempfile.mkdtemp(prefix="difffuzz-home-")
    r = Renderer(home)
    o = r.both(gen.generate(args.seed))
    print("identical" if not o.differs else o.describe())
    if args.minimise and o.differs:
        small, so = Minimiser(r, gen.generate(args.seed), o).run()
        d = tempfile.mkdtemp(prefix="difffuzz-min-")
        small.write(d)
        print(f"minimised in {r.runs} runs: {so.describe()}\n  {d}: {shlex.join(small.argv_tail())}")
        for name, lines in small.templates.items():
            print(f"--- {name}\n" + "\n".join(lines))
        print("--- values.yaml\n" + gen.emit_yaml(small.values))
    r.close()
    shutil.rmtree(home, ignore_errors=True)


def cmd_check(_args):
    home = tempfile.mkdtemp(prefix="difffuzz-home-")
    env = isolated_env(home)
    stale = matching = 0
    for d in kept_dirs():
        path = os.path.join(KEPT, d)
        with open(os.path.join(path, "cmd")) as f:
            argv = shlex.split(f.read())
        hrc, hout, herr = render(HELM, path, argv, env)
        with open(os.path.join(path, "helm.out"), "rb") as f:
            rec_out = f.read()
        with open(os.path.join(path, "helm.err")) as f:
            rec_err = f.read()
        with open(os.path.join(path, "helm.rc")) as f:
            rec_rc = int(f.read())
        if (hrc, hout, herr) != (rec_rc, rec_out, rec_err):
            stale += 1
            print(f"{d}: Helm's answer changed")
        ours = render(CHARTROOM, path, argv, env)
        if ours == (hrc, hout, herr):
            matching += 1
            print(f"{d}: chartroom now matches Helm")
        else:
            print(f"{d}: differs: {Outcome((hrc, hout, herr), ours).describe()[:300]}")
    print(f"{len(kept_dirs())} kept cases: {matching} match Helm now, {stale} recordings stale")
    shutil.rmtree(home, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--start", type=int, default=0, help="first case index")
    r.add_argument("--count", type=int, default=0, help="number of cases (0: until --seconds)")
    r.add_argument("--seconds", type=float, default=0)
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--no-keep", action="store_true", help="report mismatches, write nothing")
    s = sub.add_parser("show")
    s.add_argument("seed")
    s.add_argument("dir")
    t = sub.add_parser("try")
    t.add_argument("seed")
    t.add_argument("--minimise", action="store_true")
    sub.add_parser("check")
    args = p.parse_args()
    if args.cmd == "run" and not args.count and not args.seconds:
        args.count = 200
    {"run": cmd_run, "show": cmd_show, "try": cmd_try, "check": cmd_check}[args.cmd](args)


if __name__ == "__main__":
    main()
