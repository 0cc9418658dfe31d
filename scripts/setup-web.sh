#!/usr/bin/env bash
# Installs what building the playground needs on a fresh Debian + Rust machine, once:
# the wasm32 target, trunk 0.21.14, the wasm-bindgen CLI matching Cargo.lock, and wasm-opt
# (npm binaryen 132; Debian's binaryen is too old for current rustc output).
# Idempotent: each tool is skipped when the right version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown >/dev/null

want_trunk=0.21.14
if ! trunk --version 2>/dev/null | grep -q " $want_trunk"; then
  echo "setup-web: installing trunk $want_trunk (a few minutes, once)"
  cargo install --locked trunk --version "$want_trunk"
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate version in Cargo.lock exactly.
want_wb=$(awk '$0=="name = \"wasm-bindgen\""{getline; gsub(/version = |"/,""); print}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $want_wb"; then
  echo "setup-web: installing wasm-bindgen-cli $want_wb"
  # Not --locked: its lockfile pins a webpki-roots release the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$want_wb"
fi

if [ ! -x node_modules/.bin/wasm-opt ]; then
  echo "setup-web: installing wasm-opt (npm binaryen 132)"
  npm install --no-audit --no-fund --no-save binaryen@132.0.0 >/dev/null
fi
echo "setup-web: ready"
