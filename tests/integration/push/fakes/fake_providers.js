// A loopback fake of APNs, FCM HTTP v1 and HMS Push Kit, with their OAuth token endpoints,
// for muster's push tests: one HTTP/2 TLS server (certificate from a CA the test made).
//
//   node fake_providers.js <dir>
//
// <dir> holds server.pem and server.key (the TLS certificate), apns.p8 (the APNs signing key:
// its public half verifies the ES256 provider tokens), sa.pem (the FCM service account's RSA
// key: its public half verifies the RS256 grant) and config.json {apnsKeyId, apnsTeamId,
// fcmEmail, hmsAppId, hmsSecret}. Prints {"event":"ready","port":N} first, then one JSON line
// per request answered ({"event": "apns" | "fcm" | "hms" | "token", "ok", "status", ...}).
// Device tokens starting with "gone" are answered as unregistered.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http2 = require('http2');
const path = require('path');

const dir = process.argv[2];
const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
const apnsKey = crypto.createPublicKey(fs.readFileSync(path.join(dir, 'apns.p8')));
const saKey = crypto.createPublicKey(fs.readFileSync(path.join(dir, 'sa.pem')));
const issued = new Set();  // access tokens handed out
let sequence = 0;
let port = 0;

function emit(event) {
  event.n = ++sequence;
  process.stdout.write(JSON.stringify(event) + '\n');
}

// Signatures already verified, by the token's exact text: a provider checks a provider token
// once and then recognises it, as APNs does (a token is refreshed at most every 20 minutes and
// sent with every request). Only a valid signature is remembered; the claims are still checked
// on every request. Bounded: the server sends one token per key at a time.
const verified = new Map();
const VERIFIED_MAX = 64;

function verifyJwt(jwt, key, alg) {
  const known = verified.get(jwt);
  if (known && known.key === key) return known.decoded;
  const decoded = verifySignature(jwt, key, alg);
  if (decoded) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value);
    verified.set(jwt, { key, decoded });
  }
  return decoded;
}

function verifySignature(jwt, key, alg) {
  const parts = (jwt || '').split('.');
  if (parts.length !== 3) return null;
  const ok = crypto.verify('sha256', Buffer.from(parts[0] + '.' + parts[1]),
                           alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
                           Buffer.from(parts[2], 'base64url'));
  if (!ok) return null;
  const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
  if (header.alg !== alg) return null;
  return { header, claims: JSON.parse(Buffer.from(parts[1], 'base64url')) };
}

function reply(stream, status, body, event) {
  event.status = status;
  stream.respond({ ':status': status, 'content-type': 'application/json' });
  stream.end(JSON.stringify(body));
  emit(event);
}

function handle(stream, headers, body) {
  const url = new URL(headers[':path'], 'https://127.0.0.1');
  const now = Date.now() / 1000;
  const event = { path: url.pathname, at: Date.now(), http2: true,
                  session: stream.session && stream.session.musterId, stream: stream.id };
  if (url.pathname.startsWith('/3/device/')) {
    // APNs: token auth, apns-* headers, the payload's aps and data.
    event.event = 'apns';
    const token = url.pathname.slice('/3/device/'.length);
    const jwt = verifyJwt((headers.authorization || '').replace(/^bearer /, ''), apnsKey, 'ES256');
    event.ok = !!jwt && jwt.header.kid === config.apnsKeyId && jwt.claims.iss === config.apnsTeamId &&
               Math.abs(jwt.claims.iat - now) < 3600 && headers['apns-topic'] === 'org.muster.app' &&
               headers['apns-push-type'] === 'alert' && headers['apns-priority'] === '10' &&
               !!headers['apns-expiration'];
    event.payload = JSON.parse(body.toString('utf8'));
    if (headers['apns-collapse-id'] !== undefined) event.collapseId = headers['apns-collapse-id'];
    if (!event.ok) return reply(stream, 403, { reason: 'InvalidProviderToken' }, event);
    if (token.startsWith('gone')) return reply(stream, 410, { reason: 'Unregistered' }, event);
    return reply(stream, 200, {}, event);
  }
  if (url.pathname === '/oauth/google' || url.pathname === '/oauth/huawei') {
    event.event = 'token';
    const form = new URLSearchParams(body.toString('utf8'));
    if (url.pathname === '/oauth/google') {
      const jwt = verifyJwt(form.get('assertion'), saKey, 'RS256');
      event.ok = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && !!jwt &&
                 jwt.claims.iss === config.fcmEmail &&
                 jwt.claims.aud === `https://127.0.0.1:${port}/oauth/google` &&
                 jwt.claims.scope === 'https://www.googleapis.com/auth/firebase.messaging' &&
                 jwt.claims.exp > now && jwt.claims.exp <= now + 3700;
    } else {
      event.ok = form.get('grant_type') === 'client_credentials' &&
                 form.get('client_id') === config.hmsAppId &&
                 form.get('client_secret') === config.hmsSecret;
    }
    if (!event.ok) return reply(stream, 400, { error: 'invalid_grant' }, event);
    const access = crypto.randomBytes(12).toString('hex');
    issued.add(access);
    return reply(stream, 200, { access_token: access, expires_in: 3600, token_type: 'Bearer' }, event);
  }
  const bearer = (headers.authorization || '').replace(/^Bearer /, '');
  event.payload = JSON.parse(body.toString('utf8') || '{}');
  const message = event.payload.message || {};
  if (url.pathname === '/v1/projects/muster-test/messages:send') {
    event.event = 'fcm';
    event.ok = issued.has(bearer);
    if (!event.ok) return reply(stream, 401, { error: { status: 'UNAUTHENTICATED' } }, event);
    if (String(message.token).startsWith('gone')) {
      return reply(stream, 404, { error: { code: 404, status: 'NOT_FOUND',
        details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
                    errorCode: 'UNREGISTERED' }] } }, event);
    }
    return reply(stream, 200, { name: 'projects/muster-test/messages/1' }, event);
  }
  if (url.pathname === `/v1/${config.hmsAppId}/messages:send`) {
    event.event = 'hms';
    event.ok = issued.has(bearer);
    if (!event.ok) return reply(stream, 401, { code: '80200003', msg: 'OAuth token expired' }, event);
    if (String((message.token || [])[0]).startsWith('gone')) {
      return reply(stream, 200, { code: '80300007', msg: 'All the tokens are invalid' }, event);
    }
    return reply(stream, 200, { code: '80000000', msg: 'Success' }, event);
  }
  event.event = 'unknown';
  return reply(stream, 404, {}, event);
}

// APNs allows up to 1,000 concurrent streams per connection; node's default session memory
// (10 MB) would refuse streams first under a push storm (the bench sends 10,000 at once).
const server = http2.createSecureServer({
  cert: fs.readFileSync(path.join(dir, 'server.pem')),
  key: fs.readFileSync(path.join(dir, 'server.key')),
  settings: { maxConcurrentStreams: 1000 },
  maxSessionMemory: 256,
});
server.on('sessionError', (e) => emit({ event: 'error', error: String(e && e.message || e) }));
// A client that refuses this fake's certificate (it trusts another CA) ends the handshake.
server.on('tlsClientError', (e) => emit({ event: 'tls-error', error: String(e && e.message || e) }));
// Each request's line names its HTTP/2 session and stream: a request sent twice shows whether
// the client repeated it on the same connection or on a new one.
let sessions = 0;
server.on('session', (session) => {
  session.musterId = ++sessions;
  emit({ event: 'session', session: session.musterId });
  session.on('goaway', (code, lastStreamId) =>
    emit({ event: 'goaway', session: session.musterId, code, lastStreamId }));
  session.on('close', () => emit({ event: 'session-closed', session: session.musterId }));
});
server.on('stream', (stream, headers) => {
  // A stream the client reset (a timeout) or the session refused is an event, not a crash.
  const where = { session: stream.session && stream.session.musterId, stream: stream.id };
  stream.on('error', (e) => emit({ event: 'error', error: String(e && e.message || e), ...where }));
  stream.on('close', () => {
    if (stream.rstCode) emit({ event: 'reset', code: stream.rstCode, ...where });
  });
  const chunks = [];
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('end', () => {
    try {
      handle(stream, headers, Buffer.concat(chunks));
    } catch (e) {
      reply(stream, 500, {}, { event: 'error', error: String(e && e.message || e) });
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  emit({ event: 'ready', port });
});
process.on('SIGTERM', () => process.exit(0));
