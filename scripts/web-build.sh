#!/usr/bin/env bash
# Builds the playground (release, wasm-opt -Oz) into dist/. Run scripts/setup-web.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk build --release --skip-version-check "$@"
