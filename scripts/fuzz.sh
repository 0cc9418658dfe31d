#!/usr/bin/env bash
# Runs chartroom's fuzz targets (fuzz/, a cargo-fuzz project) on stable Rust.
#
#   scripts/fuzz.sh TARGET SECONDS   run one target for SECONDS (corpus kept in fuzz/corpus/TARGET)
#   scripts/fuzz.sh smoke [SECONDS]  run every target briefly (default 20 s each); what CI runs
#   scripts/fuzz.sh list             print the target names
#   scripts/fuzz.sh build            build every target
#
# Needs `cargo install cargo-fuzz` and a C++ compiler (libFuzzer is built from source).
# No nightly: `--sanitizer none` uses only stable -C flags (coverage instrumentation), so
# panics, overflow checks, debug assertions, timeouts and memory blow-ups are what we catch.
#
# Environment:
#   FUZZ_TIMEOUT=10         seconds one input may take before it counts as a hang (30 for
#                           render: a whole real chart with coverage instrumentation on a
#                           busy 2-core machine took 12 s of wall time for 2.4 s of CPU)
#   FUZZ_RSS_MB=2048        memory limit; going over counts as a finding
#   FUZZ_MAX_LEN=65536      longest input tried
#   FUZZ_KEEP_GOING=1       do not stop at the first finding (libFuzzer fork mode); every
#                           crash, hang and OOM is saved in fuzz/artifacts/TARGET/
#   CHARTROOM_CONFORMANCE_DIR  the Helm conformance corpus used for seeds
#                           (default ../shared/conformance)
# Findings are saved in fuzz/artifacts/TARGET/; replay one with
#   cargo fuzz run --sanitizer none -O TARGET fuzz/artifacts/TARGET/crash-...
# and turn it into a regression test (tests/tests/limits.rs or the owning crate's tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz_dir="$root/fuzz"
targets=(template_parse template_exec strvals yaml tgz chart_files render)
conformance="${CHARTROOM_CONFORMANCE_DIR:-$root/../shared/conformance}"
build_flags=(--sanitizer none -O --fuzz-dir "$fuzz_dir")

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

require_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
        exit 2
    fi
}

is_target() {
    local t
    for t in "${targets[@]}"; do [[ "$t" == "$1" ]] && return 0; done
    return 1
}

# Writes the files of a chart directory as one bundle (fuzz/src/lib.rs, split_bundle).
bundle_chart() {
    local dir="$1" rel
    (cd "$dir" && find . -type f ! -name '*.tgz' | LC_ALL=C sort) | while read -r rel; do
        rel="${rel#./}"
        printf '==> %s <==\n' "$rel"
        cat "$dir/$rel"
        [[ -z "$(tail -c1 "$dir/$rel")" ]] || printf '\n'
    done
}

# Fills fuzz/corpus/_seeds/TARGET with seeds derived from the conformance charts (real
# templates, values files, archives, whole charts), skipping anything over the max length.
generate_seeds() {
    local target="$1" out="$fuzz_dir/corpus/_seeds/$target" max="${FUZZ_MAX_LEN:-65536}" n=0 f d
    rm -rf "$out"
    mkdir -p "$out"
    [[ -d "$conformance/charts" ]] || return 0
    case "$target" in
    template_parse | template_exec)
        while IFS= read -r -d '' f; do
            [[ $(stat -c %s "$f") -le $max ]] && cp "$f" "$out/t$((n++))"
        done < <(find "$conformance/charts" -path '*/templates/*' -type f \( -name '*.yaml' -o -name '*.tpl' -o -name '*.txt' \) -print0)
        ;;
    yaml)
        while IFS= read -r -d '' f; do
            [[ $(stat -c %s "$f") -le $max ]] && cp "$f" "$out/y$((n++))"
        done < <(find "$conformance" \( -name 'values*.yaml' -o -name 'Chart.yaml' -o -name 'Chart.lock' \) -type f -print0)
        ;;
    tgz)
        while IFS= read -r -d '' f; do
            [[ $(stat -c %s "$f") -le $max ]] && cp "$f" "$out/a$((n++))"
        done < <(find "$conformance/charts" -name '*.tgz' -type f -print0)
        for d in "$conformance"/charts/helm-*/; do
            [[ -f "$d/Chart.yaml" ]] || continue
            tar -C "$(dirname "$d")" -czf "$out/p$((n++)).tgz" "$(basename "$d")"
            [[ $(stat -c %s "$out/p$((n - 1)).tgz") -le $max ]] || rm -f "$out/p$((n - 1)).tgz"
        done
        ;;
    chart_files | render)
        while IFS= read -r -d '' f; do
            d="$(dirname "$f")"
            bundle_chart "$d" >"$out/c$n"
            if [[ $(stat -c %s "$out/c$n") -le $max ]]; then n=$((n + 1)); else rm -f "$out/c$n"; fi
        done < <(find "$conformance/charts" "$root/examples" -name Chart.yaml -type f -print0)
        ;;
    esac
}

build_all() {
    require_cargo_fuzz
    cargo fuzz build "${build_flags[@]}"
}

# run_target TARGET SECONDS: returns non-zero when the run found something.
run_target() {
    local target="$1" seconds="$2"
    is_target "$target" || { echo "unknown target: $target (try: ${targets[*]})" >&2; exit 2; }
    require_cargo_fuzz
    local corpus="$fuzz_dir/corpus/$target"
    mkdir -p "$corpus" "$fuzz_dir/artifacts/$target" "$fuzz_dir/logs"
    generate_seeds "$target"
    local seed_dirs=("$fuzz_dir/corpus/_seeds/$target")
    [[ -d "$fuzz_dir/seeds/$target" ]] && seed_dirs+=("$fuzz_dir/seeds/$target")
    # The template parser shares the executor's hand-written seeds.
    [[ "$target" == template_parse ]] && seed_dirs+=("$fuzz_dir/seeds/template_exec")
    local default_timeout=10
    [[ "$target" == render ]] && default_timeout=30
    local libfuzzer_flags=(
        "-max_total_time=$seconds"
        "-timeout=${FUZZ_TIMEOUT:-$default_timeout}"
        "-rss_limit_mb=${FUZZ_RSS_MB:-2048}"
        "-max_len=${FUZZ_MAX_LEN:-65536}"
        "-print_final_stats=1"
        "-artifact_prefix=$fuzz_dir/artifacts/$target/"
    )
    if [[ "${FUZZ_KEEP_GOING:-0}" == 1 ]]; then
        libfuzzer_flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    fi
    echo "== fuzz $target for ${seconds}s (log: fuzz/logs/$target.log)"
    local status=0
    cargo fuzz run "${build_flags[@]}" "$target" "$corpus" "${seed_dirs[@]}" -- "${libfuzzer_flags[@]}" \
        >"$fuzz_dir/logs/$target.log" 2>&1 || status=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ *DONE' "$fuzz_dir/logs/$target.log" | tail -3 || true
    if [[ $status -ne 0 ]] || grep -qE '^(==[0-9]+== ?ERROR|SUMMARY: libFuzzer)' "$fuzz_dir/logs/$target.log"; then
        echo "!! $target: finding or failure (exit $status); see fuzz/logs/$target.log and fuzz/artifacts/$target/" >&2
        grep -E 'ERROR|panicked|SUMMARY|Test unit written' "$fuzz_dir/logs/$target.log" | head -5 >&2 || true
        return 1
    fi
    return 0
}

case "${1:-}" in
list) printf '%s\n' "${targets[@]}" ;;
build) build_all ;;
smoke)
    seconds="${2:-20}"
    build_all
    failed=()
    for t in "${targets[@]}"; do
        run_target "$t" "$seconds" || failed+=("$t")
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
        echo "== fuzz smoke: findings in ${failed[*]}" >&2
        exit 1
    fi
    echo "== fuzz smoke: no findings"
    ;;
"" | -h | --help) usage ;;
*)
    [[ $# -eq 2 && "$2" =~ ^[0-9]+$ ]] || usage
    run_target "$1" "$2"
    ;;
esac
