// Language, text size, notifications (Web Push through the service worker), sign-out.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useModel } from '../hooks';
import { t } from '../i18n';
import { saveSettings, settings } from '../settings';

function base64UrlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function bytesToBase64Url(buffer: ArrayBuffer | null): string {
  if (!buffer) return '';
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function deviceId(): string {
  let id = localStorage.getItem('muster.device');
  if (!id) {
    id = 'web-' + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem('muster.device', id);
  }
  return id;
}

// What this browser asks to be pushed: the server's default (duty calls, reminders, meetings,
// mentions), and every group message when the volunteer turned that on.
function pushKinds(): string[] | undefined {
  return settings.chatPush ? ['duty', 'reminder', 'meeting', 'mention', 'chat'] : undefined;
}

// Subscribes this browser to Web Push with the server's VAPID key and registers it as a device
// (again: a second call updates the same device, with the settings of now).
async function enablePush(): Promise<string> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || typeof Notification === 'undefined') {
    return t('notificationsUnsupported');
  }
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return t('notificationsBlocked');
  const registration = await navigator.serviceWorker.ready;
  const { publicKey } = await fetch('/api/v1/push/vapid-public-key').then((r) => {
    if (!r.ok) throw new Error(`VAPID key: HTTP ${r.status}`);
    return r.json();
  });
  const key = base64UrlToBytes(publicKey);
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) as ArrayBuffer,
  });
  await api('PUT', `/api/v1/devices/${deviceId()}`, {
    kind: 'webpush',
    endpoint: subscription.endpoint,
    p256dh: bytesToBase64Url(subscription.getKey('p256dh')),
    auth: bytesToBase64Url(subscription.getKey('auth')),
    locale: settings.lang === 'en' ? 'en' : 'zh-CN',
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    kinds: pushKinds(),
  });
  return t('notificationsOn');
}

export function SettingsView() {
  const m = useModel();
  const [, rerender] = useState(0);
  const [pushState, setPushState] = useState(
    typeof Notification !== 'undefined' && Notification.permission === 'granted' ? t('notificationsOn') : '',
  );
  const subscribe = () =>
    enablePush().then(setPushState, (e) => {
      setPushState('');
      m.error(e);
    });
  const change = (c: Partial<typeof settings>) => {
    saveSettings(c);
    rerender((n) => n + 1);
    m.changed();
  };
  return (
    <div>
      <h1>{t('settings')}</h1>
      <div class="card">
        <p class="title">
          {m.myName} <span class="muted small">({m.me})</span>
        </p>
      </div>
      <div class="card">
        <h3>{t('language')}</h3>
        <div class="actions">
          <button class={settings.lang === 'zh' ? 'primary' : ''} onClick={() => change({ lang: 'zh' })} data-lang="zh">
            中文
          </button>
          <button class={settings.lang === 'en' ? 'primary' : ''} onClick={() => change({ lang: 'en' })} data-lang="en">
            English
          </button>
        </div>
        <label class="check">
          <input type="checkbox" checked={settings.large} onChange={(e) => change({ large: (e.target as HTMLInputElement).checked })} data-setting="large" />
          {t('largeText')}
        </label>
      </div>
      <div class="card">
        <h3>{t('notifications')}</h3>
        <button
          class="primary"
          onClick={subscribe}
          data-action="enable-push"
        >
          {t('enableNotifications')}
        </button>
        {pushState ? <p class="small" data-push-state>{pushState}</p> : null}
        <label class="check">
          <input
            type="checkbox"
            checked={settings.chatPush}
            onChange={(e) => {
              change({ chatPush: (e.target as HTMLInputElement).checked });
              // Already subscribed: register the device again with the new choice.
              if (pushState === t('notificationsOn')) subscribe();
            }}
            data-setting="chat-push"
          />
          {t('chatPush')}
        </label>
        <p class="small muted">{t('chatPushHint')}</p>
      </div>
      <button class="danger wide" onClick={() => m.signOut()}>
        {t('signOut')}
      </button>
    </div>
  );
}
