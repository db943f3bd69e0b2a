// A TCP proxy in front of musterd that the test can break: cut() resets every connection open
// through it (both sides, RST: no close handshake, unread data lost, what a lost network looks
// like to the client); down() keeps the port but kills every new connection at once, up() lets them through
// again; cutOnNextServerData() drops the next bytes the server sends and cuts the connection
// (the reply to a command lost on the way back).
import { createServer, connect } from 'node:net';
import { EventEmitter } from 'node:events';

export async function startProxy(targetPort, targetHost = '127.0.0.1') {
  const pairs = new Set();
  const events = new EventEmitter();
  let isDown = false;
  let cutOnServerData = false;
  let accepted = 0;
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (cutOnServerData) {
        cutOnServerData = false;
        drop();
        events.emit('cut');
        return;
      }
      client.write(d);
    });
    events.emit('accepted', accepted);
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const port = server.address().port;
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    events,
    get accepted() { return accepted; },
    get open() { return pairs.size; },
    cut() {
      const n = pairs.size;
      for (const p of [...pairs]) {
        pairs.delete(p);
        // RST, not FIN: what the client has not read yet is gone, as on a lost network.
        p.client.resetAndDestroy();
        p.upstream.resetAndDestroy();
      }
      return n;
    },
    down() { isDown = true; this.cut(); },
    up() { isDown = false; },
    cutOnNextServerData() { cutOnServerData = true; },
    close() {
      this.cut();
      return new Promise((res) => server.close(() => res()));
    },
  };
}
