// /join/<code>: enter your name, done. The session stays on this device.
import { useState } from 'preact/hooks';
import { redeem } from '../auth';
import { t } from '../i18n';

export function JoinView({ code }: { code: string }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    setBusy(true);
    setFailed('');
    try {
      await redeem(code, trimmed);
      location.replace('/');
    } catch (err) {
      setFailed(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <div class="join">
      <img src="/icons/icon.svg" alt="" class="join-logo" />
      <h1>{t('joinTitle')}</h1>
      <p>{t('joinIntro')}</p>
      <form onSubmit={submit}>
        <label>
          {t('yourName')}
          <input
            name="name"
            autocomplete="name"
            maxLength={40}
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            required
            autofocus
          />
        </label>
        <button type="submit" class="primary big" disabled={busy || !name.trim()}>
          {busy ? t('joining') : t('join')}
        </button>
      </form>
      {failed ? (
        <p class="error" role="alert">
          {t('joinFailed')} ({failed})
        </p>
      ) : null}
    </div>
  );
}
