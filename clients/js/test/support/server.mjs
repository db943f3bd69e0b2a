// A real musterd for the SDK's tests: its own temp data dir, a free loopback port (port 0, read
// back from its "musterd listening on HOST:PORT" line), the demo organisation, an HS256 secret.
// Stopped by PID (SIGTERM, then SIGKILL) when the test is done; its log is printed when it
// exits unexpectedly or fails to start.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..', '..');
export const SECRET = 'sdk-test-secret';

export function musterdBinary() {
  const candidates = [
    process.env.MUSTERD,
    join(repoRoot, 'build', 'bin', 'musterd'),
  ].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`no musterd binary (tried ${candidates.join(', ')}); build it or set MUSTERD`);
}

export async function startServer({ args = [], secret = SECRET } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'muster-sdk-'));
  const argv = [
    '--server.listen=127.0.0.1:0',
    `--server.data_dir=${dataDir}`,
    `--auth.jwt_secret=${secret}`,
    `--server.demo_data=${join(repoRoot, 'deploy', 'demo', 'organisation.json')}`,
    '--server.log_level=warn',
    '--server.io_uring=false',
    '--push.worker=false', // no test here needs delivery; devices point at outside hosts
    ...args,
  ];
  const child = spawn(musterdBinary(), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  let exited = false;
  const exit = new Promise((res) => child.on('exit', (code, signal) => {
    exited = true;
    res({ code, signal });
  }));
  createInterface({ input: child.stderr }).on('line', (l) => log.push(l));
  const lines = createInterface({ input: child.stdout });
  const address = await new Promise((res, rej) => {
    lines.on('line', (line) => {
      log.push(line);
      const m = /^musterd listening on (.+):(\d+)$/.exec(line);
      if (m) res({ host: m[1] === '0.0.0.0' ? '127.0.0.1' : m[1], port: Number(m[2]) });
    });
    exit.then(({ code, signal }) => rej(new Error(
      `musterd exited before listening (${code ?? signal}):\n${log.join('\n')}\n${argv.join(' ')}`)));
  });
  const base = `${address.host}:${address.port}`;
  return {
    ...address,
    wsUrl: `ws://${base}/ws`,
    httpUrl: `http://${base}`,
    log,
    pid: child.pid,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    get running() { return !exited; },
  };
}

/** The demo organisation's groups and members (deploy/demo/organisation.json). */
export function demoOrganisation() {
  return JSON.parse(readFileSync(join(repoRoot, 'deploy', 'demo', 'organisation.json'), 'utf8'));
}
