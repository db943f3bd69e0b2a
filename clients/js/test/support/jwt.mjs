// HS256 JWTs for the tests, signed with node's crypto (the same secret the test server uses).
import { createHmac } from 'node:crypto';
import { SECRET } from './server.mjs';

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token for `sub`, valid `ttlS` seconds from now (fractional: exp is rounded up). */
export function mintToken(sub, { name, ttlS = 3600, roles, secret = SECRET, exp } = {}) {
  const header = b64url({ alg: 'HS256', typ: 'JWT' });
  const claims = { sub, exp: exp ?? Math.ceil(Date.now() / 1000 + ttlS) };
  if (name) claims.name = name;
  if (roles) claims.roles = roles;
  const payload = b64url(claims);
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
