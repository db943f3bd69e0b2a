// The app's state: the user's groups and their logs (chat, duty calls, meetings), presence,
// pending sends and the connection, kept up to date by one MusterClient (the SDK) and read by
// the views. Views re-render on every change (the state is small: one person's groups).
//
// Order and delivery come from the SDK: every logged event once, in seq order, across
// reconnects; presence changes are transient. Each group starts from its newest page of
// history and subscribes from that page's latest seq, so nothing between the two is lost.
import { applyMeetingUpdate, MusterClient } from '@muster/client';
import { api } from './api';
import { accessToken, loadSession, SignedOut, signOut, type Session } from './auth';

export type Ev = {
  group: string;
  seq: number;
  timeMs: number;
  sender: string;
  senderName: string;
  chat?: { text: string; clientMsgId?: string; meetingId?: string; mentions?: string[] };
  dutyCall?: any;
  dutyUpdate?: any;
  meeting?: any;
  dutyReminder?: any;
  presence?: any;
  presenceBatch?: any;
  presenceCount?: { group: string; online: number; listed: boolean };
};

export interface Group {
  id: string;
  name: string;
  parent: string;
  role: 'member' | 'coordinator';
}

export interface Pending {
  localId: number;
  text: string;
  meetingId?: string;
}

export interface GroupLog {
  events: Ev[]; // ascending seq, chat and announcements
  hasEarlier: boolean;
  loadingEarlier: boolean;
  pending: Pending[];
  online: Map<string, string>; // user id -> display name (small groups)
  // A large group (more online than the server lists, presence.list_max_members): the server
  // sends how many are online instead of who, and the app shows only the number.
  large: boolean;
  onlineCount: number;
  lastRead: number;
  loaded: boolean;
}

export interface DutyEntry {
  call: any;
  tally: any;
  answers: Map<string, { answer: string; name: string; note?: string }>;
}

export type ConnState = 'connecting' | 'connected' | 'disconnected' | 'closed';

const STATES = ['STATE_UNSPECIFIED', 'OPEN', 'FILLED', 'CLOSED', 'CANCELLED', 'EXPIRED'];
const PHASES = ['PHASE_UNSPECIFIED', 'SCHEDULED', 'LIVE', 'ENDED'];
const ANSWERS = ['ANSWER_UNSPECIFIED', 'ACCEPT', 'DECLINE'];

// Enum values arrive as names (JSON) or numbers (some decoders): names everywhere in the app.
export const enumName = (table: string[], v: unknown): string =>
  typeof v === 'number' ? (table[v] ?? String(v)) : String(v ?? table[0]);
export const stateName = (v: unknown) => enumName(STATES, v);
export const phaseName = (v: unknown) => enumName(PHASES, v);
export const answerName = (v: unknown) => enumName(ANSWERS, v);

const HISTORY_PAGE = 30;

class Model {
  session: Session | null = loadSession();
  me = '';
  myName = '';
  roles: string[] = [];
  groups: Group[] = [];
  logs = new Map<string, GroupLog>();
  duty = new Map<string, DutyEntry>();
  meetings = new Map<string, any>();
  meetingMedia = new Map<string, any>(); // meeting id -> MeetingMedia of my join
  // Meetings whose state in `meetings` is whole (else only the scalars of their last update).
  private completeMeetings = new Set<string>();
  private meetingFetches = new Map<string, Promise<void>>();
  names = new Map<string, string>();
  conn: ConnState = 'connecting';
  signedOut = false;
  errors: { id: number; text: string }[] = [];
  openGroup = ''; // the chat on screen (read as it arrives)
  ready = false;

  private client: any = null;
  private subs = new Map<string, any>();
  private listeners = new Set<() => void>();
  private nextLocal = 1;
  private scheduled = false;

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const fn of this.listeners) fn();
    });
  }

  error(e: unknown): void {
    if (e instanceof SignedOut) {
      this.signedOut = true;
    } else {
      const id = this.nextLocal++;
      const text = e instanceof Error ? e.message : String(e);
      this.errors = [...this.errors, { id, text }];
      setTimeout(() => this.dismiss(id), 8000);
    }
    this.changed();
  }

  dismiss(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
    this.changed();
  }

  nameOf(user: string): string {
    if (user === this.me) return this.myName || user;
    return this.names.get(user) || user;
  }

  role(group: string): 'member' | 'coordinator' | 'none' {
    return this.groups.find((g) => g.id === group)?.role ?? 'none';
  }

  get isCoordinator(): boolean {
    return this.groups.some((g) => g.role === 'coordinator');
  }

  groupName(id: string): string {
    return this.groups.find((g) => g.id === id)?.name || id;
  }

  unread(group: string): number {
    const log = this.logs.get(group);
    if (!log) return 0;
    return log.events.filter((e) => e.chat && e.seq > log.lastRead && e.sender !== this.me)
      .length;
  }

  // Connects and loads the user's groups; the SDK reconnects by itself afterwards.
  async start(): Promise<void> {
    const session = loadSession();
    if (!session) {
      this.signedOut = true;
      this.changed();
      return;
    }
    this.session = session;
    this.me = session.userId;
    this.myName = session.name || '';
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.client = new MusterClient({
      url: `${scheme}://${location.host}/ws`,
      clientName: 'muster-web',
      // A refused token (4001, or refused at connect) is renewed, not retried as is.
      token: async (request?: { reason?: string }) => {
        try {
          return await accessToken(request?.reason === 'refused');
        } catch (e) {
          if (e instanceof SignedOut) {
            this.signedOut = true;
            this.changed();
          }
          throw e;
        }
      },
    });
    this.client.on('state', (s: ConnState) => {
      // Who is online was learnt on the last connection: ask again after a reconnect.
      if (s === 'connected' && this.conn !== 'connected' && this.ready) {
        for (const group of this.logs.keys()) this.refreshPresence(group);
      }
      if (s !== 'connected') {
        for (const log of this.logs.values()) {
          log.online.clear();
          log.large = false;
          log.onlineCount = 0;
        }
      }
      this.conn = s;
      this.changed();
    });
    this.client.on('transient', (e: Ev) => this.transient(e));
    // Connection losses are on screen already (the connection bar); everything else is told.
    this.client.on('error', (e: any) => {
      if (e?.code !== 'DISCONNECTED' && e?.code !== 'CLOSED') this.error(e);
    });
    // The first connect may fail (no network yet): the SDK keeps trying; commands wait for it.
    this.client.connect().catch((e: unknown) => this.error(e));
    for (let attempt = 1; ; attempt++) {
      try {
        const profile = await api('GET', '/api/v1/me');
        this.me = profile.userId;
        this.myName = profile.name || this.myName;
        this.roles = profile.roles || [];
        this.groups = profile.groups || [];
        break;
      } catch (e) {
        if (e instanceof SignedOut || attempt === 1) this.error(e);
        if (e instanceof SignedOut) return;
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * attempt)));
      }
    }
    this.ready = true;
    this.changed();
    const loads = [...this.groups.map((g) => this.openLog(g.id)), this.loadDuty()];
    for (const result of await Promise.allSettled(loads)) {
      if (result.status === 'rejected') this.error(result.reason);
    }
  }

  private lastReadKey(group: string) {
    return `muster.read.${this.me}.${group}`;
  }

  private async openLog(group: string): Promise<void> {
    const log: GroupLog = {
      events: [],
      hasEarlier: false,
      loadingEarlier: false,
      pending: [],
      online: new Map(),
      large: false,
      onlineCount: 0,
      lastRead: Number(localStorage.getItem(this.lastReadKey(group)) || 0),
      loaded: false,
    };
    this.logs.set(group, log);
    const page = await this.client.request('history', { group, limit: HISTORY_PAGE });
    const events: Ev[] = (page.events || []).map(normalise);
    for (const e of events) this.apply(e, false);
    log.hasEarlier = events.length > 0 && events[0].seq > Number(page.oldestSeq ?? 1);
    log.loaded = true;
    const since = Number(page.latestSeq ?? (events.length ? events[events.length - 1].seq : 0));
    const sub = this.client.subscribe(group, {
      since,
      onEvent: (e: Ev) => this.apply(normalise(e), true),
    });
    sub.on?.('gap', () => {
      // Events were lost to retention while we were away: start this group over.
      sub.unsubscribe();
      this.subs.delete(group);
      this.openLog(group).catch((e) => this.error(e));
    });
    this.subs.set(group, sub);
    this.refreshPresence(group);
    this.changed();
  }

  async refreshPresence(group: string): Promise<void> {
    try {
      // One page: a group with more online than a page is large, and only its number is shown
      // (listing thousands would cost every phone their data).
      const reply = await this.client.request('presence', { group });
      const log = this.logs.get(group);
      if (!log) return;
      log.online = new Map((reply.users || []).map((u: any) => [u.userId, u.name]));
      log.large = Boolean(reply.next);
      log.onlineCount = Number(reply.online ?? log.online.size);
      if (log.large) log.online.clear();
      for (const [id, name] of log.online) if (name) this.names.set(id, name);
      this.changed();
    } catch (e) {
      this.error(e);
    }
  }

  async loadEarlier(group: string): Promise<void> {
    const log = this.logs.get(group);
    if (!log || log.loadingEarlier || !log.events.length) return;
    log.loadingEarlier = true;
    this.changed();
    try {
      const page = await this.client.request('history', {
        group,
        beforeSeq: log.events[0].seq,
        limit: HISTORY_PAGE,
      });
      const events: Ev[] = (page.events || []).map(normalise);
      for (const e of events) this.apply(e, false);
      log.hasEarlier = events.length > 0 && events[0].seq > Number(page.oldestSeq ?? 1);
    } catch (e) {
      this.error(e);
    } finally {
      log.loadingEarlier = false;
      this.changed();
    }
  }

  markRead(group: string): void {
    const log = this.logs.get(group);
    if (!log || !log.events.length) return;
    const latest = log.events[log.events.length - 1].seq;
    if (latest > log.lastRead) {
      log.lastRead = latest;
      localStorage.setItem(this.lastReadKey(group), String(latest));
      this.changed();
    }
  }

  // Shown at once as "sending"; the SDK holds it while offline and sends it once; it becomes
  // "sent" when the server's reply (its seq) comes back.
  send(group: string, text: string, meetingId?: string, mentions: string[] = []): void {
    const log = this.logs.get(group);
    if (!log) return;
    const pending: Pending = { localId: this.nextLocal++, text, meetingId };
    log.pending = [...log.pending, pending];
    this.changed();
    const sent: Promise<{ seq: number }> = this.client.publish(group, text, {
      ...(meetingId ? { meetingId } : {}),
      mentions,
    });
    sent
      .then(({ seq }) => {
        log.pending = log.pending.filter((p) => p !== pending);
        const n = Number(seq);
        if (!log.events.some((e) => e.seq === n)) {
          insert(log.events, {
            group,
            seq: n,
            timeMs: Date.now(),
            sender: this.me,
            senderName: this.myName,
            chat: { text, meetingId, mentions },
          });
        }
        this.changed();
      })
      .catch((e: unknown) => {
        log.pending = log.pending.filter((p) => p !== pending);
        this.error(e);
      });
  }

  request<T = any>(cmd: string, body: unknown): Promise<T> {
    return this.client.request(cmd, body);
  }

  /** The SDK client (meeting media uses its signalling helpers). */
  get sdk(): any {
    return this.client;
  }

  async loadDuty(): Promise<void> {
    const list = await api('GET', '/api/v1/duty-calls?limit=50');
    for (const record of list.calls || []) this.mergeDutyRecord(record);
    this.changed();
  }

  async loadDutyCall(callId: string): Promise<void> {
    const record = await api('GET', `/api/v1/duty-calls/${encodeURIComponent(callId)}`);
    this.mergeDutyRecord(record);
    for (const r of record.responses || []) {
      const entry = this.duty.get(callId)!;
      if (r.name) this.names.set(r.user, r.name);
      entry.answers.set(r.user, {
        answer: answerName(r.answer),
        name: r.name || this.nameOf(r.user),
        note: r.note,
      });
    }
    this.changed();
  }

  private mergeDutyRecord(record: any): void {
    const call = record.call;
    if (!call?.callId) return;
    const entry = this.duty.get(call.callId);
    if (entry) {
      entry.call = { ...entry.call, ...call };
      entry.tally = record.tally ?? entry.tally;
    } else {
      this.duty.set(call.callId, { call, tally: record.tally ?? {}, answers: new Map() });
    }
  }

  async loadMeeting(meetingId: string): Promise<void> {
    const pending = this.meetingFetches.get(meetingId);
    if (pending) return pending;
    const fetch = (async () => {
      const reply = await this.client.request('meeting_get', { meetingId });
      this.setMeeting(reply.state);
      this.changed();
    })().finally(() => this.meetingFetches.delete(meetingId));
    this.meetingFetches.set(meetingId, fetch);
    return fetch;
  }

  /** A whole state (meeting_get, the reply to a meeting command): updates apply to it. */
  setMeeting(state: any): void {
    if (!state?.meetingId) return;
    this.meetings.set(state.meetingId, state);
    this.completeMeetings.add(state.meetingId);
    for (const p of state.participants || []) if (p.name) this.names.set(p.user, p.name);
  }

  // A MeetingUpdate carries what changed and the meeting's scalars, not its lists: applied to a
  // whole state when there is one (else the scalars alone serve the list of meetings), and the
  // state fetched again when the update is not enough (a closed roll call's names, a count
  // that disagrees).
  private applyMeeting(update: any, live: boolean): void {
    const id = update.meetingId;
    const known = this.meetings.get(id);
    if (!live && known) return;  // a history page loaded later must not roll a meeting back
    if (known && this.completeMeetings.has(id)) {
      const next = applyMeetingUpdate(known, update);
      if (next) {
        this.setMeeting(next);
        return;
      }
      this.completeMeetings.delete(id);
      this.meetings.set(id, { ...known, ...scalarsOf(update.state) });
      this.loadMeeting(id).catch(() => {});
      return;
    }
    if (update.state) this.meetings.set(id, { ...(known || {}), ...scalarsOf(update.state), meetingId: id });
  }

  private apply(e: Ev, live: boolean): void {
    const log = this.logs.get(e.group);
    if (e.sender && e.senderName) this.names.set(e.sender, e.senderName);
    if (e.dutyCall) {
      const call = { ...e.dutyCall };
      const entry = this.duty.get(call.callId);
      if (entry) entry.call = { ...entry.call, ...call };
      else
        this.duty.set(call.callId, {
          call,
          tally: { callId: call.callId, accepted: 0, declined: 0, slots: call.slots, state: call.state },
          answers: new Map(),
        });
    }
    if (e.dutyUpdate) {
      const u = e.dutyUpdate;
      const entry = this.duty.get(u.callId);
      if (entry) {
        entry.tally = u;
        entry.call = { ...entry.call, state: u.state };
        if (u.user) {
          entry.answers.set(u.user, {
            answer: answerName(u.answer),
            name: (u.user === e.sender && e.senderName) || this.nameOf(u.user),
          });
        }
      } else if (live) {
        this.loadDutyCall(u.callId).catch(() => {});
      }
    }
    if (e.meeting) this.applyMeeting(e.meeting, live);
    if (live && e.dutyReminder && (e.dutyReminder.users || []).includes(this.me)) {
      notifyLocally(e.dutyReminder.title, `#/duty/${e.dutyReminder.callId}`);
    }
    if (log && (e.chat || e.dutyCall || (e.meeting && isAnnounced(e.meeting.change)))) {
      insert(log.events, e);
      if (live && e.group === this.openGroup && document.visibilityState === 'visible') {
        this.markRead(e.group);
      }
    }
    this.changed();
  }

  private transient(e: Ev): void {
    const log = this.logs.get(e.group);
    if (!log) return;
    if (e.presenceCount) {
      if (e.presenceCount.listed) {
        // Small again: per-user notices follow; learn who is there once.
        this.refreshPresence(e.group);
      } else {
        log.large = true;
        log.online.clear();
      }
      log.onlineCount = Number(e.presenceCount.online);
      this.changed();
      return;
    }
    const changes = e.presence ? [e.presence] : e.presenceBatch?.changes || [];
    for (const c of changes) {
      if (c.name) this.names.set(c.userId, c.name);
      if (log.large) continue;
      if (c.online) log.online.set(c.userId, c.name);
      else log.online.delete(c.userId);
    }
    log.onlineCount = log.large ? log.onlineCount : log.online.size;
    this.changed();
  }

  async signOut(): Promise<void> {
    try {
      await this.client?.close();
    } finally {
      signOut();
      location.href = '/';
    }
  }
}

// An update's state without its (empty) lists: what it says about the meeting.
function scalarsOf(state: any): any {
  if (!state) return {};
  const scalars = { ...state };
  for (const list of ['agenda', 'shared', 'hands', 'participants']) delete scalars[list];
  if (state.rollCall) scalars.rollCall = { ...state.rollCall, present: [], absent: [] };
  return scalars;
}

function isAnnounced(change: unknown): boolean {
  const c = String(change);
  return c === 'SCHEDULED' || c === 'STARTED' || c === 'ENDED' || c === '1' || c === '2' || c === '14';
}

// Sorted insert without duplicates (a live event may meet its own history page).
function insert(events: Ev[], e: Ev): void {
  let i = events.length;
  while (i > 0 && events[i - 1].seq > e.seq) i--;
  if (i > 0 && events[i - 1].seq === e.seq) {
    events[i - 1] = e;
    return;
  }
  events.splice(i, 0, e);
}

function normalise(e: any): Ev {
  return { ...e, seq: Number(e.seq), timeMs: Number(e.timeMs) };
}

export function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function notifyLocally(title: string, hash: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  navigator.serviceWorker?.ready
    .then((r) => r.showNotification(title, { data: {}, tag: hash, icon: '/icons/icon-192.png' }))
    .catch(() => {});
}

export const model = new Model();
