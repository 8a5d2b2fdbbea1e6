// The logger's last redaction: whatever a line quotes (an upstream error, a Redis error with the
// URL), the configured secrets never reach stdout.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerSecrets } from 'wechat-share/server';
import { createLogger } from '../src/createLogger';
import { accountEnv, startFakeWechat } from './helpers/fakeWechatServer';
import { startServiceProcess } from './helpers/serviceProcess';

const SECRET = 'SECRET_logger_3f7a9c';
const QUOTED = 'key"with\\quotes_9d8e7f';

describe('createLogger', () => {
  it('redacts every configured secret from each JSON line, JSON-escaped ones too', () => {
    let output = '';
    const destination = new Writable({
      write(chunk, _encoding, done) {
        output += chunk;
        done();
      },
    });
    const logger = createLogger({ level: 'info', secrets: () => [SECRET, QUOTED, undefined, 'ab'], destination });
    logger.warn({ errmsg: `invalid appsecret ${SECRET}`, url: `redis://:${SECRET}@redis:6379` }, `upstream quoted ${SECRET} and ${QUOTED}`);
    logger.info('a line without secrets: ab stays');
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(JSON.stringify(QUOTED).slice(1, -1));
    expect(lines[0]).toMatchObject({ level: 'warn', service: 'wechat-share-service', msg: 'upstream quoted [redacted] and [redacted]', errmsg: 'invalid appsecret [redacted]', url: 'redis://:[redacted]@redis:6379' });
    expect(lines[1].msg).toBe('a line without secrets: ab stays');
  });

  it('redacts every secret registered in the process (another account\'s token), not only its own list', () => {
    let output = '';
    const destination = new Writable({
      write(chunk, _encoding, done) {
        output += chunk;
        done();
      },
    });
    const token = 'TOKEN_other_account_7e2c9a4b1d';
    const unregister = registerSecrets(() => [token]);
    const logger = createLogger({ level: 'info', secrets: () => [SECRET], destination });
    logger.warn({ errmsg: `quoted ${token}` }, `line about account A quoting ${token}`);
    unregister();
    expect(output).not.toContain(token);
    expect(JSON.parse(output)).toMatchObject({ msg: 'line about account A quoting [redacted]', errmsg: 'quoted [redacted]' });
  });
});

describe('throttleLogs: an outage cannot flood the log', () => {
  afterEach(() => vi.useRealTimers());

  function collect() {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: createLogger({ level: 'info', secrets: () => [], destination }) };
  }

  it('10,000 identical failures in 10 s: the first at once, then one line per backoff step with the count, fewer than 50 in all', () => {
    vi.useFakeTimers();
    const { lines, logger } = collect();
    for (let i = 0; i < 10_000; i++) {
      // WeChat's errmsg carries a request id that changes every time: still the same failure.
      logger.error({ appId: 'wx_a', code: 'UPSTREAM_FAILED', errmsg: `system error rid: 65${i}-a`, durationMs: i % 7 }, 'signing failed: WeChat answered errcode -1');
      if (i === 0) expect(lines).toEqual([expect.objectContaining({ level: 'error', appId: 'wx_a', msg: 'signing failed: WeChat answered errcode -1' })]);
      vi.advanceTimersByTime(1);
    }
    vi.runAllTimers();
    expect(lines.length).toBeLessThan(50);
    expect(lines.length).toBe(5);
    expect(lines[0].repeated).toBeUndefined();
    // Every failure is accounted for: the first line and the repeats of the others.
    expect(1 + lines.slice(1).reduce((sum, line) => sum + (line.repeated as number), 0)).toBe(10_000);
    expect(lines.slice(1).map((line) => line.windowMs)).toEqual([1000, 2000, 4000, 8000]);
  });

  it('keeps distinct failures apart, lets info lines through, and writes a failure again at once after a quiet window', () => {
    vi.useFakeTimers();
    const { lines, logger } = collect();
    logger.warn({ appId: 'wx_a' }, 'redis connection failed; retrying');
    logger.warn({ appId: 'wx_b' }, 'redis connection failed; retrying');
    logger.warn({ appId: 'wx_a' }, 'redis connection failed; retrying');
    for (let i = 0; i < 3; i++) logger.info('redis ready');
    expect(lines.map((line) => [line.msg, line.appId ?? null])).toEqual([
      ['redis connection failed; retrying', 'wx_a'],
      ['redis connection failed; retrying', 'wx_b'],
      ['redis ready', null],
      ['redis ready', null],
      ['redis ready', null],
    ]);
    vi.advanceTimersByTime(1000);
    expect(lines[5]).toMatchObject({ appId: 'wx_a', repeated: 1 });
    vi.advanceTimersByTime(2000); // a window without repeats: forgotten
    logger.warn({ appId: 'wx_a' }, 'redis connection failed; retrying');
    expect(lines).toHaveLength(7);
    expect(lines[6].repeated).toBeUndefined();
  });
});

describe('the service in an outage (a child process, as its container starts it)', () => {
  it('10,000 failing signing requests and /readyz polls write fewer than 50 lines, the first failure among them', async () => {
    const A = { appId: 'wx_flood_a', appSecret: 'SECRET_flood_a_81d3f0' };
    const wechat = await startFakeWechat([A]);
    // WeChat refuses this secret: every signing request fails.
    const service = await startServiceProcess({ ...accountEnv({ ...A, appSecret: 'SECRET_flood_wrong_5c2a' }, wechat) });
    try {
      const before = service.logs.length;
      const url = `${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`;
      const statuses = new Map<number, number>();
      let sent = 0;
      const worker = async () => {
        while (sent < 10_000) {
          sent++;
          const answer = await fetch(sent % 100 === 0 ? `${service.publicUrl}/readyz` : url);
          await answer.arrayBuffer();
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      // The lines of the last requests arrive after their answers.
      const last = await service.waitForLog((line) => line.msg.startsWith('signing failed'));
      expect(last.level).toBe('error');
      expect([...statuses.keys()].every((status) => status >= 500)).toBe(true);
      expect(service.logs.length - before).toBeLessThan(50);
      expect(service.logs.slice(before).filter((line) => line.msg.startsWith('signing failed')).length).toBeGreaterThanOrEqual(1);
    } finally {
      await service.stop();
      await wechat.close();
    }
  });
});
