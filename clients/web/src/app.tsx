// The shell: sign-in when there is no session (or at /join/<code>), else the connection bar,
// the current view and the bottom navigation.
import { useEffect } from 'preact/hooks';
import { sessionFromToken } from './auth';
import { useModel, useRoute } from './hooks';
import { t } from './i18n';
import { model } from './model';
import { AdminView } from './views/admin';
import { ChatView } from './views/chat';
import { DutyDetail, DutyView } from './views/duty';
import { GroupsView } from './views/groups';
import { JoinView } from './views/join';
import { MeetingDetail, MeetingsView } from './views/meetings';
import { SettingsView } from './views/settings';

function joinCode(): string | null {
  const m = location.pathname.match(/^\/join\/([^/]+)\/?$/);
  return m ? decodeURIComponent(m[1]) : null;
}

// An externally issued token handed over in the fragment (/#token=<JWT>): kept, then hidden.
function takeFragmentToken(): void {
  const m = location.hash.match(/^#token=([\w.-]+)/);
  if (m) {
    sessionFromToken(m[1]);
    history.replaceState(null, '', '/');
  }
}

takeFragmentToken();
const code = joinCode();
if (!code) model.start();

export function App() {
  if (code) return <JoinView code={code} />;
  return <Main />;
}

function ConnectionBar() {
  const m = useModel();
  if (m.signedOut) {
    return (
      <div class="bar bar-error" role="alert" data-conn="signed-out">
        {t('signedOut')}
      </div>
    );
  }
  if (m.conn === 'connected') {
    return (
      <div class="bar bar-ok" data-conn="online">
        <span class="dot" /> {t('online')}
      </div>
    );
  }
  const anyPending = [...m.logs.values()].some((l) => l.pending.length > 0);
  return (
    <div class="bar bar-warn" role="status" data-conn="reconnecting">
      {m.ready ? t('reconnecting') : t('connecting')}
      {anyPending ? <div class="small">{t('offlineQueued')}</div> : null}
    </div>
  );
}

function Errors() {
  const m = useModel();
  if (!m.errors.length) return null;
  return (
    <div class="toasts">
      {m.errors.map((e) => (
        <div class="toast" role="alert" key={e.id} onClick={() => m.dismiss(e.id)}>
          {t('error')}: {e.text}
        </div>
      ))}
    </div>
  );
}

function Nav({ route }: { route: string[] }) {
  const m = useModel();
  const here = route[0] || '';
  const unread = m.groups.reduce((n, g) => n + m.unread(g.id), 0);
  const openCalls = [...m.duty.values()].filter(
    (d) => String(d.tally?.state ?? d.call.state) === 'OPEN' && !d.answers.has(m.me),
  ).length;
  const items: [string, string, number][] = [
    ['', t('groups'), unread],
    ['duty', t('duty'), openCalls],
    ['m', t('meetings'), 0],
  ];
  if (m.isCoordinator) items.push(['admin', t('admin'), 0]);
  items.push(['settings', t('settings'), 0]);
  return (
    <nav class="nav">
      {items.map(([key, label, badge]) => (
        <a
          key={key}
          href={`#/${key}`}
          class={here === key || (key === '' && here === 'g') ? 'active' : ''}
          data-nav={key || 'groups'}
        >
          {label}
          {badge > 0 ? <span class="badge">{badge}</span> : null}
        </a>
      ))}
    </nav>
  );
}

function Main() {
  const route = useRoute();
  const m = useModel();
  useEffect(() => {
    document.title = t('appName');
  }, []);
  let view;
  switch (route[0]) {
    case 'g':
      view = <ChatView group={route[1]} />;
      break;
    case 'duty':
      view = route[1] ? <DutyDetail callId={route[1]} /> : <DutyView />;
      break;
    case 'm':
      view = route[1] ? <MeetingDetail meetingId={route[1]} /> : <MeetingsView />;
      break;
    case 'admin':
      view = <AdminView />;
      break;
    case 'settings':
      view = <SettingsView />;
      break;
    default:
      view = <GroupsView />;
  }
  return (
    <div class="shell">
      <ConnectionBar />
      <Errors />
      <main class="main">{m.ready || route[0] === 'settings' ? view : <p class="muted">{t('loading')}</p>}</main>
      <Nav route={route} />
    </div>
  );
}
