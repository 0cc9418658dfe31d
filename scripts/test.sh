#!/usr/bin/env bash
# Runs every test of the project. This is the README's test command and what CI runs.
#   - unit, integration and conformance tests of every native crate
#   - the pure crates must build for wasm32-unknown-unknown (nothing native creeps in)
#   - the playground, built for the browser, driven in headless Chromium; the JS API in Node
#   - every fuzz target for a few seconds
# Installs what is missing on a fresh Debian + Rust machine first (once).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup-test.sh

# CI builds once from scratch: incremental caches would only cost disk.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
# How much disk each phase leaves in use, so a full disk is easy to place.
disk() { echo "   (disk: $(du -sh "${CARGO_TARGET_DIR:-target}" 2>/dev/null | cut -f1) in target/, $(df -h . | awk 'NR==2{print $4}') free)"; }

echo "== cargo test (native crates)"
cargo test --locked --workspace --exclude chartroom-web
cargo test --locked -p chartroom-web

disk
echo "== wasm32 build of the pure crates"
cargo build --locked --target wasm32-unknown-unknown -p gotmpl -p godata -p sprig -p chartroom-chart

disk
echo "== browser tests (the playground in headless Chromium)"
./scripts/browser-test.sh

disk
echo "== the JavaScript API package, in Node"
./scripts/js-test.sh

disk
echo "== fuzz targets, briefly (smoke run; long runs: scripts/fuzz.sh TARGET SECONDS)"
./scripts/fuzz.sh smoke 15

disk
echo "== all tests passed"
