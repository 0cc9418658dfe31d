#!/usr/bin/env bash
# End-to-end test of the playground in Debian's chromium: builds the app (release), serves
# dist/ on a free local port, builds chartroom (which embeds dist/) and runs `chartroom play`
# on a scratch copy of the example chart, then runs tests/browser/playground.test.mjs against
# both. Prints measurements (bundle size, first render, re-render medians); fails only on
# gross regressions of those. CHARTROOM_CONFORMANCE_DIR (default ../shared/conformance)
# provides kube-prometheus-stack for the large-chart timing, when present.
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

cargo build --release -p chartroom

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
play_chart=$(mktemp -d)/kubernetes-example
cp -r examples/kubernetes-example "$play_chart"
play_port=$(free_port)
"${CARGO_TARGET_DIR:-target}/release/chartroom" play "$play_chart" --port "$play_port" 2>/dev/null &
play=$!
trap 'kill "$server" "$play" 2>/dev/null || true; rm -rf "$(dirname "$play_chart")"' EXIT
# Wait for the server to answer (it starts in well under a second).
for _ in $(seq 50); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null; then break; fi
  sleep 0.1
done

mkdir -p target/browser-test
conformance="${CHARTROOM_CONFORMANCE_DIR:-$PWD/../shared/conformance}"
kps="$conformance/charts/kube-prometheus-stack-packaged/kube-prometheus-stack-88.5.3.tgz"
[ -f "$kps" ] || kps=""
helm=""
[ -x .tools/bin/helm ] && helm="$PWD/.tools/bin/helm"
node tests/browser/playground.test.mjs "http://127.0.0.1:$port/" target/browser-test "$kps" \
  "http://127.0.0.1:$play_port/" "$play_chart" "$helm"
