// Push registration (PROTOCOL.md, "Push delivery"):
//
//   GET    /api/v1/push/vapid-public-key  (no token) -> {publicKey: base64url}
//   PUT    /api/v1/devices/{id}           DeviceSpec -> Device (201 created, 200 replaced)
//   DELETE /api/v1/devices/{id}           -> 204
//   GET    /api/v1/devices                -> {devices: [Device]}
//
// enableWebPush subscribes the browser's push service with the server's VAPID key (through a
// service worker registration) and registers the subscription as a `webpush` device of the
// signed-in user; disableWebPush undoes both. registerDevice covers the other kinds (apns,
// fcm, hms, webhook) for apps that obtain their push token elsewhere.
import { readJsonResponse, type MusterClient } from './client.js';
import { fromCanonicalJson } from './codec.js';
import { MusterError } from './errors.js';
import type { HttpOptions } from './auth.js';

export type PushKind = 'duty' | 'reminder' | 'meeting' | 'chat' | 'mention';

/** PUT /api/v1/devices/{id}. Fields by kind: webpush {endpoint, p256dh, auth}; apns {token,
 *  topic, environment}; fcm, hms {token}; webhook {endpoint, secret}. */
export interface DeviceSpec {
  kind: 'webpush' | 'apns' | 'fcm' | 'hms' | 'webhook' | (string & {});
  endpoint?: string;
  p256dh?: string;
  auth?: string;
  token?: string;
  topic?: string;
  environment?: 'production' | 'sandbox';
  secret?: string;
  /** zh-CN (default) or en */
  locale?: string;
  /** IANA time zone, for quiet hours */
  timezone?: string;
  quietHours?: { start: string; end: string };
  /** Which notifications push (default: all but chat) */
  kinds?: PushKind[];
}

export interface Device {
  id: string;
  user?: string;
  kind: string;
  endpoint?: string;
  [field: string]: unknown;
}

/** The server's VAPID public key (base64url), to subscribe a browser with. */
export async function getVapidPublicKey(options: HttpOptions): Promise<string> {
  const f = options.fetch ?? globalThis.fetch;
  if (!f) throw new MusterError('HTTP', 'no fetch: pass options.fetch');
  const body = await readJsonResponse<{ publicKey?: string }>(
    await f.call(globalThis, `${options.baseUrl.replace(/\/$/, '')}/api/v1/push/vapid-public-key`));
  if (!body?.publicKey) throw new MusterError('UNAVAILABLE', 'the server has no VAPID key (push.vapid_private_key_file)');
  return body.publicKey;
}

/** Registers (or replaces) a push target of the client's user. */
export async function registerDevice(client: MusterClient, id: string, spec: DeviceSpec): Promise<Device> {
  return asDevice(await client.http('PUT', `/api/v1/devices/${encodeURIComponent(id)}`, spec));
}

/** Removes a push target of the client's user. */
export async function removeDevice(client: MusterClient, id: string): Promise<void> {
  await client.http('DELETE', `/api/v1/devices/${encodeURIComponent(id)}`);
}

/** The client's user's push targets. */
export async function listDevices(client: MusterClient): Promise<Device[]> {
  const body = await client.http<{ devices?: Device[] }>('GET', '/api/v1/devices');
  return (body?.devices ?? []).map(asDevice);
}

// The server's canonical JSON (int64 as strings) in the SDK's shape (numbers), keeping fields
// this build of the SDK does not know yet.
function asDevice(body: unknown): Device {
  return { ...(body as object), ...fromCanonicalJson<object>('Device', body) } as Device;
}

/** The parts of a ServiceWorkerRegistration / PushManager that Web Push needs. */
export interface PushRegistrationLike {
  pushManager: {
    getSubscription(): Promise<PushSubscriptionLike | null>;
    subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array | ArrayBuffer }): Promise<PushSubscriptionLike>;
  };
}
export interface PushSubscriptionLike {
  endpoint: string;
  options?: { applicationServerKey?: ArrayBuffer | null };
  toJSON(): { endpoint?: string; keys?: Record<string, string> };
  unsubscribe(): Promise<boolean>;
}

export interface WebPushOptions extends Omit<DeviceSpec, 'kind' | 'endpoint' | 'p256dh' | 'auth'> {
  /** navigator.serviceWorker.ready */
  registration: PushRegistrationLike;
  /** The device id on the server; default: derived from the push endpoint (stable for it). */
  deviceId?: string;
  /** Skip the key request when the app has it already. */
  vapidPublicKey?: string;
}

/** Subscribes this browser to push with the server's VAPID key (replacing a subscription made
 *  with another key) and registers it. Needs notification permission granted first. */
export async function enableWebPush(client: MusterClient, options: WebPushOptions): Promise<{ deviceId: string; device: Device }> {
  const { registration, deviceId, vapidPublicKey, ...preferences } = options;
  const key = base64UrlToBytes(vapidPublicKey ?? await getVapidPublicKey({
    baseUrl: client.httpBase, ...(client.fetchImpl ? { fetch: client.fetchImpl } : {}),
  }));
  let subscription = await registration.pushManager.getSubscription();
  const current = subscription?.options?.applicationServerKey;
  if (subscription && current && !sameBytes(new Uint8Array(current), key)) {
    // Made with another key (the server's changed): useless now, as is its device.
    const stale = deviceId ?? webPushDeviceId(subscription.endpoint);
    await subscription.unsubscribe();
    subscription = null;
    if (!deviceId) await removeDevice(client, stale).catch(() => {});
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const json = subscription.toJSON();
  const endpoint = json.endpoint ?? subscription.endpoint;
  const p256dh = json.keys?.p256dh;
  const auth = json.keys?.auth;
  if (!endpoint || !p256dh || !auth) throw new MusterError('INVALID_ARGUMENT', 'the push subscription has no keys');
  const id = deviceId ?? webPushDeviceId(endpoint);
  const device = await registerDevice(client, id, { ...preferences, kind: 'webpush', endpoint, p256dh, auth });
  return { deviceId: id, device };
}

/** Removes the device from the server and unsubscribes the browser. */
export async function disableWebPush(client: MusterClient, options: { registration: PushRegistrationLike; deviceId?: string }): Promise<void> {
  const subscription = await options.registration.pushManager.getSubscription();
  const id = options.deviceId ?? (subscription ? webPushDeviceId(subscription.endpoint) : undefined);
  if (id) {
    try {
      await removeDevice(client, id);
    } catch (error) {
      if (!(error instanceof MusterError && error.status === 404)) throw error;
    }
  }
  await subscription?.unsubscribe();
}

/** A device id for a push endpoint: the same endpoint always gives the same id. */
export function webPushDeviceId(endpoint: string): string {
  // FNV-1a, 2 x 32 bits: short, stable, no crypto needed (not a secret).
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < endpoint.length; i++) {
    const c = endpoint.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `webpush-${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

/** base64url (or base64) text to bytes, without atob (React Native, WeChat). */
export function base64UrlToBytes(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const clean = text.trim().replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const out = new Uint8Array(Math.floor((clean.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of clean) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new MusterError('INVALID_ARGUMENT', 'not base64url');
    value = ((value << 6) | index) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
