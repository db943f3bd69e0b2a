// The push storm benchmark (bench/run.sh, scenario "push"): a duty call to a subtree whose
// members are all offline, each with one APNs device, against a loopback HTTP/2 TLS fake of
// APNs (tests/integration/push/fakes/fake_providers.js, which verifies every request's ES256
// provider token). Measures, on one musterd:
//   - push_s: from the call's creation until the fake has accepted every push;
//   - the server's RSS growth from just before the call to the end (sampled every 50 ms);
//   - chat latency on the same node (two connected members of another group, one publishing
//     every 10 ms, the other receiving): p99 over an idle phase of 10 s (about 1,000 samples:
//     the disk's own fsync tail makes a shorter one's p99 jump between runs), which starts once
//     the setup's writes are checkpointed, then during the storm (300 to 500 samples);
//   - the CPU time of the server, the fake provider and this driver during the storm;
//   - the machine's own stalls: the CPU's (bench/push/stall_canary.py, a SCHED_FIFO thread
//     that nothing on the machine but the machine can delay) and, with --disk-dir, the disk's
//     (bench/push/disk_canary.py, a flush of one block of its own held far longer than the
//     node's own flushes take); and each phase's chat latency again without the samples that
//     were in flight during one: what the server did, with the hypervisor's share set apart
//     (bench/README.md, "Push storm").
//
//   node push_storm.js --server HOST:PORT --pid PID --secret S --fake-log FILE [--fake-pid PID]
//                      [--members 10000] [--groups 10] [--idle-s 10] [--timeout-s 120]
//                      [--probe-ms 10] [--stall-ms 2] [--disk-dir DIR] [--disk-stall-ms 30]
//
// Prints one JSON line (the result) on stdout; progress goes to stderr. Bounded: every phase
// has a deadline, and the script exits by itself.
'use strict';

const childProcess = require('child_process');
const { token: makeToken } = require('./token');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { StringDecoder } = require('string_decoder');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const server = args.server;
const pid = Number(args.pid);
const secret = args.secret;
const fakeLog = args['fake-log'];
const members = Number(args.members || 10000);
const groups = Number(args.groups || 10);
const idleSeconds = Number(args['idle-s'] || 10);
const timeoutSeconds = Number(args['timeout-s'] || 120);
const probeMs = Number(args['probe-ms'] || 10);
const stallMs = Number(args['stall-ms'] || 2);
// A directory on the node's data file system, for the disk canary (none: no disk canary).
const diskDir = args['disk-dir'];
const diskStallMs = Number(args['disk-stall-ms'] || 30);
// Volunteers answering while the pushes go out (0: none, the recorded scenario): one answer
// every `answer-every-ms` from the call on, each a change of the call whose rule runs on the
// whole audience.
const answers = Number(args.answers || 0);
const answerEveryMs = Number(args['answer-every-ms'] || 20);
const [host, port] = server.split(':');

const log = (...parts) => process.stderr.write('push-storm: ' + parts.join(' ') + '\n');

const token = (sub, extra) => makeToken(secret, sub, extra);
const adminToken = token('admin', { roles: ['admin'] });

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function call(method, path, body, bearer) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ host, port, method, path, agent, headers: {
      authorization: 'Bearer ' + bearer, 'content-type': 'application/json',
      ...(data ? { 'content-length': data.length } : {}),
    } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('HTTP timeout')));
    if (data) req.write(data);
    req.end();
  });
}
async function must(method, path, body, bearer, ok = [200, 201, 204]) {
  const r = await call(method, path, body, bearer);
  if (!ok.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return r;
}
// Runs `work(i)` for i in [0, n) with `width` at a time.
async function pool(n, width, work) {
  let next = 0;
  const lanes = Array.from({ length: width }, async () => {
    while (next < n) await work(next++);
  });
  await Promise.all(lanes);
}

// --answers volunteers (spread over the members) answer the call, one every answerEveryMs
// from `fromMs` on: the first 20 (the call's slots) accept, the rest decline. Resolves to
// their count, how many the server took, and their latency.
async function answerDuring(callId, fromMs) {
  const taken = [];
  const sent = [];
  for (let k = 0; k < answers; k++) {
    const wait = fromMs + (k + 1) * answerEveryMs - Number(process.hrtime.bigint()) / 1e6;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const volunteer = `v${Math.floor(k * members / answers)}`;
    const t = process.hrtime.bigint();
    sent.push(call('POST', `/api/v1/duty-calls/${callId}/responses`,
      { callId, answer: k < 20 ? 'ACCEPT' : 'DECLINE' }, token(volunteer))
      .then((r) => {
        if (r.status === 200 || r.status === 201) taken.push(Number(process.hrtime.bigint() - t) / 1e6);
        else log(`answer by ${volunteer}: ${r.status} ${r.body}`);
      }));
  }
  await Promise.all(sent);
  return { count: answers, every_ms: answerEveryMs, taken: taken.length,
           latency_ms: summary(taken) };
}

function rssKib() {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

// The server's CPU time so far (user + system, ms): unlike wall time, it does not depend on
// what else the machine runs.
const ticksPerSecond = 100;  // USER_HZ on Linux
function cpuMs(of = pid) {
  const stat = fs.readFileSync(`/proc/${of}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1000 / ticksPerSecond;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
}

// How many devices the fake accepted a push for (status 200 and a verified token) so far, and
// how many pushes it accepted in all (more: some device got the push twice). Reads only what
// the fake appended since the last call: this runs every 50 ms in the process that times the
// chat probe, and re-reading a log of 10,000 lines each time would hold its event loop for
// tens of milliseconds and show up as chat latency that the server never caused.
const tally = { devices: new Set(), pushes: 0, offset: 0, partial: '', text: new StringDecoder('utf8') };
function acceptedSoFar() {
  let fd;
  try { fd = fs.openSync(fakeLog, 'r'); } catch { return { devices: 0, pushes: 0 }; }
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, tally.offset);
      if (n === 0) break;
      tally.offset += n;
      const lines = (tally.partial + tally.text.write(chunk.subarray(0, n))).split('\n');
      tally.partial = lines.pop();
      for (const line of lines) {
        if (line.includes('"event":"apns"') && line.includes('"ok":true') && line.includes('"status":200')) {
          tally.pushes++;
          tally.devices.add(/"path":"([^"]*)"/.exec(line)[1]);
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { devices: tally.devices.size, pushes: tally.pushes };
}

// The chat probe runs in a process of its own (bench/push/chat_probe.js), so that its timing
// does not wait for this one's bookkeeping (the fake's log, the RSS samples).
function chatProbe() {
  const child = childProcess.fork(path.join(__dirname, 'chat_probe.js'),
    ['--server', server, '--secret', secret, '--probe-ms', String(probeMs)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the chat probe exited (${code})`)));
  });
  const replies = [];
  const ask = (what) => new Promise((resolve) => { replies.push(resolve); child.send(what); });
  return ready.then(() => {
    child.on('message', (m) => { const r = replies.shift(); if (r) r(m); });
  }).then(() => ({
    // [sent at (ms on this machine's monotonic clock), latency ms] since the last take.
    take: () => ask('take').then((m) => m.samples),
    pid: child.pid,
    stop: () => { child.send('stop'); },
  }));
}

// A canary process: it prints {"ready": true}, then one [from, to] interval (ms on the
// monotonic clock the probe's samples use) per stall it saw. Null when it cannot start.
function canary(command, argv) {
  const child = childProcess.spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stalls = [];
  let pending = '';
  let ready;
  const started = new Promise((resolve) => { ready = resolve; });
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const value = JSON.parse(line);
      if (Array.isArray(value)) stalls.push(value); else ready(true);
    }
  });
  child.on('error', () => ready(false));
  child.on('exit', () => ready(false));
  return started.then((ok) => (ok ? { stalls, stop: () => child.kill() } : null));
}

// The stall canary (bench/push/stall_canary.py) at SCHED_FIFO: the intervals in which the
// machine held back even a real-time thread by more than --stall-ms. Null (and nothing set
// apart) when it cannot run so.
function stallCanary() {
  return canary('chrt', ['-f', '10', 'python3', path.join(__dirname, 'stall_canary.py'),
    '--late-ms', String(stallMs), '--max-s', String(timeoutSeconds + idleSeconds + 600)]);
}

// The disk canary (bench/push/disk_canary.py) in --disk-dir: the intervals in which one flush
// of a 4 KiB block took more than --disk-stall-ms. Null without --disk-dir.
function diskCanary() {
  if (!diskDir) return Promise.resolve(null);
  return canary('python3', [path.join(__dirname, 'disk_canary.py'), '--dir', diskDir,
    '--late-ms', String(diskStallMs), '--max-s', String(timeoutSeconds + idleSeconds + 600)]);
}

// The samples whose flight [sent, sent + latency] overlaps none of the stalls.
function outsideStalls(samples, stalls) {
  return samples.filter(([at, ms]) => !stalls.some(([from, to]) => from < at + ms && to > at));
}

function stallSummary(stalls, from, to) {
  const inside = stalls.filter(([a, b]) => b > from && a < to).map(([a, b]) => b - a);
  return { count: inside.length, longest_ms: inside.length ? Math.max(...inside) : 0 };
}

// The node's muster_store_wait_seconds buckets (cumulative, by upper bound in s) for the synced
// and the relaxed writes: how long writes waited for the SQLite writer (embedded only).
async function storeWaits() {
  const out = { write_synced: {}, write_relaxed: {} };
  const text = (await call('GET', '/metrics', undefined, adminToken)).body;
  const re = /^muster_store_wait_seconds_bucket\{queue="(write_synced|write_relaxed)",le="([^"]+)"\} (\S+)$/gm;
  for (let m; (m = re.exec(text));) out[m[1]][m[2]] = Number(m[3]);
  return out;
}

// Between two storeWaits(): per queue, the writes begun, the share that waited more than 2 and
// more than 8 ms, and the bucket holding the 99th percentile (its upper bound, ms).
function waitsBetween(before, after) {
  const phase = {};
  for (const queue of Object.keys(after)) {
    const num = (le) => (le === '+Inf' ? Infinity : Number(le));
    const bounds = Object.keys(after[queue]).sort((a, b) => num(a) - num(b));
    const delta = (le) => (after[queue][le] || 0) - ((before[queue] || {})[le] || 0);
    const count = bounds.length ? delta(bounds[bounds.length - 1]) : 0;  // le="+Inf" sorts last
    const within = (s) => delta(bounds.find((b) => num(b) >= s) || '+Inf');
    const p99 = bounds.find((b) => delta(b) >= 0.99 * count);
    phase[queue] = {
      count,
      over_2ms: count ? (count - within(0.002)) / count : null,
      over_8ms: count ? (count - within(0.008)) / count : null,
      p99_bucket_ms: p99 === undefined || p99 === '+Inf' ? null : Number(p99) * 1000,
    };
  }
  return phase;
}

function summary(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90),
           p99: percentile(sorted, 99),
           max: sorted.length ? sorted[sorted.length - 1] : null };
}

async function main() {
  const deadline = setTimeout(() => { log('timed out'); process.exit(2); }, (timeoutSeconds + 600) * 1000);
  deadline.unref();
  const perGroup = Math.ceil(members / groups);
  log(`organising ${members} members in ${groups} groups under one root`);
  await must('PUT', '/api/v1/groups/district', { name: '街道' }, adminToken);
  await must('PUT', '/api/v1/groups/district/members/coordinator', { role: 'coordinator' }, adminToken);
  for (let g = 0; g < groups; g++) {
    await must('PUT', `/api/v1/groups/area${g}`, { name: `片区${g}`, parent: 'district' }, adminToken);
  }
  await must('PUT', '/api/v1/groups/chat', { name: '聊天' }, adminToken);
  for (const user of ['chat-a', 'chat-b']) {
    await must('PUT', `/api/v1/groups/chat/members/${user}`, { role: 'member' }, adminToken);
  }
  const user = (i) => `v${i}`;
  await pool(members, 16, (i) => must('PUT', `/api/v1/groups/area${Math.floor(i / perGroup)}/members/${user(i)}`,
                                      { role: 'member' }, adminToken));
  log('registering one APNs device each');
  await pool(members, 16, (i) => must('PUT', `/api/v1/devices/apns-${i}`,
                                      { kind: 'apns', token: `ok-${i}`, topic: 'org.muster.app',
                                        environment: 'production' }, token(user(i))));

  // The setup's writes (20,000 of them) are still being copied out of SQLite's write-ahead log
  // for a while: the idle phase starts once that is done, or it measures the setup's tail.
  const settled = Date.now() + 30000;
  for (;;) {
    const m = /^muster_store_wal_frames (\S+)$/m.exec((await call('GET', '/metrics', undefined, adminToken)).body);
    if (!m || Number(m[1]) < 100 || Date.now() > settled) {
      log(`store settled: ${m ? m[1] + ' WAL frames' : 'no WAL'}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpuCanary = await stallCanary();
  if (!cpuCanary) log('no stall canary (chrt -f needs root): no figures without the machine\'s stalls');
  const disk = cpuCanary ? await diskCanary() : null;
  const probe = await chatProbe();
  log(`chat idle phase, ${idleSeconds} s`);
  const waitsAtIdle = await storeWaits();
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idleTimed = await probe.take();
  const waitsAtCall = await storeWaits();
  const idle = summary(idleTimed.map(([, ms]) => ms));
  const idleFrom = idleTimed.length ? idleTimed[0][0] : 0;
  log('slowest chat while idle: ' + idleTimed.slice().sort((a, b) => b[1] - a[1]).slice(0, 8)
    .map(([at, ms]) => `${ms.toFixed(1)} ms at +${(at - idleFrom).toFixed(0)} ms`).join(', '));

  const rssBefore = rssKib();
  const cpuBefore = cpuMs();
  const fakePid = Number(args['fake-pid'] || 0);
  const fakeBefore = fakePid ? cpuMs(fakePid) : 0;
  const driverBefore = process.cpuUsage();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssKib()); }, 50);
  const startsAt = Date.now() + 3600 * 1000;
  const started = process.hrtime.bigint();
  const startedMs = Number(started) / 1e6;
  const made = await must('POST', '/api/v1/duty-calls', {
    group: 'district', title: '门岗: 登记, 测体温', location: '北门', slots: 20, urgency: 'URGENT',
    includeSubgroups: true, startsAtMs: String(startsAt), endsAtMs: String(startsAt + 3600000),
  }, token('coordinator'));
  const createMs = Number(process.hrtime.bigint() - started) / 1e6;
  log(`call created in ${createMs.toFixed(0)} ms: ${made.body}`);
  const answering = answerDuring(JSON.parse(made.body).callId, startedMs);
  let accepted = { devices: 0, pushes: 0 };
  const limit = Date.now() + timeoutSeconds * 1000;
  while ((accepted = acceptedSoFar()).devices < members && Date.now() < limit) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const pushSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const answered = await answering;
  clearInterval(sampler);
  const serverCpuMs = cpuMs() - cpuBefore;
  const fakeCpuMs = fakePid ? cpuMs(fakePid) - fakeBefore : null;
  const driverUsed = process.cpuUsage(driverBefore);
  const driverCpuMs = (driverUsed.user + driverUsed.system) / 1000;
  const duringTimed = await probe.take();
  const during = summary(duringTimed.map(([, ms]) => ms));
  const waitsAfter = await storeWaits();
  const storeWait = { idle: waitsBetween(waitsAtIdle, waitsAtCall),
                      during_push: waitsBetween(waitsAtCall, waitsAfter) };
  const waitLine = (w) => `${w.count} synced writes, ${(100 * (w.over_2ms || 0)).toFixed(1)} % waited > 2 ms, `
    + `${(100 * (w.over_8ms || 0)).toFixed(1)} % > 8 ms`;
  log(`writes waiting for the SQLite writer: idle ${waitLine(storeWait.idle.write_synced)}; `
    + `during the storm ${waitLine(storeWait.during_push.write_synced)} `
    + `(and ${storeWait.during_push.write_relaxed.count} relaxed)`);
  // Where the slow ones fell (ms after the call was made): a cluster at the start is the call's
  // own transaction; the rest is the storm.
  log('slowest chat during the storm: ' + duringTimed.slice().sort((a, b) => b[1] - a[1]).slice(0, 8)
    .map(([at, ms]) => `${ms.toFixed(1)} ms at +${(at - startedMs).toFixed(0)} ms`).join(', '));
  const rssAfter = rssKib();
  probe.stop();
  // Each phase again without the samples in flight while the machine stalled.
  let machine = null;
  if (cpuCanary) {
    cpuCanary.stop();
    if (disk) disk.stop();
    const diskStalls = disk ? disk.stalls : [];
    const stalls = cpuCanary.stalls.concat(diskStalls);
    const idleKept = outsideStalls(idleTimed, stalls);
    const duringKept = outsideStalls(duringTimed, stalls);
    const idleClean = summary(idleKept.map(([, ms]) => ms));
    const duringClean = summary(duringKept.map(([, ms]) => ms));
    const span = (timed) => (timed.length ? [timed[0][0], timed[timed.length - 1][0]] : [0, 0]);
    machine = {
      stall_ms: stallMs,
      stalls: { idle: stallSummary(cpuCanary.stalls, ...span(idleTimed)),
                during_push: stallSummary(cpuCanary.stalls, ...span(duringTimed)) },
      // Null without a disk canary: then only the CPU's stalls are set apart.
      disk_stall_ms: disk ? diskStallMs : null,
      disk_stalls: disk ? { idle: stallSummary(diskStalls, ...span(idleTimed)),
                            during_push: stallSummary(diskStalls, ...span(duringTimed)) } : null,
      chat_latency_ms: { idle: idleClean, during_push: duringClean },
      chat_p99_ratio: idleClean.p99 && duringClean.p99 ? duringClean.p99 / idleClean.p99 : null,
    };
    const counted = (what, limit, phases) => `${what} over ${limit} ms: ${phases.idle.count} while idle `
      + `(longest ${phases.idle.longest_ms.toFixed(1)} ms), ${phases.during_push.count} during the storm `
      + `(longest ${phases.during_push.longest_ms.toFixed(1)} ms)`;
    log(counted('machine stalls', stallMs, machine.stalls)
      + (disk ? '; ' + counted('disk stalls', diskStallMs, machine.disk_stalls) : '')
      + `; without the samples in flight then: p99 ${idleClean.p99?.toFixed(2)} ms idle `
      + `(${idleClean.count} samples), ${duringClean.p99?.toFixed(2)} ms during (${duringClean.count})`);
  }
  // The server's own count of provider answers: a retried push the fake had accepted shows up
  // as a duplicate there and as a failure here.
  const counters = {};
  for (const line of (await call('GET', '/metrics', undefined, adminToken)).body.split('\n')) {
    const m = /^(muster_push_(?:sent|failed|given_up)_total)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) counters[m[1] + (m[2] || '')] = Number(m[3]);
  }
  const result = {
    ok: accepted.devices >= members,
    members, groups, accepted: accepted.devices, duplicates: accepted.pushes - accepted.devices,
    push_s: pushSeconds,
    create_call_ms: createMs,
    server_cpu_ms: serverCpuMs,
    server_cpu_us_per_push: serverCpuMs * 1000 / Math.max(1, accepted.pushes),
    // The machine's other CPU users over the same time: the fake provider (in production it
    // is not on the server's machine) and this driver (the chat probe, the log reader).
    fake_cpu_ms: fakeCpuMs,
    driver_cpu_ms: driverCpuMs,
    server_push_counters: counters,
    server_rss_kib: { before: rssBefore, peak: rssPeak, after: rssAfter, growth: rssPeak - rssBefore },
    chat_latency_ms: { idle, during_push: during },
    chat_p99_ratio: idle.p99 && during.p99 ? during.p99 / idle.p99 : null,
    // How long writes waited for the SQLite writer in each phase (muster_store_wait_seconds):
    // the chat appends are among the synced ones.
    store_wait: storeWait,
    // With --answers: how many answers were taken and how long each took.
    ...(answers > 0 ? { answers: answered } : {}),
    // The same without the samples in flight during a stall of the machine's CPU or disk
    // (null: no canary).
    outside_machine_stalls: machine,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  agent.destroy();
  process.exit(0);
}

main().catch((e) => { log(e.stack || String(e)); process.stdout.write(JSON.stringify({ ok: false, error: String(e) }) + '\n'); process.exit(1); });
