import { existsSync, readFileSync, statSync } from 'node:fs';
import { getPublicSuffix } from 'tldts';
import { createHostMatcher, withoutTrailingSlash } from 'wechat-share/server';
import { ConfigError, type ConfigProblem } from './ConfigError.js';
import { VARIABLES, type Variable, type VariableName } from './variables.js';

/** How an account's access_token is had: from WeChat by appSecret, in one of WeChat's two APIs. */
export type TokenMode = 'stable' | 'classic';

/** pino's levels, and `silent`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** One Official Account the service signs for. */
export interface AccountConfig {
  readonly appId: string;
  /** Set when the service fetches the access_token from WeChat itself. */
  readonly appSecret?: string;
  /** Set instead of `appSecret` when another central server holds the token: its token API base, such as `http://tokens:9090`. */
  readonly accessTokenUrl?: string;
  /** The API key for `accessTokenUrl`. */
  readonly accessTokenKey?: string;
  /** Host patterns whose pages it signs (`*.` allows subdomains). Never empty; no two accounts share one. */
  readonly hosts: readonly string[];
  readonly tokenMode: TokenMode;
}

/**
 * One WeCom (企业微信) app the service signs for: a corp's self-built app (自建应用), an entry of
 * `WECHAT_ACCOUNTS` with `corpId` instead of `appId`. Its pages get the corp jsapi_ticket's
 * signature and the agent jsapi_ticket's (official: developer.work.weixin.qq.com/document/path/90506).
 */
export interface WecomAppConfig {
  /** The corp's ID (`ww…`), from 我的企业 → 企业信息 in the WeCom admin. */
  readonly corpId: string;
  /** The app's Secret (from `corpSecret`, or read from the file of `corpSecretFile`). */
  readonly corpSecret: string;
  /** The app's AgentId, a positive integer such as 1000002. */
  readonly agentId: number;
  /**
   * Host patterns whose pages inside WeCom it signs (`*.` allows subdomains). Never empty; no two
   * WeCom apps share one (one Official Account and one WeCom app may: the request's `platform` picks).
   */
  readonly hosts: readonly string[];
}

/** The shared store: one Redis, or a Redis Cluster by some of its nodes (`host:port`). */
export type RedisConfig = { readonly url: string } | { readonly clusterNodes: readonly string[] };

/** The whole, validated, frozen configuration of the service. */
export interface ServiceConfig {
  /** The Official Accounts; may be empty when `wecomApps` is not. */
  readonly accounts: readonly AccountConfig[];
  /** The WeCom apps. Always set by readConfig; optional for configurations built by hand. @default [] */
  readonly wecomApps?: readonly WecomAppConfig[];
  /** `undefined`: the memory store (each instance fetches its own token). */
  readonly redis?: RedisConfig;
  readonly port: number;
  readonly host: string;
  readonly internalPort: number;
  readonly internalHost: string;
  /** CORS origins of the signing endpoint; `undefined`: no CORS headers. */
  readonly allowedOrigins?: readonly string[];
  /** Keys of the token API; empty: the token API is off. */
  readonly apiKeys: readonly string[];
  readonly wechatApiBase: string;
  /** Base URL of the WeCom API. Always set by readConfig. @default 'https://qyapi.weixin.qq.com' */
  readonly wecomApiBase?: string;
  readonly logLevel: LogLevel;
  /** ms. */
  readonly shutdownTimeout: number;
  readonly signingPath: string;
  /** What is allowed but probably wrong (an appId not of WeChat's form): logged at start. Always set by readConfig; optional for configurations built by hand. */
  readonly warnings?: readonly string[];
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const ACCOUNT_KEYS = ['appId', 'appSecret', 'hosts', 'tokenMode', 'accessTokenUrl', 'accessTokenKey'];
const WECOM_KEYS = ['corpId', 'corpSecret', 'corpSecretFile', 'agentId', 'hosts'];
/** An example WeCom entry, for the errors about one. */
const WECOM_EXAMPLE = '{"corpId":"ww1234567890abcdef","corpSecret":"…","agentId":1000002,"hosts":["work.a.com"]}';
/** The largest agentId accepted: WeCom's are 7-digit numbers (1000002); past 2^31 - 1 it is another value pasted here. */
const MAX_AGENT_ID = 2 ** 31 - 1;
/** Longest setTimeout delay, in ms. */
const MAX_TIMER = 2 ** 31 - 1;
/** Shortest API key accepted: a guessable key would hand out the access_token. */
const MIN_KEY_LENGTH = 16;

const example = (name: VariableName) => VARIABLES.find((v) => v.name === name)!.example;
/** The default of `name`, from {@link VARIABLES}: the one place defaults are written. */
const fallback = (name: VariableName): string => {
  const variable: Variable = VARIABLES.find((v) => v.name === name)!;
  if (variable.default === undefined) throw new Error(`${name} has no default in VARIABLES`);
  return variable.default;
};
/** How WeChat writes an appId: wx and 16 hex digits (every AppID in the Official Account settings; reported by users, not a published rule). */
const APP_ID_FORM = /^wx[0-9a-f]{16}$/;
/** The longest appId or corpId accepted: WeChat's and WeCom's are 18 characters; past 32 it is another value pasted here. */
const MAX_APP_ID = 32;
/** A host as the page's hostname will be compared: lower case, without the trailing dot of a fully qualified name. */
const normalHost = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');
const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const isHttpUrl = (value: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};
// JSON.parse's messages can quote the text around the error, and that text holds secrets.
const jsonProblem = (error: unknown) => {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return `is not valid JSON${position ? ` (near character ${position})` : ''}`;
};
// A value quoted in a problem loses everything up to its last @: a URL's user:password part
// (`redis://:password@host:6379` put where host:port belongs) must not reach stderr or the log.
const withoutUserinfo = (value: string) => (value.includes('@') ? `…@${value.slice(value.lastIndexOf('@') + 1)}` : value);
/** An example host that `pattern` matches: itself, or a subdomain for `*.`. */
const sampleHost = (pattern: string) => (pattern.startsWith('*.') ? `x${pattern.slice(1)}` : pattern);

/**
 * Reads the service's whole configuration from `env` (the environment, after `.env`), once.
 * Resolves every `<NAME>_FILE` through `readFile`. Throws a {@link ConfigError} naming every
 * problem at once; never returns a partial configuration. See {@link VARIABLES} for each variable.
 *
 * @param env - the variables, such as `process.env`
 * @param readFile - reads a `_FILE` variable's file as UTF-8 text
 * @throws ConfigError listing each problem (variable, what is wrong, an example); no secret value is quoted
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): ServiceConfig {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const report = (variable: string, problem: string, sample?: string) => problems.push({ variable, problem, example: sample });

  // Variables whose file could not be read: already reported, so not "required" as well.
  const unreadable = new Set<VariableName>();

  /** The variable's value (or its file's content, trailing newline dropped); empty counts as unset. */
  function value(name: VariableName): string | undefined {
    // A value of only spaces is unset: a blank line in a compose file must not pass as a secret.
    const direct = env[name]?.trim() || undefined;
    const file = VARIABLES.find((v) => v.name === name && 'file' in v) ? env[`${name}_FILE`]?.trim() || undefined : undefined;
    if (direct !== undefined && file !== undefined) {
      report(name, `set ${name} or ${name}_FILE, not both`);
      return direct;
    }
    if (file === undefined) return direct;
    const text = fileValue(`${name}_FILE`, file, '/run/secrets/wechat_app_secret');
    if (text === undefined) unreadable.add(name);
    return text;
  }

  /**
   * The content of the file at `file` (named by `variable` in problems), trimmed; `undefined`,
   * with the problem reported, when it is not a regular file, cannot be read or is empty.
   */
  function fileValue(variable: string, file: string, sample: string): string | undefined {
    // A FIFO or a device such as /dev/zero would block or never end: only a regular file is read.
    let kind: string | undefined;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a regular file';
    } catch {
      // readFile names why
    }
    if (kind) {
      report(variable, `${file} is ${kind}: give the path of a regular file holding the value`, sample);
      return undefined;
    }
    try {
      const text = readFile(file).trim();
      if (!text) report(variable, `${file} is empty`);
      return text || undefined;
    } catch (error) {
      report(variable, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, sample);
      return undefined;
    }
  }

  function port(name: 'PORT' | 'INTERNAL_PORT'): number {
    const text = value(name) ?? fallback(name);
    const number = Number(text);
    if (!/^\d+$/.test(text) || number > 65535) report(name, `${JSON.stringify(text)} is not a port number (0 to 65535)`, example(name));
    return number;
  }

  function tokenMode(variable: string, text: string | undefined, fallback: TokenMode): TokenMode {
    if (text === undefined) return fallback;
    if (text === 'stable' || text === 'classic') return text;
    report(variable, `${JSON.stringify(text).slice(0, 40)} is neither stable nor classic`, 'stable');
    return fallback;
  }

  const defaultMode = tokenMode('TOKEN_MODE', value('TOKEN_MODE') ?? fallback('TOKEN_MODE'), 'stable');

  function checkHosts(variable: string, hosts: readonly string[]): readonly string[] {
    if (hosts.length === 0) {
      report(variable, 'is required: a service that would sign for any site is refused', example('ALLOWED_HOSTS'));
      return hosts;
    }
    if (hosts.includes('*')) report(variable, '* would sign for any site: list the hosts of your pages', example('ALLOWED_HOSTS'));
    // *.com or *.com.cn would sign for every site under that suffix: tldts holds the public suffix list (ICANN section).
    for (const pattern of hosts.filter((h) => h.startsWith('*.'))) {
      const rest = pattern.slice(2);
      if (rest && getPublicSuffix(rest) === rest) report(variable, `${pattern} is a wildcard directly under the public suffix ${rest}: it would sign for every site there; list your own domain, such as *.example.${rest}`, example('ALLOWED_HOSTS'));
    }
    try {
      createHostMatcher(hosts, variable);
    } catch (error) {
      report(variable, (error as Error).message, example('ALLOWED_HOSTS'));
    }
    return hosts;
  }

  // The accounts: one from WECHAT_APP_ID and friends, or several from WECHAT_ACCOUNTS, some of
  // which may be WeCom apps. `positions[i]` names where accounts[i] was written, for the problems.
  const accounts: AccountConfig[] = [];
  const positions: string[] = [];
  const wecomApps: WecomAppConfig[] = [];
  const wecomPositions: string[] = [];
  const single = { appId: value('WECHAT_APP_ID'), appSecret: value('WECHAT_APP_SECRET'), hosts: value('ALLOWED_HOSTS') };
  const several = value('WECHAT_ACCOUNTS');

  /** The string `entry[key]`, trimmed; `undefined` when absent, or (reported) when not a non-empty string. */
  function entryString(at: string, entry: Record<string, unknown>, key: string): string | undefined {
    const v = entry[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.trim()) return v.trim();
    report(`${at}.${key}`, 'must be a non-empty string');
    return undefined;
  }

  /** An entry's `hosts`: a JSON array of host strings, normalised and checked (see checkHosts). */
  function entryHosts(at: string, hostsValue: unknown): string[] {
    const hosts = Array.isArray(hostsValue) && hostsValue.every((h) => typeof h === 'string') ? (hostsValue as string[]).map(normalHost) : [];
    if (hostsValue !== undefined && !Array.isArray(hostsValue)) {
      report(`${at}.hosts`, `is ${typeof hostsValue === 'string' ? 'a string' : `a ${typeof hostsValue}`}, not an array: write it as a JSON array of hosts`, '["h5.a.com","*.a.com"]');
    } else if (hostsValue !== undefined && hosts.length === 0 && hostsValue.length > 0) {
      report(`${at}.hosts`, 'must be an array of host strings', '["h5.a.com","*.a.com"]');
    } else checkHosts(`${at}.hosts`, hosts);
    return hosts;
  }

  /** An AppID or a corpId: refused with spaces, non-ASCII or past 32 characters (another value pasted there). */
  function checkId(at: string, id: string, what: string, where: string, sample: string): boolean {
    if (id && !/^[\x21-\x7e]+$/.test(id)) report(at, `holds spaces or characters outside printable ASCII: copy the ${what} from ${where}`, sample);
    else if (id.length > MAX_APP_ID) report(at, `has ${id.length} characters (an ${what} has 18): copy the ${what} from ${where}`, sample);
    else return true;
    return false;
  }

  /** A WeCom app (an entry with `corpId`): its corpId, secret (inline or from a file), agentId and hosts. */
  function wecomEntry(at: string, entry: Record<string, unknown>): void {
    if ('appId' in entry) report(at, 'has both appId and corpId: an entry is an Official Account (appId, appSecret) or a WeCom app (corpId, corpSecret, agentId), write two entries for both', WECOM_EXAMPLE);
    for (const key of Object.keys(entry).filter((k) => !WECOM_KEYS.includes(k) && k !== 'appId')) {
      report(`${at}.${key}`, `is not a WeCom app setting (known: ${WECOM_KEYS.join(', ')})`);
    }
    const text = (key: string) => entryString(at, entry, key);
    const corpId = text('corpId') ?? '';
    if (entry.corpId !== undefined || corpId) checkId(`${at}.corpId`, corpId, 'corpId', '我的企业 → 企业信息 in the WeCom admin', 'ww1234567890abcdef');
    const inline = text('corpSecret');
    const file = text('corpSecretFile');
    let corpSecret: string | undefined;
    if (inline !== undefined && file !== undefined) report(at, 'has both corpSecret and corpSecretFile: keep one');
    else if (file !== undefined) corpSecret = fileValue(`${at}.corpSecretFile`, file, '/run/secrets/wecom_corp_secret');
    else if (inline !== undefined) corpSecret = inline;
    else if (entry.corpSecret === undefined && entry.corpSecretFile === undefined) {
      report(`${at}.corpSecret`, "is required (or corpSecretFile, a file holding it): the Secret of this agentId's app, from 应用管理 → the app in the WeCom admin");
    }
    const agentId = entry.agentId;
    if (agentId === undefined) report(`${at}.agentId`, "is required: the app's AgentId, from 应用管理 → the app in the WeCom admin", '1000002');
    else if (typeof agentId !== 'number' || !Number.isInteger(agentId) || agentId < 1 || agentId > MAX_AGENT_ID) {
      const shown = JSON.stringify(agentId)?.slice(0, 40) ?? String(agentId);
      report(`${at}.agentId`, `${shown} is not an AgentId: write the app's AgentId as a JSON number (a positive integer), without quotes`, '1000002');
    }
    wecomApps.push({ corpId, corpSecret: corpSecret ?? '', agentId: typeof agentId === 'number' ? agentId : 0, hosts: entryHosts(at, entry.hosts) });
    wecomPositions.push(at);
  }

  if (several !== undefined) {
    const alongside = { WECHAT_APP_ID: single.appId, WECHAT_APP_SECRET: single.appSecret, ALLOWED_HOSTS: single.hosts };
    for (const [name, text] of Object.entries(alongside)) {
      if (text !== undefined) report(name, 'is set together with WECHAT_ACCOUNTS: give each account its appSecret and hosts in WECHAT_ACCOUNTS instead');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(several);
    } catch (error) {
      report('WECHAT_ACCOUNTS', jsonProblem(error), example('WECHAT_ACCOUNTS'));
    }
    if (parsed !== undefined && (!Array.isArray(parsed) || parsed.length === 0)) {
      report('WECHAT_ACCOUNTS', 'must be a JSON array with one object per account', example('WECHAT_ACCOUNTS'));
    } else if (Array.isArray(parsed)) {
      parsed.forEach((item: unknown, index) => {
        const at = `WECHAT_ACCOUNTS[${index}]`;
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          report(at, `must be an object such as {"appId":"…","appSecret":"…","hosts":["h5.a.com"]}, or a WeCom app such as ${WECOM_EXAMPLE}`);
          return;
        }
        const entry = item as Record<string, unknown>;
        if ('corpId' in entry) return wecomEntry(at, entry);
        for (const key of Object.keys(entry).filter((k) => !ACCOUNT_KEYS.includes(k))) {
          const wecom = WECOM_KEYS.includes(key) ? ': a WeCom app is an entry with corpId, corpSecret, agentId and hosts' : '';
          report(`${at}.${key}`, `is not an account setting (known: ${ACCOUNT_KEYS.join(', ')})${wecom}`);
        }
        const text = (key: string) => entryString(at, entry, key);
        const appId = text('appId');
        if (appId === undefined && entry.appId === undefined) report(`${at}.appId`, 'is required (or corpId, for a WeCom app)', 'wx1234567890abcdef');
        accounts.push({
          appId: appId ?? '',
          appSecret: text('appSecret'),
          accessTokenUrl: text('accessTokenUrl'),
          accessTokenKey: text('accessTokenKey'),
          hosts: entryHosts(at, entry.hosts),
          tokenMode: tokenMode(`${at}.tokenMode`, entry.tokenMode === undefined ? undefined : String(entry.tokenMode), defaultMode),
        });
        positions.push(at);
      });
    }
  } else if (unreadable.has('WECHAT_ACCOUNTS')) {
    // Reported: the accounts are in the file that could not be read.
  } else if (single.appId === undefined && single.appSecret === undefined && single.hosts === undefined && !unreadable.has('WECHAT_APP_SECRET')) {
    report('WECHAT_APP_ID', 'no account is configured: set WECHAT_APP_ID, WECHAT_APP_SECRET and ALLOWED_HOSTS, or WECHAT_ACCOUNTS', example('WECHAT_APP_ID'));
  } else {
    if (single.appId === undefined) report('WECHAT_APP_ID', 'is required', example('WECHAT_APP_ID'));
    if (single.appSecret === undefined && !unreadable.has('WECHAT_APP_SECRET')) report('WECHAT_APP_SECRET', 'is required (or WECHAT_APP_SECRET_FILE)', '<the AppSecret from the Official Account settings>');
    const hosts = checkHosts('ALLOWED_HOSTS', single.hosts === undefined ? [] : list(single.hosts).map(normalHost));
    accounts.push({ appId: single.appId ?? '', appSecret: single.appSecret, hosts, tokenMode: defaultMode });
    positions.push('WECHAT_APP_SECRET');
  }

  // Each account: a secret, or a central server to read the token from; unique appIds and hosts.
  accounts.forEach((account, index) => {
    const at = positions[index];
    if (several !== undefined) {
      if (account.appSecret === undefined && account.accessTokenUrl === undefined) {
        report(`${at}.appSecret`, 'is required (or accessTokenUrl and accessTokenKey, to read the token from another central server)');
      }
      if (account.appSecret !== undefined && account.accessTokenUrl !== undefined) report(at, 'has both appSecret and accessTokenUrl: keep one');
      if (account.accessTokenUrl !== undefined && !isHttpUrl(account.accessTokenUrl)) report(`${at}.accessTokenUrl`, 'must be an http(s) URL', 'http://tokens.internal:9090');
      if ((account.accessTokenUrl === undefined) !== (account.accessTokenKey === undefined)) report(at, 'accessTokenUrl and accessTokenKey go together');
    }
    const idAt = several === undefined ? 'WECHAT_APP_ID' : `${at}.appId`;
    const appIdOk = checkId(idAt, account.appId, 'AppID', 'the Official Account settings', example('WECHAT_APP_ID'));
    if (appIdOk && account.appId && !APP_ID_FORM.test(account.appId)) warnings.push(`${idAt}: ${account.appId} is not of the form wx followed by 16 hex digits, as WeChat's AppIDs are; WeChat will answer errcode 40013 if it is wrong`);
    if (accounts.findIndex((other) => other.appId === account.appId) !== index && account.appId) {
      report(`${at}.appId`, `${account.appId} is listed twice: give each account once, with all its hosts`);
    }
  });
  wecomApps.forEach((app, index) => {
    const first = wecomApps.findIndex((other) => other.corpId === app.corpId && other.agentId === app.agentId);
    if (first !== index && app.corpId && app.agentId) {
      report(`${wecomPositions[index]}.agentId`, `${app.corpId} agent ${app.agentId} is listed twice (also ${wecomPositions[first]}): give each app once, with all its hosts`);
    }
  });

  // A host under two Official Accounts, or under two WeCom apps, would make routing a guess:
  // refused, whichever pattern covers it, compared in the matchers' normalised form (lowercase,
  // punycode), as pages are matched. One Official Account and one WeCom app may share a host:
  // the request's platform picks.
  function refuseSharedHosts(entries: readonly { hosts: readonly string[]; name: string; at: string }[], what: string) {
    const matchers = entries.map((entry) => {
      try {
        return createHostMatcher(entry.hosts);
      } catch {
        return undefined; // reported above
      }
    });
    entries.forEach((entry, index) => {
      const mine = matchers[index];
      for (let earlier = 0; earlier < index; earlier++) {
        const theirs = matchers[earlier];
        if (!mine || !theirs) continue;
        const shared = [...mine.patterns.filter((pattern) => theirs(sampleHost(pattern))), ...theirs.patterns.filter((pattern) => mine(sampleHost(pattern)))];
        if (shared.length) {
          report(`${entry.at}.hosts`, `${[...new Set(shared)].join(', ')} also belongs to ${entries[earlier].name} (${entries[earlier].at}): a host belongs to one ${what}`);
        }
      }
    });
  }
  refuseSharedHosts(accounts.map((account, index) => ({ hosts: account.hosts, name: account.appId, at: positions[index] })), 'account');
  refuseSharedHosts(wecomApps.map((app, index) => ({ hosts: app.hosts, name: `WeCom app ${app.corpId} agent ${app.agentId}`, at: wecomPositions[index] })), 'WeCom app (one Official Account and one WeCom app may share it)');

  // The store.
  const redisUrl = value('REDIS_URL');
  const clusterNodes = value('REDIS_CLUSTER_NODES');
  let redis: RedisConfig | undefined;
  if (redisUrl !== undefined && clusterNodes !== undefined) report('REDIS_URL', 'is set together with REDIS_CLUSTER_NODES: set one');
  else if (redisUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(redisUrl);
    } catch {
      // reported below
    }
    // The URL can hold a password: never quote it, only its host and port.
    if (!parsed && /^rediss?:\/\//.test(redisUrl)) report('REDIS_URL', 'is not a valid URL: check its host, and its port (a number from 1 to 65535)', example('REDIS_URL'));
    else if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) report('REDIS_URL', 'must be a redis:// or rediss:// URL', example('REDIS_URL'));
    else if (!parsed.hostname) report('REDIS_URL', 'has no host: write the host (and port) after redis://', example('REDIS_URL'));
    else if (parsed.port === '0') report('REDIS_URL', `names port 0 on ${parsed.hostname}: give the port Redis listens on (1 to 65535)`, example('REDIS_URL'));
    redis = { url: redisUrl };
  } else if (clusterNodes !== undefined) {
    const nodes = list(clusterNodes);
    const bad = nodes.filter((node) => !/^[^\s:/]+:\d{1,5}$/.test(node) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(node));
    if (nodes.length === 0 || bad.length) report('REDIS_CLUSTER_NODES', `${bad.length ? bad.map(withoutUserinfo).join(', ') : 'nothing'} is not host:port (a password cannot be given here)`, example('REDIS_CLUSTER_NODES'));
    else {
      const badPorts = nodes.filter((node) => {
        const number = Number(node.slice(node.lastIndexOf(':') + 1));
        return number < 1 || number > 65535;
      });
      if (badPorts.length) report('REDIS_CLUSTER_NODES', `${badPorts.join(', ')}: a port is a number from 1 to 65535`, example('REDIS_CLUSTER_NODES'));
    }
    redis = { clusterNodes: nodes };
  }

  // The listeners and the rest.
  const host = value('HOST') ?? fallback('HOST');
  // Its default in VARIABLES is the name HOST: the public listener's address.
  const internalHost = value('INTERNAL_HOST') ?? (fallback('INTERNAL_HOST') === 'HOST' ? host : fallback('INTERNAL_HOST'));
  const publicPort = port('PORT');
  const internalPort = port('INTERNAL_PORT');
  if (publicPort === internalPort && publicPort !== 0) report('INTERNAL_PORT', `is the same as PORT (${publicPort}): the internal listener needs its own port`, example('INTERNAL_PORT'));

  const originsText = value('ALLOWED_ORIGINS');
  const allowedOrigins = originsText === undefined ? undefined : list(originsText);
  for (const origin of allowedOrigins ?? []) {
    if (origin === '*') continue;
    let serialized = '';
    try {
      serialized = new URL(origin).origin;
    } catch {
      // reported below
    }
    if (serialized !== origin || !isHttpUrl(origin)) report('ALLOWED_ORIGINS', `${origin} is not an origin (scheme://host[:port], no path)`, example('ALLOWED_ORIGINS'));
  }

  const apiKeys = list(value('API_KEYS') ?? '');
  const short = apiKeys.filter((key) => key.length < MIN_KEY_LENGTH).length;
  if (short) report('API_KEYS', `${short} key(s) have fewer than ${MIN_KEY_LENGTH} characters: use long random keys`, 'the output of openssl rand -hex 32');
  // A key is sent as `Authorization: Bearer <key>`: one with a space or a non-ASCII character
  // could never be matched, and every backend using it would get 401.
  const unsendable = apiKeys.filter((key) => !/^[\x21-\x7e]+$/.test(key)).length;
  if (unsendable) report('API_KEYS', `${unsendable} key(s) hold spaces or characters outside printable ASCII, which an Authorization header cannot carry`, 'the output of openssl rand -hex 32');

  function apiBase(name: 'WECHAT_API_BASE' | 'WECOM_API_BASE'): string {
    const base = withoutTrailingSlash(value(name) ?? fallback(name));
    if (!isHttpUrl(base)) report(name, `${JSON.stringify(withoutUserinfo(base)).slice(0, 80)} is not an http(s) URL`, example(name));
    // Paths are appended to it: a query or a hash would swallow them.
    else if (/[?#]/.test(base)) report(name, `has a ${base.includes('?') ? 'query (?…)' : 'hash (#…)'}: give the base URL only, paths such as /cgi-bin/${name === 'WECOM_API_BASE' ? 'gettoken' : 'token'} are added to it`, example(name));
    return base;
  }
  const wechatApiBase = apiBase('WECHAT_API_BASE');
  const wecomApiBase = apiBase('WECOM_API_BASE');

  const logLevel = (value('LOG_LEVEL') ?? fallback('LOG_LEVEL')) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) report('LOG_LEVEL', `${JSON.stringify(logLevel).slice(0, 40)} is not one of ${LOG_LEVELS.join(', ')}`, example('LOG_LEVEL'));

  const timeoutText = value('SHUTDOWN_TIMEOUT') ?? fallback('SHUTDOWN_TIMEOUT');
  const shutdownTimeout = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText)) report('SHUTDOWN_TIMEOUT', `${JSON.stringify(timeoutText).slice(0, 40)} is not a whole number of ms`, example('SHUTDOWN_TIMEOUT'));
  // Node's timers take at most 2^31 - 1 ms and fire after 1 ms past it: a huge timeout would cut
  // every in-flight request at once.
  else if (shutdownTimeout > MAX_TIMER) report('SHUTDOWN_TIMEOUT', `${timeoutText} ms is more than a timer can wait (${MAX_TIMER} ms)`, example('SHUTDOWN_TIMEOUT'));

  const signingPath = value('SIGNING_PATH') ?? fallback('SIGNING_PATH');
  if (!/^\/[\w\-./~]*$/.test(signingPath) || signingPath.includes('//')) {
    report('SIGNING_PATH', `${JSON.stringify(signingPath).slice(0, 80)} is not a path (it starts with /, with no query)`, example('SIGNING_PATH'));
  } else if (['/livez', '/readyz'].includes(signingPath)) report('SIGNING_PATH', `${signingPath} is the health check's path`, example('SIGNING_PATH'));

  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    accounts: Object.freeze(accounts.map((account) => Object.freeze({ ...account, hosts: Object.freeze([...account.hosts]) }))),
    wecomApps: Object.freeze(wecomApps.map((app) => Object.freeze({ ...app, hosts: Object.freeze([...app.hosts]) }))),
    redis: redis && Object.freeze('url' in redis ? { ...redis } : { clusterNodes: Object.freeze([...redis.clusterNodes]) }),
    port: publicPort,
    host,
    internalPort,
    internalHost,
    allowedOrigins: allowedOrigins && Object.freeze(allowedOrigins),
    apiKeys: Object.freeze(apiKeys),
    wechatApiBase,
    wecomApiBase,
    logLevel,
    shutdownTimeout,
    signingPath,
    warnings: Object.freeze(warnings),
  });
}

/** The variables that name a real account: `--fake-wechat` refuses to start with any of them set. */
const REAL_ACCOUNT_VARIABLES = ['WECHAT_APP_ID', 'WECHAT_APP_SECRET', 'WECHAT_APP_SECRET_FILE', 'WECHAT_ACCOUNTS', 'WECHAT_ACCOUNTS_FILE', 'WECHAT_API_BASE'];

// `.env` from the working directory, once (variables already set win, as process.loadEnvFile does).
let envFileLoaded = false;
function loadEnvFile(): void {
  if (envFileLoaded) return;
  envFileLoaded = true;
  if (existsSync('.env')) process.loadEnvFile('.env');
}

/**
 * Why `--fake-wechat` must not start here, or `undefined` when it may: under `NODE_ENV=production`
 * (its signatures work in no WeChat client), or with a real account's variables set (real
 * credentials are never sent to the fake, and the fake never passes for a real account).
 * Reads `process.env` after `.env`, as {@link loadEnvironment} does.
 */
export function fakeWechatRefusal(): string | undefined {
  loadEnvFile();
  if (process.env.NODE_ENV === 'production') {
    return '--fake-wechat is refused under NODE_ENV=production: its signatures work in no WeChat client. Start without --fake-wechat, with WECHAT_APP_ID and WECHAT_APP_SECRET.';
  }
  const real = REAL_ACCOUNT_VARIABLES.filter((name) => process.env[name]);
  return real.length > 0 ? `--fake-wechat makes its own fake account: unset ${real.join(', ')}, or start without --fake-wechat.` : undefined;
}

/**
 * The one reader of `process.env`: loads `.env` from the working directory when there is one
 * (variables already set win, as `process.loadEnvFile` does), then {@link readConfig}.
 * @param fakeAccount - with `--fake-wechat`: the fake account's `WECHAT_APP_ID`,
 *   `WECHAT_APP_SECRET` and `WECHAT_API_BASE`, which replace the environment's; `ALLOWED_HOSTS`
 *   then defaults to `localhost,127.0.0.1`
 * @throws ConfigError naming every problem
 */
export function loadEnvironment(fakeAccount?: { WECHAT_APP_ID: string; WECHAT_APP_SECRET: string; WECHAT_API_BASE: string }): ServiceConfig {
  loadEnvFile();
  if (!fakeAccount) return readConfig(process.env);
  return readConfig({ ...process.env, ALLOWED_HOSTS: process.env.ALLOWED_HOSTS || 'localhost,127.0.0.1', ...fakeAccount });
}
