#!/usr/bin/env bash
# Builds the playground (release, wasm-opt -Oz) into dist/ and prints the .wasm size.
# Run scripts/setup-web.sh first (scripts/play.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Size over speed for the download, set here rather than in the workspace profile so the
# native CLI keeps its fast release build. These apply to the wasm target's crates only
# (build scripts and proc-macros use the build-override profile).
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_PANIC=abort
trunk build --release --skip-version-check "$@"
for wasm in dist/*.wasm; do
  echo "web-build: $wasm $(stat -c %s "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped"
done
