#!/usr/bin/env python3
"""Chart-level differential harness: `chartroom template` against real Helm v4.1.4.

Each combination is (chart, release, namespace, args). Helm's answer (stdout, stderr, exit
code) is recorded under tests/difftest/ so that `cargo test -p chartroom-tests --test difftest`
can replay every combination in-process without Helm.

    scripts/difftest/charts.py generate      # (re)write tests/difftest/shared.tsv from the
                                             # conformance charts (ci/ values, flag variants)
    scripts/difftest/charts.py record [ID..] # ask Helm about every case without a recording
                                             # (or the named ones), write tests/difftest/expected/
    scripts/difftest/charts.py rerecord      # ask Helm again about every case
    scripts/difftest/charts.py check [SUBSTR]# run target/release/chartroom on every recorded
                                             # case, report differences (no Helm needed)
    scripts/difftest/charts.py live [SUBSTR] # run both binaries now and compare (no writes)

Two case lists, both `id<TAB>chart<TAB>release<TAB>namespace<TAB>args` (args in POSIX
shell quoting, as /work/shared/conformance/cases.tsv):
  * tests/difftest/shared.tsv: charts of the shared corpus; run from /work/shared/conformance
    (or $CHARTROOM_CONFORMANCE_DIR), so chart and -f paths are relative to it.
  * tests/difftest/local.tsv: our own small charts under tests/difftest/charts; run from
    tests/difftest.
A release of `-` means no release name is passed.

Recording: tests/difftest/expected/<id>.case holds `rc: N`, `mode: exact|nondeterministic` and
`stdout: FILE`; <id>.err holds Helm's stderr when it wrote any. Stdouts are stored once per
distinct content in tests/difftest/outputs/<sha256 prefix>.out (`.out.gz` above 16 KiB), to
keep the repository small. Helm is run twice; if its two stdouts differ the case is random
(`mode: nondeterministic`): only its `# Source:`/`kind:` lines are stored and compared.
"""

import concurrent.futures
import gzip
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DIFFTEST = os.path.join(REPO, "tests", "difftest")
EXPECTED = os.path.join(DIFFTEST, "expected")
OUTPUTS = os.path.join(DIFFTEST, "outputs")
CORPUS = os.environ.get("CHARTROOM_CONFORMANCE_DIR", "/work/shared/conformance")
HELM = os.environ.get("HELM", os.path.join(REPO, ".tools", "bin", "helm"))
CHARTROOM = os.environ.get("CHARTROOM", os.path.join(REPO, "target", "release", "chartroom"))
GZIP_ABOVE = 16 * 1024
TIMEOUT = 120

# Flag variants tried on every chart's default values.
FLAG_VARIANTS = [
    ("kube122", "--kube-version 1.22.0"),
    ("kube125", "--kube-version 1.25.0"),
    ("kube129", "--kube-version v1.29.3"),
    ("kube133", "--kube-version 1.33.1"),
    ("apis", "--api-versions monitoring.coreos.com/v1 --api-versions networking.istio.io/v1beta1 "
             "--api-versions gateway.networking.k8s.io/v1 --api-versions monitoring.coreos.com/v1/ServiceMonitor"),
    ("upgrade", "--is-upgrade"),
]
# Release-name / namespace variants (release, namespace, tag).
NAME_VARIANTS = [
    ("a-really-long-release-name-that-goes-past-the-limits", "default", "longname"),
    ("rel.with.dots", "team-a", "dots"),
]


class Case:
    def __init__(self, id, chart, release, namespace, args, local):
        self.id, self.chart, self.release, self.namespace, self.args = id, chart, release, namespace, args
        self.local = local

    @property
    def cwd(self):
        return DIFFTEST if self.local else CORPUS

    def argv(self, binary):
        argv = [binary, "template"]
        if self.release != "-":
            argv.append(self.release)
        argv.append(self.chart)
        argv += shlex.split(self.args)
        argv += ["--namespace", self.namespace]
        return argv

    def tsv(self):
        return "\t".join([self.id, self.chart, self.release, self.namespace, self.args])


def read_cases():
    cases = []
    for name, local in (("shared.tsv", False), ("local.tsv", True)):
        path = os.path.join(DIFFTEST, name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.split("\t")
                while len(cols) < 5:
                    cols.append("")
                cases.append(Case(cols[0], cols[1], cols[2], cols[3], cols[4], local))
    ids = [c.id for c in cases]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"duplicate case ids: {sorted(dup)}")
    return cases


def chart_release_names():
    """(chart path, release, namespace) of each chart as the conformance corpus uses it."""
    seen = {}
    with open(os.path.join(CORPUS, "cases.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            chart, release, ns = cols[1], cols[2], cols[3]
            if release == "-" or "does-not-exist" in chart:
                continue
            seen.setdefault(chart, (release, ns))
    return seen


def generate():
    cases = []
    for chart, (release, ns) in sorted(chart_release_names().items()):
        short = chart.replace("charts/", "").replace("/", "-").replace(".tgz", "")
        short = short.replace("kube-prometheus-stack-packaged-kube-prometheus-stack-88.5.3", "kps")
        short = short.replace("helm-chart-with-", "hc-")
        cases.append(Case(f"{short}--default", chart, release, ns, "", False))
        chart_dir = os.path.join(CORPUS, chart)
        if os.path.isdir(chart_dir):
            ci = os.path.join(chart_dir, "ci")
            if os.path.isdir(ci):
                for v in sorted(os.listdir(ci)):
                    if v.endswith((".yaml", ".yml")):
                        tag = v.rsplit(".", 1)[0].replace("-values", "")
                        cases.append(Case(f"{short}--ci-{tag}", chart, release, ns,
                                          f"-f {shlex.quote(chart + '/ci/' + v)}", False))
            for v in sorted(os.listdir(chart_dir)):
                if v.startswith("values") and v.endswith(".yaml") and v != "values.yaml":
                    tag = v[len("values"):].strip("-.").rsplit(".", 1)[0]
                    cases.append(Case(f"{short}--values-{tag}", chart, release, ns,
                                      f"-f {shlex.quote(chart + '/' + v)}", False))
        base = chart.split("/")[1]
        for v in sorted(os.listdir(os.path.join(CORPUS, "values"))):
            if v.startswith(base + "-"):
                tag = v[len(base) + 1:].rsplit(".", 1)[0]
                cases.append(Case(f"{short}--shared-{tag}", chart, release, ns, f"-f values/{v}", False))
        for tag, flags in FLAG_VARIANTS:
            cases.append(Case(f"{short}--{tag}", chart, release, ns, flags, False))
        for rel, rns, tag in NAME_VARIANTS:
            cases.append(Case(f"{short}--{tag}", chart, rel, rns, "", False))
    with open(os.path.join(DIFFTEST, "shared.tsv"), "w") as f:
        f.write("# id\tchart\trelease\tnamespace\targs  (generated by scripts/difftest/charts.py generate;\n"
                "# run from the conformance corpus folder)\n")
        for c in cases:
            f.write(c.tsv() + "\n")
    print(f"wrote {len(cases)} cases to tests/difftest/shared.tsv")


def isolated_env(home):
    env = dict(os.environ)
    for var in ("HELM_NAMESPACE", "HELM_KUBECONTEXT", "HELM_DEBUG", "HELM_DRIVER", "HELM_KUBEVERSION"):
        env.pop(var, None)
    env.update(HELM_CONFIG_HOME=os.path.join(home, "config"), HELM_CACHE_HOME=os.path.join(home, "cache"),
               HELM_DATA_HOME=os.path.join(home, "data"), KUBECONFIG=os.path.join(home, "kubeconfig"),
               LC_ALL="C", TZ="UTC")
    return env


def run(case, binary, env):
    try:
        p = subprocess.run(case.argv(binary), cwd=case.cwd, capture_output=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, b"", b"timeout"


def source_kind(out):
    return [l for l in out.decode("utf-8", "replace").split("\n")
            if l.startswith("# Source: ") or l.startswith("kind: ")]


def source_kind_only(out):
    """What is kept of a random output: its `# Source:` and `kind:` lines."""
    return "".join(l + "\n" for l in source_kind(out)).encode()


def write_expected(case, rc, out, err, nondeterministic):
    """Writes expected/<id>.case (+ .err when Helm wrote to stderr); the stdout goes to
    outputs/<sha256 prefix>.out[.gz], shared by every case with the same output."""
    os.makedirs(EXPECTED, exist_ok=True)
    os.makedirs(OUTPUTS, exist_ok=True)
    if nondeterministic:
        out = source_kind_only(out)
    digest = hashlib.sha256(out).hexdigest()[:20]
    name = digest + (".out.gz" if len(out) > GZIP_ABOVE else ".out")
    path = os.path.join(OUTPUTS, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            # mtime=0 keeps the archive byte-stable across re-recordings.
            f.write(gzip.compress(out, mtime=0) if name.endswith(".gz") else out)
    base = os.path.join(EXPECTED, case.id)
    with open(base + ".case", "w") as f:
        f.write(f"rc: {rc}\nmode: {'nondeterministic' if nondeterministic else 'exact'}\nstdout: {name}\n")
    if err:
        with open(base + ".err", "wb") as f:
            f.write(err)
    elif os.path.exists(base + ".err"):
        os.remove(base + ".err")


def read_expected(case):
    base = os.path.join(EXPECTED, case.id)
    if not os.path.exists(base + ".case"):
        return None
    fields = {}
    with open(base + ".case") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k.strip()] = v.strip()
    with open(os.path.join(OUTPUTS, fields["stdout"]), "rb") as f:
        out = f.read()
    if fields["stdout"].endswith(".gz"):
        out = gzip.decompress(out)
    err = b""
    if os.path.exists(base + ".err"):
        with open(base + ".err", "rb") as f:
            err = f.read()
    return int(fields["rc"]), out, err, fields.get("mode", "exact")


def prune_outputs():
    """Deletes output files no case refers to any more."""
    used = set()
    for name in os.listdir(EXPECTED):
        if name.endswith(".case"):
            with open(os.path.join(EXPECTED, name)) as f:
                for line in f:
                    if line.startswith("stdout:"):
                        used.add(line.split(":", 1)[1].strip())
    for name in os.listdir(OUTPUTS):
        if name not in used:
            os.remove(os.path.join(OUTPUTS, name))


def record(cases, only_missing):
    home = tempfile.mkdtemp(prefix="difftest-charts.")
    env = isolated_env(home)
    todo = [c for c in cases if not (only_missing and os.path.exists(os.path.join(EXPECTED, c.id + ".case")))]

    def one(case):
        rc, out, err = run(case, HELM, env)
        rc2, out2, _ = run(case, HELM, env)
        nondet = rc == rc2 and out != out2
        if rc != rc2:
            return case, f"helm is not stable (rc {rc} then {rc2}); not recorded"
        write_expected(case, rc, out, err, nondet)
        return case, f"rc={rc}{' nondeterministic' if nondet else ''}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for case, msg in pool.map(one, todo):
            print(f"{case.id}: {msg}", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    prune_outputs()
    print(f"recorded {len(todo)} case(s)")


def first_difference(want, got):
    w, g = want.decode("utf-8", "replace").split("\n"), got.decode("utf-8", "replace").split("\n")
    for i, (a, b) in enumerate(zip(w, g)):
        if a != b:
            return f"line {i + 1}: helm {a!r} / ours {b!r}"
    return f"lengths differ: helm {len(w)} lines / ours {len(g)} lines"


def compare(case, want, got):
    """None when equal, else a one-line description."""
    wrc, wout, werr, mode = want
    grc, gout, gerr = got
    if wrc != grc:
        first = gerr.decode("utf-8", "replace").strip().split("\n")[0]
        return f"exit {grc} (helm {wrc}): ours: {first[:300]} | helm: {werr.decode('utf-8','replace').strip().splitlines()[0][:300] if werr.strip() else ''}"
    if mode == "nondeterministic":
        if source_kind(wout) != source_kind(gout):
            return "documents differ (nondeterministic case)"
        return None
    if wout != gout:
        return first_difference(wout, gout)
    return None


def check(cases, live):
    home = tempfile.mkdtemp(prefix="difftest-charts.")
    env = isolated_env(home)
    results = []

    def one(case):
        if live:
            rc, out, err = run(case, HELM, env)
            want = (rc, out, err, "exact")
        else:
            want = read_expected(case)
            if want is None:
                return case, "not recorded", None
        got = run(case, CHARTROOM, env)
        diff = compare(case, want, got)
        stderr_note = None
        if diff is None and want[2] != got[2]:
            stderr_note = f"stderr differs: helm {want[2].decode('utf-8','replace').strip()[:200]!r} / ours {got[2].decode('utf-8','replace').strip()[:200]!r}"
        return case, diff, stderr_note

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, cases))
    shutil.rmtree(home, ignore_errors=True)
    same = 0
    for case, diff, note in results:
        if diff is None:
            same += 1
            if note:
                print(f"  note {case.id}: {note}")
        else:
            print(f"  MISS {case.id}: {diff}")
    print(f"{same}/{len(results)} identical (stdout + rc)")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    cmd, rest = args[0], args[1:]
    if cmd == "generate":
        generate()
        return
    cases = read_cases()
    if cmd in ("record", "rerecord"):
        if rest:
            cases = [c for c in cases if c.id in rest or any(r in c.id for r in rest if r.endswith("*"))]
        record(cases, only_missing=(cmd == "record" and not rest))
    elif cmd in ("check", "live"):
        if rest:
            cases = [c for c in cases if any(r in c.id for r in rest)]
        check(cases, live=(cmd == "live"))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
