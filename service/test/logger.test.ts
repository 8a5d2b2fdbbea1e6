// The logger's last redaction: whatever a line quotes (an upstream error, a Redis error with the
// URL), the configured secrets never reach stdout.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { registerSecrets } from 'wechat-share/server';
import { createLogger } from '../src/createLogger';

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
