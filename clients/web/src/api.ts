// The HTTP API with the device's token; errors become exceptions carrying the server's message.
import { accessToken } from './auth';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const send = async (force: boolean) =>
    fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${await accessToken(force)}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  let response = await send(false);
  if (response.status === 401) response = await send(true);
  if (!response.ok) {
    let code = 'UNAVAILABLE';
    let message = `HTTP ${response.status}`;
    try {
      const e = await response.json();
      code = e.code || code;
      message = e.message || message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, code, message);
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') || '';
  return (type.includes('json') ? response.json() : response.text()) as Promise<T>;
}

// A binary or text resource with the token (QR codes, CSV): as an object URL.
export async function blobUrl(path: string): Promise<string> {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${await accessToken()}` },
  });
  if (!response.ok) throw new ApiError(response.status, 'UNAVAILABLE', `HTTP ${response.status}`);
  return URL.createObjectURL(await response.blob());
}
