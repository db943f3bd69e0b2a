// The push storm's chat probe (bench/push/push_storm.js forks it): two connected members of
// group "chat", one publishing every --probe-ms, the other timing each arrival. A process of
// its own, doing nothing else, so that what it measures is the server's delay (and the
// machine's), not the wait for a busy driver's event loop.
//
// IPC: {ready: true} once both are subscribed; then from the parent 'take' (answered with
// {samples: [[sent at ms, latency ms], ...]} since the last take; "sent at" on the monotonic
// clock that process.hrtime shares across processes), 'stop' (closes both and exits).
'use strict';

const { token: makeToken } = require('./token');
const WebSocket = require('ws');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const server = args.server;
const secret = args.secret;
const probeMs = Number(args['probe-ms'] || 10);

const token = (sub, extra) => makeToken(secret, sub, extra);

function open(user) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${server}/ws`, 'muster.v1.json');
    const waiting = new Map();
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString());
      if (frame.id && waiting.has(frame.id)) {
        waiting.get(frame.id)(frame);
        waiting.delete(frame.id);
      } else if (ws.onEvent) {
        ws.onEvent(frame);
      }
    });
    let id = 0;
    ws.request = (body) => new Promise((done) => {
      const frameId = ++id;
      waiting.set(frameId, done);
      ws.send(JSON.stringify({ id: frameId, ...body }));
    });
    ws.on('error', reject);
    ws.on('open', async () => {
      const c = await ws.request({ connect: { token: token(user), client: 'push-storm' } });
      if (c.error) return reject(new Error(JSON.stringify(c.error)));
      const s = await ws.request({ subscribe: { group: 'chat' } });
      if (s.error) return reject(new Error(JSON.stringify(s.error)));
      resolve(ws);
    });
  });
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function main() {
  const sender = await open('chat-a');
  const receiver = await open('chat-b');
  const samples = [];
  const sentAt = new Map();
  receiver.onEvent = (frame) => {
    const event = frame.event;
    if (!event || !event.chat) return;
    const at = sentAt.get(event.chat.text);
    if (at === undefined) return;
    sentAt.delete(event.chat.text);
    samples.push([at, nowMs() - at]);
  };
  let n = 0;
  const timer = setInterval(() => {
    const text = 'probe-' + ++n;
    sentAt.set(text, nowMs());
    sender.send(JSON.stringify({ id: 100000 + n, publish: { group: 'chat', clientMsgId: text, text } }));
  }, probeMs);
  process.on('message', (what) => {
    if (what === 'take') process.send({ samples: samples.splice(0, samples.length) });
    if (what === 'stop') {
      clearInterval(timer);
      sender.close();
      receiver.close();
      process.disconnect();
    }
  });
  // The parent gone (ended or killed): so is the probe.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

main().catch((e) => { process.stderr.write('chat-probe: ' + (e.stack || String(e)) + '\n'); process.exit(1); });
