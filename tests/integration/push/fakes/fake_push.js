// A loopback fake of a Web Push service and of a webhook relay, for muster's push tests.
//
//   node fake_push.js <webhook secret>
//
// Prints one JSON line per event on stdout; the first is
//   {"event":"ready","port":N,"p256dh":"...","auth":"..."}
// (the port it listens on, 127.0.0.1, and a browser subscription's keys for Web Push). Then
//   {"event":"webpush"|"webhook","path","status","payload",...}
// per request received, once answered. Web Push requests are decrypted with the npm
// http_ece package (RFC 8291, an implementation independent of musterd's) and their VAPID
// JWT (RFC 8292) is verified; webhook requests have their X-Muster-Signature checked.
//
// The answer depends on the path's second segment: /webpush/ok/<x> 201; gone 410; busy: 429
// with Retry-After: 1 on the first request to that path, 201 after; slow: 201 after 300 ms
// (and an "overlap" event when a request for the same path and intent arrives while one is
// being answered).
'use strict';

const crypto = require('crypto');
const http = require('http');
const ece = require('http_ece');

const secret = process.argv[2] || '';
const ua = crypto.createECDH('prime256v1');
ua.generateKeys();
const auth = crypto.randomBytes(16);
const seen = new Map();      // path -> requests so far
const inFlight = new Set();  // "path intent" being answered

let sequence = 0;
function emit(event) {
  event.n = ++sequence;  // tests wait for "an event after the n-th"
  process.stdout.write(JSON.stringify(event) + '\n');
}

function b64u(buffer) {
  return Buffer.from(buffer).toString('base64url');
}

// RFC 8292: "vapid t=<jwt>, k=<public key>"; the JWT signed by k, for this origin, not expired.
function checkVapid(header, origin) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header || '');
  if (!match) return { ok: false, why: 'no vapid authorization' };
  const [jwt, k] = [match[1], match[2]];
  const parts = jwt.split('.');
  if (parts.length !== 3) return { ok: false, why: 'malformed jwt' };
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return { ok: false, why: 'bad k' };
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) },
    format: 'jwk',
  });
  const signed = crypto.verify('sha256', Buffer.from(parts[0] + '.' + parts[1]),
                               { key, dsaEncoding: 'ieee-p1363' },
                               Buffer.from(parts[2], 'base64url'));
  const head = JSON.parse(Buffer.from(parts[0], 'base64url'));
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  const now = Date.now() / 1000;
  const ok = signed && head.alg === 'ES256' && claims.aud === origin && claims.exp > now &&
             claims.exp <= now + 86400 && typeof claims.sub === 'string' &&
             /^(mailto:|https:)/.test(claims.sub);
  return { ok, why: ok ? '' : 'jwt refused', claims, k };
}

function answer(req, res, body) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const [, service, mode] = url.pathname.split('/');
  const count = (seen.get(url.pathname) || 0) + 1;
  seen.set(url.pathname, count);
  const event = { event: service, path: url.pathname, at: Date.now(), headers: req.headers };
  try {
    if (service === 'webpush') {
      event.vapid = checkVapid(req.headers.authorization, `http://${req.headers.host}`);
      const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: ua, authSecret: auth });
      event.payload = JSON.parse(plain.toString('utf8'));
    } else if (service === 'webhook') {
      const expected = crypto.createHmac('sha256', secret).update(body).digest('hex');
      event.signatureOk = req.headers['x-muster-signature'] === expected;
      event.payload = JSON.parse(body.toString('utf8'));
    } else {
      throw new Error('unknown service ' + service);
    }
  } catch (e) {
    event.error = String(e && e.message || e);
  }
  let status = 201;
  const headers = {};
  if (mode === 'gone') status = 410;
  if (mode === 'busy' && count === 1) {
    status = 429;
    headers['Retry-After'] = '1';
  }
  if (event.error || (event.vapid && !event.vapid.ok) || event.signatureOk === false) status = 400;
  event.status = status;
  const intent = event.payload && event.payload.data && event.payload.data.intent;
  const key = url.pathname + ' ' + intent;
  const finish = () => {
    inFlight.delete(key);
    res.writeHead(status, headers);
    res.end();
    emit(event);
  };
  if (mode === 'slow') {
    if (inFlight.has(key)) emit({ event: 'overlap', path: url.pathname, intent });
    inFlight.add(key);
    setTimeout(finish, 300);
  } else {
    finish();
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => answer(req, res, Buffer.concat(chunks)));
});
server.listen(0, '127.0.0.1', () => {
  emit({ event: 'ready', port: server.address().port, p256dh: b64u(ua.getPublicKey()),
         auth: b64u(auth) });
});
process.on('SIGTERM', () => process.exit(0));
