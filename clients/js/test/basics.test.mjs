// The SDK against a real musterd, in both encodings: connect, subscribe from the start, publish,
// request any command by name, errors as MusterError, transient events apart from the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MusterClient, MusterError } from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/jwt.mjs';
import { Collector, when } from './support/wait.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function client(user, encoding, extra = {}) {
  return new MusterClient({ url: server.wsUrl, token: () => mintToken(user), encoding, WebSocket, ...extra });
}

for (const encoding of ['proto', 'json']) {
  describe(`${encoding} encoding`, () => {
    test('publish reaches a subscriber once, in order, as a plain object with seq as a number', async () => {
      const group = encoding === 'proto' ? 'chonghua' : 'yanzhong';
      const [author, reader] = encoding === 'proto' ? ['wangxg', 'liming'] : ['maowq', 'liuyang'];
      const a = client(author, encoding);
      const b = client(reader, encoding);
      const states = [];
      b.on('state', (s) => states.push(s));
      await Promise.all([a.connect(), b.connect()]);
      assert.equal(b.state, 'connected');
      assert.deepEqual(states, ['connecting', 'connected']);
      assert.equal(b.userId, reader);

      const events = new Collector();
      const sub = b.subscribe(group, { onEvent: (e) => events.push(e) });
      const ready = await sub.ready;
      assert.equal(typeof ready.latestSeq, 'number');
      assert.equal(sub.lastSeq, ready.latestSeq, 'a live-only subscription starts at the head');

      const texts = ['今天下午门岗需要两位志愿者', 'second', 'third'];
      const seqs = [];
      for (const t of texts) seqs.push((await a.publish(group, t)).seq);
      assert.deepEqual(seqs, [ready.latestSeq + 1, ready.latestSeq + 2, ready.latestSeq + 3]);
      await events.count(3);
      assert.deepEqual(events.items.map((e) => e.chat.text), texts);
      assert.deepEqual(events.items.map((e) => e.seq), seqs);
      const first = events.items[0];
      assert.equal(first.group, group);
      assert.equal(first.sender, author);
      assert.equal(typeof first.timeMs, 'number');
      assert.ok(first.senderName.length > 0);
      assert.equal(sub.lastSeq, seqs[2]);
      await Promise.all([a.close(), b.close()]);
      assert.equal(b.state, 'closed');
    });

    test('since: 0 replays the retained log, then live events, without duplicates', async () => {
      const group = encoding === 'proto' ? 'gubai' : 'shannan';
      const admin = client('zhouli', encoding);
      await admin.connect();
      for (let i = 1; i <= 5; i++) await admin.publish(group, `old ${i}`);
      const reader = client('zhouli', encoding);
      await reader.connect();
      const events = new Collector();
      const sub = reader.subscribe(group, { since: 0, onEvent: (e) => events.push(e) });
      const reply = await sub.ready;
      assert.equal(reply.recovered, true);
      await events.count(5);
      await admin.publish(group, 'new');
      await events.count(6);
      assert.deepEqual(events.items.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(events.items.map((e) => e.chat.text), ['old 1', 'old 2', 'old 3', 'old 4', 'old 5', 'new']);
      await Promise.all([admin.close(), reader.close()]);
    });

    test('request() sends any command by name and types its reply; errors are MusterErrors', async () => {
      const coordinator = client('wangxg', encoding);
      const volunteer = client('zhangfang', encoding);
      await Promise.all([coordinator.connect(), volunteer.connect()]);
      const updates = new Collector();
      coordinator.subscribe('chonghua', { onEvent: (e) => e.dutyUpdate && updates.push(e.dutyUpdate) });
      await coordinator.subscription('chonghua').ready;
      const now = Date.now();
      const created = await coordinator.request('duty_create', {
        group: 'chonghua', title: '门岗', location: '北门', startsAtMs: now + 3600_000,
        endsAtMs: now + 7200_000, slots: 2, urgency: 'URGENT',
      });
      assert.match(created.callId, /.+/);
      assert.equal(typeof created.seq, 'number');
      const answered = await volunteer.request('duty_respond', { callId: created.callId, answer: 'ACCEPT' });
      assert.equal(answered.tally.accepted, 1);
      assert.equal(answered.tally.state, 'OPEN');
      const update = (await updates.count(1))[0];
      assert.deepEqual(update.acceptedUsers, ['zhangfang']);
      assert.equal(update.answer, 'ACCEPT');
      // The typed helper is the same command.
      const again = await volunteer.dutyRespond({ callId: created.callId, answer: 'DECLINE' });
      assert.equal(again.tally.declined, 1);

      // A non-member gets FORBIDDEN for a group that exists.
      await assert.rejects(volunteer.publish('yanzhong', 'not mine'),
        (e) => e instanceof MusterError && e.code === 'FORBIDDEN');
      const sub = volunteer.subscribe('yanzhong');
      await assert.rejects(sub.ready, (e) => e instanceof MusterError && e.code === 'FORBIDDEN');
      assert.equal(sub.state, 'closed');
      await assert.rejects(volunteer.request('duty_respond', { callId: 'no-such-call', answer: 'ACCEPT' }),
        (e) => e instanceof MusterError && e.code === 'NOT_FOUND');
      await Promise.all([coordinator.close(), volunteer.close()]);
    });

    test('presence goes to on("transient"), never to onEvent', async () => {
      const [group, watcherUser, otherUser] = encoding === 'proto'
        ? ['lianhua-team', 'sunlei', 'wangxia'] : ['chonghua', 'wangxg', 'chenwei'];
      const watcher = client(watcherUser, encoding);
      await watcher.connect();
      const logged = [];
      watcher.subscribe(group, { onEvent: (e) => logged.push(e) });
      await watcher.subscription(group).ready;
      const arrival = when(watcher, 'transient', (e) => e.group === group &&
        ((e.presence && e.presence.userId === otherUser && e.presence.online) ||
         e.presenceBatch?.changes.some((c) => c.userId === otherUser && c.online)));
      const other = client(otherUser, encoding);
      await other.connect();
      other.subscribe(group);
      const notice = await arrival;
      assert.equal(notice.seq, 0);
      // A logged marker proves the transient notice did not reach onEvent meanwhile.
      const marker = new Collector();
      watcher.subscription(group).on('event', (e) => marker.push(e));
      await watcher.publish(group, 'marker');
      await marker.count(1);
      assert.deepEqual(logged.map((e) => e.chat?.text), ['marker']);
      await Promise.all([watcher.close(), other.close()]);
    });
  });
}

test('both encodings hand the app identical event objects', async () => {
  const proto = client('zhouli', 'proto');
  const json = client('zhouli', 'json');
  const author = client('zhouli', 'json');
  await Promise.all([proto.connect(), json.connect(), author.connect()]);
  const fromProto = new Collector();
  const fromJson = new Collector();
  proto.subscribe('njxl', { onEvent: (e) => fromProto.push(e) });
  json.subscribe('njxl', { onEvent: (e) => fromJson.push(e) });
  await Promise.all([proto.subscription('njxl').ready, json.subscription('njxl').ready]);
  await author.publish('njxl', '通知: 明天上午九点开会');
  const now = Date.now();
  await author.dutyCreate({ group: 'njxl', title: 'duty', startsAtMs: now + 60_000, endsAtMs: now + 120_000, slots: 1 });
  await Promise.all([fromProto.count(2), fromJson.count(2)]);
  assert.deepEqual(fromProto.items, fromJson.items);
  assert.equal(fromProto.items[1].dutyCall.urgency, fromJson.items[1].dutyCall.urgency);
  assert.equal(typeof fromProto.items[1].dutyCall.startsAtMs, 'number');
  await Promise.all([proto.close(), json.close(), author.close()]);
});
