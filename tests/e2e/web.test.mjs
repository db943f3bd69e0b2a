// The web app in a real browser against a real musterd: a coordinator (王晓光) and two
// volunteers (李明, 张芳) in separate browser contexts, phone-sized. The volunteers sign in
// from an invitation link the coordinator made in the app; a chat line crosses; the
// coordinator's duty call reaches the volunteers and one Accept fills it, live on the
// coordinator's screen; a meeting runs (join, raise hand, floor, roll call, end) and its report
// lists both; a volunteer's page survives musterd restarting and shows what was sent meanwhile.
// A large group (a second musterd with presence.list_max_members=2) shows "N 人在线" from the
// server's counts instead of a list, and lists names again once it is small.
//
// Every step waits for what the user would see (a selector with its text), never for time.
// Screenshots of the main views go to E2E_OUTPUT (default build/e2e-output). No browser on the
// machine is a failure, not a skip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { Musterd, token } from './musterd.mjs';

const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const output = resolve(process.env.E2E_OUTPUT || new URL('../../build/e2e-output', import.meta.url).pathname);
const phone = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const WAIT = 30_000;

let server;
let browser;
const pages = {};

async function shot(page, name) {
  await page.screenshot({ path: join(output, `${name}.png`) });
}

// Waits until `selector` shows `text` (a string or RegExp).
async function see(page, selector, text) {
  const locator = text === undefined ? page.locator(selector) : page.locator(selector).filter({ hasText: text });
  await locator.first().waitFor({ state: 'visible', timeout: WAIT });
  return locator.first();
}

async function online(page) {
  await see(page, '[data-conn="online"]');
}

before(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no browser at ${chromiumPath}: install Debian's chromium (scripts/bootstrap.sh test)`);
  }
  mkdirSync(output, { recursive: true });
  server = new Musterd();
  await server.start();
  await server.http('PUT', '/api/v1/groups/district', { name: '南京西路街道' });
  await server.http('PUT', '/api/v1/groups/chonghua', { name: '重华居民区', parent: 'district' });
  await server.http('PUT', '/api/v1/groups/chonghua/members/wangxg', { role: 'coordinator', name: '王晓光' });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

test('coordinator and volunteers: invitation, chat, duty call, meeting, restart', async (t) => {
  const coordinator = await (await browser.newContext(phone)).newPage();
  pages.coordinator = coordinator;
  await coordinator.goto(`${server.base}/#token=${token('wangxg', '王晓光')}`);
  await online(coordinator);
  await see(coordinator, '[data-group="chonghua"]', '重华居民区');

  // Sign-in by invitation needs the sign-in routes; a server without them (an older main)
  // gets the volunteers in with tokens, and says so in the test's output.
  const probe = await fetch(`${server.base}/api/v1/auth/redeem`, { method: 'POST', body: '{}' });
  const invitations = probe.status !== 404 || !(await probe.text()).includes('no such route');
  const volunteers = {};
  if (!invitations) {
    t.diagnostic('POST /api/v1/auth/redeem is not served: volunteers sign in with tokens');
    for (const [key, name] of [['liming', '李明'], ['zhangfang', '张芳']]) {
      await server.http('PUT', `/api/v1/groups/chonghua/members/${key}`, { role: 'member', name });
      const page = await (await browser.newContext(phone)).newPage();
      await page.goto(`${server.base}/#token=${token(key, name)}`);
      await online(page);
      await see(page, 'h1', name);
      volunteers[key] = page;
    }
  }
  let joinPath;
  if (invitations) await t.test('the coordinator makes an invitation link with a QR code', async () => {
    await coordinator.click('[data-nav="admin"]');
    await coordinator.fill('[data-form="invite"] input[name="note"]', '门岗志愿者');
    await coordinator.click('[data-form="invite"] button[type="submit"]');
    const link = await see(coordinator, '[data-invitation-url]');
    joinPath = new URL(await link.getAttribute('data-invitation-url')).pathname;
    assert.match(joinPath, /^\/join\/[\w-]{20,}$/);
    const qr = await see(coordinator, 'img.qr');
    await coordinator.waitForFunction((img) => img.complete && img.naturalWidth > 0, await qr.elementHandle(), { timeout: WAIT });
    await shot(coordinator, 'admin-invitation');
  });

  if (invitations) await t.test('two volunteers sign in from the link with their names', async () => {
    for (const [key, name] of [['liming', '李明'], ['zhangfang', '张芳']]) {
      const page = await (await browser.newContext(phone)).newPage();
      await page.goto(server.base + joinPath);
      await see(page, 'h1', '加入志愿者群组');
      if (key === 'liming') await shot(page, 'join');
      await page.fill('input[name="name"]', name);
      await page.click('button[type="submit"]');
      await online(page);
      await see(page, 'h1', name);
      await see(page, '[data-group="chonghua"]', '重华居民区');
      volunteers[key] = page;
      // Stays signed in on the device: a reload goes straight back in.
      await page.reload();
      await online(page);
      await see(page, 'h1', name);
    }
  });
  const { liming, zhangfang } = volunteers;

  await t.test('a chat line crosses, with names and unread counts', async () => {
    await liming.click('[data-group="chonghua"]');
    await see(liming, '[data-online]', /[23]/);
    await liming.fill('input[name="message"]', '今天下午门岗需要两位志愿者');
    await liming.click('.composer button[type="submit"]');
    await see(liming, '.msg.mine[data-state="sent"]', '今天下午门岗需要两位志愿者');
    // 张芳 is on the group list: an unread count, then the line with 李明's name.
    await see(zhangfang, '[data-group="chonghua"] [data-unread="1"]');
    await shot(zhangfang, 'groups');
    await zhangfang.click('[data-group="chonghua"]');
    const line = await see(zhangfang, '.msg', '今天下午门岗需要两位志愿者');
    assert.equal(await line.locator('.who').textContent(), '李明');
    await coordinator.click('[data-nav="groups"]');
    await coordinator.click('[data-group="chonghua"]');
    await see(coordinator, '.msg', '今天下午门岗需要两位志愿者');
    await shot(zhangfang, 'chat');
  });

  await t.test('张芳 calls 李明 by name with "@", and his screen marks the line', async () => {
    const input = zhangfang.locator('input[name="message"]');
    await input.fill('@李');
    // The group's members, narrowed by what follows "@"; she is not offered herself.
    const option = await see(zhangfang, '.mention-option', '李明');
    assert.equal(await zhangfang.locator('.mention-option', { hasText: '张芳' }).count(), 0);
    await shot(zhangfang, 'mention-picker');
    await option.click();
    assert.equal(await input.inputValue(), '@李明 ');
    await input.pressSequentially('请到北门');
    await zhangfang.click('.composer button[type="submit"]');
    await see(zhangfang, '.msg.mine[data-state="sent"]', '@李明 请到北门');
    await see(liming, '.msg[data-mentions-me="true"]', '@李明 请到北门');
    // Only the one called sees it marked.
    await see(coordinator, '.msg', '@李明 请到北门');
    assert.equal(await coordinator.locator('.msg[data-mentions-me="true"]').count(), 0);
  });

  let callId;
  await t.test("the coordinator's duty call reaches the volunteers; one Accept fills it live", async () => {
    await coordinator.click('[data-nav="duty"]');
    await coordinator.click('[data-action="new-call"]');
    const form = '[data-form="new-call"]';
    await coordinator.fill(`${form} input[name="title"]`, '门岗：登记、测体温');
    await coordinator.fill(`${form} input[name="location"]`, '重华居民区北门');
    await coordinator.fill(`${form} input[name="slots"]`, '1');
    await coordinator.check(`${form} input[name="urgent"]`);
    await coordinator.click(`${form} button[type="submit"]`);
    const card = await see(coordinator, '[data-call][data-state="OPEN"]', '门岗：登记、测体温');
    callId = await card.getAttribute('data-call');

    for (const page of [liming, zhangfang]) {
      await page.click('[data-nav="duty"]');
      await see(page, `[data-call="${callId}"] [data-slots-left="1"]`);
      await see(page, `[data-call="${callId}"]`, '重华居民区北门');
    }
    await shot(zhangfang, 'duty-call');
    await liming.click(`[data-call="${callId}"] [data-action="accept"]`);
    await see(liming, `[data-call="${callId}"] [data-answer="ACCEPT"]`);
    // The coordinator's screen fills without a reload: the name, the state.
    await see(coordinator, `[data-call="${callId}"][data-state="FILLED"]`);
    await see(coordinator, `[data-call="${callId}"] .tally li`, '李明');
    await see(coordinator, `[data-call="${callId}"] [data-slots-left="0"]`);
    await shot(coordinator, 'duty-tally');
    // The other volunteer sees it full: nothing left to accept.
    await see(zhangfang, `[data-call="${callId}"][data-state="FILLED"]`);
    assert.equal(await zhangfang.locator(`[data-call="${callId}"] [data-action="accept"]`).count(), 0);
  });

  await t.test('a meeting: join, raise hand, floor, roll call, end, report', async () => {
    await coordinator.click('[data-nav="m"]');
    await coordinator.click('[data-action="schedule"]');
    await coordinator.fill('[data-form="schedule"] input[name="title"]', '支部组织生活会');
    await coordinator.fill('[data-form="schedule"] textarea[name="agenda"]', '学习文件\n交流体会');
    await coordinator.click('[data-form="schedule"] button[type="submit"]');
    await see(coordinator, '[data-phase-label="SCHEDULED"]');
    const meetingPath = new URL(coordinator.url()).hash;
    await coordinator.click('[data-action="start"]');
    await see(coordinator, '[data-phase-label="LIVE"]');
    await coordinator.click('[data-action="join"]');

    for (const page of [liming, zhangfang]) {
      await page.click('[data-nav="m"]');
      await see(page, '[data-meeting]', '支部组织生活会');
      await page.click('[data-meeting]');
      await see(page, '[data-phase-label="LIVE"]');
      await page.click('[data-action="join"]');
      await see(page, '[data-action="raise-hand"]');
    }
    assert.equal(new URL(liming.url()).hash, meetingPath);
    await see(coordinator, '[data-section="participants"] h3', '(3)');

    await liming.click('[data-action="raise-hand"]');
    await see(coordinator, '[data-section="hands"]', '李明');
    await coordinator.click('[data-section="hands"] [data-action="grant-floor"]');
    await see(zhangfang, '[data-floor]', '李明');

    await coordinator.click('[data-action="roll-call"]');
    for (const page of [liming, zhangfang]) {
      await see(page, '[data-countdown]');
      await page.click('[data-action="answer-roll"]');
    }
    await see(coordinator, '[data-roll-present="2"]');
    await shot(liming, 'meeting');

    await coordinator.click('[data-action="end"]');
    await see(coordinator, '[data-phase-label="ENDED"]');
    const report = await see(coordinator, '[data-section="report"]');
    await see(coordinator, '[data-section="report"] tr', '李明');
    await see(coordinator, '[data-section="report"] tr', '张芳');
    const csvHref = await (await see(coordinator, '[data-action="csv"]')).getAttribute('href');
    const csv = await coordinator.evaluate((href) => fetch(href).then((r) => r.text()), csvHref);
    assert.match(csv, /李明/);
    assert.match(csv, /张芳/);
    await report.scrollIntoViewIfNeeded();
    await shot(coordinator, 'meeting-report');
  });

  await t.test("a volunteer's page survives musterd restarting and shows what was sent meanwhile", async () => {
    await liming.click('[data-nav="groups"]');
    await liming.click('[data-group="chonghua"]');
    await see(liming, '[data-conn="online"]');
    await server.stop();
    await see(liming, '[data-conn="reconnecting"]');
    // Written while the server is down: queued, sent once it is back.
    await liming.fill('input[name="message"]', '我在路上，马上到');
    await liming.click('.composer button[type="submit"]');
    await see(liming, '.msg[data-state="pending"]', '我在路上，马上到');
    await shot(liming, 'offline');
    await server.start();
    // Sent by the coordinator through the HTTP API right after the restart.
    await server.http('POST', '/api/v1/groups/chonghua/messages', { text: '大家辛苦了', clientMsgId: 'e2e-restart' }, token('wangxg', '王晓光'));
    await online(liming);
    await see(liming, '.msg', '大家辛苦了');
    await see(liming, '.msg.mine[data-state="sent"]', '我在路上，马上到');
    assert.equal(await liming.locator('.msg[data-state="pending"]').count(), 0);
    // Each line once.
    assert.equal(await liming.locator('.msg', { hasText: '大家辛苦了' }).count(), 1);
    assert.equal(await liming.locator('.msg', { hasText: '我在路上，马上到' }).count(), 1);
    await see(zhangfang, '[data-conn="online"]');
    await zhangfang.click('[data-nav="groups"]');
    await zhangfang.click('[data-group="chonghua"]');
    await see(zhangfang, '.msg', '我在路上，马上到');
  });

  await t.test('English and large text are one tap away', async () => {
    await zhangfang.click('[data-nav="settings"]');
    await zhangfang.click('[data-lang="en"]');
    await see(zhangfang, '[data-nav="duty"]', 'Duty calls');
    await zhangfang.check('[data-setting="large"]');
    const size = await zhangfang.evaluate(() => getComputedStyle(document.documentElement).fontSize);
    assert.equal(size, '22px');
    await shot(zhangfang, 'settings-en');
  });
});

// A large group (more online than musterd lists: presence.list_max_members is 2 here): the chat
// shows "N 人在线" from the server's counts, with no list of names; when the group is small again
// the list comes back.
test('a large group shows how many are online, not who', async () => {
  const big = new Musterd(['--presence.list_max_members=2', '--presence.batch_window_ms=50']);
  await big.start();
  const contexts = [];
  try {
    await big.http('PUT', '/api/v1/groups/jingan', { name: '静安寺街道志愿者' });
    const people = [['wangxg', '王晓光'], ['liming', '李明'], ['zhangfang', '张芳']];
    for (const [id, name] of people) {
      await big.http('PUT', `/api/v1/groups/jingan/members/${id}`, { role: 'member', name });
    }
    const pages = [];
    for (const [id, name] of people) {
      const context = await browser.newContext(phone);
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${big.base}/#token=${token(id, name)}`);
      await online(page);
      await see(page, '[data-group="jingan"]', '静安寺街道志愿者');
      pages.push(page);
    }
    const [viewer] = pages;
    await viewer.click('[data-group="jingan"]');
    // Three online, more than two: the number only.
    const count = await see(viewer, '[data-online="3"][data-large="true"]', '3 人在线');
    await shot(viewer, 'large-group');
    await count.click();
    assert.equal(await viewer.locator('.online-list').count(), 0, 'no list of names in a large group');
    // One leaves: two online, small again, and the names are listed.
    await contexts.pop().close();
    const small = await see(viewer, 'button[data-online="2"]', '2 人在线');
    assert.equal(await viewer.locator('[data-large]').count(), 0);
    await small.click();
    await see(viewer, '.online-list', '李明');
    await see(viewer, '.online-list', '王晓光');
  } finally {
    for (const context of contexts) await context.close();
    await big.dispose();
  }
});

