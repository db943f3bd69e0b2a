// The push bench's access tokens: HS256 JWTs that musterd accepts with --auth.jwt_secret
// SECRET, valid for an hour. `extra` adds claims (e.g. roles).
'use strict';
const crypto = require('crypto');

function token(secret, sub, extra = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub, name: sub, exp: Math.floor(Date.now() / 1000) + 3600, ...extra });
  const sig = crypto.createHmac('sha256', secret).update(head + '.' + body).digest('base64url');
  return `${head}.${body}.${sig}`;
}

module.exports = { token };
