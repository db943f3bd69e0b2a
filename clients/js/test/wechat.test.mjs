// @muster/client/wechat against a shim of WeChat's socket and request APIs
// (support/wx-shim.mjs) in front of a real musterd, cut by a proxy: the same guarantees as in
// a browser (every event once, in order, across drops), in both encodings, and the HTTP API
// over wx.request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MusterClient } from '../dist/index.js';
import { createWeChatClient } from '../dist/wechat.js';
import { startServer } from './support/server.mjs';
import { startProxy } from './support/proxy.mjs';
import { mintToken } from './support/jwt.mjs';
import { createWx } from './support/wx-shim.mjs';
import { Collector } from './support/wait.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

for (const encoding of ['proto', 'json']) {
  test(`${encoding}: a mini-program client resumes across drops, every event once, in order`, async () => {
    const group = encoding === 'proto' ? 'lianhua' : 'lianhua-nanyang';
    const proxy = await startProxy(server.port);
    const { wx, stats } = createWx();
    const c = createWeChatClient(wx, { url: proxy.wsUrl, token: () => mintToken('sunlei'), encoding });
    const writer = new MusterClient({ url: server.wsUrl, WebSocket, token: mintToken('zhouli') });
    await Promise.all([c.connect(), writer.connect()]);
    const received = new Collector();
    let cuts = 0;
    let sinceConnect = 0;
    c.on('connected', () => { sinceConnect = 0; });
    c.subscribe(group, {
      since: 0,
      onEvent: (e) => {
        received.push(e);
        if (++sinceConnect === 15 && cuts < 2) {
          cuts++;
          proxy.cut();
        }
      },
    });
    for (let batch = 0; batch < 8; batch++) {
      await received.until((items) => items.length >= (batch - 2) * 10, { what: `batch ${batch - 2}` });
      await Promise.all(Array.from({ length: 10 }, (_, i) => writer.publish(group, `小程序 ${batch * 10 + i + 1}`)));
    }
    const { seq: own } = await c.publish(group, 'from the mini-program');
    await received.until((items) => items.some((e) => e.seq === own), { what: 'every message' });
    assert.deepEqual(received.items.map((e) => e.seq), Array.from({ length: 81 }, (_, i) => i + 1));
    assert.equal(cuts, 2);
    assert.ok(stats.sockets >= 3, `reconnected through wx.connectSocket (${stats.sockets} sockets)`);
    assert.equal(stats.rejectedSends, 0, 'binary frames went out as ArrayBuffer');
    if (encoding === 'proto') assert.ok(stats.binarySent > 0 && stats.textSent === 0);
    else assert.ok(stats.textSent > 0 && stats.binarySent === 0);

    // The HTTP API through wx.request.
    const page = await c.http('GET', `/api/v1/groups/${group}/events?after_seq=79&limit=10`);
    assert.deepEqual(page.events.map((e) => e.chat.text), ['小程序 80', 'from the mini-program']);
    await assert.rejects(c.http('GET', '/api/v1/groups/no-such-group/events'), (e) => e.status === 404 || e.status === 403);
    assert.ok(stats.requests >= 2);
    await Promise.all([c.close(), writer.close()]);
    await proxy.close();
  });
}
