// Duty calls: what, where, when and how many are still needed, with Accept / Decline; the
// coordinator watches the tally fill live (with names), closes the call, and sends new calls to a
// group or its whole subtree.
import { useEffect, useState } from 'preact/hooks';
import { go, useModel } from '../hooks';
import { formatTime, t } from '../i18n';
import { model, randomId, stateName, type DutyEntry } from '../model';

function sortedCalls(): DutyEntry[] {
  return [...model.duty.values()].sort(
    (a, b) => Number(b.call.createdAtMs ?? 0) - Number(a.call.createdAtMs ?? 0),
  );
}

export function DutyView() {
  const m = useModel();
  const [creating, setCreating] = useState(false);
  const calls = sortedCalls();
  return (
    <div>
      <h1>{t('duty')}</h1>
      {m.isCoordinator ? (
        creating ? (
          <NewCall onDone={() => setCreating(false)} />
        ) : (
          <button class="primary wide" onClick={() => setCreating(true)} data-action="new-call">
            + {t('newCall')}
          </button>
        )
      ) : null}
      {calls.length ? (
        calls.map((d) => <DutyCard key={d.call.callId} entry={d} />)
      ) : (
        <p class="muted">{t('noCalls')}</p>
      )}
    </div>
  );
}

export function DutyDetail({ callId }: { callId: string }) {
  const m = useModel();
  useEffect(() => {
    m.loadDutyCall(callId).catch((e) => m.error(e));
  }, [callId]);
  const entry = m.duty.get(callId);
  return (
    <div>
      <button class="link" onClick={() => go('#/duty')}>
        ‹ {t('duty')}
      </button>
      {entry ? <DutyCard entry={entry} detail /> : <p class="muted">{t('loading')}</p>}
    </div>
  );
}

function DutyCard({ entry, detail }: { entry: DutyEntry; detail?: boolean }) {
  const m = useModel();
  const [busy, setBusy] = useState(false);
  const { call, tally } = entry;
  const state = stateName(tally?.state ?? call.state);
  const slots = Number(tally?.slots ?? call.slots ?? 0);
  const accepted = Number(tally?.accepted ?? 0);
  const acceptedUsers: string[] = tally?.acceptedUsers || [];
  const waitlisted: string[] = tally?.waitlistedUsers || [];
  const mine = entry.answers.get(m.me)?.answer;
  const iAccepted = acceptedUsers.includes(m.me);
  const coordinator = m.role(call.group) === 'coordinator';
  const urgent = String(call.urgency) === 'URGENT' || call.urgency === 2;

  const respond = async (answer: 'ACCEPT' | 'DECLINE') => {
    setBusy(true);
    try {
      const reply = await m.request('duty_respond', { callId: call.callId, answer });
      if (reply?.tally) entry.tally = reply.tally;
      entry.answers.set(m.me, { answer, name: m.myName });
      m.changed();
    } catch (e) {
      m.error(e);
    } finally {
      setBusy(false);
    }
  };
  const close = async () => {
    setBusy(true);
    try {
      await m.request('duty_close', { callId: call.callId });
    } catch (e) {
      m.error(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class={`card duty ${urgent ? 'urgent' : ''}`} data-call={call.callId} data-state={state}>
      <a href={`#/duty/${encodeURIComponent(call.callId)}`} class="plain">
        <div class="card-head">
          <h2>{call.title}</h2>
          <span class={`state state-${state}`}>{t(`state_${state}` as any)}</span>
        </div>
        {urgent ? <span class="tag tag-urgent">{t('urgent')}</span> : null}
        <dl class="facts">
          <dt>{t('where')}</dt>
          <dd>{call.location}</dd>
          <dt>{t('when')}</dt>
          <dd>
            {formatTime(call.startsAtMs)} – {formatTime(call.endsAtMs)}
          </dd>
          <dt>{t('group')}</dt>
          <dd>{m.groupName(call.group)}</dd>
        </dl>
        <div class="slots">
          <span class="big-number" data-slots-left={Math.max(0, slots - accepted)}>
            {Math.max(0, slots - accepted)}
          </span>{' '}
          {t('slotsLeft')} ({accepted}/{slots})
          <progress max={slots || 1} value={accepted} />
        </div>
      </a>
      {iAccepted || mine === 'ACCEPT' ? (
        <p class="answered ok" data-answer="ACCEPT">
          ✓ {waitlisted.includes(m.me) ? t('waitlisted') : t('youAccepted')}
        </p>
      ) : mine === 'DECLINE' ? (
        <p class="answered" data-answer="DECLINE">
          {t('youDeclined')}
        </p>
      ) : null}
      {state === 'OPEN' || (state === 'FILLED' && iAccepted) ? (
        <div class="actions">
          {!iAccepted && state === 'OPEN' ? (
            <button class="primary big" disabled={busy} onClick={() => respond('ACCEPT')} data-action="accept">
              {t('accept')}
            </button>
          ) : null}
          {mine !== 'DECLINE' ? (
            <button class="big" disabled={busy} onClick={() => respond('DECLINE')} data-action="decline">
              {t('decline')}
            </button>
          ) : null}
        </div>
      ) : null}
      {coordinator && (detail || acceptedUsers.length > 0) ? (
        <div class="tally" data-tally={accepted}>
          <h3>
            {t('names')} ({accepted})
          </h3>
          <ol>
            {acceptedUsers.map((u) => (
              <li key={u} data-user={u}>
                {entry.answers.get(u)?.name || m.nameOf(u)}
              </li>
            ))}
          </ol>
          {detail ? (
            <p class="muted small">
              {t('declined')}: {Number(tally?.declined ?? 0)} · {t('pending')}: {Number(tally?.pending ?? 0)}
            </p>
          ) : null}
          {state === 'OPEN' || state === 'FILLED' ? (
            <button disabled={busy} onClick={close} data-action="close">
              {t('close')}
            </button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}

function localInput(ms: number): string {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function NewCall({ onDone }: { onDone: () => void }) {
  const m = useModel();
  const groups = m.groups.filter((g) => g.role === 'coordinator');
  const soon = Math.ceil(Date.now() / 3600000) * 3600000 + 3600000;
  const [form, setForm] = useState({
    group: groups[0]?.id ?? '',
    title: '',
    location: '',
    starts: localInput(soon),
    ends: localInput(soon + 4 * 3600000),
    slots: 2,
    urgent: false,
    subtree: false,
  });
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setForm({ ...form, [k]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const reply = await m.request('duty_create', {
        group: form.group,
        title: form.title.trim(),
        location: form.location.trim(),
        startsAtMs: new Date(form.starts).getTime(),
        endsAtMs: new Date(form.ends).getTime(),
        slots: Number(form.slots),
        urgency: form.urgent ? 'URGENT' : 'ROUTINE',
        includeSubgroups: form.subtree,
        clientMsgId: randomId(),
      });
      onDone();
      if (reply?.callId) go(`#/duty/${encodeURIComponent(reply.callId)}`);
    } catch (err) {
      m.error(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={submit} data-form="new-call">
      <h2>{t('newCall')}</h2>
      <label>
        {t('group')}
        <select name="group" value={form.group} onChange={set('group')}>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" name="subtree" checked={form.subtree} onChange={set('subtree')} />
        {t('includeSubgroups')}
      </label>
      <label>
        {t('title')}
        <input name="title" required maxLength={200} value={form.title} onInput={set('title')} />
      </label>
      <label>
        {t('location')}
        <input name="location" required maxLength={200} value={form.location} onInput={set('location')} />
      </label>
      <label>
        {t('startsAt')}
        <input type="datetime-local" name="starts" required value={form.starts} onInput={set('starts')} />
      </label>
      <label>
        {t('endsAt')}
        <input type="datetime-local" name="ends" required value={form.ends} onInput={set('ends')} />
      </label>
      <label>
        {t('slots')}
        <input type="number" name="slots" min={1} max={1000} required value={form.slots} onInput={set('slots')} />
      </label>
      <label class="check">
        <input type="checkbox" name="urgent" checked={form.urgent} onChange={set('urgent')} />
        {t('urgentCall')}
      </label>
      <div class="actions">
        <button type="submit" class="primary big" disabled={busy}>
          {t('create')}
        </button>
        <button type="button" onClick={onDone}>
          {t('back')}
        </button>
      </div>
    </form>
  );
}
