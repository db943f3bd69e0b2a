// @muster/client/wechat: the SDK in WeChat mini-programs, whose runtime has no WebSocket and no
// fetch but `wx.connectSocket` (a SocketTask) and `wx.request`.
//
//   import { createWeChatClient } from '@muster/client/wechat';
//   const client = createWeChatClient(wx, { url: 'wss://host/ws', token: () => getToken() });
//
// wechatWebSocket(wx) maps SocketTask onto the WebSocket shape the client drives (onopen,
// onmessage, onclose, onerror, send, close); wechatFetch(wx) maps wx.request onto the part of
// fetch the client's HTTP helpers use. Binary frames go out as ArrayBuffer (SocketTask.send
// takes string or ArrayBuffer only) and come in as ArrayBuffer.
import { MusterClient, type MusterClientOptions, type WebSocketConstructor } from './client.js';

/** The part of the `wx` global the adapter uses (WeChat's documented API). */
export interface WeChatApi {
  connectSocket(options: {
    url: string;
    protocols?: string[];
    header?: Record<string, string>;
    success?: (result: unknown) => void;
    fail?: (error: { errMsg?: string }) => void;
  }): WeChatSocketTask;
  request?(options: {
    url: string;
    method?: string;
    data?: string | ArrayBuffer | object;
    header?: Record<string, string>;
    dataType?: string;
    responseType?: string;
    success?: (result: { statusCode: number; data: unknown; header?: Record<string, string> }) => void;
    fail?: (error: { errMsg?: string }) => void;
  }): unknown;
}

export interface WeChatSocketTask {
  onOpen(callback: (result: unknown) => void): void;
  onMessage(callback: (result: { data: string | ArrayBuffer }) => void): void;
  onClose(callback: (result: { code?: number; reason?: string }) => void): void;
  onError(callback: (result: { errMsg?: string }) => void): void;
  send(options: { data: string | ArrayBuffer; success?: () => void; fail?: (e: { errMsg?: string }) => void }): void;
  close(options: { code?: number; reason?: string; success?: () => void; fail?: (e: { errMsg?: string }) => void }): void;
}

/** A WebSocket constructor over wx.connectSocket, for MusterClientOptions.WebSocket. */
export function wechatWebSocket(wx: WeChatApi): WebSocketConstructor {
  return class WeChatWebSocket {
    binaryType = 'arraybuffer';
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: string | ArrayBuffer }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    readonly url: string;
    #task: WeChatSocketTask;
    #closed = false;

    constructor(url: string, protocols?: string | string[]) {
      this.url = url;
      const list = protocols === undefined ? undefined : Array.isArray(protocols) ? protocols : [protocols];
      this.#task = wx.connectSocket({
        url,
        ...(list ? { protocols: list } : {}),
        fail: (error) => this.#finish(1006, error?.errMsg ?? 'connectSocket failed'),
      });
      this.#task.onOpen((result) => this.onopen?.(result));
      this.#task.onMessage((result) => this.onmessage?.({ data: result.data }));
      this.#task.onError((result) => this.onerror?.(result));
      this.#task.onClose((result) => this.#finish(result?.code ?? 1006, result?.reason ?? ''));
    }

    send(data: string | Uint8Array): void {
      const payload = typeof data === 'string'
        ? data
        : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      this.#task.send({
        data: payload,
        fail: (error) => this.onerror?.(error),
      });
    }

    close(code = 1000, reason = ''): void {
      this.#task.close({ code, reason });
    }

    #finish(code: number, reason: string): void {
      if (this.#closed) return;
      this.#closed = true;
      this.onclose?.({ code, reason });
    }
  };
}

/** The part of fetch the SDK's HTTP helpers use, over wx.request (JSON bodies). */
export function wechatFetch(wx: WeChatApi): typeof globalThis.fetch {
  const request = wx.request;
  if (!request) throw new TypeError('wechatFetch: wx.request is missing');
  return ((url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise((resolve, reject) => {
      request.call(wx, {
        url: String(url),
        method: (init.method ?? 'GET').toUpperCase(),
        header: init.headers ?? {},
        ...(init.body !== undefined ? { data: init.body } : {}),
        dataType: 'text', // the body as it came: parsed by the SDK, errors included
        responseType: 'text',
        success: (result) => {
          const text = typeof result.data === 'string' ? result.data : JSON.stringify(result.data ?? '');
          resolve({
            ok: result.statusCode >= 200 && result.statusCode < 300,
            status: result.statusCode,
            statusText: '',
            headers: result.header ?? {},
            text: async () => text,
            json: async () => JSON.parse(text),
          } as unknown as Response);
        },
        fail: (error) => reject(new TypeError(error?.errMsg ?? 'wx.request failed')),
      });
    })) as unknown as typeof globalThis.fetch;
}

/** A MusterClient on WeChat's socket and request APIs. */
export function createWeChatClient(wx: WeChatApi, options: Omit<MusterClientOptions, 'WebSocket'>): MusterClient {
  return new MusterClient({
    ...options,
    WebSocket: wechatWebSocket(wx),
    ...(options.fetch || !wx.request ? {} : { fetch: wechatFetch(wx) }),
  });
}
