// The device's sign-in: the session from an invitation (POST /api/v1/auth/redeem), kept in
// localStorage so the volunteer stays signed in, with its access token renewed through
// POST /api/v1/auth/refresh before it expires (the refresh token rotates on every use).
// Organisations with their own identity system may instead open the app at /#token=<JWT>:
// that token is used as is (no refresh) until it expires.

export interface Session {
  userId: string;
  sessionId?: string;
  name?: string;
  accessToken: string;
  refreshToken?: string;
  expiresAtMs: number;
}

const KEY = 'muster.session';

export class SignedOut extends Error {}

function jwtClaims(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''),
    );
    return JSON.parse(json);
  } catch {
    return {};
  }
}

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || 'null');
    return s && s.accessToken ? s : null;
  } catch {
    return null;
  }
}

function saveSession(s: Session | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

export function sessionFromToken(token: string): Session {
  const claims = jwtClaims(token);
  const s: Session = {
    userId: String(claims.sub ?? ''),
    name: typeof claims.name === 'string' ? claims.name : undefined,
    accessToken: token,
    expiresAtMs: Number(claims.exp ?? 0) * 1000,
  };
  saveSession(s);
  return s;
}

export function signOut(): void {
  saveSession(null);
}

async function jsonError(response: Response): Promise<Error> {
  try {
    const body = await response.json();
    return new Error(body.message || body.code || `HTTP ${response.status}`);
  } catch {
    return new Error(`HTTP ${response.status}`);
  }
}

// Redeems an invitation code; an already signed-in user joins the group as themselves.
export async function redeem(code: string, name: string): Promise<Session> {
  const current = loadSession();
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (current && current.expiresAtMs > Date.now() + 5000) {
    headers.Authorization = `Bearer ${current.accessToken}`;
  }
  const response = await fetch('/api/v1/auth/redeem', {
    method: 'POST',
    headers,
    body: JSON.stringify({ code, name, deviceName: deviceName() }),
  });
  if (!response.ok) throw await jsonError(response);
  const body = await response.json();
  const s: Session = {
    userId: body.userId,
    sessionId: body.sessionId,
    name,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    expiresAtMs: Number(body.expiresAtMs),
  };
  saveSession(s);
  return s;
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const device = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Mac/.test(ua)
          ? 'Mac'
          : /Windows/.test(ua)
            ? 'Windows'
            : 'Browser';
  const browser = /MicroMessenger/.test(ua)
    ? 'WeChat'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Chrom/.test(ua)
        ? 'Chrome'
        : /Firefox/.test(ua)
          ? 'Firefox'
          : /Safari/.test(ua)
            ? 'Safari'
            : '';
  return browser ? `${device} · ${browser}` : device;
}

let refreshing: Promise<Session> | null = null;

// A valid access token: the stored one, or a fresh one when it is within a minute of expiry
// (or `force`, after the server refused it). Throws SignedOut when the session is gone.
export async function accessToken(force = false): Promise<string> {
  const s = loadSession();
  if (!s) throw new SignedOut('not signed in');
  if (!force && s.expiresAtMs - Date.now() > 60_000) return s.accessToken;
  if (!s.refreshToken) {
    if (s.expiresAtMs > Date.now()) return s.accessToken;
    throw new SignedOut('token expired');
  }
  if (!refreshing) {
    refreshing = (async () => {
      const response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: s.refreshToken }),
      });
      if (response.status === 401 || response.status === 404) {
        signOut();
        throw new SignedOut('session revoked');
      }
      if (!response.ok) throw await jsonError(response);
      const body = await response.json();
      const next: Session = {
        ...s,
        accessToken: body.accessToken,
        refreshToken: body.refreshToken,
        expiresAtMs: Number(body.expiresAtMs),
      };
      saveSession(next);
      return next;
    })().finally(() => {
      refreshing = null;
    });
  }
  return (await refreshing).accessToken;
}
