// Connections cut under the SDK by a TCP proxy (test/support/proxy.mjs) in front of a real
// musterd, in both encodings: every logged event reaches onEvent exactly once and in order
// across the drops, every publish is stored exactly once (the SDK resends a publish whose reply
// was lost with the same client_msg_id; the server deduplicates), and publishes made while
// offline wait and go out once, in order, on reconnect.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MusterClient, MusterError } from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { startProxy } from './support/proxy.mjs';
import { mintToken } from './support/jwt.mjs';
import { Collector, when } from './support/wait.mjs';

let server;
// Writers here stream faster than the default per-connection rate limit allows.
before(async () => {
  server = await startServer({ args: ['--limits.commands_per_second=5000', '--limits.command_burst=5000'] });
});
after(async () => { await server?.stop(); });

function client(user, encoding, url = server.wsUrl) {
  return new MusterClient({ url, token: () => mintToken(user), encoding, WebSocket });
}

async function logOf(group) {
  const response = await fetch(`${server.httpUrl}/api/v1/groups/${group}/events?after_seq=0&limit=1000`,
    { headers: { authorization: `Bearer ${mintToken('zhouli')}` } });
  assert.equal(response.status, 200);
  return (await response.json()).events;
}

const setups = {
  proto: { group: 'chonghua', writer: 'wangxg', reader: 'liming' },
  json: { group: 'yanzhong', writer: 'maowq', reader: 'liuyang' },
};

for (const encoding of ['proto', 'json']) {
  const { group, writer: writerUser, reader: readerUser } = setups[encoding];

  describe(`${encoding} encoding`, () => {
    test('drops mid-stream: every event once, in order; every publish stored once', async () => {
      const proxy = await startProxy(server.port);
      const writer = client(writerUser, encoding);
      const reader = client(readerUser, encoding, proxy.wsUrl);
      const states = [];
      reader.on('state', (s) => states.push(s));
      await Promise.all([writer.connect(), reader.connect()]);

      const received = new Collector();
      // Each connection is cut at its 30th event (events already in the socket's buffer still
      // arrive after a cut: counting per connection makes every cut land on a live one).
      let cuts = 0;
      let sinceConnect = 0;
      reader.on('connected', () => { sinceConnect = 0; });
      const readerPublishes = [];
      const sub = reader.subscribe(group, {
        since: 0,
        onEvent: (event) => {
          received.push(event);
          const n = received.items.length;
          // The reader writes too, so that some of its publishes are in flight at a cut.
          if (n % 25 === 0) readerPublishes.push(reader.publish(group, `reader ${n}`));
          if (++sinceConnect === 30 && cuts < 4) {
            cuts++;
            proxy.cut();
          }
        },
      });
      await sub.ready;

      // The writer streams 300 messages, 10 in flight at a time, staying at most 20 ahead of
      // the reader, so that the stream spans every cut and messages are written while the
      // reader is away (a client reads a whole socket buffer at once: an unpaced writer would
      // have the reader hold everything before the first cut takes effect).
      const sent = [];
      const fromWriter = (items) => items.filter((e) => e.sender === writerUser).length;
      for (let batch = 0; batch < 30; batch++) {
        await received.until((items) => fromWriter(items) >= (batch - 2) * 10, { what: `batch ${batch - 2}` });
        const texts = Array.from({ length: 10 }, (_, i) => `${encoding} message ${batch * 10 + i + 1}`);
        sent.push(...texts);
        await Promise.all(texts.map((t) => writer.publish(group, t)));
      }
      // All the writer's messages and the reader's own have arrived.
      await received.until((items) => items.filter((e) => e.sender === writerUser).length === sent.length,
        { what: 'every written message', timeoutMs: 60000 });
      const own = await Promise.all(readerPublishes);
      const lastSeq = Math.max(...own.map((r) => r.seq), received.items.at(-1).seq);
      await received.until((items) => items.at(-1).seq >= lastSeq, { what: 'the reader\'s own messages' });

      const seqs = received.items.map((e) => e.seq);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'seq 1..N, once each, in order');
      assert.deepEqual(received.items.filter((e) => e.sender === writerUser).map((e) => e.chat.text).sort(),
        [...sent].sort());
      assert.equal(cuts, 4);
      assert.ok(proxy.accepted >= 5, `the reader reconnected after each cut (${proxy.accepted} connections)`);
      assert.ok(states.filter((s) => s === 'disconnected').length >= 4, `states: ${states.join(' ')}`);

      // The log agrees: each reader message stored once, at the seq its publish resolved with.
      const log = await logOf(group);
      assert.equal(log.length, seqs.length);
      for (const [i, reply] of own.entries()) {
        const text = `reader ${(i + 1) * 25}`;
        const stored = log.filter((e) => e.chat?.text === text);
        assert.equal(stored.length, 1, `${text} stored once`);
        assert.equal(Number(stored[0].seq), reply.seq);
      }
      await Promise.all([writer.close(), reader.close()]);
      await proxy.close();
    });

    test('a publish whose reply is lost is sent again and stored once', async () => {
      const proxy = await startProxy(server.port);
      const c = client(writerUser, encoding, proxy.wsUrl);
      await c.connect();
      const before = (await logOf(group)).length;
      const cut = when(proxy.events, 'cut', () => true);
      proxy.cutOnNextServerData();
      const reply = await c.publish(group, `${encoding} exactly once`);
      await cut;
      assert.equal(reply.duplicate, true, 'the second send was answered from the first');
      const log = await logOf(group);
      assert.equal(log.length, before + 1);
      assert.equal(log.filter((e) => e.chat?.text === `${encoding} exactly once`).length, 1);
      assert.equal(Number(log.at(-1).seq), reply.seq);

      // A duty call likewise (its client_msg_id is generated too).
      const now = Date.now();
      proxy.cutOnNextServerData();
      const created = await c.request('duty_create', { group, title: `${encoding} call`, slots: 1,
        startsAtMs: now + 3600_000, endsAtMs: now + 7200_000 });
      assert.equal(created.duplicate, true);
      assert.equal((await logOf(group)).filter((e) => e.dutyCall?.title === `${encoding} call`).length, 1);

      // A command that is not safe to repeat is not repeated: its outcome is unknown.
      proxy.cutOnNextServerData();
      await assert.rejects(c.request('duty_close', { callId: created.callId }),
        (e) => e instanceof MusterError && e.code === 'DISCONNECTED');
      await c.close();
      await proxy.close();
    });

    test('publishes made while offline are sent once, in order, on reconnect', async () => {
      const proxy = await startProxy(server.port);
      const c = client(readerUser, encoding, proxy.wsUrl);
      await c.connect();
      const disconnected = when(c, 'state', (s) => s === 'disconnected');
      proxy.down();
      await disconnected;
      const texts = [1, 2, 3, 4, 5].map((i) => `${encoding} offline ${i}`);
      const settled = [];
      const replies = texts.map((t, i) => c.publish(group, t).then((r) => { settled.push(i); return r; }));
      const before = await logOf(group);
      assert.equal(before.filter((e) => texts.includes(e.chat?.text)).length, 0, 'nothing sent while offline');
      assert.deepEqual(settled, []);
      proxy.up();
      c.reconnectNow();
      const seqs = (await Promise.all(replies)).map((r) => r.seq);
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'consecutive seqs in the order published');
      const log = await logOf(group);
      for (const [i, t] of texts.entries()) {
        const stored = log.filter((e) => e.chat?.text === t);
        assert.equal(stored.length, 1, `${t} stored once`);
        assert.equal(Number(stored[0].seq), seqs[i]);
      }
      await c.close();
      await proxy.close();
    });
  });
}
