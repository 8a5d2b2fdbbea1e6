import { pino, type Logger } from 'pino';
import { knownSecrets } from 'wechat-share/server';
import type { LogLevel } from './readConfig.js';
import { throttleLogs } from './throttleLogs.js';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  /**
   * Values that must never reach a log line (appSecrets, API keys, Redis passwords), read at
   * each write so that values learned later count too. Each is replaced by `[redacted]`, as is
   * every secret of the process-wide registry (`knownSecrets()` of `wechat-share/server`: every
   * signer's appSecret, current and recent access_tokens and jsapi_tickets).
   */
  secrets: () => Iterable<string | undefined>;
  /** Where JSON lines go. @default stdout */
  destination?: NodeJS.WritableStream;
}

// Secrets shorter than this are not searched for: replacing "a" everywhere would garble lines.
const MIN_SECRET_LENGTH = 6;

/**
 * The service's pino logger: one JSON line per event on stdout, `service: 'wechat-share-service'`
 * in each. Every line passes through a last redaction of every secret the process knows (`secrets`
 * and `knownSecrets()`: every account's, not only the one a line is about), whatever an upstream
 * error quoted: the signer's own events are already redacted, this covers the rest.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'wechat-share-service' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // An outage must not flood the log: a repeated warning or error is written once per backoff step, with a count.
        logMethod: throttleLogs(),
        streamWrite(line) {
          let clean = line;
          // Longest first, so that a secret containing another is replaced whole.
          const all = [...new Set([...options.secrets(), ...knownSecrets()])].sort((a, b) => (b?.length ?? 0) - (a?.length ?? 0));
          for (const secret of all) {
            if (secret && secret.length >= MIN_SECRET_LENGTH && clean.includes(secret)) clean = clean.split(secret).join('[redacted]');
            // JSON escaping can change how a secret is spelled in the line.
            const escaped = secret && JSON.stringify(secret).slice(1, -1);
            if (escaped && escaped !== secret && escaped.length >= MIN_SECRET_LENGTH && clean.includes(escaped)) clean = clean.split(escaped).join('[redacted]');
          }
          return clean;
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
