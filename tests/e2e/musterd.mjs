// A real musterd for the browser tests: started on a free loopback port with its own data
// directory and the built web app, stopped (SIGTERM) and started again on the same port.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('../..', import.meta.url).pathname);
export const secret = 'muster-e2e-secret';

export function musterdPath() {
  const candidates = [process.env.MUSTERD, join(root, 'build/bin/musterd')].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`musterd not found (tried ${candidates.join(', ')}): build it first`);
  return found;
}

export function webRoot() {
  const dir = process.env.MUSTER_WEB_ROOT || join(root, 'clients/web/dist');
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`the web app is not built in ${dir} (cd clients/web && npm ci && npm run build)`);
  }
  return dir;
}

const b64url = (s) => Buffer.from(s).toString('base64url');

// An HS256 token this musterd accepts (the coordinator and admin: organisations with their own
// identity system hand their tokens to the app the same way).
export function token(sub, name, roles = []) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const body = b64url(JSON.stringify({ sub, name, roles, exp }));
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

export class Musterd {
  // `extraArgs`: more musterd options (e.g. the push worker's).
  constructor(extraArgs = []) {
    this.extraArgs = extraArgs;
    this.dataDir = mkdtempSync(join(tmpdir(), 'muster-e2e-'));
    this.port = 0;
    this.child = null;
    this.log = [];
  }

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  // Resolves once musterd prints its one stdout line ("musterd listening on HOST:PORT").
  start() {
    const args = [
      `--server.listen=127.0.0.1:${this.port}`,
      `--server.data_dir=${this.dataDir}`,
      `--server.web_root=${webRoot()}`,
      `--auth.jwt_secret=${secret}`,
      '--server.log_level=info',
      '--server.io_uring=false',
      ...this.extraArgs,
    ];
    this.child = spawn(musterdPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d) => this.log.push(String(d)));
    return new Promise((resolvePromise, reject) => {
      let out = '';
      const onExit = (code) => reject(new Error(`musterd exited (${code}):\n${this.log.join('')}`));
      this.child.once('exit', onExit);
      this.child.once('error', reject);
      this.child.stdout.on('data', (d) => {
        out += String(d);
        const m = out.match(/musterd listening on [\d.]+:(\d+)/);
        if (m) {
          this.child.off('exit', onExit);
          this.port = Number(m[1]);
          resolvePromise();
        }
      });
    });
  }

  stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((r) => {
      child.once('exit', r);
      child.kill('SIGTERM');
    });
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async dispose() {
    await this.stop();
    if (!process.env.MUSTER_KEEP_TEST_DIRS) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async http(method, path, body, bearer = token('admin', 'Admin', ['admin'])) {
    const response = await fetch(this.base + path, {
      method,
      headers: {
        Authorization: `Bearer ${bearer}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}
