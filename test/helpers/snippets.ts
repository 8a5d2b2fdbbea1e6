// Running the README's snippets as a user would: from the packed package (npm pack, extracted as
// node_modules/wechat-share), each written to its file exactly as the README has it, each started
// as its own process. The frameworks come from this repository's node_modules (Node's resolution
// walks up from test-results/snippets/ to it), so a run downloads nothing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeWechatApi, type FakeWechatApi } from '../../src/dev/index';
import { toNodeHandler } from '../../src/server/index';
import { freePort } from '../../scripts/system.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the snippets run: inside the repository, so that its node_modules serve the frameworks. */
export const SNIPPETS_DIR = join(ROOT, 'test-results', 'snippets');

/**
 * The code block of README.md whose first line is `marker` (a snippet's file comment, such as
 * `// server.js: Express`), as the README has it. Throws when there is not exactly one.
 */
export function readmeSnippet(marker: string, readme = join(ROOT, 'README.md')): string {
  const blocks = [...readFileSync(readme, 'utf8').matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  const found = blocks.filter((block) => block.split('\n')[0] === marker);
  if (found.length !== 1) throw new Error(`README.md has ${found.length} code blocks starting with ${JSON.stringify(marker)}, expected 1`);
  return found[0];
}

/** Packs this package and extracts the tarball as SNIPPETS_DIR/node_modules/wechat-share. */
export function installPackedPackage(): void {
  rmSync(SNIPPETS_DIR, { recursive: true, force: true });
  const target = join(SNIPPETS_DIR, 'node_modules', 'wechat-share');
  mkdirSync(target, { recursive: true });
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', SNIPPETS_DIR], { cwd: ROOT, encoding: 'utf8' })) as { filename: string }[];
  execFileSync('tar', ['-xzf', join(SNIPPETS_DIR, filename), '-C', target, '--strip-components=1']);
}

/**
 * Writes `files` (path → content) into a new app folder under SNIPPETS_DIR, with its package.json.
 * `ownCopy` puts the packed package into the app's own node_modules too, for a snippet that reads
 * a file of it from `node_modules/wechat-share/` relative to the app.
 */
export function writeApp(name: string, files: Record<string, string>, { type = 'module', ownCopy = false }: { type?: 'module' | 'commonjs'; ownCopy?: boolean } = {}): string {
  const dir = join(SNIPPETS_DIR, name);
  if (ownCopy) cpSync(join(SNIPPETS_DIR, 'node_modules', 'wechat-share'), join(dir, 'node_modules', 'wechat-share'), { recursive: true });
  const all = { 'package.json': JSON.stringify({ name: `snippet-${name}`, private: true, type }), ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** The fake WeChat API over HTTP on loopback: the snippets' processes reach it through snippetPreload.mjs. */
export async function startFakeWechat(appId: string, appSecret: string): Promise<{ api: FakeWechatApi; url: string; close: () => Promise<void> }> {
  const api = createFakeWechatApi({ appId, appSecret });
  const server: Server = createServer(toNodeHandler((request) => api.handle(request))).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    api,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

export interface RunningSnippet {
  /** `http://localhost:<port>` */
  origin: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** The jsapi_tickets of the fakes the snippet made itself with createFakeWechatApi. */
  tickets(): Promise<(string | null)[]>;
  stop(): Promise<void>;
}

/**
 * Starts `command args` in `cwd` with snippetPreload.mjs loaded, PORT set to a free port, and
 * `env`; resolves once that port answers HTTP, rejects with the output if the process exits or
 * `timeout` ms pass first. `ipc` opens the channel `tickets()` needs (`next dev` exits at once
 * when it has one: it takes itself for its own worker).
 */
export async function startSnippet(
  cwd: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  { timeout = 30_000, ipc = false }: { timeout?: number; ipc?: boolean } = {},
): Promise<RunningSnippet> {
  const port = String(await freePort());
  const preload = join(ROOT, 'test', 'helpers', 'snippetPreload.mjs');
  // As a developer's shell has it: no NODE_ENV (vitest sets 'test'), unless `env` gives one.
  const { NODE_ENV: _, ...inherited } = process.env;
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: { ...inherited, NODE_OPTIONS: `--import=${preload}`, PORT: port, NEXT_TELEMETRY_DISABLED: '1', ...(ipc && { SNIPPET_IPC: '1' }), ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const origin = `http://localhost:${port}`;
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // The whole process group: `next dev` runs its server in a child process of its own.
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  };
  const deadline = Date.now() + timeout;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before listening:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${command} ${args.join(' ')} did not answer on ${origin} within ${timeout} ms:\n${output}`);
    }
    const answered = await fetch(origin, { method: 'HEAD', signal: AbortSignal.timeout(5_000) }).then(
      () => true,
      () => false,
    );
    if (answered) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    origin,
    output: () => output,
    tickets: () =>
      new Promise((done, fail) => {
        child.once('message', (message) => done((message as { tickets: (string | null)[] }).tickets));
        if (!child.send('tickets')) fail(new Error('no IPC channel to the snippet'));
      }),
    stop,
  };
}
