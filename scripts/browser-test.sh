#!/usr/bin/env bash
# End-to-end test of the playground in Debian's chromium: builds the app (release), serves
# dist/ on a free local port, runs tests/browser/playground.test.mjs against it.
# Screenshots of failing checks go to target/browser-test/. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "browser-test: /usr/bin/chromium is missing (apt-get install -y chromium)" >&2
  exit 1
fi
./scripts/setup-web.sh
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm install --no-audit --no-fund >/dev/null)
fi
./scripts/web-build.sh

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
# Wait for the server to answer (it starts in well under a second).
for _ in $(seq 50); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null; then break; fi
  sleep 0.1
done

mkdir -p target/browser-test
node tests/browser/playground.test.mjs "http://127.0.0.1:$port/" target/browser-test
