// MusterClient: one WebSocket connection to Muster that stays up by itself.
//
// Contract (docs: ../README.md; wire: docs/PROTOCOL.md):
// - connect() opens the connection and resolves once the server accepted the token; from then on
//   the client reconnects by itself after any loss (exponential backoff with jitter, 0.5 s to
//   30 s) until close().
// - Every subscription resumes from its lastSeq on reconnect (in `connect.resume`, one round
//   trip), so onEvent sees every logged event of its group exactly once, in seq order. Where the
//   server no longer has them (`recovered: false`) the subscription emits 'gap' first.
// - Commands made while disconnected wait and are sent, in order, once connected. A command
//   lost in flight by a dropped connection is sent again when that cannot apply it twice
//   (publish, duty_create and meeting_schedule carry a generated client_msg_id the server
//   deduplicates by; reads are harmless); any other one rejects with DISCONNECTED, because
//   whether the server applied it is unknown.
// - The token is refreshed on the open connection before it expires (`refresh`), and fetched
//   anew from `token()` for a reconnect when within a minute of expiry or after the server
//   refused it (an UNAUTHENTICATED reply, or close code 4001).
// Threading: the JS event loop; every callback runs on it. Listeners may call back into the
// client. Errors: commands reject with MusterError; connection trouble goes to 'error' and
// 'state' listeners, never thrown.
import { decodeServerFrame, encodeClientFrame, SUBPROTOCOL, type Encoding } from './codec.js';
import { Emitter } from './emitter.js';
import { MusterError } from './errors.js';
import { CommandHelpers, COMMAND_FIELDS, type CommandName, type Commands } from './gen/commands.js';
import type {
  ConnectReply,
  Event,
  PresenceCount,
  PresenceReply,
  PresenceUser,
  PublishReply,
  SubscribeReply,
} from './gen/types.js';
import { randomId } from './ids.js';
import { Subscription, type SubscribeOptions } from './subscription.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** Why `token()` is asked: the first connect, a reconnect whose token is about to expire or
 *  was refused, or the refresh before expiry on an open connection. */
export interface TokenRequest {
  reason: 'connect' | 'refused' | 'expiring';
}
export type TokenSource = string | ((request: TokenRequest) => string | Promise<string>);

/** What the client needs of a WebSocket: browsers', React Native's, the `ws` package's, and
 *  the WeChat adapter's all fit. */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => any;

export interface MusterClientOptions {
  /** wss://host/ws (or ws:// for local use). */
  url: string;
  /** The JWT, or a function called at connect and before expiry. */
  token: TokenSource;
  /** 'proto' (default) or 'json'. */
  encoding?: Encoding;
  /** A WebSocket constructor; defaults to globalThis.WebSocket (Node < 22: pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /** Sent in `connect.client`, for the server's logs. */
  clientName?: string;
  /** Reconnect delays: the first after a loss, and the ceiling (defaults 500 and 30000 ms). */
  reconnectDelayMs?: { min?: number; max?: number };
  /** How long the WebSocket handshake plus `connect` may take before the attempt is dropped. */
  connectTimeoutMs?: number;
  /** HTTP base for `http()` (default: derived from `url`, ws->http, wss->https, without /ws). */
  httpUrl?: string;
  /** fetch for `http()` (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch;
}

export interface ClientEvents extends Record<string, unknown> {
  state: ConnectionState;
  /** Transient events (presence, meeting signals): seq 0, never stored, never replayed. */
  transient: Event;
  /** How many are online in a large group (more than the server's presence.list_max_members):
   *  sent instead of per-user presence notices, at most once per batch window in which someone
   *  came or went. `listed: true`: the group is small again, per-user notices follow (page
   *  the list once with presencePages()). Also delivered on 'transient' as `presenceCount`. */
  presenceCount: PresenceCount;
  /** Every logged event delivered to any subscription (after its own onEvent). */
  event: Event;
  /** Connection trouble, refused tokens, errors the server sent outside a reply. */
  error: MusterError;
  /** Each successful connect (also after reconnects). */
  connected: ConnectReply;
}

const DEFAULT_MIN_DELAY = 500;
const DEFAULT_MAX_DELAY = 30_000;
const DEFAULT_CONNECT_TIMEOUT = 20_000;
const EXPIRY_MARGIN_MS = 60_000;
const CLOSE_TOKEN_EXPIRED = 4001;
// A resend-safe command refused as RATE_LIMITED or UNAVAILABLE is tried again after the
// server's retry_after_ms (at least an exponential step from 200 ms), this many times at most.
const MAX_RETRIES = 8;
const RETRYABLE_CODES = new Set(['RATE_LIMITED', 'UNAVAILABLE']);

/** What to do with a command the connection lost before its reply. */
type OnLoss = 'resend' | 'reject' | 'drop';

// Commands that are safe to send again: deduplicated by client_msg_id, or reads.
const RESEND = new Set<CommandName>(['publish', 'duty_create', 'meeting_schedule', 'history',
  'presence', 'meeting_get']);
// Commands whose client_msg_id the SDK generates when the caller gave none.
const IDEMPOTENCY_KEY = new Set<CommandName>(['publish', 'duty_create', 'meeting_schedule']);

interface Pending {
  order: number;
  /** Sends refused with RATE_LIMITED / UNAVAILABLE so far (resend-safe commands retry). */
  tries?: number;
  command: CommandName;
  body: object;
  onLoss: OnLoss;
  resolve: (reply: any) => void;
  reject: (error: MusterError) => void;
}

interface Connection {
  ws: WebSocketLike;
  /** The connect reply arrived: commands may flow. */
  ready: boolean;
  inflight: Map<number, Pending>;
  /** The subscriptions sent in connect.resume, in order. */
  resumed: Subscription[];
  /** Token used for this connection was fetched for it (not reused from before). */
  freshToken: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export class MusterClient extends CommandHelpers {
  /** The connection's state; 'state' listeners hear every change. */
  state: ConnectionState = 'disconnected';
  /** From the last connect reply. */
  userId = '';
  sessionId = '';
  node = '';

  readonly #options: Required<Pick<MusterClientOptions, 'url' | 'token' | 'encoding'>> & MusterClientOptions;
  readonly #events = new (class extends Emitter<ClientEvents> {
    fire<K extends keyof ClientEvents>(event: K, value: ClientEvents[K]): void {
      this.emit(event, value);
    }
    count(event: keyof ClientEvents): number {
      return this.listenerCount(event);
    }
  })();
  readonly #subscriptions = new Map<string, Subscription>();
  #queue: Pending[] = [];
  /** Commands waiting out a retry delay (RATE_LIMITED / UNAVAILABLE). */
  #delayed = new Map<Pending, ReturnType<typeof setTimeout>>();
  #order = 0;
  #nextId = 1;
  #conn: Connection | undefined;
  #started = false;
  #closed = false;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #connectWaiters: Array<{ resolve: () => void; reject: (e: MusterError) => void }> = [];

  // The current access token and what is known of it.
  #token: string | undefined;
  #tokenObtainedAt = 0;
  #tokenExpiresAt = 0; // 0 = unknown / none
  #tokenRefused = false;
  #refusedInARow = 0;

  constructor(options: MusterClientOptions) {
    super();
    if (!options || typeof options.url !== 'string') throw new TypeError('MusterClient: url is required');
    if (typeof options.token !== 'string' && typeof options.token !== 'function') {
      throw new TypeError('MusterClient: token (a string or a function) is required');
    }
    const encoding = options.encoding ?? 'proto';
    if (encoding !== 'proto' && encoding !== 'json') {
      throw new TypeError(`MusterClient: encoding must be 'proto' or 'json', not ${String(encoding)}`);
    }
    this.#options = { ...options, encoding };
  }

  get encoding(): Encoding {
    return this.#options.encoding;
  }

  // ---- events ---------------------------------------------------------------------------------

  on<K extends keyof ClientEvents>(event: K, listener: (value: ClientEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }
  once<K extends keyof ClientEvents>(event: K, listener: (value: ClientEvents[K]) => void): () => void {
    return this.#events.once(event, listener);
  }
  off<K extends keyof ClientEvents>(event: K, listener: (value: ClientEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Resolves once connected (at once if already); reconnects by itself afterwards. Rejects
   *  only when the client is closed first or the server refuses the token for good. */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new MusterError('CLOSED', 'the client was closed'));
    if (this.state === 'connected') return Promise.resolve();
    const waiting = new Promise<void>((resolve, reject) => this.#connectWaiters.push({ resolve, reject }));
    if (!this.#started) {
      this.#started = true;
      void this.#open();
    }
    return waiting;
  }

  /** Skips the current backoff wait (e.g. when the browser says it is online again). */
  reconnectNow(): void {
    if (this.#closed || !this.#started || this.#conn || !this.#reconnectTimer) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    void this.#open();
  }

  /** Closes the connection for good: pending commands reject with CLOSED, subscriptions end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#refreshTimer);
    const conn = this.#conn;
    this.#conn = undefined;
    const error = new MusterError('CLOSED', 'the client was closed');
    if (conn) {
      clearTimeout(conn.timer);
      for (const p of conn.inflight.values()) p.reject(error);
      conn.inflight.clear();
    }
    for (const p of this.#queue) p.reject(error);
    this.#queue = [];
    for (const [p, timer] of this.#delayed) {
      clearTimeout(timer);
      p.reject(error);
    }
    this.#delayed.clear();
    for (const sub of [...this.#subscriptions.values()]) {
      sub.failed(error);
    }
    this.#subscriptions.clear();
    for (const w of this.#connectWaiters.splice(0)) w.reject(error);
    this.#setState('closed');
    if (conn) await closeSocket(conn.ws);
  }

  // ---- subscriptions --------------------------------------------------------------------------

  /** Starts receiving a group's logged events (see SubscribeOptions). One subscription per
   *  group: unsubscribe before subscribing to the same group again. */
  subscribe(group: string, options: SubscribeOptions = {}): Subscription {
    if (this.#closed) throw new MusterError('CLOSED', 'the client was closed');
    if (typeof group !== 'string' || group === '') throw new TypeError('subscribe: group is required');
    const existing = this.#subscriptions.get(group);
    if (existing && existing.state !== 'closed') {
      throw new MusterError('INVALID_ARGUMENT', `already subscribed to ${group}: unsubscribe first`);
    }
    const sub = new Subscription({ unsubscribeGroup: (s) => this.#unsubscribe(s) }, group, options);
    sub.on('event', (event) => this.#events.fire('event', event));
    this.#subscriptions.set(group, sub);
    if (this.#conn?.ready) this.#sendSubscribe(sub);
    return sub;
  }

  /** The subscription to a group, if any. */
  subscription(group: string): Subscription | undefined {
    return this.#subscriptions.get(group);
  }

  #unsubscribe(sub: Subscription): void {
    if (this.#subscriptions.get(sub.group) !== sub) return;
    this.#subscriptions.delete(sub.group);
    if (this.#conn?.ready) {
      this.#enqueue('unsubscribe', { group: sub.group }, 'drop').catch(() => {});
    }
  }

  // The reply is handled synchronously, not through a promise: the events that follow it may
  // be in the same socket read and must find the subscription already positioned.
  #sendSubscribe(sub: Subscription): void {
    this.#submit({
      order: this.#order++, command: 'subscribe', body: sub.wireRequest(), onLoss: 'drop',
      resolve: (reply: SubscribeReply) => {
        if (this.#subscriptions.get(sub.group) === sub) sub.accepted(reply);
      },
      reject: (error: MusterError) => {
        if (error.code === 'CLOSED' || this.#subscriptions.get(sub.group) !== sub) return;
        this.#subscriptions.delete(sub.group);
        sub.failed(error);
      },
    });
  }

  // ---- commands -------------------------------------------------------------------------------

  /** A chat message. A client_msg_id is generated (unless given); while offline the message
   *  waits and is sent once on reconnect, never stored twice. `mentions`: user ids the message
   *  calls by name; those not connected anywhere get a push. */
  publish(group: string, text: string,
    options: { clientMsgId?: string; meetingId?: string; mentions?: string[] } = {}): Promise<PublishReply> {
    return this.request('publish', {
      group,
      text,
      clientMsgId: options.clientMsgId ?? randomId(),
      ...(options.meetingId ? { meetingId: options.meetingId } : {}),
      ...(options.mentions?.length ? { mentions: options.mentions } : {}),
    });
  }

  /** Any command of the protocol by its ClientFrame field name (snake_case, e.g.
   *  'duty_respond'), with its body in camelCase; resolves with the reply of the same name. */
  request<K extends CommandName>(command: K, body: Commands[K]['request']): Promise<Commands[K]['reply']> {
    if (!(command in COMMAND_FIELDS)) {
      return Promise.reject(new MusterError('INVALID_ARGUMENT', `no such command: ${String(command)}`));
    }
    if (command === 'connect' || command === 'subscribe' || command === 'unsubscribe') {
      return Promise.reject(new MusterError('INVALID_ARGUMENT',
        `${command} is driven by the client: use connect(), subscribe() and sub.unsubscribe()`));
    }
    let payload: Record<string, unknown> = { ...(body as object) };
    if (IDEMPOTENCY_KEY.has(command) && !payload.clientMsgId) payload = { ...payload, clientMsgId: randomId() };
    return this.#enqueue(command, payload, RESEND.has(command) ? 'resend' : 'reject');
  }

  /** Who is online in a group, a page at a time (ordered by user id, `limit` at most the
   *  server's presence.list_max_members, which is also the default): yields each reply
   *  (`users`, `next`, `online`) until the last page. A user who comes or goes meanwhile is
   *  yielded at most once. */
  async *presencePages(group: string, options: { limit?: number } = {}): AsyncGenerator<PresenceReply, void, undefined> {
    let after = '';
    for (;;) {
      const page = await this.request('presence', { group, after, limit: options.limit ?? 0 });
      yield page;
      if (!page.next) return;
      after = page.next;
    }
  }

  /** Every user online in a group, through as many presence pages as it takes; `online` is the
   *  count the last page reported. For small groups that is one request. */
  async presenceAll(group: string, options: { limit?: number } = {}): Promise<{ users: PresenceUser[]; online: number }> {
    const users: PresenceUser[] = [];
    let online = 0;
    for await (const page of this.presencePages(group, options)) {
      users.push(...page.users);
      online = page.online;
    }
    return { users, online };
  }

  /** An HTTP API call with the client's token: JSON in, JSON out (parsed), MusterError on an
   *  error status. `path` starts with /api/v1/. */
  async http<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.#getToken('connect');
    const response = await this.#fetch()(this.#httpUrl() + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return readJsonResponse<T>(response);
  }

  /** The server's HTTP base: options.httpUrl, or derived from url (wss://h/ws -> https://h). */
  get httpBase(): string {
    return this.#httpUrl();
  }

  /** The fetch given in the options, if any (the helpers of push.ts reuse it). */
  get fetchImpl(): typeof globalThis.fetch | undefined {
    return this.#options.fetch;
  }

  #httpUrl(): string {
    if (this.#options.httpUrl) return this.#options.httpUrl.replace(/\/$/, '');
    return httpBaseOf(this.#options.url);
  }

  #fetch(): typeof globalThis.fetch {
    const f = this.#options.fetch ?? globalThis.fetch;
    if (!f) throw new MusterError('HTTP', 'no fetch: pass options.fetch');
    return f.bind(globalThis);
  }

  #enqueue(command: CommandName, body: object, onLoss: OnLoss): Promise<any> {
    if (this.#closed) return Promise.reject(new MusterError('CLOSED', 'the client was closed'));
    return new Promise((resolve, reject) => {
      this.#submit({ order: this.#order++, command, body, onLoss, resolve, reject });
    });
  }

  #submit(pending: Pending): void {
    if (this.#closed) pending.reject(new MusterError('CLOSED', 'the client was closed'));
    else if (this.#conn?.ready) this.#send(this.#conn, pending);
    else this.#queue.push(pending);
  }

  #send(conn: Connection, pending: Pending): void {
    const id = this.#allocateId();
    let data: string | Uint8Array;
    try {
      data = encodeClientFrame({ id, [COMMAND_FIELDS[pending.command]]: pending.body }, this.#options.encoding);
    } catch (error) {
      pending.reject(new MusterError('INVALID_ARGUMENT', `cannot encode ${pending.command}: ${errorText(error)}`));
      return;
    }
    conn.inflight.set(id, pending);
    try {
      conn.ws.send(data);
    } catch (error) {
      // The socket is closing: onclose decides what happens to the command.
      this.#lost(conn, new MusterError('UNAVAILABLE', `send failed: ${errorText(error)}`));
    }
  }

  #allocateId(): number {
    const id = this.#nextId;
    this.#nextId = id >= 0xfffffffe ? 1 : id + 1;
    return id;
  }

  // ---- connection -----------------------------------------------------------------------------

  async #open(): Promise<void> {
    if (this.#closed || this.#conn) return;
    this.#reconnectTimer = undefined;
    this.#setState('connecting');
    let token: string;
    let fresh: boolean;
    try {
      const before = this.#token;
      token = await this.#getToken(this.#tokenRefused ? 'refused' : 'connect');
      fresh = token !== before || typeof this.#options.token === 'string';
    } catch (error) {
      if (this.#closed) return;
      const e = error instanceof MusterError ? error : new MusterError('UNAUTHENTICATED', `token(): ${errorText(error)}`);
      this.#events.fire('error', e);
      if (e.code === 'UNAUTHENTICATED' && error instanceof MusterError) {
        // The token source says the user is signed out (e.g. the refresh token was revoked).
        this.#fatal(e);
        return;
      }
      this.#scheduleReconnect();
      return;
    }
    if (this.#closed || this.#conn) return;

    const WebSocketImpl = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl) {
      this.#fatal(new MusterError('UNAVAILABLE', 'no WebSocket: pass options.WebSocket (e.g. the ws package)'));
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl(this.#options.url, [SUBPROTOCOL[this.#options.encoding]]);
    } catch (error) {
      this.#fatal(new MusterError('INVALID_ARGUMENT', `cannot open ${this.#options.url}: ${errorText(error)}`));
      return;
    }
    ws.binaryType = 'arraybuffer';
    const conn: Connection = { ws, ready: false, inflight: new Map(), resumed: [], freshToken: fresh };
    this.#conn = conn;
    conn.timer = setTimeout(() => {
      if (this.#conn === conn && !conn.ready) this.#lost(conn, new MusterError('TIMEOUT', 'connect timed out'));
    }, this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT);

    ws.onopen = () => {
      if (this.#conn !== conn) return;
      conn.resumed = [...this.#subscriptions.values()].filter((s) => s.state !== 'closed');
      const id = this.#allocateId();
      conn.inflight.set(id, {
        order: -1, command: 'connect', body: {}, onLoss: 'drop',
        resolve: (reply: ConnectReply) => this.#connected(conn, reply),
        reject: (error) => this.#connectRefused(conn, error),
      });
      try {
        ws.send(encodeClientFrame({
          id,
          connect: {
            token,
            client: this.#options.clientName ?? 'muster-js',
            resume: conn.resumed.map((s) => s.wireRequest()),
          },
        }, this.#options.encoding));
      } catch (error) {
        this.#lost(conn, new MusterError('UNAVAILABLE', `send failed: ${errorText(error)}`));
      }
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (this.#conn !== conn) return;
      let frame: Record<string, any>;
      try {
        frame = decodeServerFrame(event.data);
      } catch (error) {
        this.#events.fire('error', new MusterError('BAD_FRAME', `undecodable frame from the server: ${errorText(error)}`));
        this.#lost(conn, new MusterError('BAD_FRAME', 'undecodable frame'));
        return;
      }
      this.#onFrame(conn, frame);
    };
    ws.onerror = () => {
      // Always followed by onclose (browsers, ws): handled there.
    };
    ws.onclose = (event: { code?: number; reason?: string }) => {
      if (this.#conn !== conn) return;
      const code = event?.code ?? 1006;
      if (code === CLOSE_TOKEN_EXPIRED) this.#tokenRefused = true;
      this.#lost(conn, new MusterError('DISCONNECTED', `connection closed (${code}${event?.reason ? ` ${event.reason}` : ''})`), code);
    };
  }

  #connected(conn: Connection, reply: ConnectReply): void {
    if (this.#conn !== conn) return;
    clearTimeout(conn.timer);
    conn.ready = true;
    this.#attempt = 0;
    this.#refusedInARow = 0;
    this.#tokenRefused = false;
    this.userId = reply.userId;
    this.sessionId = reply.sessionId;
    this.node = reply.node;
    if (reply.expiresAtMs) this.#tokenExpiresAt = reply.expiresAtMs;
    this.#scheduleRefresh();

    // Restored subscriptions, in the order they were sent.
    const resumed = reply.resumed ?? [];
    conn.resumed.forEach((sub, i) => {
      const entry = resumed[i];
      if (this.#subscriptions.get(sub.group) !== sub) return;  // unsubscribed meanwhile
      if (!entry) {
        this.#sendSubscribe(sub);
      } else if (entry.error) {
        this.#subscriptions.delete(sub.group);
        sub.failed(MusterError.from(entry.error));
      } else {
        sub.accepted(entry);
      }
    });
    // Subscriptions made while the connect was under way.
    for (const sub of this.#subscriptions.values()) {
      if (sub.state === 'pending' && !conn.resumed.includes(sub)) this.#sendSubscribe(sub);
    }
    // Commands that waited, oldest first.
    const queued = this.#queue.sort((a, b) => a.order - b.order);
    this.#queue = [];
    for (const p of queued) {
      if (this.#conn !== conn) {
        this.#queue.push(p);
        continue;
      }
      this.#send(conn, p);
    }
    if (this.#conn !== conn) return;
    this.#setState('connected');
    this.#events.fire('connected', reply);
    for (const w of this.#connectWaiters.splice(0)) w.resolve();
  }

  #connectRefused(conn: Connection, error: MusterError): void {
    if (this.#conn !== conn) return;
    if (error.code === 'UNAUTHENTICATED') {
      this.#tokenRefused = true;
      this.#refusedInARow += conn.freshToken ? 1 : 0;
      this.#events.fire('error', error);
      // A static token, or two fresh ones in a row, refused: retrying cannot help.
      if (typeof this.#options.token === 'string' || this.#refusedInARow >= 2) {
        this.#fatal(error);
        return;
      }
    } else {
      this.#events.fire('error', error);
    }
    this.#lost(conn, error);
  }

  /** The connection is over (closed, failed, timed out): settle its commands, reconnect. */
  #lost(conn: Connection, error: MusterError, closeCode?: number): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    clearTimeout(conn.timer);
    clearTimeout(this.#refreshTimer);
    conn.ws.onopen = conn.ws.onmessage = null;
    conn.ws.onclose = conn.ws.onerror = () => {};
    if (closeCode === undefined) void closeSocket(conn.ws);
    for (const [, p] of conn.inflight) {
      if (p.onLoss === 'resend') this.#queue.push(p);
      else if (p.onLoss === 'reject') {
        p.reject(new MusterError('DISCONNECTED',
          `the connection was lost before the reply to ${p.command}; it may or may not have been applied`));
      }
    }
    conn.inflight.clear();
    for (const sub of this.#subscriptions.values()) sub.suspended();
    if (this.#closed) return;
    if (conn.ready && error.code !== 'DISCONNECTED') this.#events.fire('error', error);
    this.#scheduleReconnect(closeCode === CLOSE_TOKEN_EXPIRED && conn.ready);
  }

  #scheduleReconnect(soon = false): void {
    if (this.#closed || this.#reconnectTimer) return;
    this.#setState('disconnected');
    const min = this.#options.reconnectDelayMs?.min ?? DEFAULT_MIN_DELAY;
    const max = this.#options.reconnectDelayMs?.max ?? DEFAULT_MAX_DELAY;
    const ceiling = Math.min(max, min * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    // Equal jitter: between half the step and the step, so that a crowd of clients dropped by
    // the same restart does not come back in lockstep.
    const delay = soon ? 0 : ceiling / 2 + Math.random() * (ceiling / 2);
    this.#reconnectTimer = setTimeout(() => void this.#open(), delay);
  }

  #fatal(error: MusterError): void {
    for (const w of this.#connectWaiters.splice(0)) w.reject(error);
    void this.close();
  }

  #setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.#events.fire('state', state);
  }

  // ---- frames ---------------------------------------------------------------------------------

  #onFrame(conn: Connection, frame: Record<string, any>): void {
    const id: number = frame.id ?? 0;
    if (id !== 0) {
      const pending = conn.inflight.get(id);
      if (!pending) return;
      conn.inflight.delete(id);
      if (frame.error) this.#refused(pending, MusterError.from(frame.error));
      else pending.resolve(frame[COMMAND_FIELDS[pending.command]] ?? {});
      return;
    }
    if (frame.event) {
      const event = frame.event as Event;
      if (!event.seq) {
        this.#events.fire('transient', event);
        if (event.presenceCount) this.#events.fire('presenceCount', event.presenceCount);
        return;
      }
      this.#subscriptions.get(event.group)?.deliver(event);
      return;
    }
    if (frame.error) this.#serverNotice(MusterError.from(frame.error));
  }

  #refused(pending: Pending, error: MusterError): void {
    const tries = pending.tries ?? 0;
    if (pending.onLoss !== 'resend' || !RETRYABLE_CODES.has(error.code) || tries >= MAX_RETRIES) {
      pending.reject(error);
      return;
    }
    pending.tries = tries + 1;
    const delay = Math.min(10_000, Math.max(error.retryAfterMs, 200 * 2 ** tries));
    this.#delayed.set(pending, setTimeout(() => {
      this.#delayed.delete(pending);
      if (this.#conn?.ready) this.#send(this.#conn, pending);
      else this.#queue.push(pending);
    }, delay));
  }

  // An error outside any reply: a token about to be refused, or a subscription the server
  // dropped (membership removed, a catch-up read that failed).
  #serverNotice(error: MusterError): void {
    if (error.code === 'UNAUTHENTICATED') this.#tokenRefused = true;
    const named = /group (\S+?)(?::| failed|$)/.exec(error.message.replace(/^[A-Z_]+: /, ''));
    const sub = named ? this.#subscriptions.get(named[1]!) : undefined;
    if (sub) {
      if (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND') {
        this.#subscriptions.delete(sub.group);
        sub.failed(error);
        return;
      }
      // Anything else (UNAVAILABLE while catching up): subscribe again from the cursor.
      sub.suspended();
      if (this.#conn?.ready) this.#sendSubscribe(sub);
    }
    this.#events.fire('error', error);
  }

  // ---- tokens ---------------------------------------------------------------------------------

  async #getToken(reason: TokenRequest['reason']): Promise<string> {
    const source = this.#options.token;
    if (typeof source === 'string') return source;
    const now = Date.now();
    const stale = !this.#token || this.#tokenRefused || reason === 'expiring' ||
      (this.#tokenExpiresAt !== 0 && this.#tokenExpiresAt - now < EXPIRY_MARGIN_MS);
    if (!stale) return this.#token!;
    const token = await source({ reason: this.#tokenRefused ? 'refused' : reason });
    if (typeof token !== 'string' || token === '') throw new MusterError('UNAUTHENTICATED', 'token() gave no token');
    this.#token = token;
    this.#tokenObtainedAt = Date.now();
    this.#tokenExpiresAt = jwtExpiryMs(token);
    return token;
  }

  // While connected: `refresh` at 80 % of the token's lifetime or a minute before it expires,
  // whichever comes first, but never before half of it (a token of a minute or less would
  // otherwise be refreshed continuously).
  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer);
    if (typeof this.#options.token === 'string' || !this.#tokenExpiresAt) return;
    const life = this.#tokenExpiresAt - this.#tokenObtainedAt;
    const at = this.#tokenObtainedAt + Math.max(Math.min(0.8 * life, life - EXPIRY_MARGIN_MS), 0.5 * life);
    const delay = Math.max(1000, at - Date.now());
    this.#refreshTimer = setTimeout(() => void this.#refresh(), Math.min(delay, 2 ** 31 - 1));
  }

  async #refresh(): Promise<void> {
    const conn = this.#conn;
    if (!conn?.ready || this.#closed) return;
    try {
      const previous = this.#tokenExpiresAt;
      const token = await this.#getToken('expiring');
      if (this.#conn !== conn) return;
      const reply = await this.#enqueue('refresh', { token }, 'drop');
      if (reply.expiresAtMs) this.#tokenExpiresAt = reply.expiresAtMs;
      if (this.#tokenExpiresAt && this.#tokenExpiresAt <= previous) {
        // token() gave no newer token: try again shortly, until the server closes with 4001.
        this.#tokenObtainedAt = Date.now();
      }
      this.#scheduleRefresh();
    } catch (error) {
      if (this.#closed || this.#conn !== conn) return;
      this.#events.fire('error', error instanceof MusterError ? error
        : new MusterError('UNAUTHENTICATED', `token(): ${errorText(error)}`));
      clearTimeout(this.#refreshTimer);
      this.#refreshTimer = setTimeout(() => void this.#refresh(), 5000);
    }
  }
}

// ---- helpers --------------------------------------------------------------------------------

/** The HTTP origin (and path prefix) of a WebSocket URL: wss://h/x/ws -> https://h/x. */
export function httpBaseOf(url: string): string {
  return url.replace(/^ws(s?):\/\//i, 'http$1://').replace(/\/ws\/?$/, '').replace(/\/$/, '');
}

/** A fetch Response as JSON, or a MusterError from the protocol's `{code, message}` body. */
export async function readJsonResponse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    if (body && typeof body.code === 'string') throw MusterError.from(body, response.status);
    throw new MusterError('HTTP', `${response.status} ${response.statusText}`.trim(), { status: response.status });
  }
  return body as T;
}

/** The `exp` of a JWT in ms, 0 when it has none or cannot be read. Runs without atob or
 *  TextDecoder (WeChat): the payload is base64url JSON, and `exp` is ASCII in it. */
export function jwtExpiryMs(token: string): number {
  const payload = token.split('.')[1];
  if (!payload) return 0;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let bits = 0;
  let value = 0;
  let text = '';
  for (const ch of payload.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')) {
    const index = alphabet.indexOf(ch);
    if (index < 0) return 0;
    value = (value << 6) | index;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      text += String.fromCharCode((value >> bits) & 0xff);
    }
  }
  const match = /(?:^|[^\\])"exp"\s*:\s*(\d+(?:\.\d+)?)/.exec(text);
  return match ? Math.floor(Number(match[1]) * 1000) : 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function closeSocket(ws: WebSocketLike): Promise<void> {
  return new Promise((resolve) => {
    const done = setTimeout(resolve, 1000);
    ws.onclose = () => {
      clearTimeout(done);
      resolve();
    };
    ws.onerror = () => {};
    try {
      ws.close(1000, 'bye');
    } catch {
      clearTimeout(done);
      resolve();
    }
  });
}
