// The token API snippets of service/README.md, each taken from the README as it is written there
// (never copied into the test) and run by its own toolchain (python3, java, go run, php, node, sh)
// against the service started as its container starts it (a child process), with the fake WeChat
// API and a real redis-server. What each must do: print the access_token and jsapi_ticket the
// service holds, refresh a refused token and print the new one, wait Retry-After on a 503, and fail
// (no token printed, a non-zero exit) on any other status. A toolchain that is not installed skips
// its snippet with the apt-get command that installs it (.ci/run installs them all).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../scripts/system.mjs';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const SERVICE = fileURLToPath(new URL('..', import.meta.url));
/** The appId every snippet names (the README's example). */
const A = { appId: 'wx1234567890abcdef', appSecret: 'SECRET_snippets_7d1e0c9a' };
const KEY = 'key_snippets_backend_4b8e2f6a1c3d';

interface Snippet {
  /** The file name the snippet's first line gives, and that it is written to. */
  file: string;
  /** How the README says to run it, then its arguments. */
  command: (file: string) => string[];
  /** A command that succeeds only when the toolchain (and library) is installed. */
  probe: string[];
  /** What installs it on Debian. */
  install: string;
}

const SNIPPETS: Snippet[] = [
  { file: 'tokens.py', command: (f) => ['python3', f], probe: ['python3', '--version'], install: 'apt-get install -y python3' },
  { file: 'tokens_requests.py', command: (f) => ['python3', f], probe: ['python3', '-c', 'import requests'], install: 'apt-get install -y python3 python3-requests' },
  { file: 'Main.java', command: (f) => ['java', f], probe: ['java', '-version'], install: 'apt-get install -y openjdk-17-jdk-headless' },
  { file: 'main.go', command: (f) => ['go', 'run', f], probe: ['go', 'version'], install: 'apt-get install -y golang-go' },
  { file: 'tokens.php', command: (f) => ['php', f], probe: ['php', '-r', 'exit(function_exists("curl_init") ? 0 : 1);'], install: 'apt-get install -y php-cli php-curl' },
  { file: 'tokens.mjs', command: (f) => [process.execPath, f], probe: [process.execPath, '--version'], install: 'Node 18 or later' },
  { file: 'tokens.sh', command: (f) => ['sh', f], probe: ['curl', '--version'], install: 'apt-get install -y curl' },
];

/** The fenced code blocks of a README, in order, without their fences. */
function codeBlocks(readme: string): string[] {
  return [...readFileSync(join(SERVICE, readme), 'utf8').matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/** The one code block of `readme` whose first line names `file` (`# tokens.py: …`, `<?php // tokens.php: …`). */
function snippet(file: string, readme = 'README.md'): string {
  const first = new RegExp(`^(#|//|<\\?php //) ${file.replace('.', '\\.')}: `);
  const found = codeBlocks(readme).filter((block) => first.test(block));
  if (found.length !== 1) throw new Error(`service/${readme} has ${found.length} code blocks whose first line names ${file}, expected 1`);
  return found[0];
}

/** Whether `command` runs (exit 0) on this machine. */
const installed = ([command, ...args]: string[]) => spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;

/** The environment of a snippet: the key and the token API's base URL, nothing else of this process but what finds the toolchains. */
function snippetEnv(url: string, key = KEY): Record<string, string> {
  const keep = Object.entries(process.env).filter(([name]) => /^(PATH|HOME|LANG|TMPDIR|JAVA_HOME|GO[A-Z]*|PYENV[A-Z_]*)$/.test(name));
  return { ...(Object.fromEntries(keep) as Record<string, string>), WECHAT_SHARE_URL: url, WECHAT_SHARE_API_KEY: key };
}

/** Runs `command` in `cwd`; resolves with its exit code and output (kills it after 90 s: a JVM or a Go build on a busy machine is slow). */
async function run(command: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command[0], command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * A stand-in for the token API's refresh when no other token can be had yet (the service's 503
 * cannot be provoked on demand): the first call answers 503 with `Retry-After: 1` and a JSON
 * error.code, the next 200 with a token made from the stale one. Records each call.
 */
interface StandIn {
  url: string;
  calls: { at: number; method?: string; path?: string; authorization?: string; body: string }[];
  close(): Promise<void>;
}
async function startStandIn(): Promise<StandIn> {
  const calls: StandIn['calls'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      calls.push({ at: Date.now(), method: req.method, path: req.url, authorization: req.headers.authorization, body });
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      if (calls.length === 1) {
        res.writeHead(503, { 'Retry-After': '1' });
        res.end(JSON.stringify({ error: { code: 'REFRESH_LIMITED', message: 'WeChat allows one forced refresh per 30 s.' } }));
        return;
      }
      let stale = '';
      try {
        stale = String((JSON.parse(body) as { stale?: unknown }).stale);
      } catch {
        // answered with an empty token, which no test expects
      }
      res.end(JSON.stringify({ access_token: `FRESH_${stale}`, expires_in: 7200, refreshed: true }));
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

let redis: { url: string; stop: () => Promise<void> };
let wechat: FakeWechatServer;
let service: ServiceProcess;
const dir = mkdtempSync(join(tmpdir(), 'service-snippets-'));

beforeAll(async () => {
  redis = await startRedis();
  wechat = await startFakeWechat([A]);
  // Classic mode: every refresh of the held token is a real one (stable mode allows one forced refresh per 30 s).
  service = await startServiceProcess({ ...accountEnv(A, wechat), REDIS_URL: redis.url, API_KEYS: KEY, TOKEN_MODE: 'classic' });
});
afterAll(async () => {
  await service?.stop();
  await wechat?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What the service holds now, read through its token API. */
async function held(resource: 'access_token' | 'jsapi_ticket'): Promise<string> {
  const answer = await fetch(`${service.internalUrl}/v1/accounts/${A.appId}/${resource}`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { access_token?: string; ticket?: string };
  return (body.access_token ?? body.ticket)!;
}

describe('the token API snippets of service/README.md', () => {
  it('are the same code in README.md and README.zh-CN.md, one block each', () => {
    for (const { file } of SNIPPETS) expect(snippet(file, 'README.zh-CN.md'), file).toBe(snippet(file));
  });

  for (const entry of SNIPPETS) {
    it(`${entry.file}: prints the access_token and jsapi_ticket the service holds, refreshes a refused token, waits Retry-After on 503, fails on 401`, async (ctx) => {
      if (!installed(entry.probe)) ctx.skip(`${entry.probe.join(' ')} failed: install with ${entry.install}`);
      const path = join(dir, entry.file);
      writeFileSync(path, snippet(entry.file));
      const command = entry.command(entry.file);

      const read = await run(command, dir, snippetEnv(service.internalUrl));
      expect(read, read.stderr).toMatchObject({ code: 0 });
      const token = await held('access_token');
      expect(read.stdout).toBe(`${token}\n${await held('jsapi_ticket')}\n`);

      // As after WeChat answered 40001 to a call made with `token`.
      const calls = wechat.fakes[A.appId].calls.token;
      const refreshed = await run([...command, token], dir, snippetEnv(service.internalUrl));
      expect(refreshed, refreshed.stderr).toMatchObject({ code: 0 });
      const fresh = await held('access_token');
      expect(fresh).not.toBe(token);
      expect(refreshed.stdout).toBe(`${fresh}\n`);
      expect(wechat.fakes[A.appId].calls.token).toBe(calls + 1);

      const standIn = await startStandIn();
      try {
        const waited = await run([...command, 'STALE_t0'], dir, snippetEnv(standIn.url));
        expect(waited, waited.stderr).toMatchObject({ code: 0, stdout: 'FRESH_STALE_t0\n' });
        expect(standIn.calls).toHaveLength(2);
        for (const call of standIn.calls) {
          expect(call).toMatchObject({ method: 'POST', path: `/v1/accounts/${A.appId}/access_token/refresh`, authorization: `Bearer ${KEY}` });
          expect(JSON.parse(call.body)).toEqual({ stale: 'STALE_t0' });
        }
        // The snippet slept the second the 503 asked for (a real process observed: the wait is the behaviour).
        expect(standIn.calls[1].at - standIn.calls[0].at).toBeGreaterThanOrEqual(950);
      } finally {
        await standIn.close();
      }

      const refused = await run(command, dir, snippetEnv(service.internalUrl, 'key_nobody_gave_out_9f3a7c1e'));
      expect(refused.code).not.toBe(0);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('401');
    }, 300_000);
  }
});
