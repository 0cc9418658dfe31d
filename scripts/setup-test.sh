#!/usr/bin/env bash
# Installs, once, what the test suite needs beyond Rust on a fresh Debian machine:
# the wasm32 target and web toolchain (scripts/setup-web.sh) and Debian's Chromium for the
# browser tests. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

if [ ! -x /usr/bin/chromium ]; then
  echo "setup-test: installing Debian's chromium"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

./scripts/setup-web.sh
