// Resuming from a point the server no longer retains (log.retention_events=5): the
// subscription says so with 'gap' (oldestSeq) before delivering what is left, once, in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MusterClient } from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/jwt.mjs';
import { Collector, eventually } from './support/wait.mjs';

let server;
before(async () => {
  server = await startServer({ args: ['--log.retention_events=5', '--store.trim_interval_s=1'] });
});
after(async () => { await server?.stop(); });

async function oldestSeq(group) {
  const response = await fetch(`${server.httpUrl}/api/v1/groups/${group}/events?after_seq=0&limit=100`,
    { headers: { authorization: `Bearer ${mintToken('zhouli')}` } });
  const body = await response.json();
  return body.events.length ? Number(body.events[0].seq) : 0;
}

for (const encoding of ['proto', 'json']) {
  test(`${encoding}: a resume point older than the log emits 'gap', then the rest once, in order`, async () => {
    const group = encoding === 'proto' ? 'chonghua' : 'yanzhong';
    const writer = new MusterClient({ url: server.wsUrl, WebSocket, encoding, token: mintToken('zhouli') });
    await writer.connect();
    for (let i = 1; i <= 20; i++) await writer.publish(group, `m${i}`);
    // Retention runs on a timer: wait until it has trimmed the group down to its last 5.
    await eventually(async () => (await oldestSeq(group)) === 16, { what: 'retention to trim to seq 16' });

    const reader = new MusterClient({ url: server.wsUrl, WebSocket, encoding, token: mintToken('zhouli') });
    await reader.connect();
    const seen = new Collector();
    const sub = reader.subscribe(group, {
      since: 3,
      onGap: (gap) => seen.push({ gap }),
      onEvent: (e) => seen.push({ seq: e.seq }),
    });
    const reply = await sub.ready;
    assert.equal(reply.recovered, false);
    await seen.count(6);
    assert.deepEqual(seen.items, [
      { gap: { group, lastSeq: 3, oldestSeq: 16, latestSeq: 20 } },
      { seq: 16 }, { seq: 17 }, { seq: 18 }, { seq: 19 }, { seq: 20 },
    ]);
    // Within what is retained, no gap.
    const again = new MusterClient({ url: server.wsUrl, WebSocket, encoding, token: mintToken('zhouli') });
    await again.connect();
    let gaps = 0;
    const ok = again.subscribe(group, { since: 17, onGap: () => gaps++ });
    assert.equal((await ok.ready).recovered, true);
    assert.equal(gaps, 0);
    await Promise.all([writer.close(), reader.close(), again.close()]);
  });
}
