/** One environment variable the service reads: what `--help`, the README and the errors say about it. */
export interface Variable {
  name: string;
  /** What it sets, in one line. */
  description: string;
  /** The value used when it is unset, as text; `undefined` when it has none. */
  default?: string;
  /** A valid value, shown in `--help` and in every error about it. */
  example: string;
  /** Whether `<name>_FILE` may name a file holding the value instead (the Docker secrets convention). */
  file?: boolean;
}

/**
 * Every environment variable of the service, in the order `--help` lists them. The one list
 * that {@link readConfig}'s errors, `--help` and the README follow.
 */
export const VARIABLES = [
  { name: 'WECHAT_APP_ID', description: 'The Official Account AppID, for one account.', example: 'wx1234567890abcdef' },
  { name: 'WECHAT_APP_SECRET', description: 'Its AppSecret.', example: '0123456789abcdef0123456789abcdef', file: true },
  { name: 'ALLOWED_HOSTS', description: 'Comma-separated hosts whose pages are signed for it (`*.` allows subdomains).', example: 'h5.example.com,*.example.com' },
  {
    name: 'WECHAT_ACCOUNTS',
    description:
      'Several accounts instead, as JSON: appId, appSecret (or accessTokenUrl and accessTokenKey), hosts, and an optional tokenMode; or a WeCom app: corpId, corpSecret (or corpSecretFile), agentId, hosts.',
    example: '[{"appId":"wx1234567890abcdef","appSecret":"…","hosts":["h5.a.com","*.a.com"]}]',
    file: true,
  },
  { name: 'REDIS_URL', description: 'Redis shared by every instance (node-redis URL). Without it or REDIS_CLUSTER_NODES, each instance keeps its own token.', example: 'redis://redis:6379', file: true },
  { name: 'REDIS_CLUSTER_NODES', description: 'A Redis Cluster instead: comma-separated host:port of some of its nodes.', example: '10.0.0.1:6379,10.0.0.2:6379' },
  { name: 'PORT', description: 'Port of the public listener (signing, /livez, /readyz).', default: '8080', example: '8080' },
  { name: 'HOST', description: 'Address of the public listener.', default: '0.0.0.0', example: '0.0.0.0' },
  { name: 'INTERNAL_PORT', description: 'Port of the internal listener (/metrics and the token API).', default: '9090', example: '9090' },
  { name: 'INTERNAL_HOST', description: 'Address of the internal listener.', default: 'HOST', example: '10.0.0.5' },
  { name: 'ALLOWED_ORIGINS', description: 'Comma-separated origins allowed to call the signing endpoint from another origin (CORS), or *.', example: 'https://h5.example.com' },
  { name: 'API_KEYS', description: 'Comma-separated keys (16 printable ASCII characters or more, no spaces) for the token API; without it the token API is off.', example: '6f1c…(openssl rand -hex 32)', file: true },
  { name: 'WECHAT_API_BASE', description: 'Base URL of the WeChat API (a proxy, or a fake in tests).', default: 'https://api.weixin.qq.com', example: 'https://api.weixin.qq.com' },
  { name: 'WECOM_API_BASE', description: 'Base URL of the WeCom API, for the WeCom apps of WECHAT_ACCOUNTS (a proxy, or a fake in tests).', default: 'https://qyapi.weixin.qq.com', example: 'https://qyapi.weixin.qq.com' },
  { name: 'TOKEN_MODE', description: 'stable (POST /cgi-bin/stable_token) or classic (GET /cgi-bin/token), for every account without its own tokenMode.', default: 'stable', example: 'stable' },
  { name: 'LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent.', default: 'info', example: 'info' },
  { name: 'SHUTDOWN_TIMEOUT', description: 'ms that in-flight requests get to finish after SIGTERM or SIGINT.', default: '10000', example: '10000' },
  { name: 'SIGNING_PATH', description: 'Path of the signing endpoint.', default: '/api/wechat/signature', example: '/api/wechat/signature' },
] as const satisfies readonly Variable[];

/** The name of one of {@link VARIABLES}. */
export type VariableName = (typeof VARIABLES)[number]['name'];
