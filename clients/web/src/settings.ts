// Device settings (language, text size, whether every group message is pushed), kept in
// localStorage.
export interface Settings {
  lang: 'zh' | 'en';
  large: boolean;
  chatPush: boolean;
}

const KEY = 'muster.settings';

function load(): Settings {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || '{}');
    return { lang: s.lang === 'en' ? 'en' : 'zh', large: !!s.large, chatPush: !!s.chatPush };
  } catch {
    return { lang: 'zh', large: false, chatPush: false };
  }
}

export const settings: Settings = load();

export function saveSettings(change: Partial<Settings>): void {
  Object.assign(settings, change);
  localStorage.setItem(KEY, JSON.stringify(settings));
  applySettings();
}

export function applySettings(): void {
  document.documentElement.lang = settings.lang === 'en' ? 'en' : 'zh-CN';
  document.documentElement.classList.toggle('large', settings.large);
}
