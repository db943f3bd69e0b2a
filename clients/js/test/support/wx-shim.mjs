// A shim of the WeChat mini-program APIs the SDK's adapter uses, as WeChat documents them:
// wx.connectSocket({url, protocols, header, success, fail}) -> SocketTask with onOpen,
// onMessage({data: string | ArrayBuffer}), onClose({code, reason}), onError({errMsg}),
// send({data: string | ArrayBuffer, success, fail}) and close({code, reason}); and
// wx.request({url, method, data, header, dataType, responseType, success({statusCode, data,
// header}), fail}). Underneath: the `ws` package and node's fetch, to a real server.
// Strict where WeChat is: send() fails for anything but a string or an ArrayBuffer (a
// Uint8Array included), binary messages arrive as ArrayBuffer, never as Buffer.
import WebSocket from 'ws';

export function createWx() {
  const stats = { sockets: 0, binarySent: 0, textSent: 0, rejectedSends: 0, requests: 0 };
  const wx = {
    connectSocket({ url, protocols, header, success, fail }) {
      stats.sockets++;
      const ws = new WebSocket(url, protocols ?? [], { headers: header });
      ws.binaryType = 'arraybuffer';
      const handlers = { open: [], message: [], close: [], error: [] };
      const fire = (kind, value) => { for (const h of handlers[kind]) h(value); };
      ws.on('open', () => fire('open', { header: {}, profile: {} }));
      ws.on('message', (data, isBinary) => {
        fire('message', { data: isBinary ? data : Buffer.from(data).toString('utf8') });
      });
      ws.on('error', (error) => fire('error', { errMsg: String(error?.message ?? error) }));
      ws.on('close', (code, reason) => fire('close', { code, reason: reason.toString() }));
      queueMicrotask(() => success?.({ errMsg: 'connectSocket:ok' }));
      void fail;
      return {
        onOpen: (cb) => handlers.open.push(cb),
        onMessage: (cb) => handlers.message.push(cb),
        onClose: (cb) => handlers.close.push(cb),
        onError: (cb) => handlers.error.push(cb),
        send({ data, success: ok, fail: failed }) {
          if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
            stats.rejectedSends++;
            failed?.({ errMsg: 'sendSocketMessage:fail parameter error: data must be String or ArrayBuffer' });
            return;
          }
          if (ws.readyState !== WebSocket.OPEN) {
            failed?.({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
            return;
          }
          if (typeof data === 'string') stats.textSent++;
          else stats.binarySent++;
          ws.send(data, (error) => (error ? failed?.({ errMsg: error.message }) : ok?.()));
        },
        close({ code = 1000, reason = '', success: ok } = {}) {
          ws.close(code, reason);
          ok?.();
        },
      };
    },
    request({ url, method = 'GET', data, header = {}, dataType = 'json', success, fail }) {
      stats.requests++;
      fetch(url, { method, headers: header, body: data === undefined ? undefined
        : typeof data === 'string' ? data : JSON.stringify(data) })
        .then(async (response) => {
          const text = await response.text();
          let body = text;
          if (dataType === 'json') { try { body = JSON.parse(text); } catch { body = text; } }
          success?.({ statusCode: response.status, data: body, header: Object.fromEntries(response.headers) });
        })
        .catch((error) => fail?.({ errMsg: `request:fail ${error.message}` }));
    },
  };
  return { wx, stats };
}
