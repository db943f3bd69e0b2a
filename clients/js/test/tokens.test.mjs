// Token lifetime against a real musterd (which closes a connection whose token expired with
// 4001): short-lived tokens are refreshed on the open connection before they expire, so it
// never drops; when a refresh could not happen the client comes back after the 4001 with a
// fresh token and misses nothing; a token refused at connect is replaced; a static token that
// is refused ends the client instead of retrying forever.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MusterClient, MusterError } from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/jwt.mjs';
import { Collector } from './support/wait.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('short-lived tokens are refreshed before expiry: the connection outlives several', async () => {
  const reasons = new Collector();
  const expiries = [];
  const c = new MusterClient({
    url: server.wsUrl, WebSocket,
    token: ({ reason }) => {
      const token = mintToken('liming', { ttlS: 4 });
      expiries.push(JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp * 1000);
      reasons.push(reason);
      return token;
    },
  });
  const states = [];
  c.on('state', (s) => states.push(s));
  const errors = [];
  c.on('error', (e) => errors.push(e));
  await c.connect();
  const events = new Collector();
  c.subscribe('chonghua', { onEvent: (e) => events.push(e) });
  await c.subscription('chonghua').ready;
  // Three refreshes: the third token was asked for after the first two had expired or were
  // about to, so the connection lived through at least two whole lifetimes.
  await reasons.until((r) => r.filter((x) => x === 'expiring').length >= 3, { what: 'three refreshes' });
  const firstExpiry = expiries[0];
  assert.ok(Date.now() > firstExpiry, 'still connected after the first token expired');
  const { seq } = await c.publish('chonghua', 'after several tokens');
  await events.until((items) => items.some((e) => e.seq === seq));
  assert.deepEqual(states, ['connecting', 'connected'], 'never disconnected');
  assert.deepEqual(reasons.items[0], 'connect');
  assert.deepEqual(errors, []);
  await c.close();
});

test('after a 4001 (the refresh failed) the client reconnects with a fresh token and resumes', async () => {
  const reasons = [];
  const c = new MusterClient({
    url: server.wsUrl, WebSocket,
    token: ({ reason }) => {
      reasons.push(reason);
      if (reason === 'expiring') throw new Error('the token service is unreachable');
      // The first token is short; the one after the refusal lasts.
      return mintToken('zhangfang', { ttlS: reasons.length === 1 ? 2 : 3600 });
    },
  });
  const writer = new MusterClient({ url: server.wsUrl, WebSocket, token: mintToken('wangxg') });
  await Promise.all([c.connect(), writer.connect()]);
  const events = new Collector();
  const sub = c.subscribe('chonghua', { onEvent: (e) => events.push(e) });
  await sub.ready;
  const start = sub.lastSeq;
  const states = new Collector();
  c.on('state', (s) => states.push(s));
  const first = await writer.publish('chonghua', 'before expiry');
  await states.until((s) => s.includes('disconnected'), { what: 'the 4001' });
  const meanwhile = await writer.publish('chonghua', 'while away');
  await states.until((s) => s.at(-1) === 'connected', { what: 'the reconnect' });
  const last = await writer.publish('chonghua', 'after');
  await events.until((items) => items.some((e) => e.seq === last.seq));
  assert.deepEqual(events.items.map((e) => e.seq), [first.seq, meanwhile.seq, last.seq]);
  assert.equal(first.seq, start + 1);
  assert.ok(reasons.includes('refused'), `token() reasons: ${reasons.join(' ')}`);
  await Promise.all([c.close(), writer.close()]);
});

test('a token refused at connect is replaced by a fresh one', async () => {
  const reasons = [];
  const c = new MusterClient({
    url: server.wsUrl, WebSocket, encoding: 'json',
    token: ({ reason }) => {
      reasons.push(reason);
      return mintToken('chenwei', reasons.length === 1 ? { exp: Math.floor(Date.now() / 1000) - 10 } : {});
    },
  });
  const errors = [];
  c.on('error', (e) => errors.push(e.code));
  await c.connect();
  assert.deepEqual(reasons, ['connect', 'refused']);
  assert.deepEqual(errors, ['UNAUTHENTICATED']);
  assert.equal(c.userId, 'chenwei');
  await c.close();
});

test('a refused static token ends the client: connect() rejects, state closed', async () => {
  const c = new MusterClient({ url: server.wsUrl, WebSocket, token: mintToken('chenwei', { secret: 'wrong' }) });
  await assert.rejects(c.connect(), (e) => e instanceof MusterError && e.code === 'UNAUTHENTICATED');
  assert.equal(c.state, 'closed');
  await assert.rejects(c.publish('chonghua', 'x'), (e) => e.code === 'CLOSED');
});
