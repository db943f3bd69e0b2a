// Random identifiers (client_msg_id): 128 bits, hex. crypto.getRandomValues where the platform
// has it (browsers, Node >= 18, React Native with a polyfill); otherwise Math.random mixed with
// the time, which is enough for an idempotency key scoped to one user and group.

export function randomId(): string {
  const bytes = new Uint8Array(16);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.getRandomValues) {
    c.getRandomValues(bytes);
  } else {
    const now = Date.now();
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = (Math.floor(Math.random() * 256) ^ (now / 2 ** (8 * (i % 6)))) & 0xff;
    }
  }
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}
