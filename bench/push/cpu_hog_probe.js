// A diagnostic beside the push storm (not part of `make bench`): the chat probe's p99 on a
// musterd with nothing else to do, without and then with two busy loops shaped like a storm's
// CPU users (one at nice 10, as the push worker runs; one at SCHED_IDLE, as the bench runs the
// fake provider). Each repetition: 10 s without, then 4 s with; one JSON line per repetition.
//
//   NODE_PATH=bench/peers/node_modules node bench/push/cpu_hog_probe.js HOST:PORT SECRET REPS both|none
//
// against a musterd started with the bench's command limits (bench/run.sh MUSTER_OVERRIDES:
// --limits.commands_per_second and --limits.command_burst), or the probe's 100 messages a
// second are cut to the default 50.
'use strict';
const path = require('path'), http = require('http');
const { token: makeToken } = require('./token');
const childProcess = require('child_process');
const [server, secret, reps, hogKind] = process.argv.slice(2);
const [host, port] = server.split(':');
const token = (sub, extra) => makeToken(secret, sub, extra);
const admin = token('admin', { roles: ['admin'] });
function call(method, p, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({ host, port, method, path: p, headers: { authorization: 'Bearer ' + admin, 'content-type': 'application/json', 'content-length': data.length } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject); req.write(data); req.end();
  });
}
const p99 = (v) => { const s = v.slice().sort((a, b) => a - b); return s[Math.floor(0.99 * s.length)]; };
(async () => {
  await call('PUT', '/api/v1/groups/chat', { name: 'chat' });
  for (const u of ['chat-a', 'chat-b']) await call('PUT', `/api/v1/groups/chat/members/${u}`, { role: 'member' });
  const child = childProcess.fork(path.join(__dirname, 'chat_probe.js'), ['--server', server, '--secret', secret, '--probe-ms', '10'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => child.once('message', r));
  const replies = []; child.on('message', (m) => replies.shift()(m));
  const take = () => new Promise((r) => { replies.push(r); child.send('take'); });
  for (let i = 0; i < Number(reps); i++) {
    await take(); await new Promise((r) => setTimeout(r, 10000));
    const idle = (await take()).samples.map(([, ms]) => ms);
    const hogs = hogKind === 'none' ? [] : [
      childProcess.spawn('nice', ['-n', '10', 'sh', '-c', 'while :; do :; done']),
      childProcess.spawn('chrt', ['--idle', '0', 'sh', '-c', 'while :; do :; done']),
    ];
    await new Promise((r) => setTimeout(r, 4000));
    const during = (await take()).samples.map(([, ms]) => ms);
    hogs.forEach((h) => h.kill('SIGKILL'));
    console.log(JSON.stringify({ rep: i + 1, idle_p99: p99(idle).toFixed(2), hog_p99: p99(during).toFixed(2), n: [idle.length, during.length], ratio: (p99(during) / p99(idle)).toFixed(2) }));
  }
  child.send('stop'); process.exit(0);
})();
