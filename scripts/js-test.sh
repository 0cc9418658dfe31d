#!/usr/bin/env bash
# Builds the JavaScript package (scripts/js-build.sh) and the chartroom binary, then runs
# tests/js/render.test.mjs: the JS API's output must equal `chartroom template`'s, byte for
# byte, for the example chart and conformance charts.
# CHARTROOM_CONFORMANCE_DIR: the conformance corpus (default ../shared/conformance).
set -euo pipefail
cd "$(dirname "$0")/.."
conformance="${CHARTROOM_CONFORMANCE_DIR:-$PWD/../shared/conformance}"
./scripts/setup-web.sh
./scripts/js-build.sh
cargo build --release -p chartroom
node tests/js/render.test.mjs "$(realpath "${CARGO_TARGET_DIR:-target}")/release/chartroom" "$conformance"
