// What the container runs, without Docker: both packages packed (npm pack) and installed into an
// empty folder as the Dockerfile does, then the Dockerfile's own CMD and HEALTHCHECK commands,
// read from it, run there; /readyz answers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess } from './helpers/serviceProcess';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'service/Dockerfile'), 'utf8');
const A = { appId: 'wx_container_a', appSecret: 'SECRET_container_a_11aa' };
const dir = mkdtempSync(join(tmpdir(), 'service-container-'));
let wechat: FakeWechatServer;

/** The JSON-array command of the last `instruction` line (`CMD [...]`, `HEALTHCHECK ... CMD [...]`). */
function commandOf(instruction: RegExp): string[] {
  const line = DOCKERFILE.split('\n').filter((l) => instruction.test(l)).at(-1);
  const json = line && /CMD (\[.*\])\s*$/.exec(line)?.[1];
  if (!json) throw new Error(`no ${instruction} line with a JSON command in service/Dockerfile`);
  return JSON.parse(json) as string[];
}

beforeAll(async () => {
  wechat = await startFakeWechat([A]);
  const packs = join(dir, 'packs');
  const app = join(dir, 'app');
  mkdirSync(packs);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', packs], { cwd: ROOT, stdio: 'pipe' });
  execFileSync('npm', ['pack', '--silent', '--workspace', 'service', '--pack-destination', packs], { cwd: ROOT, stdio: 'pipe' });
  mkdirSync(app, { recursive: true });
  const tarballs = readdirSync(packs).map((name) => join(packs, name));
  expect(tarballs.map((path) => path.split('/').pop()).sort()).toEqual(['wechat-share-0.1.0.tgz', 'wechat-share-service-0.1.0.tgz']);
  // As the Dockerfile's runtime stage: production dependencies only, from the registry.
  execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app, stdio: 'pipe', timeout: 600_000 });
}, 700_000);
afterAll(async () => {
  await wechat?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the container', () => {
  it('runs the Dockerfile CMD from an npm pack install: /readyz answers, and the HEALTHCHECK passes', async () => {
    const app = join(dir, 'app');
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
      // The installed service uses the packed library, not this repository's.
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
