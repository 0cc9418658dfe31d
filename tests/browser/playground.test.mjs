// End-to-end checks of the playground in a real browser (Debian's chromium through
// playwright-core). Usage:
//   node playground.test.mjs http://127.0.0.1:PORT/ SCREENSHOT_DIR [KPS_TGZ [PLAY_URL PLAY_CHART_DIR [HELM]]]
// KPS_TGZ (kube-prometheus-stack's archive) adds the large-chart timing; PLAY_URL is a
// running `chartroom play PLAY_CHART_DIR` (a scratch copy: the test edits it); HELM checks
// that the downloaded chart archive is one helm accepts.
// Each check runs in order on one page (later checks build on earlier state); a failing
// check saves a screenshot and the run continues, then exits non-zero.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const [url, screenshotDir, kpsArchive, playUrl, playChart, helm] = process.argv.slice(2);
if (!url || !screenshotDir) {
  console.error('usage: node playground.test.mjs URL SCREENSHOT_DIR');
  process.exit(2);
}
const TIMEOUT_MS = 10_000;

const profile = mkdtempSync(join(tmpdir(), 'chartroom-chromium-'));
// A persistent context over a fresh profile directory is how playwright passes
// --user-data-dir (it refuses the raw flag).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
});
const page = context.pages()[0] ?? await context.newPage();
const consoleErrors = [];
page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
// The page must work offline: any request that leaves the local server is a failure.
const foreignRequests = [];
page.on('request', (request) => { if (!request.url().startsWith(url) && !/^(data|blob):/.test(request.url())) foreignRequests.push(request.url()); });

const failures = [];
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failures.push(name);
    console.log(`FAIL ${name}: ${error.message.split('\n').slice(0, 6).join('\n     ')}`);
    const file = join(screenshotDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    console.log(`     screenshot: ${file}`);
  }
}

const measurements = [];
function measure(name, value, unit) {
  measurements.push(`${name}: ${value}${unit}`);
  console.log(`     measured ${name}: ${value}${unit}`);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The render count and last render time the app exposes on #status. */
async function renderStatus() {
  const status = page.locator('#status');
  return {
    count: Number(await status.getAttribute('data-renders')),
    ms: Number(await status.getAttribute('data-render-ms')),
    engine: Number(await status.getAttribute('data-engine-ms')),
  };
}

/** Runs `edit(i)` `times` times, waiting for each to re-render; per edit the render's
 * round trip (`ms`), the engine's part (`engine`) and from the edit until the page shows it
 * (`painted`, which includes the typing pause before rendering starts). */
async function timeEdits(times, edit) {
  const timings = [];
  for (let i = 0; i < times; i++) {
    const before = (await renderStatus()).count;
    const edited = Date.now();
    await edit(i);
    const deadline = Date.now() + TIMEOUT_MS * 3;
    let now = await renderStatus();
    while (now.count === before && Date.now() < deadline) {
      await page.waitForTimeout(10);
      now = await renderStatus();
    }
    assert(now.count > before, `edit ${i} did not re-render`);
    timings.push({ ...now, painted: Date.now() - edited });
  }
  return timings;
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Waits until the preview's text satisfies `predicate`; the error shows the last text seen.
 * The DOM's text (`textContent`), not what is painted: documents scrolled out of view are
 * not laid out (`content-visibility: auto`), and `innerText` leaves them out. */
async function waitForPreview(predicate, what, target = page) {
  const deadline = Date.now() + TIMEOUT_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = await target.locator('#preview').textContent().catch(() => '');
    if (predicate(text)) return text;
    await target.waitForTimeout(50);
  }
  const error = await target.locator('#render-error').innerText().catch(() => '');
  throw new Error(`${what}; preview starts: ${JSON.stringify(text.slice(0, 300))}${error ? `; error shown: ${error}` : ''}`);
}

async function openFile(path) {
  await page.locator(`#file-tree li[data-path="${path}"]`).click();
  await page.locator('#editor-path', { hasText: path }).waitFor({ timeout: TIMEOUT_MS });
}

/** Clicks inside the first occurrence of `needle` in a preview `<pre>` (a few characters
 * in, where a reader would click), scrolling it into view first. */
async function clickPreviewText(pre, needle) {
  const point = await pre.evaluate((element, needle) => {
    element.scrollIntoView({ block: 'start' });
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const at = element.textContent.indexOf(needle);
    let offset = 0;
    let node;
    while ((node = walker.nextNode()) && at >= offset + node.length) offset += node.length;
    const range = document.createRange();
    range.setStart(node, at - offset + 3);
    range.setEnd(node, at - offset + 4);
    const rect = range.getBoundingClientRect();
    return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
  }, needle);
  await page.mouse.click(point.x, point.y);
}

async function selectTab(id) {
  await page.locator(`#${id}`).click();
}

/** Waits until `target`'s service worker controls it; returns every URL in its caches. */
async function controllingWorkerCache(target) {
  return target.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
    const urls = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    }
    return urls;
  });
}

/** Serves dist/ on a free local port with a server this test can stop (the offline check). */
async function serveDist() {
  const types = { html: 'text/html; charset=utf-8', js: 'text/javascript', wasm: 'application/wasm', css: 'text/css' };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const file = path === '/' ? 'index.html' : path.slice(1);
    try {
      if (file.split('/').includes('..')) throw new Error('outside dist/');
      const body = readFileSync(join('dist', file));
      response.writeHead(200, { 'Content-Type': types[file.split('.').pop()] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** A minimal ustar archive, gzipped, as `helm package` would produce (chart dir first). */
function chartArchive(files) {
  const blocks = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, 'utf8');
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

try {
  mkdirSync(screenshotDir, { recursive: true });

  await check('first render after page load, and the bundle size', async () => {
    for (const name of readdirSync('dist').filter((n) => n.endsWith('.wasm'))) {
      const bytes = readFileSync(join('dist', name));
      measure('wasm bundle', `${(bytes.length / 1e6).toFixed(2)} MB, ${(gzipSync(bytes, { level: 9 }).length / 1e6).toFixed(2)} MB gzipped`, '');
    }
    await page.goto(url, { waitUntil: 'load' });
    await waitForPreview((t) => t.includes('# Source: '), 'nothing rendered after load');
    const sinceNavigation = await page.evaluate(() => performance.now());
    measure('first render after navigation', sinceNavigation.toFixed(0), ' ms');
    // Only a gross regression fails: the target is 1 s; timings vary with the machine.
    assert(sinceNavigation < 10_000, `first render took ${sinceNavigation} ms`);
  });

  await check('page loads without console errors', async () => {
    await page.goto(url, { waitUntil: 'load' });
    await page.locator('#app').waitFor({ timeout: TIMEOUT_MS });
    // A fresh profile has nothing stored, but make the start state explicit anyway.
    await page.evaluate(() => localStorage.clear());
    await page.reload({ waitUntil: 'load' });
    await page.locator('#env-tabs .env-tab').first().waitFor({ timeout: TIMEOUT_MS });
    const tabs = await page.locator('#env-tabs .env-tab').allInnerTexts();
    assert(JSON.stringify(tabs) === JSON.stringify(['dev', 'staging', 'prod']), `environment tabs: ${JSON.stringify(tabs)}`);
    assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
  });

  await check('the example renders', async () => {
    await waitForPreview((t) => t.includes('# Source: kubernetes-example/templates/'), 'no "# Source: kubernetes-example/templates/" in the preview');
    const text = await page.locator('#preview').textContent();
    assert(text.includes('name: postgres'), 'dev has no postgres Deployment');
  });

  await check('prod removes the in-cluster database and points at 10.10.10.10', async () => {
    await page.locator('#env-tabs .env-tab[data-env="prod"]').click();
    const text = await waitForPreview((t) => t.includes('10.10.10.10'), 'prod preview never shows 10.10.10.10');
    assert(!text.includes('name: postgres\n'), 'prod still renders the postgres Deployment');
    assert(!text.includes('pg-service'), 'prod still mentions pg-service');
  });

  await check('the environment diff calls out removed resources', async () => {
    await selectTab('tab-diff');
    await page.locator('#diff-base').selectOption({ label: 'dev' });
    await page.locator('#diff-target').selectOption({ label: 'prod' });
    await page.locator('.resource-change.removed[data-resource="Deployment/postgres"]').waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.resource-change.removed[data-resource="Service/pg-service"]').waitFor({ timeout: TIMEOUT_MS });
    const backend = await page.locator('.resource-change.changed[data-resource="Deployment/backend"]').textContent();
    assert(/^\+.*10\.10\.10\.10/m.test(backend), `backend diff: ${backend}`);
    assert(await page.locator('.resource-change.added').count() === 0, 'prod should add no resources');
    await selectTab('tab-manifests');
  });

  await check('editing values.yaml changes the preview', async () => {
    await page.locator('#env-tabs .env-tab[data-env="dev"]').click();
    await openFile('values.yaml');
    const editor = page.locator('#editor-text');
    const original = await editor.inputValue();
    assert(original.includes('lyzhang1999/frontend'), 'values.yaml is not in the editor');
    await editor.fill(original.replace('lyzhang1999/frontend', 'example.test/edited-frontend'));
    await waitForPreview((t) => t.includes('example.test/edited-frontend:latest'), 'the edit never reached the preview');
    // Tab indents with two spaces instead of leaving the editor.
    await editor.focus();
    await editor.evaluate((area) => area.setSelectionRange(0, 0));
    await page.keyboard.press('Tab');
    assert((await editor.inputValue()).startsWith('  frontend:'), 'Tab did not indent');
    await page.keyboard.press('Control+z');
    assert((await editor.inputValue()).startsWith('frontend:'), 'undo did not remove the indent');
  });

  await check('the working copy survives a reload', async () => {
    // Saving happens with the render, which the previous check waited for.
    await page.reload({ waitUntil: 'load' });
    await waitForPreview((t) => t.includes('example.test/edited-frontend:latest'), 'the edit was lost on reload');
  });

  await check('a broken template shows its error position and opens it', async () => {
    await openFile('templates/hpa.yaml');
    await page.locator('#editor-text').fill('a: 1\nb: 2\nc: {{ fail "boom" }}\n');
    const error = page.locator('#render-error');
    await error.waitFor({ timeout: TIMEOUT_MS });
    await page.locator('#render-error', { hasText: 'boom' }).waitFor({ timeout: TIMEOUT_MS });
    const position = page.locator('#render-error .error-position');
    const label = await position.innerText();
    assert(label === 'kubernetes-example/templates/hpa.yaml:3:6', `error position: ${JSON.stringify(label)}`);
    await openFile('values.yaml');
    await position.click();
    await page.locator('#editor-path', { hasText: 'templates/hpa.yaml' }).waitFor({ timeout: TIMEOUT_MS });
    const caret = await page.locator('#editor-text').evaluate((area) => area.selectionStart);
    assert(caret === 'a: 1\nb: 2\n'.length + 5, `caret at ${caret}, not line 3 column 6`);
  });

  await check('a chart archive loads as the working copy', async () => {
    const archive = chartArchive({
      'tiny/Chart.yaml': 'apiVersion: v2\nname: tiny\nversion: 0.1.0\n',
      'tiny/values.yaml': 'greeting: hello\n',
      'tiny/values-prod.yaml': 'greeting: hello-prod\n',
      'tiny/templates/NOTES.txt': 'Installed {{ .Release.Name }} saying {{ .Values.greeting }}.\n',
      'tiny/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny\ndata:\n  greeting: {{ .Values.greeting }}\n',
    });
    await page.locator('#load-tgz').setInputFiles({ name: 'tiny-0.1.0.tgz', mimeType: 'application/gzip', buffer: archive });
    await waitForPreview((t) => t.includes('# Source: tiny/templates/cm.yaml') && t.includes('greeting: hello-prod'), 'the loaded chart did not render');
    const tabs = await page.locator('#env-tabs .env-tab').allInnerTexts();
    assert(JSON.stringify(tabs) === JSON.stringify(['prod']), `environment tabs: ${JSON.stringify(tabs)}`);
    await selectTab('tab-notes');
    await waitForPreview((t) => t.includes('Installed release-name saying hello-prod.'), 'NOTES.txt is not in the Notes tab');
    await selectTab('tab-values');
    await waitForPreview((t) => t.includes('greeting: hello-prod'), 'the computed values tab does not show the merged values');
    await selectTab('tab-manifests');
  });

  await check('a chart archive dropped on the page loads', async () => {
    const archive = chartArchive({
      'dropped/Chart.yaml': 'apiVersion: v2\nname: dropped\nversion: 0.1.0\n',
      'dropped/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dropped\n',
    });
    const dataTransfer = await page.evaluateHandle((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'dropped-0.1.0.tgz', { type: 'application/gzip' }));
      return transfer;
    }, archive.toString('base64'));
    await page.dispatchEvent('#app', 'dragover', { dataTransfer });
    await page.dispatchEvent('#app', 'drop', { dataTransfer });
    await waitForPreview((t) => t.includes('# Source: dropped/templates/cm.yaml'), 'the dropped chart did not render');
  });

  await check('the example chart comes back', async () => {
    await page.locator('#reset-example').click();
    await waitForPreview((t) => t.includes('# Source: kubernetes-example/templates/') && t.includes('lyzhang1999/frontend'), 'the example did not come back');
  });

  await check('clicking a rendered line selects its template expression and shows the values it read', async () => {
    await page.locator('#env-tabs .env-tab[data-env="dev"]').click();
    await waitForPreview((t) => t.includes('image: "lyzhang1999/frontend:latest"'), 'dev does not show the frontend image');
    const pre = page.locator('.source-group[data-source="kubernetes-example/templates/frontend.yaml"] pre');
    const clicked = Date.now();
    await clickPreviewText(pre, 'image: "lyzhang1999/frontend');
    const panel = page.locator('#teach-panel');
    await panel.locator('.teach-expression').first().waitFor({ timeout: TIMEOUT_MS });
    measure('click to explanation (mapped render in the worker)', Date.now() - clicked, ' ms');
    const explained = (await panel.innerText()).replace(/\s+/g, ' ');
    for (const part of [
      'produced by {{ .Values.frontend.image }} at kubernetes-example/templates/frontend.yaml:19:17',
      'reads .Values.frontend.image = "lyzhang1999/frontend"',
      'produced by {{ .Values.frontend.tag }} at kubernetes-example/templates/frontend.yaml:19:46',
      'reads .Values.frontend.tag = "latest"',
    ]) {
      assert(explained.includes(part), `panel lacks ${JSON.stringify(part)}: ${JSON.stringify(explained)}`);
    }
    const marked = await pre.locator('mark#taught-line').textContent();
    assert(marked === '        image: "lyzhang1999/frontend:latest"', `highlighted preview line: ${JSON.stringify(marked)}`);
    await page.locator('#editor-path', { hasText: 'templates/frontend.yaml' }).waitFor({ timeout: TIMEOUT_MS });
    const selected = await page.locator('#editor-text').evaluate((area) => ({
      text: area.value.slice(area.selectionStart, area.selectionEnd),
      focused: document.activeElement === area,
    }));
    assert(selected.text === '{{ .Values.frontend.image }}', `editor selection: ${JSON.stringify(selected.text)}`);
    assert(selected.focused, 'the editor does not have the focus, so its selection is not shown');
    // Keyboard: the arrow keys step to the next line, which is template text.
    await pre.focus();
    await page.keyboard.press('ArrowDown');
    await page.locator('mark#taught-line', { hasText: 'resources:' }).waitFor({ timeout: TIMEOUT_MS });
    await panel.locator('.teach-expression', { hasText: 'template text resources: at kubernetes-example/templates/frontend.yaml:20:9' })
      .waitFor({ timeout: TIMEOUT_MS });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached', timeout: TIMEOUT_MS });
    assert(await page.locator('mark#taught-line').count() === 0, 'the highlight stayed after Escape');
    // Template text under a condition names the condition and the value it tested.
    await clickPreviewText(page.locator('.source-group[data-source="kubernetes-example/templates/database.yaml"] pre'), 'kind: Deployment');
    await panel.locator('.teach-within').first().waitFor({ timeout: TIMEOUT_MS });
    const gated = (await panel.innerText()).replace(/\s+/g, ' ');
    const expected = 'inside {{- if .Values.database.enabled -}} at kubernetes-example/templates/database.yaml:1:1 — reads .Values.database.enabled = true';
    assert(gated.includes(expected), `panel lacks ${JSON.stringify(expected)}: ${JSON.stringify(gated)}`);
    await page.locator('#teach-panel .teach-close').click();
  });

  await check('--set lines and values-file order apply', async () => {
    await page.locator('#env-tabs .env-tab[data-env="staging"]').click();
    await waitForPreview((t) => t.includes('averageUtilization: 60'), 'staging does not show its HPA target 60');
    await page.locator('#env-set').fill('frontend.autoscaling.averageUtilization=61\n# a comment\n');
    await waitForPreview((t) => t.includes('averageUtilization: 61'), 'the --set line did not apply');
    await page.locator('#env-set').fill('');
    // Staging then prod: prod wins (its database is external).
    await page.locator('#env-add-values').selectOption('values-prod.yaml');
    await waitForPreview((t) => t.includes('10.10.10.10'), 'adding values-prod.yaml after staging did not apply it');
    await page.locator('#env-values-files li').nth(1).locator('button[title="Apply earlier"]').click();
    await waitForPreview((t) => t.includes('v1.1.0-rc.1') && t.includes('10.10.10.10'), 'reordering did not let staging override prod');
    await page.locator('#env-values-files li').nth(0).locator('button[title="Remove"]').click();
    const files = await page.locator('#env-values-files li .path').allInnerTexts();
    assert(JSON.stringify(files) === JSON.stringify(['values-staging.yaml']), `values files: ${JSON.stringify(files)}`);
    await page.locator('#env-tabs .env-tab[data-env="dev"]').click();
  });

  await check('files can be added and deleted', async () => {
    await page.locator('#new-file input[name="path"]').fill('templates/NOTES.txt');
    await page.locator('#new-file button').click();
    await page.locator('#editor-path', { hasText: 'templates/NOTES.txt' }).waitFor({ timeout: TIMEOUT_MS });
    await page.locator('#editor-text').fill('Release {{ .Release.Name }} in {{ .Release.Namespace }}\n');
    await selectTab('tab-notes');
    await waitForPreview((t) => t.includes('Release release-name in default'), 'the new NOTES.txt is not rendered');
    await page.locator('#delete-file').click();
    await waitForPreview((t) => t.includes('no templates/NOTES.txt'), 'the deleted NOTES.txt is still rendered');
    assert(await page.locator('#file-tree li[data-path="templates/NOTES.txt"]').count() === 0, 'the deleted file is still listed');
    await selectTab('tab-manifests');
  });

  await check('re-render time after an edit (example, median of 50)', async () => {
    await openFile('values.yaml');
    const editor = page.locator('#editor-text');
    const original = await editor.inputValue();
    const timings = await timeEdits(50, (i) => editor.fill(original.replace('lyzhang1999/frontend', `example.test/edit-${i}`)));
    await editor.fill(original);
    const value = median(timings.map((t) => t.ms));
    measure('example re-render median', value.toFixed(2), ' ms');
    assert(value < 500, `median re-render ${value} ms`);
  });

  await check('downloads: rendered YAML and a chart archive helm accepts', async () => {
    const [yaml] = await Promise.all([page.waitForEvent('download'), page.locator('#download-output').click()]);
    assert(yaml.suggestedFilename() === 'kubernetes-example-dev.yaml', `name ${yaml.suggestedFilename()}`);
    const yamlText = readFileSync(await yaml.path(), 'utf8');
    assert(yamlText.startsWith('---\n# Source: kubernetes-example/templates/'), `yaml starts ${JSON.stringify(yamlText.slice(0, 80))}`);
    const [tgz] = await Promise.all([page.waitForEvent('download'), page.locator('#download-chart').click()]);
    assert(/^kubernetes-example-.*\.tgz$/.test(tgz.suggestedFilename()), `name ${tgz.suggestedFilename()}`);
    if (helm) {
      const rendered = execFileSync(helm, ['template', await tgz.path(), '-f', 'examples/kubernetes-example/values-dev.yaml'], { encoding: 'utf8' });
      assert(rendered.includes('# Source: kubernetes-example/templates/'), `helm template of the download: ${rendered.slice(0, 200)}`);
    }
  });

  await check('a share link reopens the chart with its edits', async () => {
    await openFile('values.yaml');
    const editor = page.locator('#editor-text');
    const original = await editor.inputValue();
    await editor.fill(original.replace('lyzhang1999/frontend', 'example.test/shared-frontend'));
    await waitForPreview((t) => t.includes('example.test/shared-frontend'), 'the edit did not render');
    await page.locator('#share').click();
    const link = await page.locator('#share-link').inputValue();
    assert(link.startsWith(url) && link.includes('#share='), `link ${link.slice(0, 100)}`);
    measure('share link of the example', link.length, ' characters');
    await editor.fill(original);
    const other = await context.newPage();
    try {
      await other.goto(link, { waitUntil: 'load' });
      const deadline = Date.now() + TIMEOUT_MS;
      let text = '';
      while (Date.now() < deadline && !text.includes('example.test/shared-frontend')) {
        text = await other.locator('#preview').textContent().catch(() => '');
        await other.waitForTimeout(50);
      }
      assert(text.includes('example.test/shared-frontend'), 'the shared page does not render the edit');
    } finally {
      await other.close();
    }
  });

  await check('a 200 MB file is refused with a clear message', async () => {
    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(200 * 1000 * 1000)], 'huge-1.0.0.tgz', { type: 'application/gzip' }));
      return transfer;
    });
    await page.dispatchEvent('#app', 'drop', { dataTransfer });
    await page.locator('#status', { hasText: 'too large to open' }).waitFor({ timeout: TIMEOUT_MS });
    await waitForPreview((t) => t.includes('# Source: kubernetes-example/'), 'the example is no longer shown');
  });

  /** Puts `text` in templates/hpa.yaml and checks that the page keeps answering while it renders. */
  async function runawayTemplate(text, expectedError, limitMs) {
    await openFile('templates/hpa.yaml');
    const editor = page.locator('#editor-text');
    const original = await editor.inputValue();
    const started = Date.now();
    await editor.fill(text);
    // While the worker is busy, typing still reaches the editor at once.
    await editor.focus();
    await editor.evaluate((area) => area.setSelectionRange(area.value.length, area.value.length));
    const typingStarted = Date.now();
    await page.keyboard.type('# typed while rendering');
    const typingMs = Date.now() - typingStarted;
    assert((await editor.inputValue()).endsWith('# typed while rendering'), 'typing during the render was lost');
    assert(typingMs < 2000, `typing took ${typingMs} ms during the render`);
    await page.locator('#render-error', { hasText: expectedError }).waitFor({ timeout: limitMs });
    const shownAfter = Date.now() - started;
    await editor.fill(original);
    await page.locator('#render-error').waitFor({ state: 'detached', timeout: TIMEOUT_MS });
    await waitForPreview((t) => t.includes('# Source: kubernetes-example/templates/hpa.yaml'), 'the chart did not render again after the runaway template');
    return shownAfter;
  }

  await check('a runaway template ends in the engine\'s error and the page stays usable', async () => {
    const shownAfter = await runawayTemplate(
      'x: {{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}\n', 'exceeded maximum', 8000);
    measure('runaway (nested range until 100000) error shown after', shownAfter, ' ms');
  });

  await check('a render that outlasts the watchdog is stopped and the page stays usable', async () => {
    const shownAfter = await runawayTemplate(
      'x: {{ range until 200000 }}{{ repeat 20000 "ab" | sha256sum }}{{ end }}\n', 'Rendering was stopped', 12000);
    measure('slow render (sha256 of 40 kB x 200000) stopped after', shownAfter, ' ms');
  });

  if (kpsArchive) {
    await check('re-render time after an edit (kube-prometheus-stack .tgz, median of 50)', async () => {
      await page.locator('#load-tgz').setInputFiles({ name: 'kube-prometheus-stack.tgz', mimeType: 'application/gzip', buffer: readFileSync(kpsArchive) });
      await page.locator('#status', { hasText: 'Loaded kube-prometheus-stack.tgz' }).waitFor({ timeout: TIMEOUT_MS * 3 });
      const timings = await timeEdits(50, (i) => page.locator('#env-set').fill(`commonLabels.edit=e${i}`));
      const value = median(timings.map((t) => t.ms));
      measure('kube-prometheus-stack re-render median', value.toFixed(1), ' ms');
      measure('kube-prometheus-stack engine time median (in the worker)', median(timings.map((t) => t.engine)).toFixed(1), ' ms');
      measure('kube-prometheus-stack edit to preview updated median', median(timings.map((t) => t.painted)).toFixed(1), ' ms (after the 150 ms typing pause)');
      assert(value < 5000, `median re-render ${value} ms`);
      await page.locator('#env-set').fill('');
      await page.locator('#reset-example').click();
      await waitForPreview((t) => t.includes('# Source: kubernetes-example/'), 'the example did not come back');
    });
  }

  if (playUrl) {
    await check('chartroom play opens the chart from disk and follows edits', async () => {
      const played = await context.newPage();
      try {
        await played.goto(playUrl, { waitUntil: 'load' });
        const waitFor = async (predicate, what) => {
          const deadline = Date.now() + TIMEOUT_MS;
          let text = '';
          while (Date.now() < deadline) {
            text = await played.locator('#preview').textContent().catch(() => '');
            if (predicate(text)) return text;
            await played.waitForTimeout(50);
          }
          throw new Error(`${what}; preview starts ${JSON.stringify(text.slice(0, 200))}; status ${await played.locator('#status').innerText()}`);
        };
        await waitFor((t) => t.includes('# Source: kubernetes-example/templates/') && t.includes('lyzhang1999/frontend'), 'the chart on disk did not render');
        // Live reload must work through the offline copy's service worker, which must not
        // keep the chart data.
        await controllingWorkerCache(played);
        const valuesPath = join(playChart, 'values.yaml');
        const original = readFileSync(valuesPath, 'utf8');
        writeFileSync(valuesPath, original.replace('lyzhang1999/frontend', 'example.test/from-disk'));
        await waitFor((t) => t.includes('example.test/from-disk'), 'an edit on disk did not reach the page');
        writeFileSync(join(playChart, 'templates', 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: added-on-disk\n');
        await waitFor((t) => t.includes('# Source: kubernetes-example/templates/extra.yaml'), 'a file added on disk did not show');
        await played.locator('#file-tree li[data-path="templates/extra.yaml"]').waitFor({ timeout: TIMEOUT_MS });
        const cached = await controllingWorkerCache(played);
        assert(!cached.some((u) => new URL(u).pathname.startsWith('/api/')), `chart data was cached: ${cached.join(' ')}`);
      } finally {
        await played.close();
      }
    });
  }

  await check('after one visit the page reloads and renders with no network at all', async () => {
    // Its own origin and server: the server is stopped and the browser set offline, so only
    // the service worker's copy can answer the reload.
    const server = await serveDist();
    const origin = `http://127.0.0.1:${server.address().port}/`;
    const visited = await context.newPage();
    const errors = [];
    visited.on('pageerror', (error) => errors.push(error.message));
    try {
      await visited.goto(origin, { waitUntil: 'load' });
      await waitForPreview((t) => t.includes('# Source: kubernetes-example/templates/'), 'nothing rendered online', visited);
      const cached = await controllingWorkerCache(visited);
      measure('offline copy', `${cached.length} files`, '');
      assert(cached.some((u) => u.endsWith('.wasm')) && cached.includes(origin), `cached: ${cached.join(' ')}`);
      assert(cached.every((u) => u.startsWith(origin)), `cached from elsewhere: ${cached.join(' ')}`);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await context.setOffline(true);
      // Checked before the reload: Chromium reports `onLine` true again on a page its
      // service worker loaded under playwright's offline emulation (the server is stopped
      // anyway, so nothing could answer).
      assert(!(await visited.evaluate(() => navigator.onLine)), 'the browser is not offline');
      const reloaded = Date.now();
      await visited.reload({ waitUntil: 'load' });
      await waitForPreview((t) => t.includes('# Source: kubernetes-example/templates/') && t.includes('name: postgres'), 'the example did not render offline', visited);
      measure('offline reload to rendered example', Date.now() - reloaded, ' ms');
      assert(errors.length === 0, `uncaught errors offline: ${errors.join(' | ')}`);
    } finally {
      await context.setOffline(false);
      await visited.close();
      if (server.listening) {
        server.closeAllConnections();
        server.close();
      }
    }
  });

  await check('no console errors and no network beyond the page', async () => {
    assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
    assert(foreignRequests.length === 0, `requests to elsewhere: ${foreignRequests.join(' ')}`);
  });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

console.log(`measurements: ${measurements.join('; ')}`);
console.log(failures.length === 0 ? 'browser tests: all passed' : `browser tests: ${failures.length} failed: ${failures.join('; ')}`);
process.exit(failures.length === 0 ? 0 : 1);
