#!/usr/bin/env node
// The command: reads the environment once (after .env), then starts the service and handles
// the signals.
import { parseArgs } from 'node:util';
import { registerSecrets } from 'wechat-share/server';
import { ConfigError } from './ConfigError.js';
import { createLogger } from './createLogger.js';
import { helpText } from './helpText.js';
import { fakeWechatRefusal, loadEnvironment, type ServiceConfig } from './readConfig.js';
import { startFakeWechat } from './startFakeWechat.js';
import { startService, type Service } from './startService.js';

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs({ options: { help: { type: 'boolean', short: 'h' }, 'fake-wechat': { type: 'boolean' } }, strict: true, allowPositionals: false });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${helpText()}`);
  process.exit(1);
}
if (args.values.help) {
  process.stdout.write(helpText());
  process.exit(0);
}

// What every line says in the local mode: no one should mistake it for a working deployment.
const FAKE_NOTICE = 'LOCAL MODE (--fake-wechat): a fake WeChat API in this process; these signatures work in the simulator only, never in WeChat';
const fakeWechat = args.values['fake-wechat'] === true;
let fakeAccount: Parameters<typeof loadEnvironment>[0];
if (fakeWechat) {
  const refusal = fakeWechatRefusal();
  if (refusal) {
    process.stderr.write(`wechat-share-service: ${refusal}\n`);
    process.exit(1);
  }
  const fake = await startFakeWechat();
  fakeAccount = { WECHAT_APP_ID: fake.appId, WECHAT_APP_SECRET: fake.appSecret, WECHAT_API_BASE: fake.url };
}

let config: ServiceConfig;
try {
  config = loadEnvironment(fakeAccount);
} catch (error) {
  // Plain text on stderr: the person reading it is starting the service by hand or reading a crash loop.
  // Only a ConfigError's text, which quotes no secret: anything else (a .env line that does not parse)
  // may quote a value, so only its kind is named.
  const text = error instanceof ConfigError ? error.message : `could not read the environment or .env (${(error as { code?: string })?.code ?? (error as Error)?.name ?? 'error'})`;
  process.stderr.write(`wechat-share-service: ${text}\nRun wechat-share-service --help for every variable.\n`);
  process.exit(1);
}

const redisPassword = config.redis && 'url' in config.redis ? new URL(config.redis.url).password : '';
const secrets = [
  ...config.accounts.flatMap((account) => [account.appSecret, account.accessTokenKey]),
  ...(config.wecomApps ?? []).map((app) => app.corpSecret),
  ...config.apiKeys,
  // As the URL spells it, and as a client's error may quote it.
  redisPassword,
  safeDecode(redisPassword),
];
// Every signer's errors and every log line are redacted of these too, not only the lines that
// this process writes about the account they belong to.
registerSecrets(() => secrets);
const baseLogger = createLogger({ level: config.logLevel, secrets: () => secrets });
const logger = fakeWechat ? baseLogger.child({ mode: FAKE_NOTICE }) : baseLogger;
if (fakeWechat) logger.warn({ appId: config.accounts[0].appId, hosts: config.accounts[0].hosts }, FAKE_NOTICE);

process.on('uncaughtException', (error) => {
  logger.fatal({ err: { message: error.message, stack: error.stack } }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: { message: reason instanceof Error ? reason.message : String(reason) } }, 'unhandled rejection');
  process.exit(1);
});

let service: Service | undefined;
let stopping = false;
function stop(signal: NodeJS.Signals) {
  if (stopping) {
    logger.warn({ signal }, 'second signal: exiting at once');
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal, timeoutMs: config.shutdownTimeout }, 'shutting down: no new connections, finishing in-flight requests');
  const closing = service ? service.close() : Promise.resolve();
  closing.then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (error: Error) => {
      logger.error({ err: { message: error.message } }, 'shutdown failed');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

try {
  service = await startService(config, logger);
} catch (error) {
  logger.fatal({ err: { message: (error as Error).message } }, 'could not start');
  process.exit(1);
}
