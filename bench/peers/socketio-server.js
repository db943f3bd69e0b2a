'use strict';
// The Socket.IO baseline of the benchmarks: group fan-out with rooms, the way the Socket.IO
// documentation shows it (socket.join(room), io.to(room).emit(...), acknowledgements for
// replies). Socket.IO encodes a broadcast once for all the room's sockets. Single process,
// default server options (clients connect straight over the websocket transport).
//
// Events (the load generator's `socketio` mode):
//   emit("subscribe", {group}, ack)       ack({latestSeq})
//   emit("publish", {group, text}, ack)   ack({seq}), and to the room: "event" {group, seq, text}
// seq is per room, from 1.
//
// Usage: node socketio-server.js [port]   (0 = any); prints "listening on 127.0.0.1:PORT".

const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || process.env.PORT || 0);
const seqs = new Map(); // group -> latest seq

const server = http.createServer();
const io = new Server(server, { serveClient: false });

io.on('connection', (socket) => {
  socket.on('subscribe', (msg, ack) => {
    socket.join(msg.group);
    if (typeof ack === 'function') ack({ latestSeq: seqs.get(msg.group) || 0 });
  });
  socket.on('publish', (msg, ack) => {
    const seq = (seqs.get(msg.group) || 0) + 1;
    seqs.set(msg.group, seq);
    io.to(msg.group).emit('event', { group: msg.group, seq, text: msg.text });
    if (typeof ack === 'function') ack({ seq });
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
