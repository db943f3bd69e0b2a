// Frames on the wire <-> plain objects, in both encodings of the protocol.
//
// `muster.v1.proto`: one binary ClientFrame / ServerFrame per WebSocket message (the protobufjs
// static code generated from proto/ at build time). `muster.v1.json`: the same messages as text,
// in protobuf's canonical JSON mapping (int64 as strings on output).
//
// Whatever the encoding, a decoded frame goes through the same normalisation, so that both hand
// the app identical objects: lowerCamelCase names, enums by name, 64-bit integers as numbers,
// scalars and repeated fields always present (defaults filled in), message fields, oneof
// members and `optional` scalars only when set. Pure functions; no state.
import { muster } from './gen/proto.js';

export type Encoding = 'proto' | 'json';

/** The WebSocket subprotocol of each encoding. */
export const SUBPROTOCOL: Readonly<Record<Encoding, string>> = {
  proto: 'muster.v1.proto',
  json: 'muster.v1.json',
};

const ClientFrame = muster.v1.ClientFrame!;
const ServerFrame = muster.v1.ServerFrame!;

const OUTPUT = { longs: Number, enums: String, bytes: String, defaults: true, arrays: true };
const CANONICAL = { longs: String, enums: String, bytes: String };

/** A ClientFrame (plain object, camelCase) as the message to send. */
export function encodeClientFrame(frame: object, encoding: Encoding): string | Uint8Array {
  const message = ClientFrame.fromObject(frame);
  if (encoding === 'json') return JSON.stringify(ClientFrame.toObject(message, CANONICAL));
  return ClientFrame.encode(message).finish();
}

/** A WebSocket message's data as a ServerFrame in the SDK's shape. Throws on garbage. */
export function decodeServerFrame(data: unknown): Record<string, any> {
  let message: object;
  if (typeof data === 'string') {
    message = ServerFrame.fromObject(JSON.parse(data));
  } else {
    message = ServerFrame.decode(toBytes(data));
  }
  return dropNulls(ServerFrame.toObject(message, OUTPUT));
}

/** A message of the contract by name (e.g. 'Event', 'DutyCallRecord') from canonical JSON
 *  (an HTTP body) into the SDK's shape. */
export function fromCanonicalJson<T>(type: string, json: unknown): T {
  const codec = muster.v1[type];
  if (!codec) throw new TypeError(`no message muster.v1.${type}`);
  return dropNulls(codec.toObject(codec.fromObject(json as object), OUTPUT)) as T;
}

/** A message of the contract by name as canonical JSON (an HTTP body). */
export function toCanonicalJson(type: string, object: object): Record<string, unknown> {
  const codec = muster.v1[type];
  if (!codec) throw new TypeError(`no message muster.v1.${type}`);
  return codec.toObject(codec.fromObject(object), CANONICAL);
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // ws delivers a fragmented message as a list of Buffers when binaryType is 'fragments'
    const parts = data as Uint8Array[];
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.byteLength;
    }
    return joined;
  }
  throw new TypeError(`cannot decode a WebSocket message of type ${typeof data}`);
}

// toObject({defaults: true}) sets unset message fields to null; the SDK's shape omits them.
function dropNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) dropNulls(item);
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const v = object[key];
      if (v === null) delete object[key];
      else if (typeof v === 'object') dropNulls(v);
    }
  }
  return value;
}
