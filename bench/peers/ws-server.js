'use strict';
// The Node.js `ws` baseline of the benchmarks: group fan-out the way a user of `ws` writes it
// (rooms as Sets, JSON.stringify once per publish, then client.send() to every member, as in
// the broadcast example of the ws README). Single process, default server options.
//
// Protocol (the load generator's `ws-json` mode), JSON text frames in the shape of Muster's
// JSON encoding:
//   -> {"id":N,"connect":{}}                     <- {"id":N,"connect":{}}        (a no-op)
//   -> {"id":N,"subscribe":{"group":G}}          <- {"id":N,"subscribe":{"latestSeq":S}}
//   -> {"id":N,"publish":{"group":G,"text":T}}   <- {"id":N,"publish":{"seq":S}}
//   and to every member of G:                    <- {"event":{"group":G,"seq":S,"chat":{"text":T}}}
// seq is per room, from 1.
//
// Usage: node ws-server.js [port]   (0 = any); prints "listening on 127.0.0.1:PORT".

const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || process.env.PORT || 0);
const rooms = new Map(); // group -> { seq, members: Set<WebSocket> }

function room(group) {
  let r = rooms.get(group);
  if (!r) {
    r = { seq: 0, members: new Set() };
    rooms.set(group, r);
  }
  return r;
}

const wss = new WebSocketServer({ host: '127.0.0.1', port });

wss.on('connection', (ws) => {
  const joined = new Set();
  ws.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.publish) {
      const r = room(msg.publish.group);
      const seq = ++r.seq;
      const event = JSON.stringify({
        event: { group: msg.publish.group, seq, chat: { text: msg.publish.text } },
      });
      for (const client of r.members) {
        if (client.readyState === WebSocket.OPEN) client.send(event);
      }
      ws.send(JSON.stringify({ id: msg.id, publish: { seq } }));
    } else if (msg.subscribe) {
      const r = room(msg.subscribe.group);
      r.members.add(ws);
      joined.add(r);
      ws.send(JSON.stringify({ id: msg.id, subscribe: { latestSeq: r.seq } }));
    } else if (msg.connect) {
      ws.send(JSON.stringify({ id: msg.id, connect: {} }));
    }
  });
  ws.on('close', () => {
    for (const r of joined) r.members.delete(ws);
  });
});

wss.on('listening', () => {
  console.log(`listening on 127.0.0.1:${wss.address().port}`);
});
