// Muster's service worker: makes the app installable and usable on a flaky network (the shell
// and its hashed assets come from the cache when the network fails), shows Web Push
// notifications, and opens the call or meeting a notification is about.
const CACHE = 'muster-shell-v1';
const SHELL = ['/', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/ws') return;
  if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change: the cache first.
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(CACHE).then((c) => c.put(request, copy));
            }
            return response;
          }),
      ),
    );
    return;
  }
  if (request.mode === 'navigate') {
    // The page: the network first (a new build shows at once), the cached shell offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((c) => c.put('/', copy));
          }
          return response;
        })
        .catch(() => caches.match('/')),
    );
  }
});

// Web Push body: {title, body, data: {type, group, seq, callId | meetingId, intent}}.
self.addEventListener('push', (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch (e) {
    payload = { title: 'Muster', body: event.data ? event.data.text() : '' };
  }
  const data = payload.data || {};
  const chat = data.type === 'chat' && !!data.group;
  event.waitUntil(
    self.registration.showNotification(payload.title || 'Muster', {
      body: payload.body || '',
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      // Chat: one notification per group, the newest message replacing the one shown (and
      // sounding again). Else the outbox id: a notification delivered twice replaces itself.
      tag: chat ? 'chat-' + data.group : data.intent || data.callId || data.meetingId || data.group || undefined,
      renotify: chat,
      data,
    }),
  );
});

function targetOf(data) {
  if (data.callId) return '/#/duty/' + encodeURIComponent(data.callId);
  if (data.meetingId) return '/#/m/' + encodeURIComponent(data.meetingId);
  if (data.group) return '/#/g/' + encodeURIComponent(data.group);
  return '/';
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = targetOf(event.notification.data || {});
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      for (const w of windows) {
        if (new URL(w.url).origin === self.location.origin) {
          w.postMessage({ type: 'open', target });
          return w.focus();
        }
      }
      return self.clients.openWindow(target);
    }),
  );
});
