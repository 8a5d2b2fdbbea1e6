// What the container runs, without Docker: the Dockerfile's runtime stage replayed in an empty
// folder (the service's production dependencies by `npm ci --omit=dev -w service` from
// package-lock.json, offline: from the npm cache that the repository's own `npm ci` filled; both
// packages packed with npm pack and unpacked where the Dockerfile puts them), then the Dockerfile's
// own CMD and HEALTHCHECK commands, read from it, run there; /readyz answers. Nothing is fetched
// from the registry: with the cache empty, the test skips and names the command that fills it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess } from './helpers/serviceProcess';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'service/Dockerfile'), 'utf8');
/** The runtime stage: from the last FROM on. */
const RUNTIME = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('\nFROM '));
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; link?: boolean }> };
const A = { appId: 'wx_container_a', appSecret: 'SECRET_container_a_11aa' };
const dir = mkdtempSync(join(tmpdir(), 'service-container-'));
const app = join(dir, 'app');
let wechat: FakeWechatServer;
/** Why the install could not be replayed offline, when it could not. */
let notCached: string | undefined;

/** The JSON-array command of the last `instruction` line (`CMD [...]`, `HEALTHCHECK ... CMD [...]`). */
function commandOf(instruction: RegExp): string[] {
  const line = DOCKERFILE.split('\n').filter((l) => instruction.test(l)).at(-1);
  const json = line && /CMD (\[.*\])\s*$/.exec(line)?.[1];
  if (!json) throw new Error(`no ${instruction} line with a JSON command in service/Dockerfile`);
  return JSON.parse(json) as string[];
}

/** Every package folder under `modules` (scoped ones included), as paths relative to `base`. */
function installed(base: string, modules: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(base, modules));
  } catch {
    return [];
  }
  return names.filter((name) => !name.startsWith('.')).flatMap((name) => (name.startsWith('@') ? readdirSync(join(base, modules, name)).map((sub) => `${modules}/${name}/${sub}`) : [`${modules}/${name}`]));
}

beforeAll(async () => {
  wechat = await startFakeWechat([A]);
  mkdirSync(join(app, 'service'), { recursive: true });
  // As the Dockerfile's runtime stage: the manifests and the lockfile, then npm ci.
  for (const file of ['package.json', 'package-lock.json', 'service/package.json']) copyFileSync(join(ROOT, file), join(app, file));
  try {
    execFileSync('npm', ['ci', '--omit=dev', '-w', 'service', '--no-audit', '--no-fund', '--ignore-scripts', '--offline'], { cwd: app, stdio: 'pipe', timeout: 300_000 });
  } catch (error) {
    const output = String((error as { stderr?: Buffer }).stderr ?? error);
    if (!/ENOTCACHED/.test(output)) throw error;
    notCached = output.split('\n').find((line) => line.includes('ENOTCACHED')) ?? 'ENOTCACHED';
    return;
  }
  // The two packages as npm publishes them: wechat-share as a folder in place of npm's link to the
  // root, the service unpacked over its workspace folder (node_modules/wechat-share-service links there).
  const packs = join(dir, 'packs');
  mkdirSync(packs);
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', packs], { cwd: ROOT, stdio: 'pipe' });
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--workspace', 'service', '--pack-destination', packs], { cwd: ROOT, stdio: 'pipe' });
  expect(readdirSync(packs).sort()).toEqual(['wechat-share-0.1.0.tgz', 'wechat-share-service-0.1.0.tgz']);
  rmSync(join(app, 'node_modules/wechat-share'));
  mkdirSync(join(app, 'node_modules/wechat-share'));
  execFileSync('tar', ['-xzf', join(packs, 'wechat-share-0.1.0.tgz'), '--strip-components=1', '-C', join(app, 'node_modules/wechat-share')]);
  execFileSync('tar', ['-xzf', join(packs, 'wechat-share-service-0.1.0.tgz'), '--strip-components=1', '-C', join(app, 'service')]);
}, 400_000);
afterAll(async () => {
  await wechat?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the container', () => {
  it('installs in its runtime stage exactly what package-lock.json pins: npm ci, production dependencies of the service only', (ctx) => {
    if (notCached) ctx.skip(`the npm cache lacks the lockfile's packages (${notCached}): run \`npm ci\` in the repository once, as .ci/run does`);
    expect(RUNTIME).toContain('RUN npm ci --omit=dev -w service ');
    expect(RUNTIME).not.toMatch(/npm (install|i) /);
    const folders = [...installed(app, 'node_modules'), ...installed(app, 'service/node_modules')].filter((path) => !path.endsWith('/wechat-share') && !path.endsWith('/wechat-share-service'));
    expect(folders).toContain('node_modules/pino');
    expect(folders).toContain('service/node_modules/redis');
    // No development tool of the repository came along.
    for (const dev of ['node_modules/vitest', 'node_modules/typescript', 'node_modules/rollup']) expect(folders).not.toContain(dev);
    for (const path of folders) {
      const { version } = JSON.parse(readFileSync(join(app, path, 'package.json'), 'utf8')) as { version: string };
      expect(`${path}@${version}`).toBe(`${path}@${LOCK.packages[path]?.version}`);
    }
  });

  it('runs the Dockerfile CMD there: /readyz answers, and the HEALTHCHECK passes', async (ctx) => {
    if (notCached) ctx.skip(`the npm cache lacks the lockfile's packages (${notCached}): run \`npm ci\` in the repository once, as .ci/run does`);
    const cmd = commandOf(/^CMD /);
    expect(cmd[0]).toBe('node');
    const service = await startServiceProcess(
      { ...accountEnv(A, wechat), NODE_ENV: 'production' },
      { command: [process.execPath, ...cmd.slice(1)], cwd: app },
    );
    try {
      const ready = await fetch(`${service.publicUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect((await ready.json()).status).toBe('ok');
      // The installed service uses the packed library (a folder of its own), not this repository's.
      expect(lstatSync(join(app, 'node_modules/wechat-share')).isDirectory()).toBe(true);
      expect(readFileSync(join(app, 'node_modules/wechat-share/package.json'), 'utf8')).toContain('"version": "0.1.0"');
      expect(JSON.parse(readFileSync(join(app, 'node_modules/wechat-share-service/package.json'), 'utf8')).dependencies['wechat-share']).toBe('^0.1.0');

      const health = commandOf(/^HEALTHCHECK /);
      const port = new URL(service.publicUrl).port;
      const probe = (p: string) => {
        try {
          execFileSync(process.execPath, health.slice(1), { cwd: app, env: { PATH: process.env.PATH ?? '', PORT: p, HOST: '127.0.0.1', WECHAT_APP_ID: A.appId, WECHAT_APP_SECRET: A.appSecret, ALLOWED_HOSTS: 'h5.a.com' }, stdio: 'pipe' });
          return 0;
        } catch (error) {
          return (error as { status: number }).status;
        }
      };
      expect(probe(port)).toBe(0);
      expect(probe('1')).toBe(1);
    } finally {
      await service.stop();
    }
  });
});
