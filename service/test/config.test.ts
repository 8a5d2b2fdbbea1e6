// Configuration: read once, validated, every problem named at once; the CLI exits 1 without
// listening on any of them.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/ConfigError';
import { helpText } from '../src/helpText';
import { readConfig } from '../src/readConfig';
import { VARIABLES } from '../src/variables';
import { runCli } from './helpers/serviceProcess';

const SECRET = 'SECRET_0f9e8d7c6b5a49382716';
const ONE = { WECHAT_APP_ID: 'wx_one', WECHAT_APP_SECRET: SECRET, ALLOWED_HOSTS: 'h5.a.com, *.a.com' };
const dir = mkdtempSync(join(tmpdir(), 'service-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(env: Record<string, string>, readFile?: (path: string) => string) {
  try {
    readConfig(env, readFile);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('readConfig accepted the configuration');
}

describe('readConfig', () => {
  it('reads one account with every default, frozen', () => {
    const config = readConfig(ONE);
    expect(config).toEqual({
      accounts: [{ appId: 'wx_one', appSecret: SECRET, hosts: ['h5.a.com', '*.a.com'], tokenMode: 'stable', accessTokenKey: undefined, accessTokenUrl: undefined }],
      wecomApps: [],
      redis: undefined,
      port: 8080,
      host: '0.0.0.0',
      internalPort: 9090,
      internalHost: '0.0.0.0',
      allowedOrigins: undefined,
      apiKeys: [],
      wechatApiBase: 'https://api.weixin.qq.com',
      wecomApiBase: 'https://qyapi.weixin.qq.com',
      logLevel: 'info',
      shutdownTimeout: 10_000,
      signingPath: '/api/wechat/signature',
      warnings: [expect.stringContaining('WECHAT_APP_ID: wx_one is not of the form wx followed by 16 hex digits')],
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.accounts[0].hosts)).toBe(true);
    expect(readConfig({ ...ONE, HOST: '127.0.0.1' }).internalHost).toBe('127.0.0.1');
  });

  it('reads several accounts from WECHAT_ACCOUNTS, each with its tokenMode or TOKEN_MODE', () => {
    const accounts = [
      { appId: 'wx_a', appSecret: 'secret_a', hosts: ['h5.a.com'] },
      { appId: 'wx_b', appSecret: 'secret_b', hosts: ['*.b.com'], tokenMode: 'stable' },
      { appId: 'wx_c', accessTokenUrl: 'http://tokens.internal:9090', accessTokenKey: 'k'.repeat(32), hosts: ['c.com'] },
    ];
    const config = readConfig({ WECHAT_ACCOUNTS: JSON.stringify(accounts), TOKEN_MODE: 'classic', REDIS_CLUSTER_NODES: '10.0.0.1:6379, 10.0.0.2:6379' });
    expect(config.accounts.map((a) => [a.appId, a.tokenMode])).toEqual([['wx_a', 'classic'], ['wx_b', 'stable'], ['wx_c', 'classic']]);
    expect(config.accounts[2].accessTokenUrl).toBe('http://tokens.internal:9090');
    expect(config.redis).toEqual({ clusterNodes: ['10.0.0.1:6379', '10.0.0.2:6379'] });
  });

  it('names every problem at once, each with an example', () => {
    const problems = problemsOf({
      WECHAT_APP_ID: 'wx_one',
      ALLOWED_HOSTS: 'https://h5.a.com/',
      PORT: 'eighty',
      INTERNAL_PORT: '70000',
      LOG_LEVEL: 'loud',
      SHUTDOWN_TIMEOUT: '10s',
      TOKEN_MODE: 'fast',
      WECHAT_API_BASE: 'api.weixin.qq.com',
      ALLOWED_ORIGINS: 'https://h5.a.com/page',
      API_KEYS: 'short',
      SIGNING_PATH: 'sign',
      REDIS_URL: 'http://redis:6379',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ['ALLOWED_HOSTS', 'ALLOWED_ORIGINS', 'API_KEYS', 'INTERNAL_PORT', 'LOG_LEVEL', 'PORT', 'REDIS_URL', 'SHUTDOWN_TIMEOUT', 'SIGNING_PATH', 'TOKEN_MODE', 'WECHAT_API_BASE', 'WECHAT_APP_SECRET'].sort(),
    );
    for (const problem of problems) expect(problem.example, problem.variable).toBeTruthy();
    expect(problems.find((p) => p.variable === 'ALLOWED_HOSTS')!.problem).toContain('write "h5.a.com"');
  });

  it('refuses a service without hosts, or one that would sign for any site', () => {
    expect(problemsOf({ WECHAT_APP_ID: 'wx_one', WECHAT_APP_SECRET: SECRET })).toEqual([expect.objectContaining({ variable: 'ALLOWED_HOSTS', problem: expect.stringContaining('any site') })]);
    expect(problemsOf({ ...ONE, ALLOWED_HOSTS: '*' })[0]).toMatchObject({ variable: 'ALLOWED_HOSTS' });
    expect(problemsOf({ WECHAT_ACCOUNTS: '[{"appId":"wx_a","appSecret":"s","hosts":[]}]' })[0]).toMatchObject({ variable: 'WECHAT_ACCOUNTS[0].hosts' });
    expect(problemsOf({})[0]).toMatchObject({ variable: 'WECHAT_APP_ID', problem: expect.stringContaining('no account') });
  });

  it('refuses a host under two accounts, whichever pattern covers it', () => {
    const accounts = (b: string[]) => JSON.stringify([{ appId: 'wx_a', appSecret: 's', hosts: ['h5.a.com', '*.shared.com'] }, { appId: 'wx_b', appSecret: 's', hosts: b }]);
    // The same host in Unicode and in punycode is one host.
    expect(problemsOf({ WECHAT_ACCOUNTS: JSON.stringify([{ appId: 'wx_a', appSecret: 's', hosts: ['bücher.de'] }, { appId: 'wx_b', appSecret: 's', hosts: ['XN--BCHER-KVA.de'] }]) })).toHaveLength(1);
    for (const hosts of [['H5.A.com'], [' h5.a.com'], ['x.shared.com'], ['*.shared.com'], ['*.y.shared.com'], ['xn--bcher-kva.shared.com']]) {
      expect(problemsOf({ WECHAT_ACCOUNTS: accounts(hosts) }), hosts.join()).toEqual([
        expect.objectContaining({ variable: 'WECHAT_ACCOUNTS[1].hosts', problem: expect.stringContaining('also belongs to wx_a') }),
      ]);
    }
    expect(readConfig({ WECHAT_ACCOUNTS: accounts(['shared.com', 'b.com']) }).accounts).toHaveLength(2);
  });

  it('checks each account of WECHAT_ACCOUNTS, and quotes no secret when its JSON is broken', () => {
    const problems = problemsOf({
      WECHAT_ACCOUNTS: JSON.stringify([{ appId: 'wx_a', hosts: ['a.com'] }, { appId: 'wx_a', appSecret: 's', hosts: ['b.com'], tokenmode: 'stable' }, 'wx_c']),
    });
    expect(problems.map((p) => p.variable)).toEqual(['WECHAT_ACCOUNTS[1].tokenmode', 'WECHAT_ACCOUNTS[2]', 'WECHAT_ACCOUNTS[0].appSecret', 'WECHAT_ACCOUNTS[1].appId']);
    const broken = problemsOf({ WECHAT_ACCOUNTS: `[{"appId":"wx_a","appSecret":"${SECRET}",}]` });
    expect(broken).toEqual([expect.objectContaining({ variable: 'WECHAT_ACCOUNTS', problem: expect.stringContaining('not valid JSON') })]);
    expect(JSON.stringify(broken)).not.toContain(SECRET);
    expect(problemsOf({ ...ONE, WECHAT_ACCOUNTS: '[]' }).map((p) => p.variable)).toEqual(['WECHAT_APP_ID', 'WECHAT_APP_SECRET', 'ALLOWED_HOSTS', 'WECHAT_ACCOUNTS']);
  });

  it('quotes no password put in a URL where it does not belong', () => {
    const problems = problemsOf({ ...ONE, REDIS_CLUSTER_NODES: `redis://:${SECRET}@10.0.0.1:6379,10.0.0.2:6379`, WECHAT_API_BASE: `https://:${SECRET}@/x` });
    expect(problems.map((p) => p.variable)).toEqual(['REDIS_CLUSTER_NODES', 'WECHAT_API_BASE']);
    expect(problems[0].problem).toContain('10.0.0.1:6379');
    expect(JSON.stringify(problems)).not.toContain(SECRET);
  });

  it('refuses an API key that no Authorization header can carry, without quoting it', () => {
    const problems = problemsOf({ ...ONE, API_KEYS: `${SECRET} two,${SECRET}密钥,${SECRET}` });
    expect(problems).toEqual([expect.objectContaining({ variable: 'API_KEYS', problem: expect.stringMatching(/^2 key\(s\) hold spaces/) })]);
    expect(JSON.stringify(problems)).not.toContain(SECRET);
  });

  it('refuses a SHUTDOWN_TIMEOUT past what a timer can wait (it would cut requests at once)', () => {
    expect(readConfig({ ...ONE, SHUTDOWN_TIMEOUT: String(2 ** 31 - 1) }).shutdownTimeout).toBe(2 ** 31 - 1);
    expect(problemsOf({ ...ONE, SHUTDOWN_TIMEOUT: '99999999999' })).toEqual([expect.objectContaining({ variable: 'SHUTDOWN_TIMEOUT', problem: expect.stringContaining('more than a timer can wait') })]);
  });

  it('reads secrets from files (the Docker secrets convention), and names a file it cannot read', () => {
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    const { WECHAT_APP_SECRET: _, ...rest } = ONE;
    expect(readConfig({ ...rest, WECHAT_APP_SECRET_FILE: secretFile }).accounts[0].appSecret).toBe(SECRET);
    expect(problemsOf({ ...ONE, WECHAT_APP_SECRET_FILE: secretFile })).toEqual([expect.objectContaining({ variable: 'WECHAT_APP_SECRET', problem: expect.stringContaining('not both') })]);
    expect(problemsOf({ ...rest, WECHAT_APP_SECRET_FILE: join(dir, 'missing') })[0]).toMatchObject({ variable: 'WECHAT_APP_SECRET_FILE', problem: expect.stringContaining('ENOENT') });
    const accountsFile = join(dir, 'accounts.json');
    writeFileSync(accountsFile, JSON.stringify([{ appId: 'wx_f', appSecret: SECRET, hosts: ['f.com'] }]));
    expect(readConfig({ WECHAT_ACCOUNTS_FILE: accountsFile }).accounts[0].appId).toBe('wx_f');
  });
});

describe('readConfig: mistakes named at start (issue 20.7)', () => {
  const { WECHAT_APP_SECRET: _secret, ...noSecret } = ONE;

  it('takes a value of only spaces as unset, and names it as missing', () => {
    expect(problemsOf({ ...ONE, WECHAT_APP_SECRET: '   ' })).toEqual([expect.objectContaining({ variable: 'WECHAT_APP_SECRET', problem: expect.stringContaining('is required') })]);
    expect(problemsOf({ ...ONE, WECHAT_APP_ID: ' \t' })).toEqual([expect.objectContaining({ variable: 'WECHAT_APP_ID', problem: 'is required' })]);
    expect(readConfig({ ...ONE, LOG_LEVEL: '  ' }).logLevel).toBe('info');
  });

  it('names a _FILE that is a directory, a FIFO or a device at once, without reading it', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    for (const [path, kind] of [[folder, 'a directory'], [fifo, 'a FIFO'], ['/dev/zero', 'a device']]) {
      expect(problemsOf({ ...noSecret, WECHAT_APP_SECRET_FILE: path }, () => { throw new Error(`${path} was read`); })).toEqual([
        expect.objectContaining({ variable: 'WECHAT_APP_SECRET_FILE', problem: expect.stringContaining(`is ${kind}`) }),
      ]);
    }
  });

  it('says what is wrong with WECHAT_API_BASE, REDIS_URL, REDIS_CLUSTER_NODES and a hosts value', () => {
    const problem = (env: Record<string, string>) => problemsOf(env).map((p) => `${p.variable}: ${p.problem}`);
    expect(problem({ ...ONE, WECHAT_API_BASE: 'https://proxy.internal/wx?key=1' })).toEqual([expect.stringMatching(/^WECHAT_API_BASE: has a query/)]);
    expect(problem({ ...ONE, WECHAT_API_BASE: 'https://proxy.internal/wx#top' })).toEqual([expect.stringMatching(/^WECHAT_API_BASE: has a hash/)]);
    expect(problem({ ...ONE, REDIS_URL: 'redis://' })).toEqual(['REDIS_URL: has no host: write the host (and port) after redis://']);
    expect(problem({ ...ONE, REDIS_URL: 'redis://redis:99999' })).toEqual([expect.stringContaining('REDIS_URL: is not a valid URL: check its host, and its port')]);
    expect(problem({ ...ONE, REDIS_URL: 'redis://redis:0' })).toEqual([expect.stringContaining('REDIS_URL: names port 0')]);
    expect(problem({ ...ONE, REDIS_CLUSTER_NODES: '10.0.0.1:6379,10.0.0.2:70000,10.0.0.3:0' })).toEqual(['REDIS_CLUSTER_NODES: 10.0.0.2:70000, 10.0.0.3:0: a port is a number from 1 to 65535']);
    expect(problem({ WECHAT_ACCOUNTS: JSON.stringify([{ appId: 'wx1234567890abcdef', appSecret: 's', hosts: 'h5.a.com' }]) })).toEqual([
      expect.stringMatching(/^WECHAT_ACCOUNTS\[0\]\.hosts: is a string, not an array/),
    ]);
  });

  it('refuses a wildcard directly under a public suffix, and allows one under a domain', () => {
    for (const pattern of ['*.com', '*.com.cn', '*.co.uk']) {
      expect(problemsOf({ ...ONE, ALLOWED_HOSTS: `h5.a.com,${pattern}` }), pattern).toEqual([
        expect.objectContaining({ variable: 'ALLOWED_HOSTS', problem: expect.stringContaining(`${pattern} is a wildcard directly under the public suffix`) }),
      ]);
    }
    expect(readConfig({ ...ONE, ALLOWED_HOSTS: '*.a.com.cn,*.b.co.uk' }).accounts[0].hosts).toEqual(['*.a.com.cn', '*.b.co.uk']);
  });

  it('normalises hosts (trailing dot, case) before the duplicate check', () => {
    const accounts = JSON.stringify([
      { appId: 'wx1234567890abcdef', appSecret: 's', hosts: ['h5.a.com'] },
      { appId: 'wx1234567890abcdee', appSecret: 's', hosts: ['H5.A.com.'] },
    ]);
    expect(problemsOf({ WECHAT_ACCOUNTS: accounts })).toEqual([expect.objectContaining({ variable: 'WECHAT_ACCOUNTS[1].hosts', problem: expect.stringContaining('h5.a.com also belongs to wx1234567890abcdef') })]);
    expect(readConfig({ ...ONE, ALLOWED_HOSTS: 'H5.Example.COM.' }).accounts[0].hosts).toEqual(['h5.example.com']);
  });

  it('refuses an appId with spaces, non-ASCII or over 32 characters; warns about one not wx + 16 hex digits', () => {
    for (const appId of ['wx12345678 90abcdef', 'wx1234567890abcdéf', `wx${'a'.repeat(31)}`]) {
      expect(problemsOf({ ...ONE, WECHAT_APP_ID: appId }), appId).toEqual([expect.objectContaining({ variable: 'WECHAT_APP_ID' })]);
    }
    expect(readConfig({ ...ONE, WECHAT_APP_ID: 'wx1234567890abcdef' }).warnings).toEqual([]);
    expect(readConfig({ ...ONE, WECHAT_APP_ID: 'wx1234567890ABCDEFG' }).warnings).toEqual([expect.stringMatching(/^WECHAT_APP_ID: wx1234567890ABCDEFG is not of the form wx followed by 16 hex digits/)]);
  });

  it('names every problem together', () => {
    const problems = problemsOf({ WECHAT_APP_ID: 'wx 1', WECHAT_APP_SECRET: ' ', ALLOWED_HOSTS: '*.com', WECHAT_API_BASE: 'https://x.com/?a', REDIS_URL: 'redis://' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['ALLOWED_HOSTS', 'REDIS_URL', 'WECHAT_API_BASE', 'WECHAT_APP_ID', 'WECHAT_APP_SECRET']);
  });
});

describe('the defaults live once, in VARIABLES (issue 22.3)', () => {
  const help = helpText();
  const withDefault = VARIABLES.filter((v): v is (typeof VARIABLES)[number] & { default: string } => 'default' in v);

  it.each(withDefault.map((v) => [v.name, v.default]))('%s: --help says its default is %s, and readConfig does just that', (name, value) => {
    expect(help).toContain(`Default: ${value}.`);
    // Unset, and set to the default --help prints, read the same (INTERNAL_HOST's default names HOST).
    const explicit = name === 'INTERNAL_HOST' ? { HOST: '10.0.0.5', INTERNAL_HOST: '10.0.0.5' } : { [name]: value };
    const unset = name === 'INTERNAL_HOST' ? { HOST: '10.0.0.5' } : {};
    expect(readConfig({ ...ONE, ...unset })).toEqual(readConfig({ ...ONE, ...explicit }));
    // And the default matters: another value reads differently.
    const other = ({ PORT: '8081', HOST: '127.0.0.1', INTERNAL_PORT: '9091', INTERNAL_HOST: '10.0.0.6', WECHAT_API_BASE: 'https://proxy.example', WECOM_API_BASE: 'https://qyproxy.example', TOKEN_MODE: 'classic', LOG_LEVEL: 'warn', SHUTDOWN_TIMEOUT: '5000', SIGNING_PATH: '/sign' } as Record<string, string>)[name];
    expect(readConfig({ ...ONE, ...unset, [name]: other })).not.toEqual(readConfig({ ...ONE, ...unset }));
  });
});

describe('the CLI', () => {
  it('names a _FILE that is a FIFO at once instead of hanging, and exits 1', async () => {
    const fifo = join(dir, 'fifo-cli');
    execFileSync('mkfifo', [fifo]);
    const { WECHAT_APP_SECRET: _, ...rest } = ONE;
    const { code, stderr } = await runCli({ ...rest, WECHAT_APP_SECRET_FILE: fifo });
    expect(code).toBe(1);
    expect(stderr).toContain(`WECHAT_APP_SECRET_FILE: ${fifo} is a FIFO`);
  });

  it('logs the configuration warnings at start; names the variable of a port in use, and exits 1', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, stdout } = await runCli({ ...ONE, HOST: '127.0.0.1', PORT: '0', INTERNAL_PORT: String(port) });
      expect(code).toBe(1);
      expect(stdout).toContain(`INTERNAL_PORT=${port}: port ${port} on 127.0.0.1 is in use`);
      // The appId warning reached the log at start, before the listeners.
      expect(stdout).toContain('configuration: WECHAT_APP_ID: wx_one is not of the form wx followed by 16 hex digits');
    } finally {
      taken.close();
    }
  });

  it('exits 1 without listening, naming each problem on stderr and quoting no secret', async () => {
    const { code, stdout, stderr } = await runCli({ WECHAT_APP_ID: 'wx_one', WECHAT_APP_SECRET: SECRET, PORT: '99999', LOG_LEVEL: 'loud', REDIS_URL: `redis://:${SECRET}@redis:6379`, REDIS_CLUSTER_NODES: 'x:1' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    for (const variable of ['ALLOWED_HOSTS', 'PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(stderr).toContain(`  ${variable}: `);
    expect(stderr).toContain('example: ALLOWED_HOSTS=h5.example.com,*.example.com');
    expect(stderr).not.toContain(SECRET);
  });

  it('reads .env from the working directory, the environment winning', async () => {
    writeFileSync(join(dir, '.env'), `WECHAT_APP_ID=wx_one\nWECHAT_APP_SECRET=${SECRET}\nALLOWED_HOSTS=h5.a.com\nSHUTDOWN_TIMEOUT=soon\nLOG_LEVEL=loud\n`);
    const { code, stderr } = await runCli({ LOG_LEVEL: 'info' }, [], dir);
    expect(code).toBe(1);
    expect(stderr).toContain('  SHUTDOWN_TIMEOUT: ');
    expect(stderr).not.toContain('LOG_LEVEL');
  });

  it('--help lists every variable and exits 0; an unknown option exits 1', async () => {
    const help = await runCli({}, ['--help']);
    expect(help.code).toBe(0);
    for (const variable of VARIABLES) expect(help.stdout).toContain(variable.name);
    expect(help.stdout).toContain('WECHAT_APP_SECRET_FILE');
    const wrong = await runCli({}, ['--port', '1']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('--port');
  });
});

describe('the READMEs', () => {
  it.each(['README.md', 'README.zh-CN.md'])('%s documents every variable', (name) => {
    const readme = readFileSync(fileURLToPath(new URL(`../${name}`, import.meta.url)), 'utf8');
    for (const variable of VARIABLES) expect(readme, variable.name).toContain(`| \`${variable.name}\``);
  });
});
