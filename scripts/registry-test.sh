#!/usr/bin/env bash
# Registry tests against a real OCI registry: installs Debian's docker-registry, htpasswd
# (apache2-utils) and GnuPG if missing, then runs the tests, which start their own
# registries on loopback ports (one without auth, one with htpasswd auth) and chart
# repositories (python3 -m http.server), push and pull with chartroom and with real Helm
# (.tools/bin/helm), sign and verify with keys made by gpg, and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "registry-test: missing ${need[*]} (apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi

cargo test -p chartroom-registry "$@"
cargo test -p chartroom-tests --test registry_resolve --test registry_provenance --test registry_package \
  --test deps_manager --test chartops_lint_repo "$@"
