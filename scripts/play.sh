#!/usr/bin/env bash
# Sets up (once), builds and serves the playground with the bundled example chart at
# http://127.0.0.1:${PORT:-8080}/ . Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-web.sh
./scripts/web-build.sh
port="${PORT:-8080}"
echo "Chartroom playground: http://127.0.0.1:$port/"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory dist
