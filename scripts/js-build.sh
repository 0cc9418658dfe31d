#!/usr/bin/env bash
# Builds the JavaScript API (crates/js) into an npm-ready package in target/js-pkg:
# wasm-bindgen's `web` target (works in browsers and bundlers; `initSync`/`init` load the
# wasm), plus node.mjs, an entry that loads the wasm from disk so `import { render } from
# 'chartroom'` just works in Node. Run scripts/setup-web.sh first (wasm target, wasm-bindgen,
# wasm-opt).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Size over speed, as for the playground (scripts/web-build.sh).
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_PANIC=abort
cargo build -p chartroom-js --release --target wasm32-unknown-unknown
out=target/js-pkg
rm -rf "$out"
wasm-bindgen --target web --out-dir "$out" --out-name chartroom target/wasm32-unknown-unknown/release/chartroom_js.wasm
if command -v wasm-opt >/dev/null; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$out/chartroom_bg.wasm" -o "$out/chartroom_bg.wasm"
fi
version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
cat >"$out/node.mjs" <<'JS'
// Node entry: loads the wasm next to this file synchronously, then re-exports the API.
import { readFileSync } from 'node:fs';
import { initSync } from './chartroom.js';

initSync({ module: readFileSync(new URL('./chartroom_bg.wasm', import.meta.url)) });
export { render, version } from './chartroom.js';
JS
cat >"$out/package.json" <<JSON
{
  "name": "chartroom",
  "version": "$version",
  "description": "Helm's chart engine (helm template) in wasm: render charts from JavaScript.",
  "license": "Apache-2.0",
  "type": "module",
  "files": ["chartroom.js", "chartroom.d.ts", "chartroom_bg.wasm", "chartroom_bg.wasm.d.ts", "node.mjs", "README.md"],
  "types": "chartroom.d.ts",
  "exports": {
    ".": {
      "types": "./chartroom.d.ts",
      "node": "./node.mjs",
      "default": "./chartroom.js"
    },
    "./chartroom_bg.wasm": "./chartroom_bg.wasm"
  },
  "sideEffects": ["./node.mjs"]
}
JSON
cat >"$out/README.md" <<'MD'
# chartroom

`helm template` (Helm v4.1.4's output, byte for byte) as a JavaScript function, running the
Chartroom engine in WebAssembly.

```js
import { render } from 'chartroom';            // Node: ready to use
// Browser/bundler: import init, { render } from 'chartroom'; await init();
const result = render(tgzBytes, { releaseName: 'web', values: [{ name: 'prod.yaml', content: 'a: 1' }], set: ['b=2'] });
console.log(result.output);        // what `helm template` prints
```

`render(chart, options?)`: `chart` is a `.tgz` (`Uint8Array`/`ArrayBuffer`) or an object of
chart-relative path -> content (string or `Uint8Array`), read as `helm template DIR` reads a
directory (its `.helmignore` applies). Options (all optional):
`releaseName`, `namespace`, `kubeVersion`, `apiVersions`, `values` (YAML strings or
`{ name, content }`, in `-f` order), `setJson`, `set`, `setString`, `setFile`
(`{ line: 'key=path', content }`), `setLiteral`, `isUpgrade`, `includeCrds`, `skipTests`,
`noHooks`, `showOnly`, `skipSchemaValidation`, `renderSubchartNotes`, `strict`, and `limits`
(`{ maxSteps, maxOutputSize, maxTemplateDepth, maxArchiveSize, maxDecompressedSize,
maxFileSize, maxFiles }`, each optional; see the repository's SECURITY.md for the defaults).

Returns `{ output, manifests: [{ source, kind, name, content, isHook, isCrd }], notes,
computedValues, warnings }`. Failures throw an `Error` named `RenderError` with Helm's
message and `file`, `line`, `column` (or `null`) and `duringRender`.
MD
echo "js-build: $out ($(stat -c %s "$out/chartroom_bg.wasm") bytes wasm, $(gzip -9c "$out/chartroom_bg.wasm" | wc -c) gzipped)"
