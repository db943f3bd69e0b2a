// For coordinators: invitation links (create, QR code, revoke) and members' signed-in devices
// (see, revoke).
import { useEffect, useState } from 'preact/hooks';
import { api, blobUrl } from '../api';
import { useModel } from '../hooks';
import { formatTime, t } from '../i18n';
import { model } from '../model';

export function AdminView() {
  const m = useModel();
  const groups = m.groups.filter((g) => g.role === 'coordinator');
  const [group, setGroup] = useState(groups[0]?.id ?? '');
  if (!groups.length) return <p class="muted">{t('coordinatorOnly')}</p>;
  return (
    <div>
      <h1>{t('admin')}</h1>
      <label>
        {t('group')}
        <select name="admin-group" value={group} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
      <Invitations group={group} />
      <Members group={group} />
    </div>
  );
}

function Invitations({ group }: { group: string }) {
  const [list, setList] = useState<any[]>([]);
  const [form, setForm] = useState({ role: 'member', maxUses: 20, days: 7, note: '' });
  const [qr, setQr] = useState<{ id: string; url: string } | null>(null);
  const [fresh, setFresh] = useState<any>(null);
  const load = () =>
    api('GET', `/api/v1/invitations?group=${encodeURIComponent(group)}`).then(
      (r) => setList((r.invitations || []).filter((i: any) => !i.revoked)),
      (e) => model.error(e),
    );
  useEffect(() => {
    setFresh(null);
    setQr(null);
    load();
  }, [group]);
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api('POST', '/api/v1/invitations', {
        group,
        role: form.role,
        maxUses: Number(form.maxUses),
        expiresInS: Number(form.days) * 86400,
        note: form.note,
      });
      setFresh(r.invitation);
      showQr(r.invitation.id);
      load();
    } catch (err) {
      model.error(err);
    }
  };
  const showQr = async (id: string) => {
    try {
      setQr({ id, url: await blobUrl(`/api/v1/invitations/${encodeURIComponent(id)}/qr.svg`) });
    } catch (err) {
      model.error(err);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api('DELETE', `/api/v1/invitations/${encodeURIComponent(id)}`);
      if (fresh?.id === id) setFresh(null);
      if (qr?.id === id) setQr(null);
      load();
    } catch (err) {
      model.error(err);
    }
  };
  return (
    <section class="card" data-section="invitations">
      <h2>{t('invitations')}</h2>
      <form class="form" onSubmit={create} data-form="invite">
        <label>
          {t('role')}
          <select name="role" value={form.role} onChange={(e) => setForm({ ...form, role: (e.target as HTMLSelectElement).value })}>
            <option value="member">{t('role_member')}</option>
            <option value="coordinator">{t('role_coordinator')}</option>
          </select>
        </label>
        <label>
          {t('maxUses')}
          <input type="number" name="maxUses" min={1} value={form.maxUses} onInput={(e) => setForm({ ...form, maxUses: Number((e.target as HTMLInputElement).value) })} />
        </label>
        <label>
          {t('expiresInDays')}
          <input type="number" name="days" min={1} max={365} value={form.days} onInput={(e) => setForm({ ...form, days: Number((e.target as HTMLInputElement).value) })} />
        </label>
        <label>
          {t('note')}
          <input name="note" value={form.note} onInput={(e) => setForm({ ...form, note: (e.target as HTMLInputElement).value })} />
        </label>
        <button type="submit" class="primary">
          {t('newInvitation')}
        </button>
      </form>
      {fresh?.url ? (
        <p class="link-box" data-invitation-url={fresh.url}>
          <input readOnly value={fresh.url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <button type="button" onClick={() => navigator.clipboard?.writeText(fresh.url)}>
            {t('copyLink')}
          </button>
        </p>
      ) : null}
      {qr ? <img class="qr" src={qr.url} alt="QR" data-qr={qr.id} /> : null}
      <ul class="plain-list">
        {list.map((inv) => (
          <li key={inv.id} class="inline" data-invitation={inv.id}>
            <span class="grow">
              {t(`role_${inv.role}` as any) || inv.role} · {t('uses')} {inv.uses}/{inv.maxUses} · {t('expires')}{' '}
              {formatTime(inv.expiresAtMs)} {inv.note ? `· ${inv.note}` : ''}
            </span>
            <button type="button" onClick={() => showQr(inv.id)}>
              {t('showQr')}
            </button>
            <button type="button" class="danger" onClick={() => revoke(inv.id)} data-action="revoke-invitation">
              {t('revoke')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Members({ group }: { group: string }) {
  const [members, setMembers] = useState<any[]>([]);
  const [open, setOpen] = useState('');
  useEffect(() => {
    setOpen('');
    api('GET', `/api/v1/groups/${encodeURIComponent(group)}/members`).then(
      (r) => setMembers(r.members || []),
      (e) => model.error(e),
    );
  }, [group]);
  return (
    <section class="card" data-section="members">
      <h2>
        {t('members')} ({members.length})
      </h2>
      <ul class="plain-list">
        {members.map((mb) => (
          <li key={mb.user}>
            <button class="link" onClick={() => setOpen(open === mb.user ? '' : mb.user)} data-member={mb.user}>
              {mb.name || mb.user} {mb.role === 'coordinator' ? `(${t('role_coordinator')})` : ''}
            </button>
            {open === mb.user ? <Devices user={mb.user} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Devices({ user }: { user: string }) {
  const [sessions, setSessions] = useState<any[] | null>(null);
  const load = () =>
    api('GET', `/api/v1/auth/sessions?user=${encodeURIComponent(user)}`).then(
      (r) => setSessions(r.sessions || []),
      (e) => model.error(e),
    );
  useEffect(() => {
    load();
  }, [user]);
  const revoke = async (id: string) => {
    try {
      await api('DELETE', `/api/v1/auth/sessions/${encodeURIComponent(id)}`);
      load();
    } catch (e) {
      model.error(e);
    }
  };
  if (!sessions) return <p class="muted small">{t('loading')}</p>;
  if (!sessions.length) return <p class="muted small">{t('noDevices')}</p>;
  return (
    <ul class="plain-list devices">
      {sessions.map((s) => (
        <li key={s.id} class="inline" data-session={s.id}>
          <span class="grow small">
            {s.deviceName || '—'} · {t('lastSeen')} {formatTime(s.lastSeenMs || s.createdAtMs)}
          </span>
          <button class="danger" onClick={() => revoke(s.id)} data-action="revoke-session">
            {t('revoke')}
          </button>
        </li>
      ))}
    </ul>
  );
}
