// Starts the real Veto jar for a test: temp data folder, free port, a token per role.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const jar = process.env.VETO_JAR || join(repo, 'target', 'veto.jar');

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

export async function startVeto(tokens) {
  const folder = mkdtempSync(join(tmpdir(), 'veto-ts-'));
  const file = join(folder, 'tokens.yaml');
  const made = {};
  for (const [name, role, agentId] of tokens) {
    const args = ['-jar', jar, 'token', '--file', file, '--name', name, '--role', role];
    if (agentId) args.push('--agent-id', agentId);
    // The token is the first word on stdout; the notice on stderr is not wanted here.
    const out = execFileSync('java', args,
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    made[name] = out.trim().split(/\s+/)[0];
  }
  const port = await freePort();
  const log = openSync(join(folder, 'veto.log'), 'w');
  const child = spawn('java', ['-XX:+UseSerialGC', '-jar', jar, 'serve', '--port', String(port),
    '--data', join(folder, 'data'), '--rules', join(repo, 'rules'), '--tokens', file],
  { stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`veto exited; see ${folder}/veto.log`);
    try {
      const health = await fetch(url + '/health');
      if (health.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('veto did not start in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    tokens: made,
    async call(method, path, token, body) {
      const response = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: await response.json() };
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
