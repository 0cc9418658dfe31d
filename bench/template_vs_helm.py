#!/usr/bin/env python3
"""Side-by-side benchmark: `chartroom template` vs `helm template` (v4.1.4) on the corpus.

For every chart of ../shared/conformance (its first case of mode `exact`, or else the first
case), runs both binaries REPS times, alternating, warm (one unmeasured run each first), and
prints a table: chart, Helm median wall time, ours, the ratio, and each one's peak RSS.
Not a test: numbers, for the README and issue notes.

    bench/template_vs_helm.py [--reps N] [--chartroom PATH] [--helm PATH] [--corpus DIR]
"""
import argparse, os, shlex, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(argv, cwd):
    """Runs argv once; returns (seconds, peak RSS in KiB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, proc.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--chartroom", default=os.path.join(ROOT, "target/release/chartroom"))
    ap.add_argument("--helm", default=os.path.join(ROOT, ".tools/bin/helm"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "../shared/conformance"))
    a = ap.parse_args()
    for b in (a.chartroom, a.helm):
        if not os.access(b, os.X_OK):
            sys.exit(f"missing binary {b} (cargo build --release -p chartroom; "
                     f"../shared/conformance/get-helm.sh .tools/bin)")
    cases = {}
    with open(os.path.join(a.corpus, "cases.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            cid, chart, release, ns, mode = cols[:5]
            args = shlex.split(cols[5]) if len(cols) > 5 else []
            if chart not in cases or (mode == "exact" and cases[chart][4] != "exact"):
                cases[chart] = (cid, chart, release, ns, mode, args)
    env = dict(os.environ, HELM_CONFIG_HOME="/tmp/bench-helm/config", HELM_CACHE_HOME="/tmp/bench-helm/cache",
               HELM_DATA_HOME="/tmp/bench-helm/data", KUBECONFIG="/tmp/bench-helm/kubeconfig")
    os.environ.update(env)
    rows = []
    for chart, (cid, chart, release, ns, mode, args) in sorted(cases.items()):
        tail = ([] if release == "-" else [release]) + [chart] + args + ["--namespace", ns]
        runs = {"helm": [], "ours": []}
        peaks = {"helm": 0, "ours": 0}
        cmds = {"helm": [a.helm, "template"] + tail, "ours": [a.chartroom, "template"] + tail}
        for who in cmds:  # warm-up
            measure(cmds[who], a.corpus)
        for _ in range(a.reps):
            for who in cmds:
                t, rss, _ = measure(cmds[who], a.corpus)
                runs[who].append(t)
                peaks[who] = max(peaks[who], rss)
        h, o = statistics.median(runs["helm"]), statistics.median(runs["ours"])
        rows.append((os.path.basename(chart), cid, h, o, h / o if o else float("inf"), peaks["helm"], peaks["ours"]))
    print(f"{'chart':<48} {'case':<36} {'helm ms':>8} {'ours ms':>8} {'ratio':>7} {'helm MiB':>9} {'ours MiB':>9}")
    for name, cid, h, o, r, ph, po in rows:
        print(f"{name:<48} {cid:<36} {h*1000:8.1f} {o*1000:8.1f} {r:6.1f}x {ph/1024:9.1f} {po/1024:9.1f}")
    ratios = [r[4] for r in rows]
    print(f"\n{len(rows)} charts, {a.reps} runs each; ratio helm/ours: min {min(ratios):.1f}x, "
          f"median {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
