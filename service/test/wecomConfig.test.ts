// WeCom apps in WECHAT_ACCOUNTS (issue 21 item 4): read, validated with every problem named at
// once, the secret from the entry or a file, never quoted; the CLI exits 1 without listening.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/ConfigError';
import { helpText } from '../src/helpText';
import { readConfig } from '../src/readConfig';
import { runCli } from './helpers/serviceProcess';

const CORP_SECRET = 'CORPSECRET_wecom_config_5b7e1f0c9a';
const OTHER_SECRET = 'CORPSECRET_other_app_8d2a6c4e1b';
const APP = { corpId: 'ww1234567890abcdef', corpSecret: CORP_SECRET, agentId: 1000002, hosts: ['work.a.com', '*.a.com'] };
const OFFICIAL = { appId: 'wx1234567890abcdef', appSecret: 'SECRET_official_3e5f7a9b', hosts: ['work.a.com'] };
const dir = mkdtempSync(join(tmpdir(), 'service-wecom-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const accounts = (...entries: unknown[]) => ({ WECHAT_ACCOUNTS: JSON.stringify(entries) });
function problemsOf(env: Record<string, string>) {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    // No line of the error quotes a secret.
    for (const secret of [CORP_SECRET, OTHER_SECRET]) expect((error as Error).message).not.toContain(secret);
    return (error as ConfigError).problems;
  }
  throw new Error('readConfig accepted the configuration');
}

describe('readConfig: WeCom apps', () => {
  it('reads a WeCom app beside an Official Account on the same host, and WECOM_API_BASE', () => {
    const config = readConfig({ ...accounts(OFFICIAL, APP), WECOM_API_BASE: 'http://127.0.0.1:8099/' });
    expect(config.accounts.map((a) => a.appId)).toEqual([OFFICIAL.appId]);
    expect(config.wecomApps).toEqual([APP]);
    expect(config.wecomApiBase).toBe('http://127.0.0.1:8099');
    expect(Object.isFrozen(config.wecomApps?.[0])).toBe(true);
    expect(Object.isFrozen(config.wecomApps?.[0].hosts)).toBe(true);
    // Only WeCom apps is a valid service too; and two apps of one corp, on other hosts.
    const only = readConfig(accounts(APP, { ...APP, corpSecret: OTHER_SECRET, agentId: 1000003, hosts: ['hr.b.com'] }));
    expect(only.accounts).toEqual([]);
    expect(only.wecomApps?.map((app) => app.agentId)).toEqual([1000002, 1000003]);
  });

  it('reads corpSecret from corpSecretFile, trimmed', () => {
    const file = join(dir, 'corp_secret');
    writeFileSync(file, `${CORP_SECRET}\n`);
    const { corpSecret: _, ...rest } = APP;
    expect(readConfig(accounts({ ...rest, corpSecretFile: file })).wecomApps?.[0].corpSecret).toBe(CORP_SECRET);
  });

  it('refuses a host under two WeCom apps, however written, naming both', () => {
    const problems = problemsOf(accounts(APP, { ...APP, corpSecret: OTHER_SECRET, agentId: 1000003, hosts: ['X.A.com.'] }));
    expect(problems).toEqual([
      { variable: 'WECHAT_ACCOUNTS[1].hosts', problem: expect.stringMatching(/^x\.a\.com(, \*\.a\.com)? also belongs to WeCom app ww1234567890abcdef agent 1000002 \(WECHAT_ACCOUNTS\[0\]\)/), example: undefined },
    ]);
    // Under two Official Accounts it stays an error, whatever the WeCom apps between them.
    const twice = problemsOf(accounts(OFFICIAL, APP, { ...OFFICIAL, appId: 'wx2222222222222222' }));
    expect(twice).toEqual([expect.objectContaining({ variable: 'WECHAT_ACCOUNTS[2].hosts', problem: expect.stringContaining(`also belongs to ${OFFICIAL.appId} (WECHAT_ACCOUNTS[0])`) })]);
  });

  it('names every problem of every entry at once: secret missing or twice, bad agentId, corpId, hosts, keys, the same app twice', () => {
    const { corpSecret: _, ...noSecret } = APP;
    const problems = problemsOf({
      ...accounts(
        noSecret,
        { ...APP, agentId: '1000002', hosts: ['b.com'] },
        { ...APP, agentId: 0, hosts: ['c.com'] },
        { ...APP, agentId: 1.5, hosts: ['d.com'] },
        { ...APP, corpId: 'ww 12', agentId: 7, corpSecretFile: join(dir, 'nowhere'), hosts: ['e.com'] },
        { ...APP, appId: 'wx1234567890abcdef', agentId: 8, hosts: '*.f.com' },
        { corpId: 'ww1234567890abcdef', corpSecret: OTHER_SECRET, hosts: ['g.com'], agentid: 9 },
        { ...APP, corpSecret: OTHER_SECRET, hosts: ['h.com'] },
        { appId: 'wx3333333333333333', appSecret: 's', hosts: ['i.com'], agentId: 10 },
      ),
      WECOM_API_BASE: 'qyapi.weixin.qq.com',
    });
    expect(problems.map((p) => p.variable)).toEqual([
      'WECHAT_ACCOUNTS[0].corpSecret',
      'WECHAT_ACCOUNTS[1].agentId',
      'WECHAT_ACCOUNTS[2].agentId',
      'WECHAT_ACCOUNTS[3].agentId',
      'WECHAT_ACCOUNTS[4].corpId',
      'WECHAT_ACCOUNTS[4]',
      'WECHAT_ACCOUNTS[5]',
      'WECHAT_ACCOUNTS[5].hosts',
      'WECHAT_ACCOUNTS[6].agentid',
      'WECHAT_ACCOUNTS[6].agentId',
      'WECHAT_ACCOUNTS[8].agentId',
      'WECHAT_ACCOUNTS[7].agentId',
      'WECOM_API_BASE',
    ]);
    const about = (variable: string) => problems.filter((p) => p.variable === variable).map((p) => p.problem);
    expect(about('WECHAT_ACCOUNTS[0].corpSecret')[0]).toMatch(/^is required \(or corpSecretFile/);
    expect(about('WECHAT_ACCOUNTS[1].agentId')[0]).toMatch(/^"1000002" is not an AgentId: write the app's AgentId as a JSON number/);
    expect(about('WECHAT_ACCOUNTS[2].agentId')[0]).toMatch(/^0 is not an AgentId/);
    expect(about('WECHAT_ACCOUNTS[4]')[0]).toBe('has both corpSecret and corpSecretFile: keep one');
    expect(about('WECHAT_ACCOUNTS[5]')[0]).toMatch(/^has both appId and corpId/);
    expect(about('WECHAT_ACCOUNTS[6].agentId')[0]).toMatch(/^is required/);
    expect(about('WECHAT_ACCOUNTS[8].agentId')[0]).toMatch(/is not an account setting .*: a WeCom app is an entry with corpId/);
    expect(about('WECHAT_ACCOUNTS[7].agentId')[0]).toMatch(/^ww1234567890abcdef agent 1000002 is listed twice \(also WECHAT_ACCOUNTS\[0\]\)/);
  });

  it('names a corpSecretFile that cannot be read, is empty or is a directory', () => {
    const { corpSecret: _, ...rest } = APP;
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    const problems = problemsOf(accounts({ ...rest, corpSecretFile: join(dir, 'missing') }, { ...rest, agentId: 3, hosts: ['b.com'], corpSecretFile: empty }, { ...rest, agentId: 4, hosts: ['c.com'], corpSecretFile: dir }));
    expect(problems).toEqual([
      { variable: 'WECHAT_ACCOUNTS[0].corpSecretFile', problem: `cannot read ${join(dir, 'missing')} (ENOENT)`, example: '/run/secrets/wecom_corp_secret' },
      { variable: 'WECHAT_ACCOUNTS[1].corpSecretFile', problem: `${empty} is empty`, example: undefined },
      { variable: 'WECHAT_ACCOUNTS[2].corpSecretFile', problem: `${dir} is a directory: give the path of a regular file holding the value`, example: '/run/secrets/wecom_corp_secret' },
    ]);
  });
});

describe('the CLI with WeCom apps', () => {
  it('names each problem on stderr, exits 1 without listening, and quotes no corpSecret', async () => {
    const { code, stdout, stderr } = await runCli({
      ...accounts(APP, { ...APP, corpSecret: OTHER_SECRET, agentId: 1000003, hosts: ['work.a.com'] }, { corpId: 'ww1234567890abcdef', agentId: 'x', hosts: ['z.com'] }),
      PORT: '0',
      INTERNAL_PORT: '0',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('  WECHAT_ACCOUNTS[1].hosts: work.a.com also belongs to WeCom app ww1234567890abcdef agent 1000002');
    expect(stderr).toContain('  WECHAT_ACCOUNTS[2].corpSecret: is required');
    expect(stderr).toContain('  WECHAT_ACCOUNTS[2].agentId: "x" is not an AgentId');
    for (const secret of [CORP_SECRET, OTHER_SECRET]) expect(stderr).not.toContain(secret);
  });

  it('--help names the WeCom settings and routes', () => {
    const help = helpText();
    for (const text of ['WECOM_API_BASE', 'corpId', 'corpSecretFile', 'agentId', '/v1/wecom/{corpId}/agents/{agentId}/access_token', '/v1/wecom/{corpId}/jsapi_ticket', '/v1/wecom/{corpId}/agents/{agentId}/jsapi_ticket', '/v1/wecom/{corpId}/agents/{agentId}/access_token/refresh']) {
      expect(help, text).toContain(text);
    }
  });
});
