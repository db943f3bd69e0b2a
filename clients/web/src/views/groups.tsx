// The user's groups with unread counts and who is online.
import { useModel } from '../hooks';
import { t } from '../i18n';

export function GroupsView() {
  const m = useModel();
  if (!m.groups.length) return <p class="muted">{t('noGroups')}</p>;
  return (
    <div>
      <h1>
        {t('welcome')}, {m.myName}
      </h1>
      <ul class="list">
        {m.groups.map((g) => {
          const log = m.logs.get(g.id);
          const last = log?.events.filter((e) => e.chat).slice(-1)[0];
          const unread = m.unread(g.id);
          return (
            <li key={g.id}>
              <a href={`#/g/${encodeURIComponent(g.id)}`} class="row" data-group={g.id}>
                <div class="grow">
                  <div class="title">
                    {g.name}
                    {g.role === 'coordinator' ? <span class="tag">{t('role_coordinator')}</span> : null}
                  </div>
                  <div class="muted small ellipsis">
                    {last ? `${last.senderName || m.nameOf(last.sender)}: ${last.chat!.text}` : ''}
                  </div>
                </div>
                <div class="side">
                  {unread > 0 ? (
                    <span class="badge" data-unread={unread}>
                      {unread}
                    </span>
                  ) : null}
                  <div class="muted small">
                    {log ? log.online.size : 0} {t('peopleOnline')}
                  </div>
                </div>
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
