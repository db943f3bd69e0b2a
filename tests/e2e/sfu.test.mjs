// Meetings on the SFU in a real Chromium (fake camera and microphone), through the web app,
// inside run.sh's private network namespace: a real `janus -F <dir>` started here with
// deploy/janus/ as shipped (HTTP API on loopback, ICE on the namespace's veth jv0 only), musterd with max_mesh_peers lowered to 2, so
// that a branch of four meets in a Janus VideoRoom. Three participants publish to and
// subscribe from Janus (each decodes the other two's video: inbound-rtp framesDecoded > 0 in
// getStats, per feed); Janus is killed and restarted and every page joins again and decodes
// again; the host mutes one; one leaves and the others' tiles follow; the meeting ends and
// Janus has no such room any more; the attendance report shows the media time.
//
// Every step waits for what the page shows or for a condition polled in the page; nothing
// sleeps for a fixed time. Janus is stopped by its PID.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { Musterd, token } from './musterd.mjs';

const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const output = resolve(process.env.E2E_OUTPUT || new URL('../../build/e2e-output', import.meta.url).pathname);
const phone = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const WAIT = 60_000;
const SFU_SECRET = 'muster-e2e-janus-secret-0123456789';

let server;
let browser;
let janus;
let janusDir;
let janusPort;
let janusLog = '';

function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
    s.on('error', reject);
  });
}

// deploy/janus/ as shipped, with the test's folder, port, secret and interface (jv0, the
// namespace's veth): the configuration the README tells operators to install is the one tested.
const DEPLOY = new URL('../../deploy/janus/', import.meta.url).pathname;
function fromDeploy(name, replacements) {
  let text = readFileSync(join(DEPLOY, name), 'utf8');
  for (const [from, to] of replacements) {
    assert.ok(text.includes(from), `deploy/janus/${name} no longer has ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

function writeJanusConfig(dir, port) {
  writeFileSync(join(dir, 'janus.jcfg'), fromDeploy('janus.jcfg', [
    ['configs_folder = "/etc/janus-muster"', `configs_folder = "${dir}"`],
    ['ice_enforce_list = "eth0"', 'ice_enforce_list = "jv0"'],
  ]));
  writeFileSync(join(dir, 'janus.transport.http.jcfg'), fromDeploy('janus.transport.http.jcfg', [
    ['port = 8088', `port = ${port}`],
  ]));
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), fromDeploy('janus.plugin.videoroom.jcfg', [
    ['CHANGE-ME-to-meeting.sfu_secret', SFU_SECRET],
  ]));
}

async function startJanus() {
  if (!janusDir) {
    janusDir = mkdtempSync(join(tmpdir(), 'muster-janus-'));
    janusPort = await freePort();
    writeJanusConfig(janusDir, janusPort);
  }
  janusLog = '';
  janus = spawn('janus', ['-F', janusDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  janus.stdout.on('data', (d) => { janusLog += d; });
  janus.stderr.on('data', (d) => { janusLog += d; });
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    if (janusLog.includes('REST (HTTP/HTTPS) transport plugin initialized')) return;
    if (janus.exitCode !== null) throw new Error(`janus exited: ${janusLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`janus did not start: ${janusLog}`);
}

// Asks Janus (the VideoRoom's synchronous `exists`) whether a room is there.
async function janusRoomExists(room) {
  const base = `http://127.0.0.1:${janusPort}/janus`;
  const post = async (path, body) => (await fetch(base + path, { method: 'POST', body: JSON.stringify({ ...body, transaction: 't' }) })).json();
  const session = (await post('', { janus: 'create' })).data.id;
  const handle = (await post(`/${session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id;
  const reply = await post(`/${session}/${handle}`, { janus: 'message', body: { request: 'exists', room: Number(room) } });
  await post(`/${session}`, { janus: 'destroy' });
  return reply.plugindata.data.exists;
}

async function see(page, selector, text) {
  const locator = text === undefined ? page.locator(selector) : page.locator(selector).filter({ hasText: text });
  await locator.first().waitFor({ state: 'visible', timeout: WAIT });
  return locator.first();
}

// Users whose video this page has decoded frames of (inbound-rtp, kind video, per feed).
function decodedFrom(page) {
  return page.evaluate(async () => {
    const room = window.musterRoom;
    if (!room) return [];
    const out = [];
    for (const [user, peer] of room.peers) {
      const stats = await peer.pc.getStats();
      let frames = 0;
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0;
      });
      if (frames > 0) out.push(user);
    }
    return out.sort();
  });
}

async function waitDecoding(page, users) {
  const deadline = Date.now() + WAIT;
  let seen = [];
  while (Date.now() < deadline) {
    seen = await decodedFrom(page);
    if (users.every((u) => seen.includes(u))) return;
    await page.waitForTimeout(250);
  }
  const state = await page.evaluate(() => {
    const room = window.musterRoom;
    if (!room) return 'no room';
    return JSON.stringify({ local: !!room.local, participants: room.participants,
      peers: [...room.peers].map(([u, p]) => [u, p.feed, p.pc.connectionState, p.pc.signalingState]) });
  });
  assert.fail(`${state}: decoding video from ${seen.join(', ') || 'nobody'}, expected ${users.join(', ')}`);
}

before(async () => {
  mkdirSync(output, { recursive: true });
  await startJanus();
  server = new Musterd(['--meeting.max_mesh_peers=2', `--meeting.sfu_url=http://127.0.0.1:${janusPort}/janus`,
    `--meeting.sfu_secret=${SFU_SECRET}`]);
  await server.start();
  await server.http('PUT', '/api/v1/groups/chonghua', { name: '重华居民区' });
  await server.http('PUT', '/api/v1/groups/chonghua/members/wangxg', { role: 'coordinator', name: '王晓光' });
  await server.http('PUT', '/api/v1/groups/chonghua/members/liming', { role: 'member', name: '李明' });
  await server.http('PUT', '/api/v1/groups/chonghua/members/zhangfang', { role: 'member', name: '张芳' });
  await server.http('PUT', '/api/v1/groups/chonghua/members/chenjing', { role: 'member', name: '陈静' });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
});

// Stops Janus by its PID and waits until it has exited.
async function stopJanus(signal = 'SIGTERM') {
  if (!janus || janus.exitCode !== null || janus.signalCode !== null) return;
  const exited = new Promise((r) => janus.once('exit', r));
  process.kill(janus.pid, signal);
  await exited;
}

after(async () => {
  await browser?.close();
  await server?.dispose();
  await stopJanus();
  if (janusDir) rmSync(janusDir, { recursive: true, force: true });
});

test('SFU: three participants publish to and subscribe from Janus; Janus restarts; mute, leave, end, media time', async () => {
  const people = [['wangxg', '王晓光'], ['liming', '李明'], ['zhangfang', '张芳']];
  const pages = {};
  for (const [user, name] of people) {
    const context = await browser.newContext(phone);
    await context.grantPermissions(['camera', 'microphone'], { origin: server.base });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`# ${user}: ${m.text()}`); });
    await page.goto(`${server.base}/#token=${token(user, name)}`);
    await see(page, '[data-conn="online"]');
    pages[user] = page;
  }
  const host = pages.wangxg;
  await host.click('[data-nav="m"]');
  await host.click('[data-action="schedule"]');
  await host.fill('[data-form="schedule"] input[name="title"]', '支部大会');
  await host.click('[data-form="schedule"] button[type="submit"]');
  await see(host, '[data-phase-label="SCHEDULED"]');
  await host.click('[data-action="start"]');
  await see(host, '[data-phase-label="LIVE"]');
  await host.click('[data-action="join"]');
  for (const user of ['liming', 'zhangfang']) {
    const page = pages[user];
    await page.click('[data-nav="m"]');
    await see(page, '[data-meeting]', '支部大会');
    await page.click('[data-meeting]');
    await see(page, '[data-phase-label="LIVE"]');
    await page.click('[data-action="join"]');
  }
  await see(host, '[data-section="participants"] h3', '(3)');
  const started = Date.now();
  for (const [user] of people) await pages[user].click('[data-action="media-start"]');
  for (const [user] of people) await see(pages[user], '[data-media-mode="SFU"]');

  for (const [user] of people) {
    const others = people.map(([u]) => u).filter((u) => u !== user).sort();
    await waitDecoding(pages[user], others);
    assert.deepEqual(await decodedFrom(pages[user]), others, `${user} decodes both others' video through Janus`);
    await see(pages[user], `[data-tile="${others[0]}"]`);
    await see(pages[user], `[data-tile="${others[1]}"]`);
  }
  console.log(`# SFU, 3 participants: every page decoding both others' video ${Date.now() - started} ms after media start`);
  await host.screenshot({ path: join(output, 'meeting-room-sfu.png') });
  const [meetingId, room] = await host.evaluate(() => [window.musterRoom?.meetingId, window.musterRoom?.media?.room]);
  assert.ok(room && (await janusRoomExists(room)), `Janus has room ${room}`);

  // A drop: Janus dies (every session and the room with it) and comes back on the same port.
  // Each page notices its lost session, joins the meeting again (Muster makes the room again
  // and admits it) and the room fills up again.
  await stopJanus('SIGKILL');
  for (const [user] of people) {
    await pages[user].waitForFunction(() => window.musterRoom && window.musterRoom.peers.size === 0, null, { timeout: WAIT });
  }
  await startJanus();
  const restarted = Date.now();
  for (const [user] of people) {
    await waitDecoding(pages[user], people.map(([u]) => u).filter((u) => u !== user).sort());
  }
  console.log(`# SFU after a Janus restart: every page decoding both others' video again ${Date.now() - restarted} ms later`);
  assert.ok(await janusRoomExists(room), 'the room was made again');

  // The host mutes 李明: his microphone turns off, through the SFU as in a mesh.
  await see(pages.liming, '[data-action="mic"][data-on="1"]');
  await host.click('[data-action="mute-other"][data-user="liming"]');
  await see(pages.liming, '[data-action="mic"][data-on="0"]');

  // 张芳 leaves: Muster sends her out of the room; the others' tiles and feeds follow.
  await pages.zhangfang.click('[data-action="leave"]');
  for (const user of ['wangxg', 'liming']) {
    await pages[user].locator('[data-tile="zhangfang"]').waitFor({ state: 'detached', timeout: WAIT });
    await pages[user].waitForFunction(() => window.musterRoom && !window.musterRoom.peers.has('zhangfang'), null, { timeout: WAIT });
  }
  assert.deepEqual(await decodedFrom(host), ['liming']);

  // The end: the room is gone from Janus.
  await host.click('[data-action="end"]');
  await see(host, '[data-phase-label="ENDED"]');
  assert.equal(await janusRoomExists(room), false, 'the room is gone after the meeting ended');

  // Media time in the attendance report: everyone sent audio and video for a while.
  const report = await server.http('GET', `/api/v1/meetings/${encodeURIComponent(meetingId)}/attendance`, undefined,
    token('wangxg', '王晓光'));
  for (const [user] of people) {
    const a = report.attendees.find((x) => x.user === user);
    assert.ok(a, `${user} attended`);
    assert.ok(Number(a.audioS) >= 1 && Number(a.videoS) >= 1, `${user}: audio ${a.audioS} s, video ${a.videoS} s`);
  }
  const csv = await (await fetch(`${server.base}/api/v1/meetings/${encodeURIComponent(meetingId)}/attendance?format=csv`,
    { headers: { Authorization: `Bearer ${token('wangxg', '王晓光')}` } })).text();
  assert.match(csv.split('\r\n')[0], /,audio_s,video_s$/);
});
