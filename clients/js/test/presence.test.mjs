// Large groups through the SDK, in both encodings, against a musterd whose
// presence.list_max_members is 2: the demo group chonghua (4 members) is large once 3 are online.
// 'presenceCount' hears the count as a number (also in JSON, where uint64 travels as a string),
// and presencePages() / presenceAll() page through who is online, everyone exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MusterClient, MusterError } from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/jwt.mjs';
import { when } from './support/wait.mjs';

let server;
before(async () => {
  server = await startServer({ args: ['--presence.list_max_members=2', '--presence.batch_window_ms=50'] });
});
after(async () => { await server?.stop(); });

function client(user, encoding) {
  return new MusterClient({ url: server.wsUrl, token: () => mintToken(user), encoding, WebSocket });
}

const MEMBERS = ['chenwei', 'liming', 'wangxg', 'zhangfang']; // chonghua, by user id

for (const encoding of ['proto', 'json']) {
  describe(`${encoding} encoding`, () => {
    test('a large group sends counts to presenceCount and pages through presencePages', async () => {
      const [watcher, ...others] = MEMBERS.map((u) => client(u, encoding));
      await watcher.connect();
      const counts = [];
      watcher.on('presenceCount', (c) => counts.push(c));
      const transientCounts = [];
      watcher.on('transient', (e) => { if (e.presenceCount) transientCounts.push(e.presenceCount); });
      watcher.subscribe('chonghua');
      await watcher.subscription('chonghua').ready;
      const everyone = when(watcher, 'presenceCount', (c) => c.online === 4, { what: 'a count of 4' });
      for (const other of others) {
        await other.connect();
        other.subscribe('chonghua');
      }
      const count = await everyone;
      assert.equal(typeof count.online, 'number');
      assert.equal(count.group, 'chonghua');
      assert.equal(count.listed, false);
      assert.deepEqual(transientCounts, counts, "the same counts on 'transient'");

      const pages = [];
      for await (const page of watcher.presencePages('chonghua', { limit: 1 })) pages.push(page);
      assert.deepEqual(pages.map((p) => p.users.map((u) => u.userId)), MEMBERS.map((u) => [u]));
      assert.deepEqual(pages.map((p) => p.next), ['chenwei', 'liming', 'wangxg', '']);
      for (const page of pages) assert.equal(page.online, 4);
      assert.equal(pages[0].users[0].name, '陈伟');

      // The default page is the server's presence.list_max_members (2).
      const all = await watcher.presenceAll('chonghua');
      assert.deepEqual(all.users.map((u) => u.userId), MEMBERS);
      assert.equal(all.online, 4);
      const first = await watcher.presence({ group: 'chonghua' });
      assert.equal(first.users.length, 2);
      assert.equal(first.next, 'liming');

      await assert.rejects(watcher.presence({ group: 'chonghua', after: 'not an id' }),
        (e) => e instanceof MusterError && e.code === 'INVALID_ARGUMENT');
      await Promise.all([watcher, ...others].map((c) => c.close()));
    });
  });
}
