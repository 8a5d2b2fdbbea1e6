// Starting the service as the README says: the command npm links from a clone, the local mode
// with no credentials (--fake-wechat), and the production command under a supervisor's SIGTERM.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { accountEnv, startFakeWechat } from './helpers/fakeWechatServer';
import { runCli, startServiceProcess } from './helpers/serviceProcess';

const SERVICE = fileURLToPath(new URL('..', import.meta.url));
/** The production command of the README: the linked binary itself, run directly (not through npx). */
const BIN = join(SERVICE, 'bin', 'wechat-share-service.js');

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { cwd, timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('from a clone', () => {
  it('npm links the wechat-share-service bin of the workspace before the build, and npx runs it', async () => {
    // A workspace like the repository's: this service package.json (its bin and files, without
    // dependencies, so that the install needs no registry) and what git holds: no dist/ yet.
    const root = mkdtempSync(join(tmpdir(), 'wss-clone-'));
    scratch.push(root);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'clone', private: true, workspaces: ['service'] }));
    const manifest = JSON.parse(readFileSync(join(SERVICE, 'package.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.dependencies;
    delete manifest.devDependencies;
    mkdirSync(join(root, 'service'));
    writeFileSync(join(root, 'service', 'package.json'), JSON.stringify(manifest));
    cpSync(join(SERVICE, 'bin'), join(root, 'service', 'bin'), { recursive: true });
    const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], root);
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(root, 'node_modules', '.bin', 'wechat-share-service'))).toBe(true);
    // Before the build: a message that says what to do.
    const unbuilt = await run('npx', ['--no-install', 'wechat-share-service', '--help'], root);
    expect(unbuilt.code).toBe(1);
    expect(unbuilt.stderr).toContain('run `npm run build` in the repository root');
    // After it (the real build, linked in).
    symlinkSync(join(SERVICE, 'dist'), join(root, 'service', 'dist'));
    const built = await run('npx', ['--no-install', 'wechat-share-service', '--help'], root);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain('Usage: wechat-share-service');
  });
});

describe('--fake-wechat', () => {
  it('runs with no credentials, signs for localhost, and says so on every line', async () => {
    const service = await startServiceProcess({}, { command: [process.execPath, BIN, '--fake-wechat'] });
    try {
      const answer = await fetch(`${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('http://localhost:5173/page')}`);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ appId: 'wxfa4efa4efa4efa4e', signature: expect.stringMatching(/^[0-9a-f]{40}$/) });
      const listening = service.logs.find((line) => line.msg === 'wechat-share-service listening')!;
      expect(listening.accounts).toEqual([{ appId: 'wxfa4efa4efa4efa4e', hosts: ['localhost', '127.0.0.1'], tokenMode: 'stable', token: 'WeChat' }]);
      expect(service.logs.length).toBeGreaterThanOrEqual(2);
      for (const line of service.logs) expect(line.mode).toMatch(/^LOCAL MODE \(--fake-wechat\): .*never in WeChat$/);
      expect(service.logs.some((line) => line.level === 'warn' && line.msg.startsWith('LOCAL MODE'))).toBe(true);
    } finally {
      expect((await service.stop()).code).toBe(0);
    }
  });

  it('is refused under NODE_ENV=production, and with real credentials set', async () => {
    const production = await runCli({ NODE_ENV: 'production' }, ['--fake-wechat']);
    expect(production.code).toBe(1);
    expect(production.stderr).toContain('--fake-wechat is refused under NODE_ENV=production');
    expect(production.stdout).toBe('');
    const real = await runCli({ WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_API_BASE: 'https://api.weixin.qq.com' }, ['--fake-wechat']);
    expect(real.code).toBe(1);
    expect(real.stderr).toContain('unset WECHAT_APP_ID, WECHAT_API_BASE');
  });
});

describe('production command', () => {
  // The README's two production commands: the linked binary (node_modules/.bin points at this file,
  // spawned as a file: its shebang and mode, as git holds them), and node on it in a clone.
  it.each([
    ['the linked binary', [BIN]],
    ['node service/bin/wechat-share-service.js', [process.execPath, BIN]],
  ])('%s, run directly (as under a supervisor), exits 0 on SIGTERM', async (_command, command) => {
    const wechat = await startFakeWechat([{ appId: 'wx_start_a', appSecret: 'SECRET_start_a_1c2d3e4f' }]);
    try {
      const service = await startServiceProcess(accountEnv({ appId: 'wx_start_a', appSecret: 'SECRET_start_a_1c2d3e4f' }, wechat), { command });
      expect((await fetch(`${service.publicUrl}/livez`)).status).toBe(200);
      const { code, signal } = await service.stop();
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(service.logs.at(-1)?.msg).toBe('stopped');
    } finally {
      await wechat.close();
    }
  });
});
