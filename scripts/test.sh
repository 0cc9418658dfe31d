#!/usr/bin/env bash
# Runs every test of the project. This is the README's test command and what CI runs.
#   - unit, integration and conformance tests of every native crate
#   - the pure crates must build for wasm32-unknown-unknown (nothing native creeps in)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test (native crates)"
cargo test --locked --workspace --exclude chartroom-web

echo "== wasm32 build of the pure crates"
cargo build --locked --target wasm32-unknown-unknown -p gotmpl -p godata -p sprig -p chartroom-chart

echo "== all tests passed"
