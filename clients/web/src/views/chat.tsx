// A group's chat: history paging, presence, sending (queued while offline, marked sent once the
// server acknowledged it, calling people by name with "@"), and the duty calls and meetings
// announced in the group.
import { useEffect, useRef, useState } from 'preact/hooks';
import { go, useModel } from '../hooks';
import { formatTime, t } from '../i18n';
import type { Ev } from '../model';
import { phaseName } from '../model';
import { MentionPicker, mentionQuery, mentionsIn, withMention } from './mention_picker';

export function ChatView({ group }: { group: string }) {
  const m = useModel();
  const [text, setText] = useState('');
  // Whom the message calls by name so far: user id -> the name written after "@".
  const [picked, setPicked] = useState(new Map<string, string>());
  const [showOnline, setShowOnline] = useState(false);
  const bottom = useRef<HTMLDivElement>(null);
  const log = m.logs.get(group);
  const count = (log?.events.length ?? 0) + (log?.pending.length ?? 0);

  useEffect(() => {
    m.openGroup = group;
    m.markRead(group);
    return () => {
      m.openGroup = '';
    };
  }, [group, log?.loaded]);
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [count]);

  if (!log) return <p class="muted">{t('loading')}</p>;
  const send = (e: Event) => {
    e.preventDefault();
    const trimmed = text.trim();
    if (!trimmed) return;
    m.send(group, trimmed, undefined, mentionsIn(trimmed, picked));
    setText('');
    setPicked(new Map());
  };
  const query = mentionQuery(text);
  return (
    <div class="chat">
      <header class="chat-head">
        <button class="link" onClick={() => go('#/')} aria-label={t('back')}>
          ‹
        </button>
        <div class="grow">
          <div class="title">{m.groupName(group)}</div>
          {log.large ? (
            // A large group: how many, not who (the server sends counts, not lists).
            <span class="small muted" data-online={log.onlineCount} data-large="true">
              {log.onlineCount} {t('peopleOnline')}
            </span>
          ) : (
            <button class="link small" onClick={() => setShowOnline(!showOnline)} data-online={log.online.size}>
              {log.online.size} {t('peopleOnline')}
            </button>
          )}
        </div>
      </header>
      {showOnline && !log.large ? (
        <div class="online-list small">
          {[...log.online.entries()].map(([id, name]) => (
            <span key={id} class="chip">
              <span class="dot" /> {name || m.nameOf(id)}
            </span>
          ))}
        </div>
      ) : null}
      <div class="messages">
        {log.hasEarlier ? (
          <button class="link center" onClick={() => m.loadEarlier(group)} disabled={log.loadingEarlier}>
            {log.loadingEarlier ? t('loading') : t('loadEarlier')}
          </button>
        ) : log.events.length > 0 ? (
          <div class="muted small center">{t('noMore')}</div>
        ) : null}
        {log.events.map((e) => (
          <Line key={e.seq} e={e} mine={e.sender === m.me} />
        ))}
        {log.pending.map((p) => (
          <div key={`p${p.localId}`} class="msg mine" data-state="pending">
            <div class="bubble">{p.text}</div>
            <div class="meta">{m.conn === 'connected' ? t('sending') : t('offlineQueued')}</div>
          </div>
        ))}
        <div ref={bottom} />
      </div>
      <form class="composer" onSubmit={send}>
        {query !== null ? (
          <MentionPicker
            group={group}
            query={query}
            onPick={(mb) => {
              setText(withMention(text, mb.name));
              setPicked(new Map(picked).set(mb.user, mb.name));
            }}
          />
        ) : null}
        <input
          name="message"
          value={text}
          placeholder={t('messagePlaceholder')}
          maxLength={2000}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary" disabled={!text.trim()}>
          {t('send')}
        </button>
      </form>
    </div>
  );
}

function Line({ e, mine }: { e: Ev; mine: boolean }) {
  const m = useModel();
  if (e.dutyCall) {
    return (
      <a class="announce" href={`#/duty/${encodeURIComponent(e.dutyCall.callId)}`}>
        {t('duty')} · {e.senderName}: {e.dutyCall.title}
      </a>
    );
  }
  if (e.meeting) {
    const s = e.meeting.state || {};
    return (
      <a class="announce" href={`#/m/${encodeURIComponent(e.meeting.meetingId)}`}>
        {t('meeting')} · {s.title} · {t(`phase_${phaseName(s.phase)}` as any)}
      </a>
    );
  }
  return (
    <div
      class={mine ? 'msg mine' : 'msg'}
      data-seq={e.seq}
      data-state={mine ? 'sent' : undefined}
      data-mentions-me={!mine && e.chat?.mentions?.includes(m.me) ? 'true' : undefined}
    >
      {mine ? null : <div class="who">{e.senderName || m.nameOf(e.sender)}</div>}
      <div class="bubble">{e.chat?.text}</div>
      <div class="meta">
        {formatTime(e.timeMs)}
        {mine ? ` · ✓ ${t('sent')}` : ''}
      </div>
    </div>
  );
}
