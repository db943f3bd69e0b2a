// Push registration against a real musterd: devices registered (PUT /api/v1/devices/{id}) with
// the client's token, and enableWebPush / disableWebPush driving a PushManager the way a browser
// does (a shim here: Node has none; it makes real P-256 keys and an auth secret as a browser
// would), with the server's VAPID key given.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { MusterClient, MusterError, base64UrlToBytes, disableWebPush, enableWebPush, registerDevice,
  removeDevice, webPushDeviceId } from '../dist/index.js';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/jwt.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function pushManagerShim() {
  const calls = { subscribe: [], unsubscribed: 0 };
  let current = null;
  return {
    calls,
    pushManager: {
      async getSubscription() { return current; },
      async subscribe({ userVisibleOnly, applicationServerKey }) {
        assert.equal(userVisibleOnly, true);
        calls.subscribe.push(new Uint8Array(applicationServerKey));
        const ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
        const endpoint = `https://push.example.net/wpush/${randomBytes(8).toString('hex')}`;
        const keyCopy = new Uint8Array(applicationServerKey).slice().buffer;
        current = {
          endpoint,
          options: { applicationServerKey: keyCopy },
          toJSON: () => ({ endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'),
            auth: randomBytes(16).toString('base64url') } }),
          unsubscribe: async () => { calls.unsubscribed++; current = null; return true; },
        };
        return current;
      },
    },
  };
}

function vapidKey() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey().toString('base64url');
}

test('registerDevice / removeDevice with the client token', async () => {
  const c = new MusterClient({ url: server.wsUrl, WebSocket, token: mintToken('liming') });
  const device = await registerDevice(c, 'phone-1', { kind: 'webhook', endpoint: 'https://relay.example.org/hook', secret: 's' });
  assert.equal(device.id, 'phone-1');
  assert.equal(device.user, 'liming');
  assert.equal(typeof device.createdMs, 'number');
  await removeDevice(c, 'phone-1');
  await assert.rejects(removeDevice(c, 'phone-1'), (e) => e instanceof MusterError && e.status === 404);
  await c.close();
});

test('enableWebPush subscribes with the VAPID key and registers the subscription once', async () => {
  const c = new MusterClient({ url: server.wsUrl, WebSocket, token: mintToken('zhangfang') });
  const registration = pushManagerShim();
  const key = vapidKey();
  const first = await enableWebPush(c, { registration, vapidPublicKey: key, locale: 'en', kinds: ['duty', 'meeting'] });
  assert.equal(registration.calls.subscribe.length, 1);
  assert.deepEqual(registration.calls.subscribe[0], base64UrlToBytes(key));
  assert.equal(registration.calls.subscribe[0].length, 65);
  const subscription = await registration.pushManager.getSubscription();
  assert.equal(first.deviceId, webPushDeviceId(subscription.endpoint));
  assert.equal(first.device.kind, 'webpush');
  assert.equal(first.device.endpoint, subscription.endpoint);
  assert.equal(first.device.user, 'zhangfang');

  // Again with the same key: the same subscription and device, no new subscribe.
  const again = await enableWebPush(c, { registration, vapidPublicKey: key });
  assert.equal(again.deviceId, first.deviceId);
  assert.equal(registration.calls.subscribe.length, 1);

  // The server's key changed: the old subscription is dropped, a new one made.
  const rotated = await enableWebPush(c, { registration, vapidPublicKey: vapidKey() });
  assert.equal(registration.calls.unsubscribed, 1);
  assert.equal(registration.calls.subscribe.length, 2);
  assert.notEqual(rotated.deviceId, first.deviceId);
  await assert.rejects(removeDevice(c, first.deviceId), (e) => e.status === 404, 'the stale device was removed');

  await disableWebPush(c, { registration });
  assert.equal(await registration.pushManager.getSubscription(), null);
  await assert.rejects(removeDevice(c, rotated.deviceId), (e) => e.status === 404, 'the device is gone');
  await c.close();
});
