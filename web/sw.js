// The playground's service worker: it keeps a copy of the app shell (the page, its script,
// wasm and stylesheet) so a reload works without a network once the page has been opened.
//
// Registered from index.html as `sw.js?shell=<path>&shell=<path>...`, naming the build's
// hashed asset paths. A new build names other paths, so the browser sees a new worker
// script, installs it, and the old build's cache is deleted on activation.
//
// Strategy: network first, the cache only when the network fails. Online the page always
// gets what the server has (a new build, or `chartroom play`'s page for the chart it serves
// now); offline it gets the last copy. `chartroom play`'s API (`api/chart`, `api/changes`:
// the chart on disk and the long poll for its changes) is never intercepted nor stored, so
// live reload never sees stale chart data. Requests to other origins are not intercepted,
// and this worker never starts a request to another origin itself.

const SCOPE = new URL(self.registration.scope);
const CACHE_PREFIX = 'chartroom-shell ';
const SHELL_PATHS = new URL(self.location.href).searchParams.getAll('shell');
const CACHE_NAME = CACHE_PREFIX + SHELL_PATHS.join(' ');

/** Same origin as this worker, and under its scope. */
function isOwn(url) {
  return url.origin === SCOPE.origin && url.pathname.startsWith(SCOPE.pathname);
}

/** `chartroom play`'s live endpoints: always the server's answer, never a stored one. */
function isPlayApi(url) {
  return url.pathname.startsWith(SCOPE.pathname + 'api/');
}

/** The build's shell: the page at the scope's root and the assets it names. */
function shellUrls() {
  const urls = [SCOPE.href];
  for (const path of SHELL_PATHS) {
    const url = new URL(path, SCOPE);
    if (isOwn(url) && !isPlayApi(url)) urls.push(url.href);
  }
  return urls;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE_NAME);
    // `cache: 'reload'` skips the HTTP cache, so the copy is what the server has now.
    await cache.addAll(shellUrls().map((url) => new Request(url, { cache: 'reload' })));
    // A new build takes over at once: the network-first strategy never serves an old
    // build's files to a page while the server is reachable anyway.
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) await caches.delete(name);
    }
    // Control the page that registered this worker, so its next reload can be offline.
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!isOwn(url) || isPlayApi(url)) return;
  // Chromium's devtools can issue these; fetch() refuses them outside same-origin mode.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(networkFirst(event, request));
});

async function networkFirst(event, request) {
  try {
    const response = await fetch(request);
    // Only whole, successful same-origin answers are kept (no partial or error pages).
    if (response.status === 200 && response.type === 'basic') {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE_NAME).then((cache) => cache.put(request, copy)).catch(() => {}));
    }
    return response;
  } catch (networkError) {
    const cache = await caches.open(CACHE_NAME);
    const cached = await cache.match(request, { ignoreVary: true })
      // Any page of the site (a share link's query, `/index.html`) is the one app page.
      ?? (request.mode === 'navigate' ? await cache.match(SCOPE.href) : undefined);
    if (cached) return cached;
    throw networkError;
  }
}
