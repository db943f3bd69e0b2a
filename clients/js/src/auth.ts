// Sign-in with invitation links and device sessions (PROTOCOL.md, "Sign-in"):
//
//   POST /api/v1/auth/redeem  {code, name, deviceName} -> {userId, sessionId, accessToken,
//                             refreshToken, expiresAtMs}   (Bearer of an existing user: joins)
//   POST /api/v1/auth/refresh {refreshToken} -> {accessToken, refreshToken, expiresAtMs}
//                             (the refresh token rotates; presenting a rotated one revokes the
//                             whole session: 401)
//
// redeemInvitation / refreshSession are the bare calls. DeviceSession keeps a device signed in:
// it stores the tokens (localStorage or any storage of the same shape, sync or async), hands
// MusterClient a valid access token (`token: () => session.token()`), refreshes it when it is
// within a minute of expiry or was refused, and never runs two refreshes at once: not in one
// page (single flight), nor across tabs sharing the storage (the Web Locks API where there is
// one, and a re-read of the storage before refreshing, since a rotated refresh token presented
// twice would revoke the session).
import { readJsonResponse, type TokenRequest } from './client.js';
import { MusterError } from './errors.js';

export interface SessionTokens {
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  expiresAtMs: number;
}

export interface HttpOptions {
  /** The server's HTTP origin, e.g. https://muster.example.org */
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
}

/** Redeems an invitation code: a new user (or, with `accessToken`, that user) joins its group. */
export async function redeemInvitation(options: HttpOptions & {
  code: string;
  name: string;
  deviceName?: string;
  accessToken?: string;
}): Promise<SessionTokens> {
  const body = await postJson<Partial<SessionTokens>>(options, '/api/v1/auth/redeem',
    { code: options.code, name: options.name, deviceName: options.deviceName ?? '' }, options.accessToken);
  return normalise(body, {});
}

/** Exchanges a refresh token for a new access token and a new (rotated) refresh token. */
export async function refreshSession(options: HttpOptions & { refreshToken: string }): Promise<Omit<SessionTokens, 'userId' | 'sessionId'>> {
  const body = await postJson<Partial<SessionTokens>>(options, '/api/v1/auth/refresh',
    { refreshToken: options.refreshToken });
  const tokens = normalise(body, {});
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAtMs: tokens.expiresAtMs };
}

/** localStorage's shape; async variants (React Native's AsyncStorage, a wrapper of
 *  wx.getStorage) work too. */
export interface TokenStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

export interface DeviceSessionOptions extends HttpOptions {
  /** Where the tokens live between visits; default: globalThis.localStorage if any, else memory. */
  storage?: TokenStorage;
  /** Key in the storage (default 'muster.session'). */
  storageKey?: string;
  /** Called after every change: new tokens, or null once signed out / revoked. */
  onChange?: (tokens: SessionTokens | null) => void;
}

const REFRESH_MARGIN_MS = 60_000;

export class DeviceSession {
  readonly #options: DeviceSessionOptions;
  readonly #storage: TokenStorage;
  readonly #key: string;
  #tokens: SessionTokens | null = null;
  #loaded = false;
  #refreshing: Promise<SessionTokens> | undefined;

  constructor(options: DeviceSessionOptions) {
    this.#options = options;
    this.#key = options.storageKey ?? 'muster.session';
    this.#storage = options.storage ?? (globalThis as { localStorage?: TokenStorage }).localStorage ?? memoryStorage();
  }

  /** The stored tokens, if any (after load()). */
  get tokens(): SessionTokens | null {
    return this.#tokens;
  }
  get userId(): string {
    return this.#tokens?.userId ?? '';
  }

  /** Reads the stored session; true when there is one. */
  async load(): Promise<boolean> {
    this.#tokens = await this.#read();
    this.#loaded = true;
    return this.#tokens !== null;
  }

  /** Redeems an invitation on this device and stores the session. When already signed in,
   *  the current user joins the invitation's group instead of a new user being made. */
  async redeem(code: string, name: string, deviceName = ''): Promise<SessionTokens> {
    if (!this.#loaded) await this.load();
    let accessToken: string | undefined;
    if (this.#tokens) {
      try {
        accessToken = await this.token();
      } catch {
        accessToken = undefined; // signed out meanwhile: redeem as a new user
      }
    }
    const tokens = await redeemInvitation({ ...this.#http(), code, name, deviceName,
      ...(accessToken ? { accessToken } : {}) });
    await this.#store(tokens);
    return tokens;
  }

  /** A valid access token: the stored one, or a refreshed one when it is within a minute of
   *  expiry, or when `request.reason` says the server refused it. Throws MusterError
   *  UNAUTHENTICATED when not signed in or the session was revoked (then it is forgotten). */
  async token(request?: TokenRequest): Promise<string> {
    if (!this.#loaded) await this.load();
    const current = this.#tokens;
    if (!current) throw new MusterError('UNAUTHENTICATED', 'not signed in');
    const refused = request?.reason === 'refused' || request?.reason === 'expiring';
    if (!refused && current.expiresAtMs - Date.now() > REFRESH_MARGIN_MS) return current.accessToken;
    return (await this.refresh(current.accessToken)).accessToken;
  }

  /** Refreshes now (once, however many callers ask at the same time). `stale`: the access
   *  token the caller found wanting; when another tab already replaced it, no refresh is made. */
  refresh(stale?: string): Promise<SessionTokens> {
    if (!this.#refreshing) {
      this.#refreshing = withLock('muster-session-refresh', () => this.#refreshLocked(stale))
        .finally(() => {
          this.#refreshing = undefined;
        });
    }
    return this.#refreshing;
  }

  /** Forgets the session on this device; with `revoke`, asks the server to end it too. */
  async signOut({ revoke = true } = {}): Promise<void> {
    const tokens = this.#tokens;
    if (revoke && tokens) {
      try {
        const f = this.#fetch();
        await f(`${this.#base()}/api/v1/auth/sessions/${encodeURIComponent(tokens.sessionId)}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        });
      } catch {
        // Offline: forgetting it here still signs this device out.
      }
    }
    await this.#store(null);
  }

  async #refreshLocked(stale?: string): Promise<SessionTokens> {
    // Another tab may have refreshed already: its tokens are in the storage.
    const stored = await this.#read();
    if (stored && stored.accessToken !== (stale ?? this.#tokens?.accessToken) &&
        stored.expiresAtMs - Date.now() > REFRESH_MARGIN_MS) {
      this.#tokens = stored;
      return stored;
    }
    const base = stored ?? this.#tokens;
    if (!base) throw new MusterError('UNAUTHENTICATED', 'not signed in');
    let fresh: Omit<SessionTokens, 'userId' | 'sessionId'>;
    try {
      fresh = await refreshSession({ ...this.#http(), refreshToken: base.refreshToken });
    } catch (error) {
      if (error instanceof MusterError && (error.status === 401 || error.code === 'UNAUTHENTICATED')) {
        await this.#store(null);
        throw new MusterError('UNAUTHENTICATED', 'the session has ended: sign in again', { status: 401 });
      }
      throw error;
    }
    const tokens: SessionTokens = { ...base, ...fresh };
    await this.#store(tokens);
    return tokens;
  }

  async #read(): Promise<SessionTokens | null> {
    const text = await this.#storage.getItem(this.#key);
    if (!text) return null;
    try {
      const value = JSON.parse(text) as SessionTokens;
      return value && typeof value.refreshToken === 'string' ? value : null;
    } catch {
      return null;
    }
  }

  async #store(tokens: SessionTokens | null): Promise<void> {
    this.#tokens = tokens;
    this.#loaded = true;
    if (tokens) await this.#storage.setItem(this.#key, JSON.stringify(tokens));
    else await this.#storage.removeItem(this.#key);
    this.#options.onChange?.(tokens);
  }

  #http(): HttpOptions {
    return { baseUrl: this.#options.baseUrl, ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}) };
  }
  #base(): string {
    return this.#options.baseUrl.replace(/\/$/, '');
  }
  #fetch(): typeof globalThis.fetch {
    return fetchOf(this.#options);
  }
}

// ---- helpers --------------------------------------------------------------------------------

function fetchOf(options: HttpOptions): typeof globalThis.fetch {
  const f = options.fetch ?? globalThis.fetch;
  if (!f) throw new MusterError('HTTP', 'no fetch: pass options.fetch');
  return f.bind(globalThis);
}

async function postJson<T>(options: HttpOptions, path: string, body: unknown, bearer?: string): Promise<T> {
  const response = await fetchOf(options)(`${options.baseUrl.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return readJsonResponse<T>(response);
}

function normalise(body: Partial<SessionTokens> | undefined, base: Partial<SessionTokens>): SessionTokens {
  if (!body || typeof body.accessToken !== 'string' || typeof body.refreshToken !== 'string') {
    throw new MusterError('INTERNAL', 'the server answered without tokens');
  }
  return {
    userId: body.userId ?? base.userId ?? '',
    sessionId: body.sessionId ?? base.sessionId ?? '',
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    expiresAtMs: Number(body.expiresAtMs ?? 0),
  };
}

function memoryStorage(): TokenStorage {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

// Serialises `task` across the tabs of an origin where the Web Locks API exists; elsewhere it
// just runs (one page, guarded by the single flight above).
function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: { request(n: string, cb: () => Promise<T>): Promise<T> } } })
    .navigator?.locks;
  return locks ? locks.request(name, task) : task();
}
