// Meeting updates carry what changed, not the whole state: MeetingTracker keeps a member's view
// of a meeting current from them (fetching with meeting_get where an update is not enough), and
// ends up with the state the server holds, in both encodings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MeetingTracker, MusterClient, applyMeetingUpdate } from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/jwt.mjs';
import { Collector } from './support/wait.mjs';

let server;
// The manual clock closes roll calls when the test says so (POST /api/v1/debug/clock).
before(async () => { server = await startServer({ args: ['--debug.manual_clock=true'] }); });
after(async () => { await server?.stop(); });

async function advanceClock(ms) {
  const response = await fetch(`${server.httpUrl}/api/v1/debug/clock?advance_ms=${ms}`, {
    method: 'POST', headers: { authorization: `Bearer ${mintToken('ops', { roles: ['admin'] })}` },
  });
  assert.ok(response.ok, `advancing the clock: ${response.status}`);
}

// The first update for which `test` holds, once it has come.
async function update(updates, test) {
  const items = await updates.until((all) => all.some(test), { what: 'a meeting update' });
  return items.find(test);
}

function client(user, encoding) {
  return new MusterClient({ url: server.wsUrl, token: () => mintToken(user), encoding, WebSocket });
}

// What a member sees of a meeting: the lists the screen shows.
function view(state) {
  return {
    phase: state.phase,
    floor: state.floor,
    agendaIndex: state.agendaIndex,
    participants: state.participants.map((p) => [p.user, p.name, p.awaySinceMs]),
    hands: state.hands,
    shared: state.shared.map((s) => [s.title, s.url, s.by]),
    present: state.rollCall?.present ?? [],
    absent: state.rollCall?.absent ?? [],
  };
}

test('applyMeetingUpdate asks for a fetch when it has no snapshot or the counts disagree', () => {
  const update = { meetingId: 'm1', change: 'HAND_RAISED', user: 'liming', handCount: 1, participantCount: 0,
    state: { meetingId: 'm1', phase: 'LIVE', floor: '' } };
  assert.equal(applyMeetingUpdate(undefined, update), null);
  const state = { meetingId: 'm1', phase: 'LIVE', participants: [], hands: [], shared: [], agenda: [] };
  assert.deepEqual(applyMeetingUpdate(state, update).hands, ['liming']);
  assert.deepEqual(state.hands, [], 'the known state is not modified');
  // A missed HAND_RAISED: the next one says two hands are up, the state knows one.
  assert.equal(applyMeetingUpdate(state, { ...update, user: 'zhangfang', handCount: 2 }), null);
  // The names of the absent are not in a ROLL_CALL_CLOSED.
  assert.equal(applyMeetingUpdate(state, { ...update, change: 'ROLL_CALL_CLOSED', handCount: 0 }), null);
});

for (const encoding of ['proto', 'json']) {
  describe(`${encoding} encoding`, () => {
    test('a tracker fed the updates holds what meeting_get holds', async () => {
      const group = encoding === 'proto' ? 'chonghua' : 'yanzhong';
      const [hostId, aId, bId] = encoding === 'proto'
        ? ['wangxg', 'liming', 'zhangfang'] : ['maowq', 'liuyang', 'zhaojing'];
      const host = client(hostId, encoding);
      const a = client(aId, encoding);
      const b = client(bId, encoding);
      await Promise.all([host.connect(), a.connect(), b.connect()]);

      // The tracker's requests, counted: it fetches only where an update is not enough.
      const fetches = [];
      const tracker = new MeetingTracker({
        request: (command, body) => {
          const reply = a.request(command, body);
          fetches.push(reply);
          return reply;
        },
      });
      const updates = new Collector();
      const sub = a.subscribe(group, {
        onEvent: (e) => {
          if (!e.meeting) return;
          updates.push(e.meeting);
          tracker.apply(e.meeting, e.seq);
        },
      });
      await sub.ready;

      const { meetingId } = await host.request('meeting_schedule',
        { group, title: '支部组织生活会', agenda: ['学习文件', '交流发言'] });
      await host.request('meeting_start', { meetingId });
      const join = await a.request('meeting_join', { meetingId });
      tracker.set(join.state, join.seq);
      await b.request('meeting_join', { meetingId });
      await a.request('meeting_raise_hand', { meetingId });
      await b.request('meeting_raise_hand', { meetingId });
      await host.request('meeting_grant_floor', { meetingId, user: aId });
      await host.request('meeting_share', { meetingId, title: '学习材料', url: 'https://example.org/doc.pdf' });
      await host.request('meeting_set_agenda_item', { meetingId, index: 1 });
      await host.request('meeting_roll_call', { meetingId, windowS: 60 });
      await a.request('meeting_answer_roll', { meetingId });
      await b.request('meeting_leave', { meetingId });

      // Every update carries the change, never the lists.
      const joined = await update(updates, (u) => u.change === 'JOINED' && u.user === bId);
      assert.equal(joined.participant.user, bId);
      assert.equal(joined.participantCount, 2);
      assert.deepEqual(joined.state.participants, []);
      const shared = await update(updates, (u) => u.change === 'SHARED');
      assert.equal(shared.shared.url, 'https://example.org/doc.pdf');
      assert.deepEqual(shared.state.shared, []);
      await update(updates, (u) => u.change === 'LEFT' && u.user === bId);
      // Up to here the tracker applied every update itself.
      assert.equal(fetches.length, 0);

      // The roll call closes by its timer: its update has counts, not names: one fetch.
      await advanceClock(61_000);
      const closed = await update(updates, (u) => u.change === 'ROLL_CALL_CLOSED');
      assert.equal(closed.presentCount, 1);
      assert.ok(closed.absentCount >= 1);
      assert.equal(fetches.length, 1);
      await fetches[0];
      const held = (await a.request('meeting_get', { meetingId })).state;
      assert.deepEqual(view(tracker.get(meetingId)), view(held));
      assert.deepEqual(view(held).participants.map((p) => p[0]), [aId]);
      assert.deepEqual(view(held).present, [aId]);
      await Promise.all([host.close(), a.close(), b.close()]);
    });
  });
}
