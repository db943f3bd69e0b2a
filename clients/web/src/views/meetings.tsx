// Branch meetings ("organisation life"): schedule, start, join, participants, agenda, shared
// items, raised hands and the floor, a roll call with a countdown, the end; afterwards the
// attendance report as a table and a CSV download.
import { useEffect, useState } from 'preact/hooks';
import { blobUrl, api } from '../api';
import { go, useModel, useNow } from '../hooks';
import { formatTime, t } from '../i18n';
import { model, phaseName, randomId } from '../model';
import { MeetingRoom } from './meeting_room';

export function MeetingsView() {
  const m = useModel();
  const [scheduling, setScheduling] = useState(false);
  const meetings = [...m.meetings.values()].sort(
    (a, b) => Number(b.scheduledAtMs ?? 0) - Number(a.scheduledAtMs ?? 0),
  );
  return (
    <div>
      <h1>{t('meetings')}</h1>
      {m.isCoordinator ? (
        scheduling ? (
          <Schedule onDone={() => setScheduling(false)} />
        ) : (
          <button class="primary wide" onClick={() => setScheduling(true)} data-action="schedule">
            + {t('schedule')}
          </button>
        )
      ) : null}
      {meetings.length ? (
        <ul class="list">
          {meetings.map((s) => (
            <li key={s.meetingId}>
              <a class="row" href={`#/m/${encodeURIComponent(s.meetingId)}`} data-meeting={s.meetingId}>
                <div class="grow">
                  <div class="title">{s.title}</div>
                  <div class="muted small">
                    {m.groupName(s.group)} · {formatTime(s.scheduledAtMs)}
                  </div>
                </div>
                <span class={`state phase-${phaseName(s.phase)}`}>{t(`phase_${phaseName(s.phase)}` as any)}</span>
              </a>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('noMeetings')}</p>
      )}
    </div>
  );
}

function Schedule({ onDone }: { onDone: () => void }) {
  const m = useModel();
  const groups = m.groups.filter((g) => g.role === 'coordinator');
  const [group, setGroup] = useState(groups[0]?.id ?? '');
  const [title, setTitle] = useState('');
  const [agenda, setAgenda] = useState('');
  const [when, setWhen] = useState(() => {
    const d = new Date(Math.ceil(Date.now() / 3600000) * 3600000 - new Date().getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const reply = await m.request('meeting_schedule', {
        group,
        title: title.trim(),
        scheduledAtMs: new Date(when).getTime(),
        agenda: agenda
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        clientMsgId: randomId(),
      });
      onDone();
      go(`#/m/${encodeURIComponent(reply.meetingId)}`);
    } catch (err) {
      m.error(err);
    }
  };
  return (
    <form class="card form" onSubmit={submit} data-form="schedule">
      <h2>{t('schedule')}</h2>
      <label>
        {t('group')}
        <select name="group" value={group} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('title')}
        <input name="title" required value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t('scheduledAt')}
        <input type="datetime-local" name="when" value={when} onInput={(e) => setWhen((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t('agenda')}
        <textarea name="agenda" rows={3} value={agenda} onInput={(e) => setAgenda((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div class="actions">
        <button type="submit" class="primary big">
          {t('schedule')}
        </button>
        <button type="button" onClick={onDone}>
          {t('back')}
        </button>
      </div>
    </form>
  );
}

export function MeetingDetail({ meetingId }: { meetingId: string }) {
  const m = useModel();
  useEffect(() => {
    m.loadMeeting(meetingId).catch((e) => m.error(e));
  }, [meetingId]);
  const s = m.meetings.get(meetingId);
  const roll = s?.rollCall;
  const rollOpen = !!roll?.open;
  const now = useNow(rollOpen);
  const [windowS, setWindowS] = useState(60);
  const [share, setShare] = useState({ title: '', url: '' });
  if (!s) return <p class="muted">{t('loading')}</p>;

  const phase = phaseName(s.phase);
  const host = m.role(s.group) === 'coordinator' || s.host === m.me || (s.coHosts || []).includes(m.me);
  const participants: any[] = s.participants || [];
  const joined = participants.some((p) => p.user === m.me);
  const hands: string[] = s.hands || [];
  const present: string[] = roll?.present || [];
  const run = (cmd: string, extra: Record<string, unknown> = {}) => async () => {
    try {
      const reply = await m.request(cmd, { meetingId, ...extra });
      if (reply?.media) m.meetingMedia.set(meetingId, reply.media);
      if (reply?.state) {
        m.setMeeting(reply.state);
        m.changed();
      }
    } catch (e) {
      m.error(e);
    }
  };
  // Never more than the window (the phone's clock may lag the server's).
  const secondsLeft = rollOpen
    ? Math.max(0, Math.ceil(Math.min(Number(roll.closesMs) - now, Number(roll.closesMs) - Number(roll.openedMs)) / 1000))
    : 0;

  return (
    <div class="meeting" data-phase={phase}>
      <button class="link" onClick={() => go('#/m')}>
        ‹ {t('meetings')}
      </button>
      <div class="card">
        <div class="card-head">
          <h2>{s.title}</h2>
          <span class={`state phase-${phase}`} data-phase-label={phase}>
            {t(`phase_${phase}` as any)}
          </span>
        </div>
        <p class="muted small">
          {m.groupName(s.group)} · {formatTime(s.scheduledAtMs)} · {m.nameOf(s.host)}
        </p>
        <div class="actions">
          {host && phase === 'SCHEDULED' ? (
            <button class="primary big" onClick={run('meeting_start')} data-action="start">
              {t('start')}
            </button>
          ) : null}
          {phase === 'LIVE' && !joined ? (
            <button class="primary big" onClick={run('meeting_join')} data-action="join">
              {t('joinMeeting')}
            </button>
          ) : null}
          {phase === 'LIVE' && joined ? (
            <button onClick={run('meeting_leave')} data-action="leave">
              {t('leave')}
            </button>
          ) : null}
          {host && phase === 'LIVE' ? (
            <button class="danger" onClick={run('meeting_end')} data-action="end">
              {t('end')}
            </button>
          ) : null}
        </div>
      </div>

      {phase === 'LIVE' && joined ? <MeetingRoom meetingId={meetingId} state={s} host={host} /> : null}

      {phase === 'LIVE' ? (
        <div class="card" data-section="roll">
          <h3>{t('rollCall')}</h3>
          {rollOpen ? (
            <div>
              <div class="countdown" data-countdown={secondsLeft}>
                {secondsLeft} {t('secondsLeft')}
              </div>
              {joined && !present.includes(m.me) ? (
                <button class="primary big" onClick={run('meeting_answer_roll')} data-action="answer-roll">
                  {t('answerRoll')}
                </button>
              ) : present.includes(m.me) ? (
                <p class="answered ok">✓ {t('rollAnswered')}</p>
              ) : null}
            </div>
          ) : roll?.closesMs ? (
            <p class="muted">{t('rollClosed')}</p>
          ) : null}
          {roll ? (
            <p class="small" data-roll-present={present.length}>
              {t('present')}: {present.map((u) => m.nameOf(u)).join('、') || '—'}
              {(roll.absent || []).length ? ` · ${t('absent')}: ${roll.absent.map((u: string) => m.nameOf(u)).join('、')}` : ''}
            </p>
          ) : null}
          {host && !rollOpen ? (
            <div class="inline">
              <input
                type="number"
                min={10}
                max={600}
                value={windowS}
                aria-label="seconds"
                onInput={(e) => setWindowS(Number((e.target as HTMLInputElement).value))}
              />
              <button onClick={run('meeting_roll_call', { windowS })} data-action="roll-call">
                {t('openRollCall')}
              </button>
            </div>
          ) : null}
        </div>
      ) : null}

      <div class="card" data-section="participants">
        <h3>
          {t('participants')} ({participants.length})
        </h3>
        {s.floor ? (
          <p class="floor" data-floor={s.floor}>
            {m.nameOf(s.floor)} {t('hasFloor')}
          </p>
        ) : null}
        <ul class="plain-list">
          {participants.map((p) => (
            <li key={p.user} data-participant={p.user}>
              {p.name || m.nameOf(p.user)}
              {hands.includes(p.user) ? <span class="tag">{t('raiseHand')}</span> : null}
              {Number(p.awaySinceMs) ? ' …' : ''}
            </li>
          ))}
        </ul>
        {phase === 'LIVE' && joined ? (
          hands.includes(m.me) ? (
            <button onClick={run('meeting_lower_hand', {})} data-action="lower-hand">
              {t('lowerHand')}
            </button>
          ) : (
            <button onClick={run('meeting_raise_hand')} data-action="raise-hand">
              {t('raiseHand')}
            </button>
          )
        ) : null}
        {host && hands.length ? (
          <div data-section="hands">
            <h4>{t('hands')}</h4>
            {hands.map((u) => (
              <div class="inline" key={u}>
                <span class="grow">{m.nameOf(u)}</span>
                <button onClick={run('meeting_grant_floor', { user: u })} data-action="grant-floor" data-user={u}>
                  {t('grantFloor')}
                </button>
              </div>
            ))}
          </div>
        ) : null}
      </div>

      {(s.agenda || []).length ? (
        <div class="card" data-section="agenda">
          <h3>{t('agenda').split('（')[0].split(' (')[0]}</h3>
          <ol>
            {s.agenda.map((item: string, i: number) => (
              <li key={i} class={Number(s.agendaIndex ?? -1) === i ? 'current' : ''}>
                {item}
                {host && phase === 'LIVE' && Number(s.agendaIndex ?? -1) !== i ? (
                  <button class="link small" onClick={run('meeting_set_agenda_item', { index: i })}>
                    {t('setItem')}
                  </button>
                ) : null}
              </li>
            ))}
          </ol>
        </div>
      ) : null}

      <div class="card" data-section="shared">
        <h3>{t('shared')}</h3>
        <ul class="plain-list">
          {(s.shared || []).map((item: any, i: number) => (
            <li key={i}>
              <a href={item.url} target="_blank" rel="noopener noreferrer">
                {item.title || item.url}
              </a>{' '}
              <span class="muted small">{m.nameOf(item.by)}</span>
            </li>
          ))}
        </ul>
        {phase === 'LIVE' && joined ? (
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              run('meeting_share', share)().then(() => setShare({ title: '', url: '' }));
            }}
          >
            <input placeholder={t('shareTitle')} value={share.title} onInput={(e) => setShare({ ...share, title: (e.target as HTMLInputElement).value })} />
            <input placeholder={t('shareUrl')} type="url" required value={share.url} onInput={(e) => setShare({ ...share, url: (e.target as HTMLInputElement).value })} />
            <button type="submit">{t('share')}</button>
          </form>
        ) : null}
      </div>

      {phase === 'ENDED' && host ? <Report meetingId={meetingId} /> : null}
    </div>
  );
}

function duration(ms: unknown): string {
  const s = Math.round(Number(ms ?? 0) / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
}

function Report({ meetingId }: { meetingId: string }) {
  const [report, setReport] = useState<any>(null);
  const [csv, setCsv] = useState('');
  useEffect(() => {
    const path = `/api/v1/meetings/${encodeURIComponent(meetingId)}/attendance`;
    api('GET', `${path}?format=json`).then(setReport, (e) => model.error(e));
    blobUrl(`${path}?format=csv`).then(setCsv, (e) => model.error(e));
  }, [meetingId]);
  if (!report) return <p class="muted">{t('loading')}</p>;
  return (
    <div class="card" data-section="report">
      <h3>{t('report')}</h3>
      <div class="table-wrap">
        <table class="report">
          <thead>
            <tr>
              <th>{t('name')}</th>
              <th>{t('firstJoin')}</th>
              <th>{t('lastLeave')}</th>
              <th>{t('minutes')}</th>
              <th>{t('roll')}</th>
            </tr>
          </thead>
          <tbody>
            {(report.attendees || []).map((a: any) => (
              <tr key={a.user} data-attendee={a.user}>
                <td>{a.name || model.nameOf(a.user)}</td>
                <td>{formatTime(a.firstJoinMs)}</td>
                <td>{formatTime(a.lastLeaveMs)}</td>
                <td>{duration(a.presentMs)}</td>
                <td>{a.roll ? t('yes') : t('no')}</td>
              </tr>
            ))}
            {(report.absent || []).map((u: string) => (
              <tr key={u} class="muted" data-absent={u}>
                <td>{model.nameOf(u)}</td>
                <td colSpan={4}>{t('absent')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {csv ? (
        <a class="button" href={csv} download={`attendance-${meetingId}.csv`} data-action="csv">
          {t('downloadCsv')}
        </a>
      ) : null}
    </div>
  );
}
