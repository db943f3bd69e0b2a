// Meeting media helpers against a real musterd, in both encodings: signals between two
// participants (and back to the sender's one connection), microphone/camera state on the log,
// ICE servers whose TURN credential is the HMAC-SHA1 coturn expects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import {
  MusterClient, MusterError, getIceServers, onMeetingSignal, sendMeetingSignal, setMeetingMedia,
} from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/jwt.mjs';
import { Collector } from './support/wait.mjs';

const TURN_SECRET = 'sdk-turn-secret';
let server;
before(async () => {
  server = await startServer({
    args: ['--meeting.turn_urls=turn:127.0.0.1:3478', `--meeting.turn_secret=${TURN_SECRET}`,
      '--meeting.stun_urls=stun:127.0.0.1:3478'],
  });
});
after(async () => { await server?.stop(); });

function client(user, encoding) {
  return new MusterClient({ url: server.wsUrl, token: () => mintToken(user), encoding, WebSocket });
}

for (const encoding of ['proto', 'json']) {
  describe(`${encoding} encoding`, () => {
    test('signals reach the other participant, media state is logged, TURN credentials verify', async () => {
      const host = client('wangxg', encoding);
      const member = client('liming', encoding);
      await Promise.all([host.connect(), member.connect()]);
      const { meetingId } = await host.request('meeting_schedule', { group: 'chonghua', title: '支部视频会' });
      await host.request('meeting_start', { meetingId });
      const joined = await host.request('meeting_join', { meetingId });
      assert.equal(joined.media.mode, 'MESH');
      assert.equal(joined.media.maxMeshPeers, 4);

      // Not joined yet: the server says so.
      await assert.rejects(
        sendMeetingSignal(host, { meetingId, toUser: 'liming', kind: 'OFFER', payload: 'x' }),
        (e) => e instanceof MusterError && e.code === 'NOT_FOUND');
      await member.request('meeting_join', { meetingId });

      const atMember = new Collector();
      const atHost = new Collector();
      const offMember = onMeetingSignal(member, meetingId, (s) => atMember.push(s));
      onMeetingSignal(host, meetingId, (s) => atHost.push(s));
      const offer = JSON.stringify({ type: 'offer', sdp: 'v=0\r\n' });
      await sendMeetingSignal(host, { meetingId, toUser: 'liming', kind: 'OFFER', payload: offer });
      await atMember.count(1);
      const got = atMember.items[0];
      assert.equal(got.kind, 'OFFER');
      assert.equal(got.payload, offer);
      assert.equal(got.fromUser, 'wangxg');
      assert.equal(got.fromSession, host.sessionId);
      await sendMeetingSignal(member, { meetingId, toUser: 'wangxg', kind: 'ANSWER', payload: 'a', toSession: got.fromSession });
      await atHost.count(1);
      assert.equal(atHost.items[0].kind, 'ANSWER');
      offMember();

      const reply = await setMeetingMedia(member, meetingId, { audio: true, video: false });
      assert.ok(reply.seq > 0);
      const me = reply.state.participants.find((p) => p.user === 'liming');
      assert.equal(me.audio, true);
      assert.ok(!me.video);

      const ice = await getIceServers(member, meetingId);
      assert.equal(ice.ttlS, 43200);
      assert.deepEqual(ice.iceServers[0].urls, ['stun:127.0.0.1:3478']);
      const turn = ice.iceServers[1];
      assert.match(turn.username, /^\d+:liming$/);
      assert.ok(Number(turn.username.split(':')[0]) > Date.now() / 1000);
      assert.equal(turn.credential, createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));

      await host.request('meeting_end', { meetingId });
      await Promise.all([host.close(), member.close()]);
    });
  });
}
