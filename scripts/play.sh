#!/usr/bin/env bash
# Sets up (once) and builds the playground and the chartroom binary (which embeds it), then
# runs `chartroom play` on the example chart at http://127.0.0.1:${PORT:-8080}/ : edits to
# the files under examples/kubernetes-example show up in the page. Ctrl-C stops it.
# Another chart: scripts/play.sh path/to/chart (a directory or a .tgz).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-web.sh
./scripts/web-build.sh
cargo build --release -p chartroom
exec ./target/release/chartroom play "${1:-examples/kubernetes-example}" --port "${PORT:-8080}"
