import { VARIABLES } from './variables.js';

/** What `wechat-share-service --help` prints: the usage, then every variable with its default and an example. */
export function helpText(): string {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  const lines = VARIABLES.map((v) => {
    const details = [v.description, 'default' in v ? `Default: ${v.default}.` : '', `Example: ${v.example}`, 'file' in v ? `Or ${v.name}_FILE: a file holding it.` : '']
      .filter(Boolean)
      .join(' ');
    return `  ${v.name.padEnd(width)}  ${details}`;
  });
  return [
    'Usage: wechat-share-service [--help] [--fake-wechat]',
    '',
    '  --fake-wechat  Local mode: no credentials, a fake WeChat API in the process, one fake account for',
    '                 ALLOWED_HOSTS (default localhost,127.0.0.1). Its signatures work in the simulator only.',
    '                 Refused under NODE_ENV=production, or with WECHAT_APP_ID, WECHAT_ACCOUNTS or WECHAT_API_BASE set.',
    '',
    'The WeChat and WeCom JS-SDK signing service and central token server. Every setting is an environment',
    'variable; a .env file in the working directory is read first (variables already set win).',
    '',
    'Variables:',
    ...lines,
    '',
    'A WeCom (企业微信) app is an entry of WECHAT_ACCOUNTS with corpId, corpSecret (or corpSecretFile: a file',
    'holding it), agentId (a number) and hosts. A host may be under one Official Account and one WeCom app',
    '(platform=wecom in the signing request picks the WeCom app), never under two of either.',
    '',
    'Public listener (PORT): GET|POST SIGNING_PATH, GET /livez, GET /readyz.',
    'Internal listener (INTERNAL_PORT): GET /metrics; with API_KEYS, GET /v1/accounts/{appId}/access_token,',
    '  GET /v1/accounts/{appId}/jsapi_ticket, POST /v1/accounts/{appId}/access_token/refresh;',
    '  for WeCom apps GET /v1/wecom/{corpId}/agents/{agentId}/access_token, GET /v1/wecom/{corpId}/jsapi_ticket,',
    '  GET /v1/wecom/{corpId}/agents/{agentId}/jsapi_ticket (the agent ticket),',
    '  POST /v1/wecom/{corpId}/agents/{agentId}/access_token/refresh.',
    'SIGTERM or SIGINT: finish in-flight requests (up to SHUTDOWN_TIMEOUT), close Redis, exit 0; a second signal exits at once.',
    '',
  ].join('\n');
}
