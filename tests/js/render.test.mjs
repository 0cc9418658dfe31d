// The JavaScript API against the CLI: renders charts through the npm package built by
// scripts/js-build.sh (target/js-pkg) and checks the output is byte-identical to
// `chartroom template` for the same inputs. Usage (scripts/js-test.sh runs it):
//   node tests/js/render.test.mjs PATH/TO/chartroom PATH/TO/CONFORMANCE_DIR
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { render, version } = await import(join(root, 'target/js-pkg/node.mjs'));
const [chartroom, conformance] = process.argv.slice(2);
if (!chartroom || !conformance) {
  console.error('usage: node render.test.mjs CHARTROOM_BINARY CONFORMANCE_DIR');
  process.exit(2);
}

/** Every file under `dir` as path -> bytes (what a browser gets from a picked folder). */
function chartFiles(dir) {
  const files = {};
  const walk = (current) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path).split('\\').join('/')] = new Uint8Array(readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

function template(args) {
  return execFileSync(chartroom, ['template', ...args], { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
}

const failures = [];
function check(name, body) {
  const started = performance.now();
  try {
    const detail = body();
    console.log(`ok   ${name} (${(performance.now() - started).toFixed(0)} ms)${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    failures.push(name);
    console.log(`FAIL ${name}: ${String(error.stack || error).split('\n').slice(0, 8).join('\n     ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Where two texts first differ, for a readable failure. */
function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `lengths ${a.length} vs ${b.length}; first difference at ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))} vs ${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}`;
}

function assertSameOutput(actual, expected) {
  assert(actual === expected, firstDifference(actual, expected));
}

/** Median of `runs` timings of `body`, in ms. */
function medianMs(runs, body) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    body();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

check('version', () => {
  assert(/^\d+\.\d+\.\d+/.test(version()), `version() = ${version()}`);
  return version();
});

const example = join(root, 'examples/kubernetes-example');
check('kubernetes-example (file map, -f, --set) equals chartroom template', () => {
  const options = {
    releaseName: 'example',
    namespace: 'prod',
    values: [{ name: 'values-prod.yaml', content: readFileSync(join(example, 'values-prod.yaml'), 'utf8') }],
    set: ['frontend.tag=v1.2.3', 'backend.autoscaling.averageUtilization=75'],
  };
  const result = render(chartFiles(example), options);
  const expected = template(['example', example, '--namespace', 'prod', '-f', join(example, 'values-prod.yaml'),
    '--set', 'frontend.tag=v1.2.3', '--set', 'backend.autoscaling.averageUtilization=75']);
  assertSameOutput(result.output, expected);
  assert(result.manifests.length > 0 && result.manifests.every((m) => m.source.startsWith('kubernetes-example/templates/')), 'manifests');
  assert(result.computedValues.includes('10.10.10.10'), 'computed values lack the prod database host');
  const median = medianMs(50, () => render(chartFiles(example), options));
  return `${result.manifests.length} manifests; median render ${median.toFixed(1)} ms over 50`;
});

const kps = join(conformance, 'charts/kube-prometheus-stack-packaged/kube-prometheus-stack-88.5.3.tgz');
check('kube-prometheus-stack .tgz equals chartroom template', () => {
  const options = { releaseName: 'kps', namespace: 'monitoring', set: ['grafana.adminPassword=prom-operator'] };
  const archive = new Uint8Array(readFileSync(kps));
  const result = render(archive, options);
  const expected = template(['kps', kps, '--namespace', 'monitoring', '--set', 'grafana.adminPassword=prom-operator']);
  assertSameOutput(result.output, expected);
  const median = medianMs(5, () => render(archive, options));
  return `${result.manifests.length} manifests, ${result.output.length} bytes; median render ${median.toFixed(0)} ms over 5`;
});

const grafana = join(conformance, 'charts/grafana');
check('grafana (file map, two -f files, --api-versions) equals chartroom template', () => {
  const ci = (name) => join(grafana, 'ci', name);
  const options = {
    releaseName: 'grafana',
    namespace: 'monitoring',
    apiVersions: ['monitoring.coreos.com/v1'],
    values: ['with-dashboard-values.yaml', 'with-dashboard-json-values.yaml'].map((name) => ({ name: ci(name), content: readFileSync(ci(name), 'utf8') })),
    set: ['adminPassword=admin'],
  };
  const result = render(chartFiles(grafana), options);
  const expected = template(['grafana', grafana, '--namespace', 'monitoring', '--api-versions', 'monitoring.coreos.com/v1',
    '-f', ci('with-dashboard-values.yaml'), '-f', ci('with-dashboard-json-values.yaml'), '--set', 'adminPassword=admin']);
  assertSameOutput(result.output, expected);
  return `${result.manifests.length} manifests`;
});

check('failures throw a RenderError with the template position', () => {
  const files = { 'Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n', 'templates/x.yaml': 'a: 1\nb: {{ fail "boom" }}\n' };
  let thrown;
  try {
    render(files);
  } catch (error) {
    thrown = error;
  }
  assert(thrown instanceof Error && thrown.name === 'RenderError', `thrown: ${thrown}`);
  assert(thrown.message.includes('boom'), thrown.message);
  assert(thrown.file === 'c/templates/x.yaml' && thrown.line === 2, `position ${thrown.file}:${thrown.line}:${thrown.column}`);
  assert(thrown.duringRender === true, 'duringRender');
});

check('bad arguments throw a TypeError', () => {
  let thrown;
  try {
    render(42);
  } catch (error) {
    thrown = error;
  }
  assert(thrown instanceof TypeError, `thrown: ${thrown}`);
  try {
    render({}, { noSuchOption: true });
    thrown = undefined;
  } catch (error) {
    thrown = error;
  }
  assert(thrown instanceof TypeError && /noSuchOption/.test(thrown.message), `unknown option: ${thrown}`);
});

console.log(failures.length === 0 ? 'js tests: all passed' : `js tests: ${failures.length} failed: ${failures.join('; ')}`);
process.exit(failures.length === 0 ? 0 : 1);
